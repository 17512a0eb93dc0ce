"""Fixtures of the cxhub tests: a webhook receiver on 127.0.0.1 and a subscription pointing at it."""

from __future__ import annotations

import pytest

from cxhub.models import WebhookSubscription
from tests.cxhub.webhook_receiver import Receiver


@pytest.fixture
def receiver():
    server = Receiver().start()
    yield server
    server.stop()


@pytest.fixture
def subscription(manager, receiver) -> WebhookSubscription:
    """Alice's subscription to every event, pointing at the local receiver."""
    sub = WebhookSubscription.objects.create(owner=manager, url=receiver.url, event_types=["*"],
                                             description="CRM sync")
    receiver.secret = sub.secret
    return sub

"""The Idempotency-Key drill (bench/drills/idempotency.py), small: a real gunicorn on the test database
gets duplicate and concurrent POSTs with one key each, and every key has one effect."""

from __future__ import annotations

import pytest

from bench.drills.idempotency import run_drill
from cxhub.models import IdempotencyRecord
from journeys.models import Customer
from tickets.models import Ticket

pytestmark = pytest.mark.postgres


def test_duplicate_and_concurrent_posts_with_one_key_have_one_effect(transactional_db):
    # when 3 sequential and twice 6 concurrent requests are sent with one key each, then another body
    result = run_drill(concurrent=6, out=lambda line: None)

    # then each burst got one creating answer, the rest its replay or a 409 that was retried
    for scenario in ("customer", "ticket"):
        assert sum(result.first_answers[scenario].values()) == 6
        assert set(result.first_answers[scenario]) <= {201, 409}
    # and the database holds two customers and one ticket, with a completed record per key
    assert Customer.objects.filter(name__startswith="Idempotency drill").count() == 2
    assert Ticket.objects.filter(subject__startswith="Idempotency drill").count() == 1
    assert sorted(IdempotencyRecord.objects.values_list("status_code", flat=True)) == [201, 201, 201]

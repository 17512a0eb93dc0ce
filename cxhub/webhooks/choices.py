from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class DeliveryStatus(models.TextChoices):
    """Where a delivery of one event to one subscription stands.

    FAILED: the last attempt failed and no automatic retry follows (a test ping, or a manual redelivery
    after the retry window). ABANDONED: automatic retries ran out, the retry window after the event passed.
    """

    PENDING = "pending", _("Pending")
    RETRYING = "retrying", _("Retrying")
    SUCCEEDED = "succeeded", _("Succeeded")
    FAILED = "failed", _("Failed")
    ABANDONED = "abandoned", _("Abandoned")


# Deliveries that may still be attempted without a manager asking.
OPEN_STATUSES = (DeliveryStatus.PENDING, DeliveryStatus.RETRYING)

"""What the service side tells customer health: how many tickets each customer has open.

Registered with `journeys.extensions` from `TicketsConfig.ready()`.
"""

from __future__ import annotations

from collections.abc import Sequence

from django.db.models import Count

from tickets.choices import OPEN_STATUSES
from tickets.models import Ticket


def open_ticket_counts(customer_ids: Sequence[int]) -> dict[int, int]:
    """Open (new, open or pending) tickets per customer, merged duplicates left out; one query."""
    rows = (
        Ticket.objects.filter(customer_id__in=list(customer_ids), status__in=OPEN_STATUSES,
                              merged_into__isnull=True)
        .values("customer_id").annotate(n=Count("id")).order_by()
    )
    return {row["customer_id"]: row["n"] for row in rows}

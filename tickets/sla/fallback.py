"""Default service-level targets by priority, in calendar hours.

A first cut: SLA policies with business hours, holidays and pausing replace this table later; tickets
keep their due times as fields, so that change does not touch the outcome signals.
"""

from __future__ import annotations

import datetime as dt

from tickets.choices import Priority

FIRST_RESPONSE_HOURS = {Priority.URGENT: 1, Priority.HIGH: 4, Priority.NORMAL: 8, Priority.LOW: 24}
RESOLUTION_HOURS = {Priority.URGENT: 4, Priority.HIGH: 24, Priority.NORMAL: 72, Priority.LOW: 120}


def due_times(priority: str, created_at: dt.datetime) -> tuple[dt.datetime, dt.datetime]:
    """(first response due, resolution due) for a ticket of this priority created then."""
    return (
        created_at + dt.timedelta(hours=FIRST_RESPONSE_HOURS[Priority(priority)]),
        created_at + dt.timedelta(hours=RESOLUTION_HOURS[Priority(priority)]),
    )

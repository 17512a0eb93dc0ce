"""The targets used when no SLA policy matches a ticket: calendar hours by priority, around the clock.

These were the first cut's only targets. They stay as the fallback so that every ticket has due times
even before anyone configures a policy. Next response falls back to the first-response target.
"""

from __future__ import annotations

import datetime as dt

from tickets.choices import Priority

FIRST_RESPONSE_HOURS = {Priority.URGENT: 1, Priority.HIGH: 4, Priority.NORMAL: 8, Priority.LOW: 24}
RESOLUTION_HOURS = {Priority.URGENT: 4, Priority.HIGH: 24, Priority.NORMAL: 72, Priority.LOW: 120}
AT_RISK_PERCENT = 80


def due_times(priority: str, created_at: dt.datetime) -> tuple[dt.datetime, dt.datetime]:
    """(first response due, resolution due) for a ticket of this priority created then, with no pause."""
    return (
        created_at + dt.timedelta(hours=FIRST_RESPONSE_HOURS[Priority(priority)]),
        created_at + dt.timedelta(hours=RESOLUTION_HOURS[Priority(priority)]),
    )

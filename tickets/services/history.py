"""The two steps every ticket service shares: lock the ticket, and record what changed."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib.auth.models import AbstractBaseUser

from tickets.models import Ticket, TicketEvent


def ticket_lock(ticket: Ticket) -> Ticket:
    """Refresh the caller's ticket in place under a row lock: decisions are made on fresh state.

    The customer and touchpoint come in the same query (every outcome signal needs them); only the
    ticket's own row is locked (`of`), which PostgreSQL also needs for the outer join to touchpoint.
    """
    locked = Ticket.objects.select_related("customer", "touchpoint").select_for_update(of=("self",))
    ticket.refresh_from_db(from_queryset=locked)
    return ticket


def ticket_event(ticket: Ticket, kind: str, actor: AbstractBaseUser | None, at: dt.datetime,
                 **data: Any) -> TicketEvent:
    """One line of the ticket's history: who did what, when."""
    return TicketEvent.objects.create(ticket=ticket, kind=kind, actor=actor, data=data, created_at=at)

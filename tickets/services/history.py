"""The two steps every ticket service shares: lock the ticket, and record what changed."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib.auth.models import AbstractBaseUser

from cxhub.webhooks import events as webhook_events
from cxhub.webhooks.services import event_emit
from tickets.choices import EventKind, Status
from tickets.models import Ticket, TicketEvent

# History kinds that a CRM hears about as ticket.updated (status has its own rule for resolved).
_WEBHOOK_CHANGES = {
    EventKind.STATUS: "status", EventKind.ASSIGNED: "assignment", EventKind.PRIORITY: "priority",
    EventKind.CATEGORY: "category", EventKind.TAGS: "tags", EventKind.RESOLUTION_CODE: "resolution_code",
    EventKind.FIELDS: "custom_fields",
}


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
    """One line of the ticket's history: who did what, when; and the matching webhook event, if any.

    Every created, changed and resolved ticket passes here inside its service's transaction, so the
    webhook event commits (or rolls back) with the change.
    """
    event = TicketEvent.objects.create(ticket=ticket, kind=kind, actor=actor, data=data, created_at=at)
    if kind == EventKind.CREATED:
        event_emit(webhook_events.TICKET_CREATED, ticket_webhook_data(ticket))
    elif kind == EventKind.STATUS and data.get("new") == Status.RESOLVED and ticket.first_resolved_at == at:
        event_emit(webhook_events.TICKET_RESOLVED, ticket_webhook_data(ticket))
    elif kind in _WEBHOOK_CHANGES:
        change = {"change": _WEBHOOK_CHANGES[kind]}
        if kind in (EventKind.STATUS, EventKind.PRIORITY, EventKind.ASSIGNED):
            change["previous"] = data.get("old")
        event_emit(webhook_events.TICKET_UPDATED, {**ticket_webhook_data(ticket), **change})
    return event


def ticket_webhook_data(ticket: Ticket) -> dict[str, Any]:
    """A ticket as webhooks carry it: small and stable (docs/webhooks.md); GET the API for the rest."""
    return {
        "id": ticket.pk,
        "external_id": ticket.external_id,
        "status": ticket.status,
        "priority": ticket.priority,
        "channel": ticket.channel,
        "customer": {"id": ticket.customer_id, "external_id": ticket.customer.external_id},
        "touchpoint_id": ticket.touchpoint_id,
        "team_id": ticket.team_id,
        "assignee_id": ticket.assignee_id,
        "created_at": ticket.created_at,
        "updated_at": ticket.updated_at,
        "first_resolved_at": ticket.first_resolved_at,
        "resolved_at": ticket.resolved_at,
        "closed_at": ticket.closed_at,
    }

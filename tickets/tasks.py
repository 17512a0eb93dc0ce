"""Thin Celery wrappers around the ticket services. Each beat task works in bounded batches: it handles
one batch and, when the batch was full, queues itself for the next one after the last id it saw."""

from __future__ import annotations

import datetime as dt

from celery import shared_task
from django.conf import settings
from django.utils import timezone

from tickets.choices import OPEN_STATUSES
from tickets.models import Ticket
from tickets.services.automation import (
    auto_close_candidates,
    pending_reminder_candidates,
    ticket_auto_close,
    ticket_send_pending_reminder,
)
from tickets.services.sla import ticket_sla_refresh
from tickets.sla.calendar import Calendar


def _when(at: str | None) -> dt.datetime:
    """The moment a run acts as of: now, or an ISO time (so tests and back-fills are exact)."""
    return dt.datetime.fromisoformat(at) if at else timezone.now()


RETRY = {"autoretry_for": (Exception,), "retry_backoff": True, "retry_backoff_max": 300, "max_retries": 5}


@shared_task(**RETRY)
def update_sla_statuses(after_id: int = 0, at: str | None = None) -> dict[str, int]:
    """Recompute the SLA status (ok / at risk / breached) of open tickets, one locked ticket at a time.

    Idempotent: a ticket whose status did not change is left as it is and gets no history entry.
    """
    now = _when(at)
    ids = list(Ticket.objects.filter(status__in=OPEN_STATUSES, pk__gt=after_id).order_by("pk")
               .values_list("pk", flat=True)[: settings.SLA_BATCH_SIZE])
    calendars: dict[int, Calendar] = {}  # each calendar is read once per batch
    changed = 0
    for ticket_id in ids:
        before = Ticket.objects.filter(pk=ticket_id).values_list("sla_status", flat=True).first()
        state = ticket_sla_refresh(ticket_id=ticket_id, at=now, calendars=calendars)
        changed += state is not None and state.status != before
    if len(ids) == settings.SLA_BATCH_SIZE:
        update_sla_statuses.delay(after_id=ids[-1], at=at)
    return {"tickets": len(ids), "changed": changed}


@shared_task(**RETRY)
def close_resolved_tickets(at: str | None = None) -> dict[str, int]:
    """Close tickets resolved more than TICKET_AUTO_CLOSE_DAYS ago. Closed tickets leave the candidate
    list, so the next batch is simply the next query."""
    now = _when(at)
    ids = list(auto_close_candidates(at=now).values_list("pk", flat=True)[: settings.AUTOMATION_BATCH_SIZE])
    closed = sum(ticket_auto_close(ticket_id=ticket_id, at=now) for ticket_id in ids)
    if len(ids) == settings.AUTOMATION_BATCH_SIZE and closed:
        close_resolved_tickets.delay(at=at)
    return {"candidates": len(ids), "closed": closed}


@shared_task(**RETRY)
def remind_pending_customers(at: str | None = None) -> dict[str, int]:
    """E-mail customers whose ticket waits on them longer than PENDING_REMINDER_HOURS, once per pending
    period. Reminded tickets leave the candidate list, so the next batch is the next query."""
    now = _when(at)
    ids = list(pending_reminder_candidates(at=now).values_list("pk", flat=True)[: settings.AUTOMATION_BATCH_SIZE])
    sent = sum(ticket_send_pending_reminder(ticket_id=ticket_id, at=now) for ticket_id in ids)
    if len(ids) == settings.AUTOMATION_BATCH_SIZE:
        remind_pending_customers.delay(at=at)
    return {"candidates": len(ids), "sent": sent}

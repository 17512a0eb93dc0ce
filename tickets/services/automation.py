"""Time-based automations: close resolved tickets after a while, remind customers of pending tickets.

Each unit of work takes a ticket id, locks the row and checks its condition again before acting, so a
beat run that overlaps another, or a retried task, changes nothing twice.
"""

from __future__ import annotations

import datetime as dt
from functools import partial

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Exists, OuterRef, Q, QuerySet, Subquery
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from tickets.choices import EventKind, Status
from tickets.models import Ticket, TicketEvent
from tickets.services.core import ticket_change_status
from tickets.services.history import ticket_event


def auto_close_candidates(*, at: dt.datetime) -> QuerySet[Ticket]:
    """Resolved tickets whose resolution is older than TICKET_AUTO_CLOSE_DAYS, oldest first."""
    cutoff = at - dt.timedelta(days=settings.TICKET_AUTO_CLOSE_DAYS)
    return Ticket.objects.filter(status=Status.RESOLVED, resolved_at__lte=cutoff).order_by("resolved_at", "id")


@transaction.atomic
def ticket_auto_close(*, ticket_id: int, at: dt.datetime | None = None) -> bool:
    """Close one resolved ticket through the normal workflow (actor: none) if it is still due for it.

    Returns whether it closed it. Locks the row: a customer reopening it at the same moment wins or
    loses cleanly.
    """
    at = at or timezone.now()
    ticket = Ticket.objects.select_for_update().filter(pk=ticket_id).first()
    if ticket is None or ticket.status != Status.RESOLVED or ticket.resolved_at is None:
        return False
    if ticket.resolved_at > at - dt.timedelta(days=settings.TICKET_AUTO_CLOSE_DAYS):
        return False
    ticket_change_status(ticket=ticket, status=Status.CLOSED, actor=None, at=at)
    return True


def _pending_since() -> Subquery:
    last_pending = (TicketEvent.objects.filter(ticket=OuterRef("pk"), kind=EventKind.STATUS, data__new=Status.PENDING)
                    .order_by("-created_at", "-id").values("created_at")[:1])
    return Subquery(last_pending)


def pending_reminder_candidates(*, at: dt.datetime) -> QuerySet[Ticket]:
    """Pending tickets waiting longer than PENDING_REMINDER_HOURS with no reminder in this pending period."""
    cutoff = at - dt.timedelta(hours=settings.PENDING_REMINDER_HOURS)
    reminded = TicketEvent.objects.filter(ticket=OuterRef("pk"), kind=EventKind.REMINDER,
                                          created_at__gte=OuterRef("pending_since"))
    return (Ticket.objects.filter(status=Status.PENDING)
            .annotate(pending_since=_pending_since())
            .filter(Q(pending_since__lte=cutoff), ~Exists(reminded))
            .order_by("pending_since", "id"))


def _reminder_text(ticket: Ticket) -> tuple[str, str]:
    """The reminder in the customer's language (the subject keeps "Re:" and the number mail threads by)."""
    subject = f"Re: {ticket.subject} [#{ticket.pk}]"
    with translation.override(ticket.customer.language):
        body = (_("Hello %(name)s,") % {"name": ticket.customer.name} + "\n\n"
                + _("We are waiting for your answer on request #%(number)s \"%(subject)s\". Reply to this "
                    "message when you can, and we will pick it up straight away.")
                % {"number": ticket.pk, "subject": ticket.subject} + "\n")
    return subject, body


@transaction.atomic
def ticket_send_pending_reminder(*, ticket_id: int, at: dt.datetime | None = None) -> bool:
    """E-mail the customer of a ticket pending too long, once per pending period.

    The reminder is recorded in the history in the same transaction that decides to send it, and the
    e-mail goes out only after that commits: at most one reminder per pending period, even when runs
    overlap (a failed send is logged by the mail backend, not retried). Returns whether it sent one.
    """
    at = at or timezone.now()
    ticket = (Ticket.objects.select_for_update(of=("self",)).select_related("customer")
              .filter(pk=ticket_id).first())
    if ticket is None or not pending_reminder_candidates(at=at).filter(pk=ticket_id).exists():
        return False
    email = ticket.customer.email
    ticket_event(ticket, EventKind.REMINDER, None, at, automatic=True, sent=bool(email))
    if not email:
        return False  # recorded, so the job does not look at it again this period
    subject, body = _reminder_text(ticket)
    transaction.on_commit(partial(send_mail, subject, body, settings.DEFAULT_FROM_EMAIL, [email]))
    return True

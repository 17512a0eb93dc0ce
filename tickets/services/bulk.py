"""Changing many tickets at once, from the queue page or the API."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone

from cxhub.exceptions import DomainError
from tickets.models import Ticket
from tickets.services.classify import ticket_set_priority
from tickets.services.core import ticket_assign, ticket_change_status

# One request locks at most this many rows; larger changes go in several calls.
BULK_LIMIT = 500


@dataclass
class BulkResult:
    changed: list[int] = field(default_factory=list)
    failed: list[tuple[int, str]] = field(default_factory=list)  # (ticket id, why not)


def tickets_bulk_update(
    *,
    ticket_ids: Sequence[int],
    actor: AbstractBaseUser,
    status: str | None = None,
    priority: str | None = None,
    assignee: AbstractBaseUser | None = None,
    unassign: bool = False,
    at: dt.datetime | None = None,
) -> BulkResult:
    """Apply the same change (assignee, priority and/or status) to each ticket, in one transaction.

    Every row goes through the same services as a single change, inside its own savepoint: a row the
    rules refuse is left exactly as it was and reported with the reason; the others are changed.
    Rows are locked in id order, so two bulk changes over overlapping tickets cannot deadlock.
    """
    if status is None and priority is None and assignee is None and not unassign:
        raise DomainError("Choose what to change: assignee, priority or status.")
    if assignee is not None and unassign:
        raise DomainError("Assign or unassign, not both.", field="assignee")
    ids = list(dict.fromkeys(int(i) for i in ticket_ids))
    if not ids:
        raise DomainError("Select at least one ticket.", field="tickets")
    if len(ids) > BULK_LIMIT:
        raise DomainError(f"At most {BULK_LIMIT} tickets at once.", field="tickets")
    at = at or timezone.now()
    result = BulkResult()
    with transaction.atomic():
        tickets = {t.pk: t for t in Ticket.objects.select_for_update().filter(pk__in=ids).order_by("pk")}
        for ticket_id in ids:
            ticket = tickets.get(ticket_id)
            if ticket is None:
                result.failed.append((ticket_id, "No such ticket."))
                continue
            try:
                with transaction.atomic():
                    if assignee is not None or unassign:
                        ticket_assign(ticket=ticket, assignee=assignee, actor=actor, at=at)
                    if priority is not None:
                        ticket_set_priority(ticket=ticket, priority=priority, actor=actor, at=at)
                    if status is not None and status != ticket.status:
                        ticket_change_status(ticket=ticket, status=status, actor=actor, at=at)
            except DomainError as exc:
                result.failed.append((ticket_id, exc.message))
            else:
                result.changed.append(ticket_id)
    return result

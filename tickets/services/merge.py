"""Merging a duplicate into the ticket that is kept, and linking related tickets."""

from __future__ import annotations

import datetime as dt

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from cxhub.exceptions import ConflictError, DomainError
from tickets.choices import EventKind, LinkKind, Status
from tickets.models import Ticket, TicketLink, TicketMessage
from tickets.services.core import ticket_change_status
from tickets.services.history import ticket_event, ticket_lock


def _lock_pair(first: Ticket, second: Ticket) -> None:
    """Refresh both tickets in place under row locks, taken in id order.

    Two merges or links of the same pair started from opposite ends (A into B, B into A) then wait
    for each other instead of deadlocking.
    """
    for ticket in sorted((first, second), key=lambda t: t.pk):
        ticket_lock(ticket)


@transaction.atomic
def ticket_merge(
    *, duplicate: Ticket, into: Ticket, actor: AbstractBaseUser | None, at: dt.datetime | None = None
) -> Ticket:
    """Merge `duplicate` into `into` (the ticket that is kept) and return the kept ticket.

    The duplicate's messages move to the kept ticket with their own timestamps (attachments go
    with them), a DUPLICATE link records the merge, and the duplicate is closed and points at the
    kept ticket through `merged_into`. Both tickets get a MERGED event.

    Closing the duplicate is the one documented exception to the workflow's transitions
    (tickets.choices.TRANSITIONS has no open -> closed): a duplicate that was never resolved is
    closed directly, *without being scored*. It records no experience signals: the customer's
    request lives on in the kept ticket, whose resolution is the outcome that counts; scoring the
    duplicate too would count one request twice and, as it was never answered on its own, as a
    breach or a slow resolution it was not. A duplicate that is resolved already was scored at its
    first resolution; it is closed through the ordinary workflow (resolved -> closed).

    The kept ticket's own timestamps (first response, due times, resolution) stay as they are: the
    moved messages join its conversation, they do not rewrite its service history.

    Both tickets are locked (in id order) for the duration.
    """
    at = at or timezone.now()
    if duplicate.pk == into.pk:
        raise DomainError("A ticket cannot be merged into itself.", field="into")
    _lock_pair(duplicate, into)
    if duplicate.customer_id != into.customer_id:
        raise DomainError("Only tickets of the same customer can be merged.", field="into")
    if duplicate.merged_into_id is not None:
        raise ConflictError(f"Ticket #{duplicate.pk} was merged into #{duplicate.merged_into_id} already.",
                            field="into")
    if into.merged_into_id is not None:
        raise ConflictError(
            f"Ticket #{into.pk} was itself merged into #{into.merged_into_id}; merge into that one instead.",
            field="into",
        )
    if into.status == Status.CLOSED:
        raise ConflictError(f"Ticket #{into.pk} is closed; merge into an open ticket instead.", field="into")

    moved = TicketMessage.objects.filter(ticket=duplicate).update(ticket=into)
    TicketLink.objects.get_or_create(from_ticket=duplicate, to_ticket=into, kind=LinkKind.DUPLICATE,
                                     defaults={"created_by": actor})

    duplicate.merged_into = into
    duplicate.save(update_fields=["merged_into", "updated_at"])
    if duplicate.status == Status.RESOLVED:
        ticket_change_status(ticket=duplicate, status=Status.CLOSED, actor=actor, at=at)
    elif duplicate.status != Status.CLOSED:
        old = duplicate.status
        duplicate.status = Status.CLOSED
        duplicate.closed_at = at
        duplicate.save(update_fields=["status", "closed_at", "updated_at"])
        ticket_event(duplicate, EventKind.STATUS, actor, at, old=old, new=Status.CLOSED, merged=True)

    ticket_event(duplicate, EventKind.MERGED, actor, at, into=into.pk, messages=moved)
    ticket_event(into, EventKind.MERGED, actor, at, merged_from=duplicate.pk, messages=moved)
    into.save(update_fields=["updated_at"])  # its conversation changed: syncing clients must see it
    return into


def _related(ticket: Ticket, other: Ticket) -> Q:
    return Q(kind=LinkKind.RELATED) & (
        Q(from_ticket=ticket, to_ticket=other) | Q(from_ticket=other, to_ticket=ticket)
    )


@transaction.atomic
def ticket_link(
    *, ticket: Ticket, other: Ticket, actor: AbstractBaseUser | None, at: dt.datetime | None = None
) -> TicketLink:
    """Record that two tickets are related; linking a pair that is linked (either way) returns that link.

    Both tickets are locked in id order, so concurrent A-B and B-A links make one link, not two.
    """
    if ticket.pk == other.pk:
        raise DomainError("A ticket cannot be linked to itself.", field="other")
    _lock_pair(ticket, other)
    existing = TicketLink.objects.filter(_related(ticket, other)).first()
    if existing is not None:
        return existing
    at = at or timezone.now()
    link = TicketLink.objects.create(from_ticket=ticket, to_ticket=other, kind=LinkKind.RELATED,
                                     created_by=actor)
    ticket_event(ticket, EventKind.LINKED, actor, at, action="linked", other=other.pk)
    ticket_event(other, EventKind.LINKED, actor, at, action="linked", other=ticket.pk)
    return link


@transaction.atomic
def ticket_unlink(
    *, ticket: Ticket, other: Ticket, actor: AbstractBaseUser | None, at: dt.datetime | None = None
) -> bool:
    """Remove the RELATED link between two tickets, whichever way it was made; False if there was none.

    A DUPLICATE link records a merge and stays.
    """
    _lock_pair(ticket, other)
    removed, _ = TicketLink.objects.filter(_related(ticket, other)).delete()
    if not removed:
        return False
    at = at or timezone.now()
    ticket_event(ticket, EventKind.LINKED, actor, at, action="unlinked", other=other.pk)
    ticket_event(other, EventKind.LINKED, actor, at, action="unlinked", other=ticket.pk)
    return True

"""Tickets created or updated by their CRM id, one at a time or in bulk.

An upsert goes through the same services as every other door, so routing, the SLA, the history and the
outcome signals stay right:

- a new ticket is made by `ticket_create` (needs customer, subject and body; routing and the SLA policy
  apply as for any new ticket), then moved to `status` by `ticket_change_status` if one is given;
- an existing ticket may change its `priority` (`ticket_set_priority`, the SLA follows), its `assignee`
  (`ticket_assign`, null unassigns) and its `status` (`ticket_change_status`, the workflow's transitions
  apply: an invalid one is an error and changes nothing);
- `body` is the customer's first message and only read when the ticket is created;
- `customer`, `subject`, `channel`, `touchpoint`, `category` and `team` are set when the ticket is made;
  sending another value later is an error on that field (there is no service that changes a subject, and
  classification and routing have their own actions), sending the same value is fine.

Historical tickets from a CSV import go through `ticket_import` instead: they keep the times and status
they had, and nothing about them is announced (see its docstring).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.db import IntegrityError, transaction
from django.utils import timezone

from cxhub.exceptions import ConflictError, DomainError
from journeys.choices import Channel, SignalKind
from journeys.services import UpsertOutcome
from tickets.choices import EventKind, MessageKind, Priority, SlaStatus, Status
from tickets.models import Ticket, TicketEvent, TicketMessage
from tickets.services.classify import ticket_set_priority
from tickets.services.core import _signal, ticket_assign, ticket_change_status, ticket_create
from tickets.services.history import ticket_lock
from tickets.services.sla import sla_initial_due_times, sla_policy_for, sla_refresh_locked, ticket_sla_state

CREATE_FIELDS = ("customer", "subject", "body", "touchpoint", "channel", "priority", "category", "team",
                 "assignee")
# Set when the ticket is made; a later upsert may repeat them but not change them.
FIXED_FIELDS = ("customer", "subject", "channel", "touchpoint", "category", "team")


def _differs(ticket: Ticket, name: str, value: Any) -> bool:
    if name == "subject":
        return (value or "").strip() != ticket.subject
    if name == "channel":
        return value != ticket.channel
    wanted = value.pk if value is not None else None
    return wanted != getattr(ticket, f"{name}_id")


@transaction.atomic
def ticket_upsert(
    *, external_id: str, values: Mapping[str, Any], actor: AbstractBaseUser | None
) -> tuple[Ticket, bool]:
    """Create the ticket with this CRM id, or apply the changes an upsert may make (see the module's
    docstring). All or nothing: a change a rule refuses leaves the ticket as it was. Returns the ticket
    and whether it was created."""
    key = (external_id or "").strip()
    if not key:
        raise DomainError("The external_id cannot be empty.", field="external_id")
    existing = Ticket.objects.filter(external_id=key).first()
    if existing is None:
        for required in ("customer", "subject", "body"):
            if not values.get(required):
                raise DomainError(f"A {required} is needed to create a ticket.", field=required)
        ticket = ticket_create(actor=actor, external_id=key,
                               **{name: values[name] for name in CREATE_FIELDS if values.get(name) is not None})
        if values.get("status") and values["status"] != ticket.status:
            ticket_change_status(ticket=ticket, status=values["status"], actor=actor)
        return ticket, True
    ticket = ticket_lock(existing)
    for name in FIXED_FIELDS:
        if name in values and _differs(ticket, name, values[name]):
            raise DomainError(f"An upsert cannot change the ticket's {name} once it is made.", field=name)
    if values.get("priority") and values["priority"] != ticket.priority:
        ticket_set_priority(ticket=ticket, priority=values["priority"], actor=actor)
    if "assignee" in values and _differs(ticket, "assignee", values["assignee"]):
        ticket_assign(ticket=ticket, assignee=values["assignee"], actor=actor)
    if values.get("status") and values["status"] != ticket.status:
        ticket_change_status(ticket=ticket, status=values["status"], actor=actor)
    return ticket, False


def tickets_upsert(
    *, items: Sequence[Mapping[str, Any]], actor: AbstractBaseUser | None
) -> list[UpsertOutcome]:
    """Upsert each item (`external_id` plus the fields of `ticket_upsert`) in order, each in a savepoint of
    its own: an item a rule refuses is reported and leaves nothing behind, the others are written. A CRM id
    repeated in the call names one ticket: the later item updates the one the earlier item made.

    The caller owns the surrounding transaction (and may roll it all back for an all-or-nothing call).
    Costs each ticket's services' queries: keep calls to BULK_UPSERT_LIMIT items.
    """
    outcomes = []
    for index, item in enumerate(items):
        key = str(item.get("external_id") or "").strip()
        try:
            ticket, created = ticket_upsert(external_id=key, values=item, actor=actor)  # a savepoint
        except DomainError as error:
            outcomes.append(UpsertOutcome.failed(index, key, error))
            continue
        outcomes.append(UpsertOutcome(index, key, "created" if created else "updated", ticket.pk))
    return outcomes


# --- Historical tickets from a CSV import (cxhub.imports, docs/import.md) ----------------------------

IMPORTED = "imported"  # marks the history lines an import wrote
# An import moves a ticket forward only: a ticket that has moved further in CX Hub is left as it is.
_STATUS_RANK = {Status.NEW: 0, Status.OPEN: 1, Status.PENDING: 1, Status.RESOLVED: 2, Status.CLOSED: 3}
# Clocks of the exporting system and ours differ a little; more than this ahead is a mistake.
_CLOCK_SKEW = dt.timedelta(minutes=5)


@dataclass(frozen=True)
class _History:
    """When the ticket was asked for, resolved and closed, and the status it has now, checked."""

    status: str
    created_at: dt.datetime
    first_response_at: dt.datetime | None
    resolved_at: dt.datetime | None
    closed_at: dt.datetime | None
    first_contact_resolution: bool | None


def _history(values: Mapping[str, Any]) -> _History:
    names = ("created_at", "first_response_at", "resolved_at", "closed_at")
    created_at, first_response_at, resolved_at, closed_at = (values.get(name) for name in names)
    if created_at is None:
        raise DomainError("created_at is needed: when the customer asked.", field="created_at")
    now = timezone.now()
    for name, at in zip(names, (created_at, first_response_at, resolved_at, closed_at), strict=True):
        if at is not None and timezone.is_naive(at):
            raise DomainError(f"{name} needs a time zone.", field=name)
        if at is not None and at > now + _CLOCK_SKEW:
            raise DomainError(f"{name} is in the future.", field=name)
    status = values.get("status") or (Status.CLOSED if closed_at else Status.RESOLVED if resolved_at else Status.NEW)
    if status not in Status.values:
        raise DomainError(f"Unknown status {status!r}.", field="status")
    if status in (Status.RESOLVED, Status.CLOSED):
        if resolved_at is None:
            raise DomainError(f"A {status} ticket needs its resolved_at.", field="resolved_at")
        if resolved_at < created_at:
            raise DomainError("resolved_at is before created_at.", field="resolved_at")
    elif resolved_at is not None:
        raise DomainError(f"A {status} ticket has no resolved_at: leave it empty, or give the status resolved.",
                          field="resolved_at")
    if closed_at is not None:
        if status != Status.CLOSED:
            raise DomainError("Only a closed ticket has a closed_at.", field="closed_at")
        if resolved_at is not None and closed_at < resolved_at:
            raise DomainError("closed_at is before resolved_at.", field="closed_at")
    if first_response_at is not None:
        if first_response_at < created_at:
            raise DomainError("first_response_at is before created_at.", field="first_response_at")
        if resolved_at is not None and first_response_at > resolved_at:
            raise DomainError("first_response_at is after resolved_at.", field="first_response_at")
    if status == Status.CLOSED and closed_at is None:
        closed_at = resolved_at
    return _History(status, created_at, first_response_at, resolved_at, closed_at,
                    values.get("first_contact_resolution"))


def _imported_event(ticket: Ticket, kind: str, actor: AbstractBaseUser | None, at: dt.datetime,
                    **data: Any) -> None:
    # Written straight, not through ticket_event: history brought in is not news, so no webhook goes out.
    TicketEvent.objects.create(ticket=ticket, kind=kind, actor=actor, created_at=at, data={**data, IMPORTED: True})


def _imported_first_response(ticket: Ticket, at: dt.datetime, actor: AbstractBaseUser | None) -> list[str]:
    """The first agent reply as the SLA clock and the ledger know it: its time (the reply's text is not
    imported, so the history has the line and the conversation has no message)."""
    ticket.first_response_at = at
    _imported_event(ticket, EventKind.MESSAGE, actor, at, message_kind=MessageKind.REPLY)
    _signal(ticket, SignalKind.FIRST_RESPONSE, at, value=round((at - ticket.created_at).total_seconds()))
    return ["first_response_at"]


def _imported_first_resolution(ticket: Ticket, at: dt.datetime, fcr: bool | None) -> list[str]:
    """The scored outcome of a first resolution, as core._record_first_resolution records it, dated `at`;
    first-contact resolution only when the file says so (the conversation itself is not imported)."""
    _signal(ticket, SignalKind.TICKET_RESOLVED, at, value=round((at - ticket.created_at).total_seconds()))
    resolution = ticket_sla_state(ticket=ticket, at=at).resolution  # before the resolving event, as core does
    _signal(ticket, SignalKind.SLA_BREACHED if resolution.breached else SignalKind.SLA_MET, at)
    if fcr:
        ticket.first_contact_resolution = True
        _signal(ticket, SignalKind.FIRST_CONTACT_RESOLUTION, at)
        return ["first_contact_resolution"]
    return []


def _imported_move(ticket: Ticket, history: _History, actor: AbstractBaseUser | None, at: dt.datetime) -> None:
    """Move the ticket forward to the file's status. `at` dates a move to open or pending (the file does
    not say when it happened); resolving and closing are dated by the file."""
    old, new = ticket.status, history.status
    fields = ["status", "updated_at"]
    if new in (Status.OPEN, Status.PENDING):
        _imported_event(ticket, EventKind.STATUS, actor, at, old=old, new=new)
    else:
        if old not in (Status.RESOLVED, Status.CLOSED):
            assert history.resolved_at is not None  # checked by _history
            if ticket.first_resolved_at is None:
                fields += _imported_first_resolution(ticket, history.resolved_at, history.first_contact_resolution)
                ticket.first_resolved_at = history.resolved_at
                fields.append("first_resolved_at")
            _imported_event(ticket, EventKind.STATUS, actor, history.resolved_at, old=old, new=Status.RESOLVED)
            ticket.resolved_at = history.resolved_at
            fields.append("resolved_at")
        if new == Status.CLOSED:
            assert history.closed_at is not None
            _imported_event(ticket, EventKind.STATUS, actor, history.closed_at, old=Status.RESOLVED, new=new)
            ticket.closed_at = history.closed_at
            fields.append("closed_at")
    ticket.status = new
    ticket.save(update_fields=fields)
    # The due times and SLA status as they stood when the ticket stopped, or now while it is open.
    sla_refresh_locked(ticket=ticket, at=history.closed_at or history.resolved_at or timezone.now())


def _imported_create(key: str, values: Mapping[str, Any], history: _History,
                     actor: AbstractBaseUser | None) -> Ticket:
    for required in ("customer", "subject", "body"):
        if not values.get(required):
            raise DomainError(f"A {required} is needed to create a ticket.", field=required)
    subject, body = str(values["subject"]).strip(), str(values["body"]).strip()
    if len(subject) > 200:
        raise DomainError(f"The subject is too long ({len(subject)} of at most 200 characters).", field="subject")
    channel = values.get("channel") or Channel.EMAIL
    priority = values.get("priority") or Priority.NORMAL
    if channel not in Channel.values:
        raise DomainError(f"Unknown channel {channel!r}.", field="channel")
    if priority not in Priority.values:
        raise DomainError(f"Unknown priority {priority!r}.", field="priority")
    touchpoint, category = values.get("touchpoint"), values.get("category")
    if touchpoint is not None and not touchpoint.is_active:
        raise DomainError("That touchpoint is no longer active.", field="touchpoint")
    if category is not None and not category.is_active:
        raise DomainError("That category is no longer in use.", field="category")
    # No routing rules: the ticket was routed when it happened. Its team is the file's, else the
    # touchpoint's owning team, and nobody is assigned (the round robin's counts stay as they are).
    team = values.get("team") or (touchpoint.owner_team if touchpoint is not None else None)
    policy = sla_policy_for(priority=priority, team_id=team.pk if team else None, channel=channel)
    first_due, resolution_due = sla_initial_due_times(policy=policy, priority=priority, created_at=history.created_at)
    try:
        with transaction.atomic():
            ticket = Ticket.objects.create(
                subject=subject, customer=values["customer"], touchpoint=touchpoint, channel=channel,
                priority=priority, team=team, created_by=actor, external_id=key, created_at=history.created_at,
                first_response_due_at=first_due, resolution_due_at=resolution_due, category=category,
                sla_policy=policy, sla_status=SlaStatus.OK,
            )
    except IntegrityError:
        raise ConflictError("A ticket with this external_id was created meanwhile; import the row again.",
                            field="external_id") from None
    TicketMessage.objects.create(ticket=ticket, kind=MessageKind.CUSTOMER, body=body, created_at=history.created_at)
    _imported_event(ticket, EventKind.CREATED, actor, history.created_at, status=ticket.status, priority=priority)
    if history.first_response_at is not None:
        ticket.save(update_fields=_imported_first_response(ticket, history.first_response_at, actor))
    if history.status != Status.NEW:
        _imported_move(ticket, history, actor, history.created_at)
    else:
        sla_refresh_locked(ticket=ticket, at=timezone.now())
    return ticket


def _imported_update(ticket: Ticket, values: Mapping[str, Any], history: _History,
                     actor: AbstractBaseUser | None) -> bool:
    """Apply what a newer export may change; returns whether anything changed."""
    for name in FIXED_FIELDS:
        if name in values and _differs(ticket, name, values[name]):
            raise DomainError(f"An import cannot change the ticket's {name} once it is made.", field=name)
    if history.created_at != ticket.created_at:
        raise DomainError("An import cannot change when the ticket was created.", field="created_at")
    if (ticket.first_resolved_at is not None and history.resolved_at is not None
            and history.status in (Status.RESOLVED, Status.CLOSED) and ticket.status == history.status
            and history.resolved_at != ticket.resolved_at):
        raise DomainError(f"The ticket was resolved at {ticket.resolved_at:%Y-%m-%d %H:%M} {ticket.resolved_at:%Z}; "
                          "an import does not move a recorded resolution.", field="resolved_at")
    if (history.first_contact_resolution is not None and ticket.first_resolved_at is not None
            and history.first_contact_resolution != ticket.first_contact_resolution):
        raise DomainError("An import cannot change whether a resolved ticket was resolved at first contact.",
                          field="first_contact_resolution")
    if (history.first_response_at is not None and ticket.first_response_at is not None
            and history.first_response_at != ticket.first_response_at):
        raise DomainError("The ticket has its first response already; an import does not move it.",
                          field="first_response_at")
    changed = False
    now = timezone.now()
    if history.first_response_at is not None and ticket.first_response_at is None:
        ticket.save(update_fields=[*_imported_first_response(ticket, history.first_response_at, actor), "updated_at"])
        changed = True
    priority = values.get("priority")
    if priority and priority != ticket.priority:
        if priority not in Priority.values:
            raise DomainError(f"Unknown priority {priority!r}.", field="priority")
        old, ticket.priority = ticket.priority, priority
        ticket.save(update_fields=["priority", "updated_at"])
        _imported_event(ticket, EventKind.PRIORITY, actor, now, old=old, new=priority)
        sla_refresh_locked(ticket=ticket, at=history.closed_at or history.resolved_at or now, reselect_policy=True)
        changed = True
    if history.status != ticket.status and _STATUS_RANK[history.status] >= _STATUS_RANK[ticket.status]:
        _imported_move(ticket, history, actor, now)
        changed = True
    return changed


@transaction.atomic
def ticket_import(
    *, external_id: str, values: Mapping[str, Any], actor: AbstractBaseUser | None
) -> tuple[Ticket, str]:
    """Write one historical ticket of a CSV import, keyed by its CRM id. Returns the ticket and
    "created", "updated" or "unchanged". All or nothing, like every service.

    History is written as it happened rather than replayed: the ticket keeps the file's created_at,
    status, resolved_at and closed_at, and the SLA is measured against them. Nothing is announced: no
    webhook, no `ticket_resolved` (so no survey invitation), no routing or assignment. The outcome of a
    resolved ticket (time to resolve, SLA met or breached, first-contact resolution when the file says
    so) enters the ledger dated when it happened, so the scores roll up as for any ticket.

    `values` are those of `ticket_upsert` (`body` is the customer's first message) plus `created_at`
    (needed), `first_response_at` (the first agent reply: without it the first response target runs up
    to the resolution), `resolved_at` (needed when resolved or closed), `closed_at` (defaults to
    resolved_at) and `first_contact_resolution`; an empty `status` is resolved when resolved_at is
    given, else new.
    Importing a ticket again changes nothing when the values are the same; a newer export may move the
    status forward (resolved with its time, closed) and change the priority. A status behind the
    ticket's (it moved on in CX Hub) is left as it is; other differences are errors on their field.
    """
    key = (external_id or "").strip()
    if not key:
        raise DomainError("The external_id cannot be empty.", field="external_id")
    history = _history(values)
    existing = Ticket.objects.filter(external_id=key).first()
    if existing is None:
        return _imported_create(key, values, history, actor), "created"
    ticket = ticket_lock(existing)
    return ticket, "updated" if _imported_update(ticket, values, history, actor) else "unchanged"

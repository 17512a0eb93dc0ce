"""Writes on the service side. Every status change goes through `ticket_change_status`.

A ticket's scored outcome is its *first* resolution: time to resolve, SLA met or breached, and
first-contact resolution are recorded as experience signals once, when it happens. A reopen is a
signal of its own and revokes a first-contact resolution; resolving again records nothing new.
Closing records nothing. Queue wait is recorded once, at the first agent touch.

After every status change and message the SLA due times and status are recomputed from the ticket's
history (tickets.services.sla), inside the same transaction and under the same row lock.
"""

from __future__ import annotations

import datetime as dt

from django.contrib.auth.models import AbstractBaseUser
from django.db import IntegrityError, transaction
from django.utils import timezone, translation

from cxhub.exceptions import ConflictError, DomainError
from cxhub.models import Team
from journeys.choices import Channel, SignalKind
from journeys.models import Customer, Touchpoint
from journeys.services import signal_record
from tickets.choices import TRANSITIONS, EventKind, MessageKind, Priority, SlaStatus, Status
from tickets.models import Category, Ticket, TicketMessage
from tickets.services.desk_config import desk_config
from tickets.services.history import ticket_event, ticket_lock
from tickets.services.routing import routing_decide, routing_record_pick
from tickets.services.sla import (
    sla_initial_due_times,
    sla_policy_for,
    sla_refresh_locked,
    ticket_sla_state,
)
from tickets.signals import ticket_resolved

SIGNAL_SOURCE = "ticket"


def _clean_text(value: str, *, field: str, label: str, max_length: int | None = None) -> str:
    value = (value or "").strip()
    if not value:
        raise DomainError(f"{label} cannot be empty.", field=field)
    if max_length and len(value) > max_length:
        raise DomainError(f"{label} is too long ({len(value)} of at most {max_length} characters).",
                          field=field)
    return value


@transaction.atomic
def ticket_create(
    *,
    customer: Customer,
    subject: str,
    body: str,
    actor: AbstractBaseUser | None,
    touchpoint: Touchpoint | None = None,
    channel: str = Channel.EMAIL,
    priority: str = Priority.NORMAL,
    team: Team | None = None,
    assignee: AbstractBaseUser | None = None,
    external_id: str = "",
    category: Category | None = None,
    at: dt.datetime | None = None,
) -> Ticket:
    """Log a customer's request. `body` is the customer's first message.

    Routing rules choose the team (and may set the priority), falling back to the touchpoint's
    owning team; the team's mode may pick an assignee. An explicit `team` or `assignee` is a manual
    override and skips the rules. The SLA policy is chosen after routing, on the final priority and
    team. `at` backdates imports and demo data.
    """
    at = at or timezone.now()
    subject = _clean_text(subject, field="subject", label="The subject", max_length=200)
    body = _clean_text(body, field="body", label="The message")
    if channel not in Channel.values:
        raise DomainError(f"Unknown channel {channel!r}.", field="channel")
    if priority not in Priority.values:
        raise DomainError(f"Unknown priority {priority!r}.", field="priority")
    if touchpoint is not None and not touchpoint.is_active:
        raise DomainError("That touchpoint is no longer active.", field="touchpoint")
    external_id = (external_id or "").strip()
    duplicate = ConflictError("A ticket with this external_id exists already.", field="external_id")
    if external_id and Ticket.objects.filter(external_id=external_id).exists():
        raise duplicate
    if category is not None and not category.is_active:
        raise DomainError("That category is no longer in use.", field="category")
    if assignee is not None and not (assignee.is_active and assignee.has_perm("tickets.change_ticket")):
        raise DomainError("That person does not work tickets.", field="assignee")
    config = desk_config()
    routed = routing_decide(customer=customer, channel=channel, category=category, touchpoint=touchpoint,
                            priority=priority, subject=subject, body=body, team=team, assignee=assignee,
                            config=config)
    priority = routed.priority
    policy = sla_policy_for(priority=priority, team_id=routed.team.pk if routed.team else None,
                            channel=channel, config=config)
    first_due, resolution_due = sla_initial_due_times(policy=policy, priority=priority, created_at=at,
                                                      calendars=dict(config.calendars))
    try:
        # A savepoint only where a unique external_id may clash: two statements fewer on every other create.
        with transaction.atomic(savepoint=bool(external_id)):
            ticket = Ticket.objects.create(
                subject=subject, customer=customer, touchpoint=touchpoint, channel=channel,
                priority=priority, team=routed.team, assignee=routed.assignee, created_by=actor,
                external_id=external_id, created_at=at, first_response_due_at=first_due,
                resolution_due_at=resolution_due, category=category, sla_policy=policy,
                sla_status=SlaStatus.OK, routing_rule=routed.rule,
            )
    except IntegrityError:
        if external_id and Ticket.objects.filter(external_id=external_id).exists():
            raise duplicate from None  # a concurrent create with the same external_id won
        raise
    TicketMessage.objects.create(ticket=ticket, kind=MessageKind.CUSTOMER, body=body, created_at=at)
    ticket_event(ticket, EventKind.CREATED, actor, at, status=ticket.status, priority=priority)
    if routed.decided:  # the plain default (the touchpoint's team, nobody picked) needs no entry
        ticket_event(ticket, EventKind.ROUTED, actor if routed.data["override"] else None, at, **routed.data)
    if routed.assignee is not None and assignee is None:
        routing_record_pick(agent=routed.assignee, at=at)
    return ticket


def _signal(ticket: Ticket, kind: str, at: dt.datetime, *, value: float | None = None,
            source_id: str | None = None) -> None:
    if ticket.touchpoint_id is None:
        return  # not placed in a journey: nothing to score
    signal_record(
        touchpoint=ticket.touchpoint, kind=kind, source=SIGNAL_SOURCE,
        source_id=source_id or str(ticket.pk), occurred_at=at, value=value,
        customer=ticket.customer,
        context={"team_id": ticket.team_id, "assignee_id": ticket.assignee_id,
                 "priority": ticket.priority, "channel": ticket.channel},
    )


def _first_touch(ticket: Ticket, actor: AbstractBaseUser | None, at: dt.datetime) -> list[str]:
    """The first time someone who works tickets acts on it ends its wait in the queue: a reply, a note,
    a status change or an assignment by a person. Routing, the customer and automations do not count.
    Returns the ticket fields it changed."""
    if ticket.first_touched_at is not None or actor is None or not actor.has_perm("tickets.change_ticket"):
        return []
    ticket.first_touched_at = at
    _signal(ticket, SignalKind.QUEUE_WAIT, at, value=max(0, round((at - ticket.created_at).total_seconds())))
    return ["first_touched_at"]


@transaction.atomic
def ticket_reply(
    *, ticket: Ticket, author: AbstractBaseUser, body: str, internal: bool = False,
    at: dt.datetime | None = None,
) -> TicketMessage:
    """An agent's public reply or internal note. The first public reply is the first response."""
    at = at or timezone.now()
    body = _clean_text(body, field="body", label="The message")
    ticket = ticket_lock(ticket)
    if ticket.status == Status.CLOSED:
        raise ConflictError("This ticket is closed; open a new one instead.", field="body")
    kind = MessageKind.NOTE if internal else MessageKind.REPLY
    message = TicketMessage.objects.create(ticket=ticket, kind=kind, author=author, body=body,
                                           created_at=at)
    ticket_event(ticket, EventKind.MESSAGE, author, at, message_kind=kind)
    fields = ["updated_at"]  # every message is a change a syncing client must see
    fields += _first_touch(ticket, author, at)
    if not internal:
        if ticket.first_response_at is None:
            ticket.first_response_at = at
            fields.append("first_response_at")
            _signal(ticket, SignalKind.FIRST_RESPONSE, at,
                    value=round((at - ticket.created_at).total_seconds()))
        if ticket.status == Status.NEW:
            ticket.status = Status.OPEN
            fields.append("status")
            ticket_event(ticket, EventKind.STATUS, author, at, old=Status.NEW, new=Status.OPEN)
    ticket.save(update_fields=fields)
    sla_refresh_locked(ticket=ticket, at=at)
    return message


@transaction.atomic
def ticket_add_customer_message(
    *, ticket: Ticket, body: str, at: dt.datetime | None = None
) -> TicketMessage:
    """The customer writes again. A pending ticket goes back to open, a resolved one is reopened
    (and counted as a reopen); a closed one refuses."""
    at = at or timezone.now()
    body = _clean_text(body, field="body", label="The message")
    ticket = ticket_lock(ticket)
    if ticket.status == Status.CLOSED:
        raise ConflictError("This ticket is closed; open a new one instead.", field="body")
    message = TicketMessage.objects.create(ticket=ticket, kind=MessageKind.CUSTOMER, body=body,
                                           created_at=at)
    ticket_event(ticket, EventKind.MESSAGE, None, at, message_kind=MessageKind.CUSTOMER)
    if ticket.status in (Status.PENDING, Status.RESOLVED):
        _apply_status(ticket, Status.OPEN, actor=None, at=at)  # recomputes the SLA
    else:
        ticket.save(update_fields=["updated_at"])
        sla_refresh_locked(ticket=ticket, at=at)  # a customer message may start the next-response clock
    return message


def _public_reply_count(ticket: Ticket) -> int:
    return ticket.messages.filter(kind=MessageKind.REPLY).count()


def _record_first_resolution(ticket: Ticket, at: dt.datetime) -> list[str]:
    """Record the scored outcome; returns the extra ticket fields it changed."""
    seconds = round((at - ticket.created_at).total_seconds())
    _signal(ticket, SignalKind.TICKET_RESOLVED, at, value=seconds)
    # Met when the business time the resolution clock ran (pending time excluded) is within the
    # policy's target; read before the resolving event is written, so the clock runs up to `at`.
    resolution = ticket_sla_state(ticket=ticket, at=at).resolution
    _signal(ticket, SignalKind.SLA_BREACHED if resolution.breached else SignalKind.SLA_MET, at)
    if ticket.reopen_count == 0 and _public_reply_count(ticket) <= 1:
        ticket.first_contact_resolution = True
        _signal(ticket, SignalKind.FIRST_CONTACT_RESOLUTION, at)
        return ["first_contact_resolution"]
    return []


def _status_name(status: str) -> str:
    """A status as the English word: service errors also answer the API, which speaks English, so the
    label (translated for pages) must not slip a second language into the sentence."""
    with translation.override("en"):
        return str(Status(status).label).lower()


def _apply_status(ticket: Ticket, new: str, *, actor: AbstractBaseUser | None,
                  at: dt.datetime) -> Ticket:
    old = ticket.status
    if new not in Status.values:
        raise DomainError(f"Unknown status {new!r}.", field="status")
    if new == old:
        raise ConflictError(f"The ticket is {_status_name(old)} already.", field="status")
    if new not in TRANSITIONS[old]:
        allowed = ", ".join(_status_name(s) for s in sorted(TRANSITIONS[old])) or "none"
        raise ConflictError(
            f"A {_status_name(old)} ticket cannot become {_status_name(new)} (allowed: {allowed}).",
            field="status",
        )
    fields = ["status", "updated_at", *_first_touch(ticket, actor, at)]
    first_resolution = False
    ticket.status = new
    if new == Status.RESOLVED:
        ticket.resolved_at = at
        fields.append("resolved_at")
        if ticket.first_resolved_at is None:
            first_resolution = True
            ticket.first_resolved_at = at
            fields.append("first_resolved_at")
            fields += _record_first_resolution(ticket, at)
    elif new == Status.CLOSED:
        ticket.closed_at = at
        fields.append("closed_at")
    elif old == Status.RESOLVED and new == Status.OPEN:
        ticket.reopen_count += 1
        ticket.resolved_at = None
        fields += ["reopen_count", "resolved_at"]
        _signal(ticket, SignalKind.TICKET_REOPENED, at,
                source_id=f"{ticket.pk}.{ticket.reopen_count}")
        if ticket.first_contact_resolution:
            ticket.first_contact_resolution = False
            fields.append("first_contact_resolution")
            # Dated at the first resolution, so the FCR share of that day is corrected, not another.
            _signal(ticket, SignalKind.FCR_REVOKED, ticket.first_resolved_at)
    ticket.save(update_fields=fields)
    ticket_event(ticket, EventKind.STATUS, actor, at, old=old, new=new)
    sla_refresh_locked(ticket=ticket, at=at)
    if first_resolution:
        ticket_resolved.send(sender=Ticket, ticket=ticket, at=at)  # e.g. feedback invites a CSAT answer
    return ticket


@transaction.atomic
def ticket_change_status(
    *, ticket: Ticket, status: str, actor: AbstractBaseUser | None, at: dt.datetime | None = None
) -> Ticket:
    """Move a ticket along its workflow. An invalid transition raises ConflictError."""
    return _apply_status(ticket_lock(ticket), status, actor=actor, at=at or timezone.now())


def ticket_resolve(*, ticket: Ticket, actor: AbstractBaseUser | None,
                   at: dt.datetime | None = None) -> Ticket:
    return ticket_change_status(ticket=ticket, status=Status.RESOLVED, actor=actor, at=at)


@transaction.atomic
def ticket_reopen(*, ticket: Ticket, actor: AbstractBaseUser | None,
                  at: dt.datetime | None = None) -> Ticket:
    """Resolved -> open, counted as a reopen."""
    ticket = ticket_lock(ticket)
    if ticket.status != Status.RESOLVED:
        raise ConflictError("Only a resolved ticket can be reopened.", field="status")
    return _apply_status(ticket, Status.OPEN, actor=actor, at=at or timezone.now())


@transaction.atomic
def ticket_assign(
    *, ticket: Ticket, assignee: AbstractBaseUser | None, actor: AbstractBaseUser | None,
    team: Team | None = None, at: dt.datetime | None = None,
) -> Ticket:
    """Give the ticket to an agent (and optionally a team); None unassigns."""
    at = at or timezone.now()
    ticket = ticket_lock(ticket)
    if assignee is not None and not assignee.is_active:
        raise DomainError("That person's account is not active.", field="assignee")
    if assignee is not None and not assignee.has_perm("tickets.change_ticket"):
        raise DomainError("That person does not work tickets.", field="assignee")
    fields = ["assignee", "updated_at", *_first_touch(ticket, actor, at)]
    old = {"assignee_id": ticket.assignee_id, "team_id": ticket.team_id}
    ticket.assignee = assignee
    team_changed = team is not None and team.pk != ticket.team_id
    if team is not None:
        ticket.team = team
        fields.append("team")
    ticket.save(update_fields=fields)
    ticket_event(ticket, EventKind.ASSIGNED, actor, at, old=old,
           new={"assignee_id": ticket.assignee_id, "team_id": ticket.team_id})
    if team_changed:  # a policy may be narrowed to a team: the new team may have another one
        sla_refresh_locked(ticket=ticket, at=at, reselect_policy=True)
    return ticket

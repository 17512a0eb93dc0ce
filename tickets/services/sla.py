"""SLA policies applied to tickets: choosing the policy, and keeping the due times and SLA status on the
ticket in step with its history (the clock itself is tickets.sla.clock, pure)."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from tickets.choices import EventKind, Priority, SlaStatus
from tickets.models import BusinessCalendar, SlaPolicy, Ticket
from tickets.services.desk_config import DeskConfig, calendar_of, desk_config
from tickets.services.history import ticket_event
from tickets.sla import fallback
from tickets.sla.calendar import Calendar
from tickets.sla.clock import Event, SlaState, Targets, compute

# The events the clock reads; the rest of the history does not move it.
CLOCK_EVENT_KINDS = (EventKind.STATUS, EventKind.MESSAGE)
SLA_FIELDS = ["first_response_due_at", "next_response_due_at", "resolution_due_at", "sla_status"]


def sla_policy_for(*, priority: str, team_id: int | None, channel: str,
                   config: DeskConfig | None = None) -> SlaPolicy | None:
    """The first active policy by position for this priority whose team and channel (when set) match."""
    return (config or desk_config()).policy_for(priority=priority, team_id=team_id, channel=channel)


def calendar_from_model(calendar: BusinessCalendar) -> Calendar:
    """The pure calendar of a stored one (two queries: hours and holidays)."""
    if calendar.around_the_clock:
        return calendar_of(calendar, {}, set())
    weekly: dict[int, list[tuple[dt.time, dt.time]]] = {}
    for weekday, opens, closes in calendar.hours.values_list("weekday", "opens", "closes"):
        weekly.setdefault(weekday, []).append((opens, closes))
    return calendar_of(calendar, weekly, set(calendar.holidays.values_list("date", flat=True)) if weekly else set())


def fallback_targets(priority: str) -> Targets:
    """The targets without a policy: the calendar-hour defaults by priority, around the clock."""
    p = Priority(priority)
    return Targets(
        first_response_minutes=fallback.FIRST_RESPONSE_HOURS[p] * 60,
        next_response_minutes=fallback.FIRST_RESPONSE_HOURS[p] * 60,
        resolution_minutes=fallback.RESOLUTION_HOURS[p] * 60,
        at_risk_percent=fallback.AT_RISK_PERCENT,
        calendar=Calendar.always(),
    )


def targets_for(*, policy: SlaPolicy | None, priority: str,
                calendars: dict[int, Calendar] | None = None) -> Targets:
    """The targets of a policy (or the fallback). `calendars` caches calendars across a batch."""
    if policy is None:
        return fallback_targets(priority)
    cache = calendars if calendars is not None else {}
    if policy.calendar_id not in cache:
        cache[policy.calendar_id] = calendar_from_model(policy.calendar)
    return Targets(
        first_response_minutes=policy.first_response_minutes,
        next_response_minutes=policy.next_response_minutes,
        resolution_minutes=policy.resolution_minutes,
        at_risk_percent=policy.at_risk_percent,
        calendar=cache[policy.calendar_id],
    )


def ticket_sla_state(*, ticket: Ticket, at: dt.datetime | None = None,
                     calendars: dict[int, Calendar] | None = None) -> SlaState:
    """Where the ticket stands against its SLA at `at` (now by default), replayed from its history.

    A read for pages and the API: remaining time, elapsed share, paused or not, per target.
    """
    at = at or timezone.now()
    rows = ticket.events.filter(kind__in=CLOCK_EVENT_KINDS).order_by("created_at", "id")
    events = [Event.from_row(kind, data, created) for kind, data, created in
              rows.values_list("kind", "data", "created_at")]
    policy = ticket.sla_policy if ticket.sla_policy_id else None
    return compute(created_at=ticket.created_at, events=events,
                   targets=targets_for(policy=policy, priority=ticket.priority, calendars=calendars), at=at)


def _store(ticket: Ticket, state: SlaState) -> list[str]:
    ticket.first_response_due_at = state.first_response.due_at
    ticket.next_response_due_at = state.next_response.due_at if state.next_response else None
    ticket.resolution_due_at = state.resolution.due_at
    ticket.sla_status = state.status
    return list(SLA_FIELDS)


def sla_initial_due_times(*, policy: SlaPolicy | None, priority: str, created_at: dt.datetime,
                          calendars: dict[int, Calendar] | None = None) -> tuple[dt.datetime, dt.datetime]:
    """(first response due, resolution due) of a new ticket: its clocks start at creation. `calendars`
    (by id) spares reading the policy's calendar, e.g. DeskConfig.calendars."""
    targets = targets_for(policy=policy, priority=priority, calendars=calendars)
    cal = targets.calendar
    return (cal.add_business_minutes(created_at, targets.first_response_minutes),
            cal.add_business_minutes(created_at, targets.resolution_minutes))


def sla_refresh_locked(*, ticket: Ticket, at: dt.datetime, reselect_policy: bool = False,
                       calendars: dict[int, Calendar] | None = None) -> SlaState:
    """Recompute and store the ticket's due times and SLA status; the caller holds the row lock.

    A change of SLA status is recorded in the history (actor: none, the clock moved it). With
    `reselect_policy` (after a priority or team change) the policy is chosen again first.
    """
    fields: list[str] = []
    if reselect_policy:
        policy = sla_policy_for(priority=ticket.priority, team_id=ticket.team_id, channel=ticket.channel)
        if policy != ticket.sla_policy:
            ticket.sla_policy = policy
            fields.append("sla_policy")
    old_status = ticket.sla_status
    state = ticket_sla_state(ticket=ticket, at=at, calendars=calendars)
    before = {f: getattr(ticket, f) for f in SLA_FIELDS}
    _store(ticket, state)
    fields += [f for f in SLA_FIELDS if getattr(ticket, f) != before[f]]
    if fields:
        ticket.save(update_fields=fields)
    if state.status != old_status and old_status != SlaStatus.NONE:
        ticket_event(ticket, EventKind.SLA, None, at, old=old_status, new=state.status, targets=state.reasons)
    return state


@transaction.atomic
def ticket_sla_refresh(*, ticket_id: int, at: dt.datetime | None = None, reselect_policy: bool = False,
                       calendars: dict[int, Calendar] | None = None) -> SlaState | None:
    """Bring one ticket's SLA fields up to date (the beat job's unit of work); None if it is gone.

    Locks the ticket row, so a status change or message committing at the same moment is either
    fully before or fully after this recompute.
    """
    ticket = (Ticket.objects.select_for_update(of=("self",)).select_related("sla_policy__calendar")
              .filter(pk=ticket_id).first())
    if ticket is None:
        return None
    return sla_refresh_locked(ticket=ticket, at=at or timezone.now(), reselect_policy=reselect_policy,
                              calendars=calendars)


@transaction.atomic
def ticket_refresh_sla(*, ticket: Ticket, at: dt.datetime | None = None) -> SlaState:
    """After a change the policy depends on (priority, team or channel): choose the policy again and
    recompute the due times. Refreshes the caller's ticket in place under its row lock (a no-op wait
    when the caller holds it already)."""
    ticket.refresh_from_db(from_queryset=Ticket.objects.select_for_update(of=("self",)))
    return sla_refresh_locked(ticket=ticket, at=at or timezone.now(), reselect_policy=True)

"""The SLA clock of one ticket, replayed from its history. Pure: no database.

Nothing about elapsed SLA time is accumulated on the ticket. It is recomputed from the creation time and
the ticket's events (status changes and messages) every time it is needed, so a changed calendar, a
changed policy or a backdated event gives the right answer on the next recompute. See
docs/service-desk.md for the definitions.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from tickets.choices import EventKind, MessageKind, SlaStatus, Status
from tickets.sla.calendar import Calendar

# The resolution clock runs in these statuses; pending pauses it, resolved and closed stop it.
RUNNING = frozenset({Status.NEW, Status.OPEN})
FINISHED = frozenset({Status.RESOLVED, Status.CLOSED})


@dataclass(frozen=True)
class Targets:
    """What a ticket is held to, in business minutes on `calendar`."""

    first_response_minutes: int
    next_response_minutes: int
    resolution_minutes: int
    at_risk_percent: int
    calendar: Calendar


@dataclass(frozen=True)
class Event:
    """The parts of a TicketEvent the clock reads."""

    at: dt.datetime
    kind: str
    old: str | None = None
    new: str | None = None
    message_kind: str | None = None

    @classmethod
    def from_row(cls, kind: str, data: dict, at: dt.datetime) -> Event:
        return cls(at=at, kind=kind, old=data.get("old"), new=data.get("new"),
                   message_kind=data.get("message_kind"))


@dataclass(frozen=True)
class TargetState:
    """One target's standing at the moment asked about."""

    minutes: int
    elapsed: dt.timedelta  # business time counted so far
    due_at: dt.datetime  # when the target is (or was) due; while paused, as it stood when paused
    done_at: dt.datetime | None  # when it was met or ended; None while it is still owed
    running: bool  # the clock counts right now
    breached: bool
    at_risk: bool

    @property
    def remaining(self) -> dt.timedelta:
        """Business time left before the target is missed (negative once it is)."""
        return dt.timedelta(minutes=self.minutes) - self.elapsed

    @property
    def elapsed_percent(self) -> float:
        return 100 * self.elapsed / dt.timedelta(minutes=self.minutes)


@dataclass(frozen=True)
class SlaState:
    first_response: TargetState
    next_response: TargetState | None  # only while a customer message after the first reply is unanswered
    next_response_missed: bool  # some earlier customer message waited past its target
    resolution: TargetState
    paused: bool  # pending: the resolution clock is stopped
    status: str  # SlaStatus

    @property
    def targets(self) -> list[tuple[str, TargetState]]:
        named = [("first_response", self.first_response), ("resolution", self.resolution)]
        if self.next_response is not None:
            named.insert(1, ("next_response", self.next_response))
        return named

    @property
    def reasons(self) -> list[str]:
        """The targets that make the status what it is: the missed ones, or the ones at risk."""
        if self.status == SlaStatus.BREACHED:
            missed = [name for name, target in self.targets if target.breached]
            return missed + (["next_response"] if self.next_response_missed and "next_response" not in missed
                             else [])
        if self.status == SlaStatus.AT_RISK:
            return [name for name, target in self.targets if target.at_risk]
        return []


def _state(targets: Targets, minutes: int, elapsed: dt.timedelta, due_at: dt.datetime,
           done_at: dt.datetime | None, running: bool) -> TargetState:
    target = dt.timedelta(minutes=minutes)
    breached = elapsed > target
    at_risk = not breached and done_at is None and elapsed * 100 >= target * targets.at_risk_percent
    return TargetState(minutes=minutes, elapsed=elapsed, due_at=due_at, done_at=done_at, running=running,
                       breached=breached, at_risk=at_risk)


def compute(*, created_at: dt.datetime, events: Iterable[Event], targets: Targets, at: dt.datetime) -> SlaState:
    """Where a ticket created at `created_at`, with these events, stands against `targets` at `at`.

    Events after `at` are ignored; events are read in time order (stable for equal times).
    """
    cal = targets.calendar
    history = sorted((e for e in events if e.at <= at), key=lambda e: e.at)
    resolution_target = dt.timedelta(minutes=targets.resolution_minutes)
    next_target = dt.timedelta(minutes=targets.next_response_minutes)

    status = Status.NEW
    first_reply_at: dt.datetime | None = None
    first_finished_at: dt.datetime | None = None
    # Resolution: business time banked over finished running spans, the current span's start, and the
    # instant the target was crossed (fixed once it happens, even if the ticket is paused later).
    banked = dt.timedelta(0)
    running_since: dt.datetime | None = created_at
    stopped_at: dt.datetime | None = None
    resolution_due: dt.datetime | None = None
    # Next response: the oldest customer message not yet answered, and whether one ever waited too long.
    unanswered_since: dt.datetime | None = None
    next_missed = False

    for event in history:
        if event.kind == EventKind.MESSAGE:
            if event.message_kind == MessageKind.REPLY:
                if first_reply_at is None:
                    first_reply_at = event.at
                elif unanswered_since is not None:
                    next_missed |= cal.business_time_between(unanswered_since, event.at) > next_target
                unanswered_since = None
            elif (event.message_kind == MessageKind.CUSTOMER and first_reply_at is not None
                  and unanswered_since is None):
                unanswered_since = event.at
        elif event.kind == EventKind.STATUS and event.new in Status.values:
            new = Status(event.new)
            if status in RUNNING and new not in RUNNING and running_since is not None:
                span = cal.business_time_between(running_since, event.at)
                if resolution_due is None and banked + span >= resolution_target:
                    resolution_due = cal.add_business_minutes(
                        running_since, (resolution_target - banked).total_seconds() / 60)
                banked += span
                running_since, stopped_at = None, event.at
            elif status not in RUNNING and new in RUNNING:
                running_since, stopped_at = event.at, None
            if new in FINISHED:
                if first_finished_at is None:
                    first_finished_at = event.at
                if unanswered_since is not None:  # resolving answers the customer's last message
                    next_missed |= cal.business_time_between(unanswered_since, event.at) > next_target
                    unanswered_since = None
            status = new

    # First response: ends with the first public reply, or the first resolution if there was none.
    fr_minutes = targets.first_response_minutes
    fr_due = cal.add_business_minutes(created_at, fr_minutes)
    fr_end = first_reply_at or first_finished_at
    first_response = _state(targets, fr_minutes, cal.business_time_between(created_at, fr_end or at), fr_due,
                            fr_end, running=fr_end is None)

    next_response = None
    if unanswered_since is not None:
        next_response = _state(targets, targets.next_response_minutes,
                               cal.business_time_between(unanswered_since, at),
                               cal.add_business_minutes(unanswered_since, targets.next_response_minutes),
                               None, running=True)

    if running_since is not None:
        elapsed = banked + cal.business_time_between(running_since, at)
        remaining = resolution_target - banked
        due = resolution_due or cal.add_business_minutes(running_since, max(remaining.total_seconds(), 0) / 60)
    else:
        assert stopped_at is not None
        elapsed = banked
        due = resolution_due or cal.add_business_minutes(
            stopped_at, max((resolution_target - banked).total_seconds(), 0) / 60)
    done_at = stopped_at if status in FINISHED else None
    resolution = _state(targets, targets.resolution_minutes, elapsed, due, done_at,
                        running=running_since is not None)

    states = [first_response, resolution] + ([next_response] if next_response else [])
    if next_missed or any(s.breached for s in states):
        sla_status = SlaStatus.BREACHED
    elif any(s.at_risk for s in states):
        sla_status = SlaStatus.AT_RISK
    else:
        sla_status = SlaStatus.OK
    return SlaState(first_response=first_response, next_response=next_response, next_response_missed=next_missed,
                    resolution=resolution, paused=status == Status.PENDING, status=sla_status)

"""SLA policies on tickets: choosing the policy, due times in business hours, pausing, next response, the
met/breached outcome and the queue wait. Times are explicit; nothing reads the wall clock."""

from __future__ import annotations

import datetime as dt
import zoneinfo

import pytest

from journeys.choices import Channel, SignalKind
from journeys.models import ExperienceSignal
from tests.tickets.factories import make_ticket
from tickets.choices import EventKind, Priority, SlaStatus, Status
from tickets.models import BusinessCalendar, BusinessHours, Holiday, SlaPolicy
from tickets.services import (
    ticket_add_customer_message,
    ticket_assign,
    ticket_change_status,
    ticket_reply,
    ticket_resolve,
)
from tickets.services.sla import sla_policy_for, ticket_sla_refresh, ticket_sla_state

pytestmark = pytest.mark.django_db

ATHENS = zoneinfo.ZoneInfo("Europe/Athens")


def athens(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=ATHENS)


@pytest.fixture
def office(db) -> BusinessCalendar:
    """Monday to Friday, 9:00-17:00 in Athens."""
    calendar = BusinessCalendar.objects.create(name="Athens office", time_zone="Europe/Athens")
    for weekday in range(5):
        BusinessHours.objects.create(calendar=calendar, weekday=weekday, opens=dt.time(9), closes=dt.time(17))
    return calendar


def policy(calendar: BusinessCalendar, **kwargs) -> SlaPolicy:
    values = {"name": f"Policy {SlaPolicy.objects.count() + 1}", "priority": Priority.NORMAL, "calendar": calendar,
              "first_response_minutes": 60, "next_response_minutes": 120, "resolution_minutes": 16 * 60}
    values.update(kwargs)
    return SlaPolicy.objects.create(**values)


def signals(ticket) -> list[str]:
    return sorted(ExperienceSignal.objects.filter(source="ticket", source_id=str(ticket.pk))
                  .values_list("kind", flat=True))


def test_it_chooses_the_first_active_policy_by_position_that_matches(office, team, other_team):
    policy(office, name="inactive", position=0, is_active=False)
    policy(office, name="billing only", position=1, team=other_team)
    policy(office, name="chat only", position=2, channel=Channel.CHAT)
    policy(office, name="urgent", position=3, priority=Priority.URGENT)
    general = policy(office, name="general", position=4)
    policy(office, name="later general", position=5)

    assert sla_policy_for(priority=Priority.NORMAL, team_id=team.pk, channel=Channel.EMAIL) == general
    assert sla_policy_for(priority=Priority.NORMAL, team_id=other_team.pk, channel=Channel.EMAIL).name == "billing only"
    assert sla_policy_for(priority=Priority.NORMAL, team_id=None, channel=Channel.CHAT).name == "chat only"
    assert sla_policy_for(priority=Priority.LOW, team_id=team.pk, channel=Channel.EMAIL) is None


def test_without_a_policy_the_calendar_hour_defaults_apply_around_the_clock(touchpoint):
    created = athens(2026, 11, 21, 23, 0)  # a Saturday night: the fallback does not care

    ticket = make_ticket(touchpoint=touchpoint, priority=Priority.HIGH, at=created)

    assert ticket.sla_policy is None
    assert ticket.first_response_due_at == created + dt.timedelta(hours=4)
    assert ticket.resolution_due_at == created + dt.timedelta(hours=24)
    assert ticket.sla_status == SlaStatus.OK


def test_a_ticket_created_outside_hours_is_due_in_business_hours(office, touchpoint):
    policy(office)

    ticket = make_ticket(touchpoint=touchpoint, at=athens(2026, 11, 20, 19, 0))  # Friday evening

    assert ticket.sla_policy is not None
    assert ticket.first_response_due_at == athens(2026, 11, 23, 10, 0)  # Monday, an hour after opening
    assert ticket.resolution_due_at == athens(2026, 11, 24, 17, 0)  # two working days
    assert ticket.next_response_due_at is None


def test_the_resolution_clock_pauses_while_pending_over_a_weekend(office, touchpoint, agent):
    # given a ticket opened Friday 9:00 with 16 business hours to resolve, pending from 13:00
    policy(office)
    ticket = make_ticket(touchpoint=touchpoint, at=athens(2026, 11, 20, 9, 0))
    ticket_reply(ticket=ticket, author=agent, body="Could you send the invoice?", at=athens(2026, 11, 20, 12, 0))
    ticket_change_status(ticket=ticket, status=Status.PENDING, actor=agent, at=athens(2026, 11, 20, 13, 0))
    paused = ticket_sla_state(ticket=ticket, at=athens(2026, 11, 23, 9, 30))
    assert paused.paused and paused.resolution.elapsed == dt.timedelta(hours=4)

    # when the customer answers on Monday at 10:00
    ticket_add_customer_message(ticket=ticket, body="Attached.", at=athens(2026, 11, 23, 10, 0))

    # then the 12 hours left run from Monday 10:00: due Tuesday 14:00, not Monday 17:00
    ticket.refresh_from_db()
    assert ticket.status == Status.OPEN
    assert ticket.resolution_due_at == athens(2026, 11, 24, 14, 0)
    state = ticket_sla_state(ticket=ticket, at=athens(2026, 11, 23, 11, 0))
    assert state.resolution.elapsed == dt.timedelta(hours=5) and not state.paused


def test_after_the_first_reply_a_customer_message_starts_the_next_response_clock(office, touchpoint, agent):
    policy(office, next_response_minutes=120)
    ticket = make_ticket(touchpoint=touchpoint, at=athens(2026, 11, 23, 9, 0))
    ticket_add_customer_message(ticket=ticket, body="Any news?", at=athens(2026, 11, 23, 9, 10))
    ticket.refresh_from_db()
    assert ticket.next_response_due_at is None  # the first response is still owed: no second clock

    ticket_reply(ticket=ticket, author=agent, body="On it.", at=athens(2026, 11, 23, 9, 30))
    ticket_add_customer_message(ticket=ticket, body="Still rattling.", at=athens(2026, 11, 23, 16, 0))
    ticket_add_customer_message(ticket=ticket, body="Hello?", at=athens(2026, 11, 23, 16, 30))
    ticket.refresh_from_db()
    assert ticket.next_response_due_at == athens(2026, 11, 24, 10, 0)  # from the oldest unanswered message

    ticket_reply(ticket=ticket, author=agent, body="Booked for Wednesday.", at=athens(2026, 11, 24, 9, 30))
    ticket.refresh_from_db()
    assert ticket.next_response_due_at is None
    assert ticket.sla_status == SlaStatus.OK


def test_a_late_next_response_breaches_the_ticket(office, touchpoint, agent):
    policy(office, next_response_minutes=60)
    ticket = make_ticket(touchpoint=touchpoint, at=athens(2026, 11, 23, 9, 0))
    ticket_reply(ticket=ticket, author=agent, body="On it.", at=athens(2026, 11, 23, 9, 5))
    ticket_add_customer_message(ticket=ticket, body="And?", at=athens(2026, 11, 23, 10, 0))

    ticket_reply(ticket=ticket, author=agent, body="Sorry.", at=athens(2026, 11, 23, 12, 0))

    ticket.refresh_from_db()
    assert ticket.sla_status == SlaStatus.BREACHED
    assert ticket.events.filter(kind=EventKind.SLA).latest("id").data == {
        "old": SlaStatus.OK, "new": SlaStatus.BREACHED, "targets": ["next_response"]}


def test_the_sla_outcome_counts_business_time_not_calendar_time(office, touchpoint, agent):
    # given two business hours to resolve, created Friday 16:00
    policy(office, resolution_minutes=120)
    ticket = make_ticket(touchpoint=touchpoint, at=athens(2026, 11, 20, 16, 0))

    # when it is resolved on Monday at 9:30: 65 hours later, but only 1.5 business hours
    ticket_resolve(ticket=ticket, actor=None, at=athens(2026, 11, 23, 9, 30))

    # then it met its SLA, and the stored due time agrees with the outcome
    assert SignalKind.SLA_MET in signals(ticket) and SignalKind.SLA_BREACHED not in signals(ticket)
    ticket.refresh_from_db()
    assert ticket.resolution_due_at == athens(2026, 11, 23, 10, 0)
    assert ticket.first_resolved_at <= ticket.resolution_due_at


def test_time_spent_pending_does_not_count_towards_a_breach(office, touchpoint, agent):
    policy(office, resolution_minutes=120)
    ticket = make_ticket(touchpoint=touchpoint, at=athens(2026, 11, 23, 9, 0))
    ticket_change_status(ticket=ticket, status=Status.PENDING, actor=agent, at=athens(2026, 11, 23, 10, 0))
    ticket_add_customer_message(ticket=ticket, body="Done", at=athens(2026, 11, 24, 16, 0))

    ticket_resolve(ticket=ticket, actor=agent, at=athens(2026, 11, 24, 16, 45))

    assert SignalKind.SLA_MET in signals(ticket)


def test_a_resolution_past_the_business_hours_target_is_a_breach(office, touchpoint, agent):
    policy(office, resolution_minutes=120)
    ticket = make_ticket(touchpoint=touchpoint, at=athens(2026, 11, 23, 9, 0))

    ticket_resolve(ticket=ticket, actor=agent, at=athens(2026, 11, 23, 11, 1))

    assert SignalKind.SLA_BREACHED in signals(ticket) and SignalKind.SLA_MET not in signals(ticket)


def test_due_times_follow_a_calendar_edit_on_the_next_recompute(office, touchpoint):
    # given a ticket due Tuesday 17:00
    policy(office)
    ticket = make_ticket(touchpoint=touchpoint, at=athens(2026, 11, 23, 9, 0))
    assert ticket.resolution_due_at == athens(2026, 11, 24, 17, 0)

    # when Tuesday is declared a holiday and the ticket is recomputed
    Holiday.objects.create(calendar=office, date=dt.date(2026, 11, 24), name="Office move")
    ticket_sla_refresh(ticket_id=ticket.pk, at=athens(2026, 11, 23, 12, 0))

    # then the clock skips it
    ticket.refresh_from_db()
    assert ticket.resolution_due_at == athens(2026, 11, 25, 17, 0)


def test_the_status_goes_at_risk_then_breached_and_each_change_is_in_the_history(office, touchpoint):
    policy(office, first_response_minutes=60, resolution_minutes=600, at_risk_percent=75)
    ticket = make_ticket(touchpoint=touchpoint, at=athens(2026, 11, 23, 9, 0))

    statuses = []
    for minute in (30, 46, 50, 61, 70):
        state = ticket_sla_refresh(ticket_id=ticket.pk, at=athens(2026, 11, 23, 9, 0) + dt.timedelta(minutes=minute))
        statuses.append(state.status)

    assert statuses == [SlaStatus.OK, SlaStatus.AT_RISK, SlaStatus.AT_RISK, SlaStatus.BREACHED, SlaStatus.BREACHED]
    changes = [(e.data["old"], e.data["new"], e.data["targets"]) for e in ticket.events.filter(kind=EventKind.SLA)]
    assert changes == [(SlaStatus.OK, SlaStatus.AT_RISK, ["first_response"]),
                       (SlaStatus.AT_RISK, SlaStatus.BREACHED, ["first_response"])]


def test_the_queue_wait_ends_at_the_first_touch_by_an_agent_and_is_recorded_once(touchpoint, agent, manager):
    created = athens(2026, 11, 23, 9, 0)
    ticket = make_ticket(touchpoint=touchpoint, at=created)
    ticket_add_customer_message(ticket=ticket, body="Hello?", at=created + dt.timedelta(minutes=5))
    ticket.refresh_from_db()
    assert ticket.first_touched_at is None  # the customer writing again is no touch

    ticket_assign(ticket=ticket, assignee=agent, actor=manager, at=created + dt.timedelta(minutes=12))
    ticket_reply(ticket=ticket, author=agent, body="Hi", at=created + dt.timedelta(minutes=30))

    ticket.refresh_from_db()
    assert ticket.first_touched_at == created + dt.timedelta(minutes=12)
    wait = ExperienceSignal.objects.get(source="ticket", source_id=str(ticket.pk), kind=SignalKind.QUEUE_WAIT)
    assert wait.value == 12 * 60


def test_an_internal_note_is_a_touch_but_not_a_first_response(touchpoint, agent):
    created = athens(2026, 11, 23, 9, 0)
    ticket = make_ticket(touchpoint=touchpoint, at=created)

    ticket_reply(ticket=ticket, author=agent, body="Checking stock", internal=True, at=created + dt.timedelta(hours=1))

    ticket.refresh_from_db()
    assert ticket.first_touched_at == created + dt.timedelta(hours=1)
    assert ticket.first_response_at is None
    assert signals(ticket) == [SignalKind.QUEUE_WAIT]


def test_closing_records_no_signal_of_its_own(touchpoint, agent):
    ticket = make_ticket(touchpoint=touchpoint, at=athens(2026, 11, 23, 9, 0))
    ticket_resolve(ticket=ticket, actor=agent, at=athens(2026, 11, 23, 10, 0))
    before = signals(ticket)

    ticket_change_status(ticket=ticket, status=Status.CLOSED, actor=agent, at=athens(2026, 11, 24, 10, 0))

    assert signals(ticket) == before


def test_a_priority_change_chooses_the_policy_again_and_moves_the_due_times(office, touchpoint, agent):
    from tickets.services.classify import ticket_set_priority

    policy(office, name="normal", priority=Priority.NORMAL, resolution_minutes=16 * 60)
    urgent = policy(office, name="urgent", priority=Priority.URGENT, first_response_minutes=15,
                    resolution_minutes=120)
    ticket = make_ticket(touchpoint=touchpoint, at=athens(2026, 11, 23, 9, 0))

    ticket_set_priority(ticket=ticket, priority=Priority.URGENT, actor=agent, at=athens(2026, 11, 23, 9, 30))

    ticket.refresh_from_db()
    assert ticket.sla_policy == urgent
    assert ticket.first_response_due_at == athens(2026, 11, 23, 9, 15)  # the clock still starts at creation
    assert ticket.resolution_due_at == athens(2026, 11, 23, 11, 0)
    assert ticket.sla_status == SlaStatus.BREACHED  # 30 minutes without a reply against 15


def clock_targets(**kwargs) -> object:
    from tickets.sla.calendar import Calendar
    from tickets.sla.clock import Targets

    values = {"first_response_minutes": 60, "next_response_minutes": 60, "resolution_minutes": 120,
              "at_risk_percent": 80, "calendar": Calendar.always()} | kwargs
    return Targets(**values)


def status_event(at: dt.datetime, old: str, new: str):
    from tickets.sla.clock import Event

    return Event(at=at, kind=EventKind.STATUS, old=old, new=new)


def test_a_reopen_resumes_the_resolution_clock_from_where_it_stood():
    from tickets.sla.clock import compute

    t0 = dt.datetime(2026, 11, 23, 9, 0, tzinfo=dt.UTC)
    events = [status_event(t0 + dt.timedelta(minutes=50), Status.NEW, Status.RESOLVED),
              status_event(t0 + dt.timedelta(days=2), Status.RESOLVED, Status.OPEN)]

    state = compute(created_at=t0, events=events, targets=clock_targets(), at=t0 + dt.timedelta(days=2, minutes=30))

    assert state.resolution.elapsed == dt.timedelta(minutes=80)  # 50 before, 30 since the reopen
    assert state.resolution.due_at == t0 + dt.timedelta(days=2, minutes=70)
    assert state.resolution.running and state.resolution.done_at is None


def test_a_target_used_up_exactly_before_a_pause_was_due_at_the_pause():
    from tickets.sla.clock import compute

    t0 = dt.datetime(2026, 11, 23, 9, 0, tzinfo=dt.UTC)
    events = [status_event(t0 + dt.timedelta(minutes=120), Status.NEW, Status.PENDING),
              status_event(t0 + dt.timedelta(days=1), Status.PENDING, Status.OPEN)]

    state = compute(created_at=t0, events=events, targets=clock_targets(), at=t0 + dt.timedelta(days=1, minutes=1))

    assert state.resolution.due_at == t0 + dt.timedelta(minutes=120)
    assert state.resolution.breached and state.reasons == ["first_response", "resolution"]

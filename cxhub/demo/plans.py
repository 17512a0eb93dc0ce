"""Demo personas, goals and improvement initiatives for the demo program.

Built after the scores are recomputed, because a goal's baseline is read from the daily components
when it is set. Goals are set through journeys.goals as of a day in the past (then their creation time
is backdated to that day, as customers' "since" dates are), so the demo shows progress under way.
One initiative sits on the workshop visit, whose experience improves over the period in the demo's
data: its page shows a clear before-and-after improvement.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.utils import timezone

from journeys.builder import persona_create
from journeys.goals import goal_create
from journeys.initiatives import initiative_create
from journeys.models import Goal, InitiativeStatus, Journey, Program, ScoreMetric, Touchpoint

# (name, segment, description, needs)
PERSONAS: tuple[tuple[str, str, str, str], ...] = (
    ("Family buyer", "retail",
     "Buys a family car every six to eight years and compares three dealers first.",
     "A fair trade-in price, a delivery date that holds, a car handed over complete."),
    ("Fleet manager", "fleet",
     "Runs twenty to two hundred company cars; judges us on uptime.",
     "Service slots within the week, one contact person, invoices that match the contract."),
    ("Premium driver", "premium",
     "Expects to be known by name and to never wait.",
     "A courtesy car during service, proactive updates, no second visit for the same fault."),
    ("Online subscriber", "online",
     "Signs up on the phone in the evening; never calls if the app can answer.",
     "Setup in minutes, clear invoices, a chat that answers within minutes."),
    ("Small business account", "business",
     "A shop with a few seats on the business plan; pays by card every month.",
     "VAT invoices right the first time, payments that go through, help in their language."),
)


@dataclass(frozen=True)
class GoalSpec:
    metric: str
    target: float
    due_in: int  # days after the demo's anchor
    journey: str | None
    description: str


GOALS: tuple[GoalSpec, ...] = (
    GoalSpec(ScoreMetric.EXPERIENCE, 75, 60, None, "Every journey scores 75 or more by the summer."),
    GoalSpec(ScoreMetric.CSAT, 85, 30, "Buying a car", "Satisfied buyers at every dealership touchpoint."),
    GoalSpec(ScoreMetric.SLA, 90, 45, "Online subscription", "Subscribers' tickets resolved within SLA."),
)


@dataclass(frozen=True)
class InitiativeSpec:
    name: str
    touchpoints: tuple[str, ...]
    status: str
    started: int  # days before the anchor; capped at half the demo's period
    lasted: int | None  # days from start to end, None while open
    description: str


INITIATIVES: tuple[InitiativeSpec, ...] = (
    InitiativeSpec(
        "New workshop hand-over", ("Workshop visit",), InitiativeStatus.ACTIVE, 45, None,
        "Service advisers walk every customer through the work done, the invoice against the quote and "
        "the next service, with the car washed and ready at the promised time."),
    InitiativeSpec(
        "Delivery dates you can trust", ("Delivery date confirmation", "Car handover"),
        InitiativeStatus.DONE, 40, 21,
        "Confirm the delivery date only once the car is at the dealership; a checklist for the second "
        "key, number plates and a scratch check at hand-over."),
    InitiativeSpec(
        "Chat staffing after the price change", ("Help chat",), InitiativeStatus.PLANNED, -7, None,
        "Two more agents on the evening chat shift and a queue-position message while customers wait."),
)

GOAL_SET_DAYS_AGO = 60  # goals were set this many days before the anchor (capped by the period)


def build_plans(*, program: Program, anchor: dt.datetime, days: int, owner_username: str) -> None:
    """Personas, goals and initiatives of the demo program (scores must be recomputed already)."""
    today = timezone.localdate(anchor) - dt.timedelta(days=1)  # the last day with activity
    for name, segment, description, needs in PERSONAS:
        persona_create(program=program, name=name, segment=segment, description=description, needs=needs)

    journeys = {j.name: j for j in Journey.objects.filter(program=program)}
    set_on = today - dt.timedelta(days=min(GOAL_SET_DAYS_AGO, days // 2))
    set_at = timezone.make_aware(dt.datetime.combine(set_on, dt.time(9)))
    owner = get_user_model().objects.filter(username=owner_username).first()
    for spec in GOALS:
        goal = goal_create(
            program=program, metric=spec.metric, target=spec.target,
            due_date=today + dt.timedelta(days=spec.due_in),
            journey=journeys.get(spec.journey) if spec.journey else None,
            description=spec.description, actor=owner, today=set_on)
        Goal.objects.filter(pk=goal.pk).update(created_at=set_at)  # set in the past, as planned

    touchpoints = {tp.name: tp for tp in Touchpoint.objects.filter(stage__journey__program=program)}
    for spec in INITIATIVES:
        start = today - dt.timedelta(days=min(spec.started, days // 2))
        initiative_create(
            program=program, name=spec.name, description=spec.description, status=spec.status,
            touchpoints=[touchpoints[name] for name in spec.touchpoints], owner=owner,
            start_date=start, end_date=start + dt.timedelta(days=spec.lasted) if spec.lasted else None)

"""Factories for what the CX manager builds on the scores: personas, goals and initiatives, plus a
helper that writes daily components directly (constructed data with hand-computed answers)."""

from __future__ import annotations

import datetime as dt

import factory

from journeys.models import Goal, Initiative, InitiativeStatus, Persona, ScoreComponentDaily, ScoreMetric
from tests.journeys.factories import ProgramFactory


class PersonaFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Persona

    program = factory.SubFactory(ProgramFactory)
    name = factory.Sequence(lambda n: f"Persona {n}")
    description = "Buys a family car every few years."


class GoalFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Goal

    program = factory.SubFactory(ProgramFactory)
    metric = ScoreMetric.CSAT
    target = 80.0
    baseline = 60.0
    due_date = factory.LazyFunction(lambda: dt.date.today() + dt.timedelta(days=60))


class InitiativeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Initiative

    program = factory.SubFactory(ProgramFactory)
    name = factory.Sequence(lambda n: f"Initiative {n}")
    status = InitiativeStatus.ACTIVE
    start_date = factory.LazyFunction(lambda: dt.date.today() - dt.timedelta(days=10))


def day_row(touchpoint, day: dt.date, **components: int) -> ScoreComponentDaily:
    """One touchpoint-day of components; `signals` defaults to the answers and tickets given."""
    components.setdefault("signals", sum(
        components.get(k, 0) for k in ("nps_responses", "csat_responses", "ces_responses",
                                       "tickets_resolved")))
    return ScoreComponentDaily.objects.create(touchpoint=touchpoint, day=day, **components)

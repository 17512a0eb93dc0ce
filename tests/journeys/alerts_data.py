"""Constructed score data for the alert tests: daily component rows whose figures are known."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.utils import timezone

from journeys.models import Alert, AlertStatus, ScoreComponentDaily, Touchpoint
from tests.journeys.factories import JourneyFactory, ProgramFactory, StageFactory, TouchpointFactory

# The evaluated day. The alert window is the 30 days ending on it (2 to 31 March); the baseline is
# the 90 days before (2 December to 1 March).
TODAY = dt.date(2026, 3, 31)
IN_WINDOW = dt.date(2026, 3, 20)
IN_BASELINE = dt.date(2026, 1, 15)


def touchpoint_in_new_journey(*, target: str = "75", weight: str = "1", min_sample: int = 1,
                              **kwargs: object) -> Touchpoint:
    program = ProgramFactory(min_sample_size=min_sample)
    stage = StageFactory(journey=JourneyFactory(program=program))
    return TouchpointFactory(stage=stage, target_score=Decimal(target), weight=Decimal(weight), **kwargs)


def csat(touchpoint: Touchpoint, satisfied: int, answers: int, *, day: dt.date = IN_WINDOW) -> None:
    """`answers` CSAT answers on `day`, `satisfied` of them 4 or 5: a CSAT (and, alone, an experience
    score) of satisfied / answers x 100."""
    ScoreComponentDaily.objects.update_or_create(
        touchpoint=touchpoint, day=day, segment="",
        defaults={"signals": answers, "csat_responses": answers, "csat_satisfied": satisfied,
                  "csat_score_sum": 5 * satisfied + 2 * (answers - satisfied)},
    )


def nps(touchpoint: Touchpoint, promoters: int, detractors: int, answers: int, *,
        day: dt.date = IN_WINDOW) -> None:
    ScoreComponentDaily.objects.update_or_create(
        touchpoint=touchpoint, day=day, segment="",
        defaults={"signals": answers, "nps_responses": answers, "nps_promoters": promoters,
                  "nps_detractors": detractors, "nps_passives": answers - promoters - detractors},
    )


def make_alert(touchpoint=None, *, journey=None, kind="below_target", metric="experience",
               status=AlertStatus.OPEN, value=60.0, reference=75.0, **extra) -> Alert:
    """An alert made directly (the rules are tested in test_alerts.py); dedupe keys never clash."""
    journey = journey or touchpoint.stage.journey
    subject = f"touchpoint:{touchpoint.pk}" if touchpoint else f"journey:{journey.pk}"
    return Alert.objects.create(
        program=journey.program, journey=journey, touchpoint=touchpoint, kind=kind, metric=metric,
        status=status, dedupe_key=f"{kind}:{subject}:{metric}:{Alert.objects.count()}", window_days=30,
        value=value, reference=reference, low=value - 5, high=value + 5, sample=42,
        message=f"{metric} is {value} against {reference}", last_seen_at=timezone.now(), **extra)

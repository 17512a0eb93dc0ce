"""Reads on the experience side: structures and their scores over a window of days.

Scores read only the daily components: one GROUP BY over (touchpoint, day) rows per page, whatever
the number of touchpoints, so pages run a constant number of queries.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db.models import Prefetch, QuerySet, Sum
from django.utils import timezone

from journeys.models import Journey, Program, ScoreComponentDaily, Stage, Touchpoint
from journeys.scoring import Components, Score, group_score, touchpoint_score, validate_weights

WINDOWS = (7, 30, 90, 365)
DEFAULT_WINDOW = 30


@dataclass(frozen=True)
class Window:
    """Whole days ending today (in the reporting time zone), both ends included."""

    days: int
    start: dt.date
    end: dt.date

    @classmethod
    def last(cls, days: int, *, today: dt.date | None = None) -> Window:
        end = today or timezone.localdate()
        return cls(days, end - dt.timedelta(days=days - 1), end)


def parse_window(raw: object) -> int:
    """A window length from user input; anything unknown falls back to the default."""
    try:
        days = int(str(raw))
    except (TypeError, ValueError):
        return DEFAULT_WINDOW
    return days if days in WINDOWS else DEFAULT_WINDOW


def components_by_touchpoint(
    touchpoint_ids: Iterable[int], window: Window
) -> dict[int, Components]:
    rows = (
        ScoreComponentDaily.objects.filter(
            touchpoint_id__in=list(touchpoint_ids), day__gte=window.start, day__lte=window.end
        )
        .values("touchpoint_id")
        .annotate(**{name: Sum(name) for name in Components.names()})
        .order_by()
    )
    return {row["touchpoint_id"]: Components.from_mapping(row) for row in rows}


@dataclass
class TouchpointCard:
    touchpoint: Touchpoint
    score: Score

    @property
    def meets_target(self) -> bool | None:
        if self.score.value is None:
            return None
        return self.score.value >= float(self.touchpoint.target_score)


@dataclass
class StageCard:
    stage: Stage
    score: Score
    touchpoints: list[TouchpointCard] = field(default_factory=list)


@dataclass
class JourneyCard:
    journey: Journey
    score: Score
    stages: list[StageCard] = field(default_factory=list)

    @property
    def touchpoint_count(self) -> int:
        return sum(len(stage.touchpoints) for stage in self.stages)


def _journeys_with_structure() -> QuerySet[Journey]:
    touchpoints = Touchpoint.objects.filter(is_active=True).select_related("owner_team")
    return Journey.objects.select_related("program").prefetch_related(
        Prefetch("stages", queryset=Stage.objects.prefetch_related(
            Prefetch("touchpoints", queryset=touchpoints)))
    )


def _cards(journeys: list[Journey], window: Window) -> list[JourneyCard]:
    ids = [tp.id for j in journeys for s in j.stages.all() for tp in s.touchpoints.all()]
    components = components_by_touchpoint(ids, window)
    cards = []
    for journey in journeys:
        program = journey.program
        weights = validate_weights(program.score_weights)
        n = program.min_sample_size
        stage_cards = []
        for stage in journey.stages.all():
            tp_cards = [
                TouchpointCard(tp, touchpoint_score(components.get(tp.id, Components()),
                                                    weights=weights, min_sample=n))
                for tp in stage.touchpoints.all()
            ]
            stage_score = group_score(
                ((card.score, float(card.touchpoint.weight)) for card in tp_cards), min_sample=n
            )
            stage_cards.append(StageCard(stage, stage_score, tp_cards))
        journey_score = group_score(
            ((tp.score, float(tp.touchpoint.weight)) for sc in stage_cards for tp in sc.touchpoints),
            min_sample=n,
        )
        cards.append(JourneyCard(journey, journey_score, stage_cards))
    return cards


def journey_scorecard(*, journey_id: int, window: Window) -> JourneyCard:
    """A journey with each stage and touchpoint scored over the window. Raises Journey.DoesNotExist."""
    journey = _journeys_with_structure().get(pk=journey_id)
    return _cards([journey], window)[0]


def journey_scorecards(*, window: Window, program: Program | None = None) -> list[JourneyCard]:
    journeys = _journeys_with_structure()
    if program is not None:
        journeys = journeys.filter(program=program)
    return _cards(list(journeys), window)


def touchpoint_get(*, touchpoint_id: int) -> Touchpoint:
    return Touchpoint.objects.select_related("stage__journey__program", "owner_team").get(
        pk=touchpoint_id
    )


def touchpoint_scorecard(*, touchpoint: Touchpoint, window: Window) -> Score:
    program = touchpoint.stage.journey.program
    components = components_by_touchpoint([touchpoint.id], window).get(touchpoint.id, Components())
    return touchpoint_score(components, weights=validate_weights(program.score_weights),
                            min_sample=program.min_sample_size)


@dataclass
class ProgramCard:
    program: Program
    score: Score
    journeys: list[JourneyCard]

    @property
    def touchpoints(self) -> list[TouchpointCard]:
        return [tp for j in self.journeys for s in j.stages for tp in s.touchpoints]

    @property
    def below_target(self) -> list[TouchpointCard]:
        """Touchpoints with enough data that miss their target, furthest below first."""
        misses = [tp for tp in self.touchpoints if tp.meets_target is False]
        return sorted(misses, key=lambda tp: tp.score.value - float(tp.touchpoint.target_score))


def program_scorecards(*, window: Window) -> list[ProgramCard]:
    """Every program with its journeys ranked by score (those without enough data last)."""
    cards = journey_scorecards(window=window)
    by_program: dict[int, list[JourneyCard]] = {}
    for card in cards:
        by_program.setdefault(card.journey.program_id, []).append(card)
    programs = Program.objects.filter(pk__in=by_program.keys()) if by_program else Program.objects.all()
    result = []
    for program in programs.order_by("name"):
        journeys = by_program.get(program.pk, [])
        journeys.sort(key=lambda c: (c.score.value is None, -(c.score.value or 0)))
        parts = [(tp.score, float(tp.touchpoint.weight))
                 for j in journeys for s in j.stages for tp in s.touchpoints]
        result.append(ProgramCard(program, group_score(parts, min_sample=program.min_sample_size),
                                  journeys))
    return result


@dataclass
class CustomerExperience:
    """What a customer has told us and where they have been, read from the signal ledger."""

    recent_answers: list  # ExperienceSignal rows of answer kinds, newest first
    latest_nps: float | None
    touchpoints: list[Touchpoint]


ANSWER_KINDS = ("nps_answer", "csat_answer", "ces_answer")


def customer_experience(*, customer_id: int, limit: int = 5) -> CustomerExperience:
    """Recent survey answers (with their touchpoint), the latest NPS answer and the touchpoints the
    customer has been through, in journey order. Three queries, whatever the customer's history."""
    from journeys.models import ExperienceSignal

    answers = list(
        ExperienceSignal.objects.filter(customer_id=customer_id, kind__in=ANSWER_KINDS)
        .select_related("touchpoint__stage__journey").order_by("-occurred_at", "-id")[:limit]
    )
    latest_nps = (
        ExperienceSignal.objects.filter(customer_id=customer_id, kind="nps_answer")
        .order_by("-occurred_at", "-id").values_list("value", flat=True).first()
    )
    visited = list(
        Touchpoint.objects.filter(signals__customer_id=customer_id).distinct()
        .select_related("stage__journey")
        .order_by("stage__journey__program_id", "stage__journey__position", "stage__journey_id",
                  "stage__position", "position", "id")
    )
    return CustomerExperience(answers, latest_nps, visited)

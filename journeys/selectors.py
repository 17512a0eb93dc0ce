"""Reads on the experience side: structures and their scores over a window of days.

Scores read only the daily components (journeys.trends): one GROUP BY over (touchpoint, bucket) rows
for the window and one over touchpoints for the previous period, whatever the number of programs,
journeys, touchpoints or days, so pages run a constant number of queries.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db.models import Prefetch, Q, QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from journeys.models import Journey, Program, Stage, Touchpoint
from journeys.scoring import (
    Components,
    Metric,
    Score,
    group_score,
    touchpoint_score,
    validate_weights,
)
from journeys.trends import (
    DEFAULT_WINDOW,
    WINDOWS,
    Bucket,
    ScoreFilter,
    Window,
    buckets,
    components_by_bucket,
    components_by_bucket_and_segment,
    components_by_segment,
    components_by_touchpoint,
    parse_window,
)

# Re-exported: pages, the API and the other apps read windows through this module.
__all__ = [
    "DEFAULT_WINDOW", "SCOPES", "WINDOWS", "Breakdown", "CustomerExperience", "Headline",
    "JourneyCard", "ProgramCard", "ScopeCard", "ScoreQuery", "StageCard", "TouchpointCard",
    "Window", "components_by_touchpoint", "customer_experience", "journey_scorecard",
    "journey_scorecards", "parse_window", "program_scorecards", "scope_scorecard",
    "touchpoint_get", "touchpoint_scorecard",
]


@dataclass(frozen=True)
class ScoreQuery:
    """What a score read covers: the window, the segment/channel filter, and optionally a series by
    bucket (`granularity`) and the previous period (`compare`)."""

    window: Window
    score_filter: ScoreFilter = field(default_factory=ScoreFilter)
    granularity: str | None = None
    compare: bool = False

    @property
    def previous(self) -> Window | None:
        return self.window.previous() if self.compare else None

    @property
    def buckets(self) -> list[Bucket]:
        return buckets(self.window, self.granularity) if self.granularity else []

    @property
    def earliest(self) -> Window:
        return self.previous or self.window


def _delta(current: float | None, previous: float | None) -> float | None:
    return None if current is None or previous is None else current - previous


class _Trended:
    """A scored card with its previous period and its series by bucket."""

    score: Score
    previous: Score | None
    series: list[Score]

    @property
    def delta(self) -> float | None:
        """The change in score against the previous period (None without enough data in both)."""
        return _delta(self.score.value, self.previous.value if self.previous else None)

    @property
    def series_values(self) -> list[float | None]:
        return [point.value for point in self.series]


@dataclass
class TouchpointCard(_Trended):
    touchpoint: Touchpoint
    score: Score
    previous: Score | None = None
    series: list[Score] = field(default_factory=list)

    @property
    def meets_target(self) -> bool | None:
        if self.score.value is None:
            return None
        return self.score.value >= float(self.touchpoint.target_score)

    @property
    def archived(self) -> bool:
        return not self.touchpoint.is_active


@dataclass
class StageCard(_Trended):
    stage: Stage
    score: Score
    touchpoints: list[TouchpointCard] = field(default_factory=list)
    previous: Score | None = None
    series: list[Score] = field(default_factory=list)


@dataclass
class JourneyCard(_Trended):
    journey: Journey
    score: Score
    stages: list[StageCard] = field(default_factory=list)
    previous: Score | None = None
    series: list[Score] = field(default_factory=list)

    @property
    def touchpoint_count(self) -> int:
        return sum(len(stage.touchpoints) for stage in self.stages)

    @property
    def touchpoints(self) -> list[TouchpointCard]:
        return [tp for stage in self.stages for tp in stage.touchpoints]


@dataclass
class Headline:
    """One headline figure of a program with its change and its series."""

    key: str
    label: str
    value: float | None
    previous: float | None
    sample: int
    unit: str
    series: list[float | None]
    metric: Metric | None = None  # None for the experience score itself

    @property
    def delta(self) -> float | None:
        return _delta(self.value, self.previous)


@dataclass
class Breakdown:
    """A program's score within one customer segment or one channel."""

    key: str
    label: str
    score: Score


@dataclass
class ProgramCard(_Trended):
    program: Program
    score: Score
    journeys: list[JourneyCard]
    previous: Score | None = None
    series: list[Score] = field(default_factory=list)
    by_segment: list[Breakdown] = field(default_factory=list)
    by_channel: list[Breakdown] = field(default_factory=list)
    # Sections a page adds beside the scores (the dashboard's alerts, goals, impact, customers at risk).
    more: dict[str, object] = field(default_factory=dict)

    @property
    def touchpoints(self) -> list[TouchpointCard]:
        return [tp for j in self.journeys for s in j.stages for tp in s.touchpoints]

    @property
    def below_target(self) -> list[TouchpointCard]:
        """Touchpoints with enough data that miss their target, furthest below first."""
        misses = [tp for tp in self.touchpoints if tp.meets_target is False]
        return sorted(misses, key=lambda tp: tp.score.value - float(tp.touchpoint.target_score))

    @property
    def worst(self) -> list[TouchpointCard]:
        """Touchpoints with enough data, lowest score first."""
        scored = [tp for tp in self.touchpoints if tp.score.value is not None]
        return sorted(scored, key=lambda tp: (tp.score.value, tp.touchpoint.pk))

    @property
    def most_improved(self) -> list[TouchpointCard]:
        """Touchpoints that rose against the previous period (enough data in both), most first."""
        risen = [tp for tp in self.touchpoints if tp.delta is not None and tp.delta > 0]
        return sorted(risen, key=lambda tp: (-tp.delta, tp.touchpoint.pk))

    @property
    def headlines(self) -> list[Headline]:
        """The experience score, NPS, CSAT, CES, SLA attainment and first-contact resolution."""
        previous = self.previous
        # Labels stay in English like the metrics' own; the page translates them.
        result = [Headline("score", gettext_noop("Experience score"), self.score.value,
                           previous.value if previous else None, self.score.sample_size, "",
                           self.series_values)]
        for key in ("nps", "csat", "ces", "sla", "fcr"):
            metric = self.score.metrics[key]
            before = previous.metrics[key] if previous else None
            result.append(Headline(
                key, metric.label, metric.value if metric.enough else None,
                before.value if before is not None and before.enough else None,
                metric.sample, metric.unit,
                [point.metrics[key].value if point.metrics[key].enough else None
                 for point in self.series],
                metric,
            ))
        return result


# --- Structure ---------------------------------------------------------------------------------------


def _touchpoints(query: ScoreQuery) -> QuerySet[Touchpoint]:
    """Touchpoints that count in the window or its previous period (archived ones included while
    their archive date is after the earliest start); filtered to the channel when one is chosen."""
    touchpoints = Touchpoint.objects.filter(
        Q(is_active=True) | Q(is_active=False, archived_at__gt=query.earliest.start_at)
    ).select_related("owner_team")
    if query.score_filter.channel is not None:
        touchpoints = touchpoints.filter(channel=query.score_filter.channel)
    return touchpoints


def _stages(query: ScoreQuery) -> Prefetch:
    return Prefetch("stages", queryset=Stage.objects.prefetch_related(
        Prefetch("touchpoints", queryset=_touchpoints(query))))


def _journeys_with_structure(query: ScoreQuery | None = None) -> QuerySet[Journey]:
    query = query or ScoreQuery(Window.last(DEFAULT_WINDOW))
    return Journey.objects.select_related("program").prefetch_related(_stages(query))


# --- Scoring a structure -----------------------------------------------------------------------------


@dataclass
class _Scores:
    """Touchpoint scores of one read: current (with series) and previous, by touchpoint id."""

    query: ScoreQuery
    current: dict[int, Components]
    by_bucket: dict[int, dict[dt.date, Components]]
    previous: dict[int, Components]
    count_all: bool = False
    # Each touchpoint's components per customer segment over the window, when asked for.
    by_segment: dict[int, dict[str, Components]] = field(default_factory=dict)

    @classmethod
    def read(cls, touchpoints: Iterable[Touchpoint], query: ScoreQuery, *,
             count_all: bool = False, segments: bool = False) -> _Scores:
        touchpoints = list(touchpoints)
        window, previous = query.window, query.previous

        def counts(w: Window, tp: Touchpoint) -> bool:
            return count_all or w.counts(tp)

        current_ids = [tp.id for tp in touchpoints if counts(window, tp)]
        by_bucket: dict[int, dict[dt.date, Components]] = {}
        by_segment: dict[int, dict[str, Components]] = {}
        if query.granularity and segments:  # the series and the breakdown from one read
            by_bucket, by_segment = components_by_bucket_and_segment(
                current_ids, window, query.granularity, query.score_filter)
        elif query.granularity:
            by_bucket = components_by_bucket(current_ids, window, query.granularity,
                                             query.score_filter)
        elif segments:
            by_segment = components_by_segment(current_ids, window, query.score_filter)
        if query.granularity:
            current = {tp: Components.total(parts.values()) for tp, parts in by_bucket.items()}
        elif segments:
            current = {tp: Components.total(parts.values()) for tp, parts in by_segment.items()}
        else:
            current = components_by_touchpoint(current_ids, window, query.score_filter)
        before: dict[int, Components] = {}
        if previous is not None:
            before = components_by_touchpoint(
                [tp.id for tp in touchpoints if counts(previous, tp)], previous, query.score_filter)
        return cls(query, current, by_bucket, before, count_all, by_segment)

    def card(self, tp: Touchpoint, weights: dict[str, float], n: int) -> TouchpointCard:
        score = touchpoint_score(self.current.get(tp.id, Components()), weights=weights,
                                 min_sample=n)
        return TouchpointCard(tp, score, self.previous_score(tp, weights, n), [
            touchpoint_score(self.by_bucket.get(tp.id, {}).get(bucket.key, Components()),
                             weights=weights, min_sample=n)
            for bucket in self.query.buckets
        ])

    def previous_score(self, tp: Touchpoint, weights: dict[str, float], n: int) -> Score | None:
        previous = self.query.previous
        if previous is None or not (self.count_all or previous.counts(tp)):
            return None
        return touchpoint_score(self.previous.get(tp.id, Components()), weights=weights,
                                min_sample=n)


def _group(cards: list[TouchpointCard], previous: list[tuple[Score, float]],
           query: ScoreQuery, n: int) -> tuple[Score, Score | None, list[Score]]:
    """A group's score, previous score and series from its touchpoints' (weights renormalise over
    the touchpoints with enough data, as journeys.scoring.group_score does)."""
    score = group_score(((c.score, float(c.touchpoint.weight)) for c in cards), min_sample=n)
    before = group_score(previous, min_sample=n) if query.compare else None
    series = [
        group_score(((c.series[i], float(c.touchpoint.weight)) for c in cards), min_sample=n)
        for i in range(len(query.buckets))
    ]
    return score, before, series


def _weights(program: Program) -> tuple[dict[str, float], int]:
    return validate_weights(program.score_weights), program.min_sample_size


def _journey_card(journey: Journey, program: Program, scores: _Scores) -> JourneyCard:
    query = scores.query
    weights, n = _weights(program)
    stage_cards = []
    journey_previous: list[tuple[Score, float]] = []
    for stage in journey.stages.all():
        touchpoints = list(stage.touchpoints.all())
        cards = [scores.card(tp, weights, n) for tp in touchpoints if query.window.counts(tp)]
        previous = [(s, float(tp.weight)) for tp in touchpoints
                    if (s := scores.previous_score(tp, weights, n)) is not None]
        journey_previous.extend(previous)
        score, before, series = _group(cards, previous, query, n)
        stage_cards.append(StageCard(stage, score, cards, before, series))
    all_cards = [tp for stage in stage_cards for tp in stage.touchpoints]
    score, before, series = _group(all_cards, journey_previous, query, n)
    return JourneyCard(journey, score, stage_cards, before, series)


def _structure_touchpoints(journeys: Iterable[Journey]) -> list[Touchpoint]:
    return [tp for j in journeys for s in j.stages.all() for tp in s.touchpoints.all()]


def _query(window: Window, query: ScoreQuery | None) -> ScoreQuery:
    return query if query is not None else ScoreQuery(window)


def journey_scorecard(*, journey_id: int, window: Window | None = None,
                      query: ScoreQuery | None = None) -> JourneyCard:
    """A journey with each stage and touchpoint scored over the window. Raises Journey.DoesNotExist."""
    query = _query(window, query)  # type: ignore[arg-type]
    journey = _journeys_with_structure(query).get(pk=journey_id)
    scores = _Scores.read(_structure_touchpoints([journey]), query)
    return _journey_card(journey, journey.program, scores)


def journey_scorecards(*, window: Window | None = None, program: Program | None = None,
                       query: ScoreQuery | None = None) -> list[JourneyCard]:
    query = _query(window, query)  # type: ignore[arg-type]
    journeys = _journeys_with_structure(query)
    if program is not None:
        journeys = journeys.filter(program=program)
    journeys = list(journeys)
    scores = _Scores.read(_structure_touchpoints(journeys), query)
    return [_journey_card(journey, journey.program, scores) for journey in journeys]


def touchpoint_get(*, touchpoint_id: int) -> Touchpoint:
    return Touchpoint.objects.select_related("stage__journey__program", "owner_team").get(
        pk=touchpoint_id
    )


def touchpoint_scorecard(*, touchpoint: Touchpoint, window: Window,
                         score_filter: ScoreFilter | None = None) -> Score:
    program = touchpoint.stage.journey.program
    components = components_by_touchpoint([touchpoint.id], window, score_filter).get(
        touchpoint.id, Components())
    return touchpoint_score(components, weights=validate_weights(program.score_weights),
                            min_sample=program.min_sample_size)


def _rank(journeys: list[JourneyCard]) -> list[JourneyCard]:
    return sorted(journeys, key=lambda c: (c.score.value is None, -(c.score.value or 0)))


def _program_card(program: Program, journeys: list[Journey], scores: _Scores) -> ProgramCard:
    query = scores.query
    weights, n = _weights(program)
    cards = [_journey_card(journey, program, scores) for journey in journeys]
    touchpoints = [tp for card in cards for tp in card.touchpoints]
    previous = [(s, float(tp.weight)) for tp in _structure_touchpoints(journeys)
                if (s := scores.previous_score(tp, weights, n)) is not None]
    score, before, series = _group(touchpoints, previous, query, n)
    return ProgramCard(program, score, _rank(cards), before, series)


def program_scorecards(*, window: Window | None = None, query: ScoreQuery | None = None,
                       breakdowns: bool = False) -> list[ProgramCard]:
    """Every program with its journeys ranked by score (those without enough data last).

    With `breakdowns`, each program also carries its score per customer segment and per channel
    (read with the series, in the same query).
    """
    query = _query(window, query)  # type: ignore[arg-type]
    journeys_qs = Journey.objects.order_by("position", "id").prefetch_related(_stages(query))
    programs = list(Program.objects.order_by("name").prefetch_related(
        Prefetch("journeys", queryset=journeys_qs)))
    touchpoints = [tp for p in programs for tp in _structure_touchpoints(p.journeys.all())]
    scores = _Scores.read(touchpoints, query, segments=breakdowns)
    cards = [_program_card(p, list(p.journeys.all()), scores) for p in programs]
    if breakdowns:
        for card in cards:
            _add_breakdowns(card, scores.by_segment)
    return cards


def _add_breakdowns(card: ProgramCard, by_segment: dict[int, dict[str, Components]]) -> None:
    from journeys.choices import Channel

    weights, n = _weights(card.program)
    segments: dict[str, list[tuple[Score, float]]] = {}
    for tp in card.touchpoints:
        for segment, components in by_segment.get(tp.touchpoint.id, {}).items():
            segments.setdefault(segment, []).append(
                (touchpoint_score(components, weights=weights, min_sample=n),
                 float(tp.touchpoint.weight)))
    card.by_segment = [
        Breakdown(segment, segment or _("No segment"), group_score(parts, min_sample=n))
        for segment, parts in sorted(segments.items(), key=lambda item: (item[0] == "", item[0]))
    ]
    channels: dict[str, list[tuple[Score, float]]] = {}
    for tp in card.touchpoints:
        channels.setdefault(tp.touchpoint.channel, []).append(
            (tp.score, float(tp.touchpoint.weight)))
    labels = dict(Channel.choices)
    card.by_channel = [
        Breakdown(channel, str(labels.get(channel, channel)), group_score(parts, min_sample=n))
        for channel, parts in sorted(channels.items())
    ]


# --- Any scope ---------------------------------------------------------------------------------------

SCOPES = ("touchpoint", "stage", "journey", "program")


@dataclass
class ScopeCard(_Trended):
    """The score of one touchpoint, stage, journey or program, with previous period and series."""

    scope: str
    id: int
    name: str
    score: Score
    previous: Score | None = None
    series: list[Score] = field(default_factory=list)


def scope_scorecard(*, scope: str, pk: int, query: ScoreQuery) -> ScopeCard:
    """The score of anything scored. Raises LookupError when there is no such object.

    A touchpoint's own score always counts it (archived or not); a stage, journey or program counts
    the touchpoints its window counts.
    """
    if scope == "touchpoint":
        tp = Touchpoint.objects.select_related("stage__journey__program").filter(pk=pk).first()
        if tp is None:
            raise LookupError(scope)
        # Its own history counts whatever the map says now (archived or not).
        scores = _Scores.read([tp], query, count_all=True)
        card = scores.card(tp, *_weights(tp.stage.journey.program))
        return ScopeCard(scope, tp.pk, tp.name, card.score, card.previous, card.series)
    if scope == "program":
        program = Program.objects.filter(pk=pk).first()
        if program is None:
            raise LookupError(scope)
        journeys = list(_journeys_with_structure(query).filter(program=program)
                        .order_by("position", "id"))
        pcard = _program_card(program, journeys, _Scores.read(_structure_touchpoints(journeys), query))
        return ScopeCard(scope, program.pk, program.name, pcard.score, pcard.previous, pcard.series)
    if scope in ("journey", "stage"):
        journeys = _journeys_with_structure(query)
        journey = (journeys.filter(pk=pk) if scope == "journey"
                   else journeys.filter(stages__pk=pk)).first()
        if journey is None:
            raise LookupError(scope)
        jcard = _journey_card(journey, journey.program,
                              _Scores.read(_structure_touchpoints([journey]), query))
        if scope == "journey":
            return ScopeCard(scope, journey.pk, journey.name, jcard.score, jcard.previous,
                             jcard.series)
        stage = next(s for s in jcard.stages if s.stage.pk == pk)
        return ScopeCard(scope, stage.stage.pk, stage.stage.name, stage.score, stage.previous,
                         stage.series)
    raise LookupError(scope)


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

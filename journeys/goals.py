"""Goals of a program (or of one of its journeys): writes, and progress read from the daily components.

Figures come from `journeys.selectors.journey_scorecards` (the summary tables only, never the ledger).
The status rule is written down in docs/goals.md; change both together.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cxhub.exceptions import DomainError
from cxhub.languages import local_decimal
from journeys.models import Goal, Journey, Program, ScoreMetric
from journeys.scoring import Score, group_score
from journeys.selectors import JourneyCard, Window, journey_scorecards

CURRENT_DAYS = 30  # the window of a goal's current figure
BASELINE_DAYS = 90  # the window of the figure captured as a goal's baseline when it is set
ON_TRACK_SLACK = 0.10  # progress may lag the time elapsed by this share and still be on track

# The range a target can take, on the metric's own scale.
METRIC_RANGES: dict[str, tuple[float, float]] = {
    ScoreMetric.NPS: (-100.0, 100.0),
    ScoreMetric.EXPERIENCE: (0.0, 100.0),
    ScoreMetric.CSAT: (0.0, 100.0),
    ScoreMetric.CES: (0.0, 100.0),
    ScoreMetric.SLA: (0.0, 100.0),
    ScoreMetric.FCR: (0.0, 100.0),
}


class GoalStatus:
    MET = "met"
    ON_TRACK = "on_track"
    AT_RISK = "at_risk"
    OVERDUE = "overdue"
    NO_DATA = "no_data"

    LABELS = {MET: gettext_lazy("Met"), ON_TRACK: gettext_lazy("On track"), AT_RISK: gettext_lazy("At risk"),
              OVERDUE: gettext_lazy("Overdue"), NO_DATA: gettext_lazy("Not enough data")}
    TONES = {MET: "good", ON_TRACK: "good", AT_RISK: "warn", OVERDUE: "bad", NO_DATA: ""}


# --- Figures -----------------------------------------------------------------------------------------


def figure_of(score: Score, metric: str) -> tuple[float | None, int]:
    """The figure a goal tracks from a score: (value or None when not enough data, sample)."""
    if metric == ScoreMetric.EXPERIENCE:
        return score.value, score.sample_size
    m = score.metrics[metric]
    return (m.value if m.enough else None), m.sample


def _program_score(program: Program, cards: list[JourneyCard]) -> Score:
    # The same blend as selectors.program_scorecards, without scoring every other program.
    parts = [(tp.score, float(tp.touchpoint.weight)) for j in cards for s in j.stages for tp in s.touchpoints]
    return group_score(parts, min_sample=program.min_sample_size)


def _scores(program: Program, window: Window) -> tuple[Score, dict[int, Score]]:
    cards = journey_scorecards(window=window, program=program)
    return _program_score(program, cards), {card.journey.pk: card.score for card in cards}


def current_figure(*, program: Program, metric: str, journey: Journey | None = None,
                   days: int = CURRENT_DAYS, today: dt.date | None = None) -> float | None:
    program_score, by_journey = _scores(program, Window.last(days, today=today))
    score = by_journey.get(journey.pk) if journey is not None else program_score
    return None if score is None else figure_of(score, metric)[0]


# --- Writes ------------------------------------------------------------------------------------------


def _check(*, program: Program, metric: str, target: Any, due_date: Any,
           journey: Journey | None) -> float:
    if metric not in ScoreMetric.values:
        raise DomainError(_("Choose a metric from the list."), field="metric")
    try:
        target = float(target)
    except (TypeError, ValueError):
        raise DomainError(_("The target must be a number."), field="target") from None
    low, high = METRIC_RANGES[metric]
    if not low <= target <= high:
        raise DomainError(_("A %(metric)s target must be from %(low)s to %(high)s.") % {
            "metric": ScoreMetric(metric).label, "low": f"{low:g}", "high": f"{high:g}"}, field="target")
    if not isinstance(due_date, dt.date):
        raise DomainError(_("The due date must be a date."), field="due_date")
    if journey is not None and journey.program_id != program.pk:
        raise DomainError(_("The journey must belong to the goal's program."), field="journey")
    return target


@transaction.atomic
def goal_create(*, program: Program, metric: str, target: Any, due_date: dt.date,
                journey: Journey | None = None, description: str = "", actor: Any = None,
                today: dt.date | None = None) -> Goal:
    """A goal; its baseline is the figure over the last 90 days at the time it is set (None when
    there is not enough data then)."""
    target = _check(program=program, metric=metric, target=target, due_date=due_date, journey=journey)
    today = today or timezone.localdate()
    if due_date <= today:
        raise DomainError(_("The due date must be after today."), field="due_date")
    description = (description or "").strip()
    if len(description) > 300:
        raise DomainError(_("The description can have at most 300 characters."), field="description")
    baseline = current_figure(program=program, metric=metric, journey=journey, days=BASELINE_DAYS,
                              today=today)
    return Goal.objects.create(
        program=program, journey=journey, metric=metric, target=target, baseline=baseline,
        due_date=due_date, description=description,
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
    )


@transaction.atomic
def goal_update(*, goal: Goal, metric: str, target: Any, due_date: dt.date,
                journey: Journey | None = None, description: str = "",
                today: dt.date | None = None) -> Goal:
    """Change a goal. Changing what it measures (metric or journey) captures a new baseline, since the
    old one was a different figure; changing the target or date keeps the baseline."""
    target = _check(program=goal.program, metric=metric, target=target, due_date=due_date,
                    journey=journey)
    description = (description or "").strip()
    if len(description) > 300:
        raise DomainError(_("The description can have at most 300 characters."), field="description")
    if metric != goal.metric or (journey.pk if journey else None) != goal.journey_id:
        goal.baseline = current_figure(program=goal.program, metric=metric, journey=journey,
                                       days=BASELINE_DAYS, today=today)
    goal.metric, goal.target, goal.due_date = metric, target, due_date
    goal.journey, goal.description = journey, description
    goal.save(update_fields=["metric", "target", "due_date", "journey", "description", "baseline",
                             "updated_at"])
    return goal


@transaction.atomic
def goal_delete(*, goal: Goal) -> None:
    goal.delete()


# --- Progress ----------------------------------------------------------------------------------------


@dataclass
class GoalProgress:
    goal: Goal
    current: float | None
    sample: int
    baseline: float | None
    target: float
    progress: float | None  # share of the way from baseline to target, clamped to 0..1
    expected: float  # share of the time from the goal's creation to its due date that has passed
    days_left: int  # negative once overdue
    status: str

    @property
    def status_label(self) -> str:
        return GoalStatus.LABELS[self.status]

    @property
    def tone(self) -> str:
        return GoalStatus.TONES[self.status]

    @property
    def percent(self) -> int:
        """Progress for a bar, 0-100."""
        return round(100 * (self.progress or 0.0))

    @property
    def days_overdue(self) -> int:
        return max(-self.days_left, 0)

    @property
    def scope(self) -> str:
        return self.goal.journey.name if self.goal.journey_id else _("Whole program")

    def fmt(self, value: float | None) -> str:
        """A figure as the page shows it: NPS signed and whole, a score with one decimal, shares in %;
        with the reader's decimal separator."""
        if value is None:
            return "—"
        if self.goal.metric == ScoreMetric.NPS:
            return f"{value:+.0f}"
        if self.goal.metric == ScoreMetric.EXPERIENCE:
            return local_decimal(f"{value:.1f}")
        return local_decimal(f"{value:.1f}%")

    @property
    def current_text(self) -> str:
        return self.fmt(self.current)

    @property
    def baseline_text(self) -> str:
        return self.fmt(self.baseline)

    @property
    def target_text(self) -> str:
        return self.fmt(self.target)


def progress_fraction(*, current: float | None, baseline: float | None, target: float) -> float | None:
    """How far the figure has come from the baseline towards the target, clamped to 0..1.

    None without a current figure or a baseline; 1 when the target is met already; when the baseline is
    at or past the target (a goal to hold a level), 1 while the figure holds it, else 0.
    """
    if current is None:
        return None
    if current >= target:
        return 1.0
    if baseline is None:
        return None
    if baseline >= target:
        return 0.0
    return min(max((current - baseline) / (target - baseline), 0.0), 1.0)


def goal_status(*, current: float | None, target: float, progress: float | None, expected: float,
                days_left: int) -> str:
    """The rule of docs/goals.md: met, overdue, not enough data, then on track or at risk."""
    if current is not None and current >= target:
        return GoalStatus.MET
    if days_left < 0:
        return GoalStatus.OVERDUE
    if current is None:
        return GoalStatus.NO_DATA
    if progress is not None and progress + ON_TRACK_SLACK >= expected:
        return GoalStatus.ON_TRACK
    return GoalStatus.AT_RISK


def _evaluate(goal: Goal, score: Score | None, today: dt.date) -> GoalProgress:
    current, sample = figure_of(score, goal.metric) if score is not None else (None, 0)
    start = timezone.localdate(goal.created_at)
    span = (goal.due_date - start).days
    expected = 1.0 if span <= 0 else min(max((today - start).days / span, 0.0), 1.0)
    days_left = (goal.due_date - today).days
    progress = progress_fraction(current=current, baseline=goal.baseline, target=goal.target)
    status = goal_status(current=current, target=goal.target, progress=progress, expected=expected,
                         days_left=days_left)
    return GoalProgress(goal, current, sample, goal.baseline, goal.target, progress, expected,
                        days_left, status)


def goal_progress(*, program: Program, today: dt.date | None = None) -> list[GoalProgress]:
    """Every goal of the program with its figure over the last 30 days and its status.

    A fixed number of queries whatever the number of goals: the goals, and one scorecard of the
    program's journeys (structure plus one GROUP BY over the daily components).
    """
    today = today or timezone.localdate()
    goals = list(Goal.objects.filter(program=program).select_related("journey", "program")
                 .order_by("due_date", "id"))
    if not goals:
        return []
    program_score, by_journey = _scores(program, Window.last(CURRENT_DAYS, today=today))
    return [
        _evaluate(goal, by_journey.get(goal.journey_id) if goal.journey_id else program_score, today)
        for goal in goals
    ]


def dashboard_context(*, program: Program, window: Window) -> dict[str, Any]:
    """What `journeys/partials/_dashboard_goals.html` needs for one program: `goal_rows` and
    `goals_program`. Goals are always judged on their own 30-day figure; the dashboard's window only
    fixes the day they are judged on (its last day)."""
    return {"goals_program": program, "goal_rows": goal_progress(program=program, today=window.end),
            "goal_days": CURRENT_DAYS}

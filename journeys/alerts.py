"""Alerts: the proactive side of the CX cockpit.

`alerts_evaluate` (run by a periodic job) scores every active touchpoint and every journey over the
alert window and its baseline, raises an alert for each rule that fires, refreshes the live alert of a
rule that keeps firing, resolves the alerts whose condition has cleared, mails the owners of new alerts
once, and publishes score changes. `alert_acknowledge` and `alert_resolve` are the manager's writes.
The rules and the statistics are written down in docs/alerts.md; change both together.
"""

from __future__ import annotations

import datetime as dt
import logging
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.db.models import Case, ExpressionWrapper, F, FloatField, QuerySet, Value, When
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from cxhub.exceptions import ConflictError, DomainError
from cxhub.roles import CX_MANAGER
from cxhub.webhooks import events
from cxhub.webhooks.services import event_emit
from journeys.models import (
    Alert,
    AlertKind,
    AlertStatus,
    AnalysisKind,
    AnalysisSnapshot,
    Journey,
    Program,
    ScoreMetric,
    Touchpoint,
)
from journeys.scoring import (
    BLEND_KEYS,
    Z95,
    Components,
    Metric,
    Score,
    drop_beyond_noise,
    experience_metric,
    group_score,
    metrics_of,
    touchpoint_score,
    validate_weights,
)
from journeys.selectors import Window, components_by_touchpoint

logger = logging.getLogger(__name__)

DEFAULT_WINDOW_DAYS = 30
DEFAULT_BASELINE_DAYS = 90
# A published score moves (and "score.changed" is emitted) when it changed by at least this much.
SCORE_CHANGE_POINTS = 1.0
NOTE_MAX_LENGTH = 2000

LIVE_STATUSES = (AlertStatus.OPEN, AlertStatus.ACKNOWLEDGED)
# open -> acknowledged -> resolved, open -> resolved; a resolved alert never changes again.
TRANSITIONS: dict[str, tuple[str, ...]] = {
    AlertStatus.OPEN: (AlertStatus.ACKNOWLEDGED, AlertStatus.RESOLVED),
    AlertStatus.ACKNOWLEDGED: (AlertStatus.RESOLVED,),
    AlertStatus.RESOLVED: (),
}
# Per-metric drop rules; the experience score is tested over the components both windows measured.
DROP_METRICS = (ScoreMetric.NPS, ScoreMetric.CSAT, ScoreMetric.CES, ScoreMetric.SLA, ScoreMetric.FCR)


def window_days() -> int:
    return int(getattr(settings, "ALERTS_WINDOW_DAYS", DEFAULT_WINDOW_DAYS))


def baseline_days() -> int:
    return int(getattr(settings, "ALERTS_BASELINE_DAYS", DEFAULT_BASELINE_DAYS))


def windows_for(today: dt.date) -> tuple[Window, Window]:
    """The alert window ending `today`, and the baseline: the days just before it."""
    current = Window.last(window_days(), today=today)
    days = baseline_days()
    end = current.start - dt.timedelta(days=1)
    return current, Window(days, end - dt.timedelta(days=days - 1), end)


# --- Statistics --------------------------------------------------------------------------------------
# The intervals and tests are journeys.scoring's: Wilson intervals and pooled two-proportion z-tests for
# CSAT, CES, SLA and FCR; the trinomial interval and pooled z-test for NPS; for the experience score an
# interval from its components' intervals and a z-test on the two intervals' standard errors.


def _experience_over(c: Components, weights: Mapping[str, float], min_sample: int) -> Metric | None:
    score = touchpoint_score(c, weights=weights, min_sample=min_sample)
    return experience_metric(score, weights) if score.value is not None else None


def experience_pair(now: Components, before: Components, *, weights: Mapping[str, float],
                    min_sample: int) -> tuple[Metric, Metric] | None:
    """A touchpoint's experience score in both windows over only the components with enough data in
    both, so that a component appearing or vanishing (the weights renormalise) is never read as a
    change of the experience."""
    m_now, m_before = metrics_of(now, min_sample=min_sample), metrics_of(before, min_sample=min_sample)
    common = {k: float(weights.get(k, 0.0)) for k in BLEND_KEYS
              if float(weights.get(k, 0.0)) > 0 and m_now[k].enough and m_before[k].enough}
    if not common:
        return None
    cur, base = _experience_over(now, common, min_sample), _experience_over(before, common, min_sample)
    return (cur, base) if cur is not None and base is not None else None


def _se(metric: Metric) -> float:
    return (metric.high - metric.low) / (2 * Z95)  # type: ignore[operator]


def weighted_experience(parts: list[tuple[Metric, float]]) -> Metric | None:
    """A journey's experience score from its touchpoints' (experience metric, touchpoint weight), as
    group_score weighs them; the touchpoints are disjoint samples, so the variance is
    sum((w / W)^2 * se^2) and the interval the value +- 1.96 standard errors."""
    parts = [(m, w) for m, w in parts if m.value is not None and m.low is not None and m.high is not None]
    total = sum(w for _, w in parts)
    if not total:
        return None
    value = sum(m.value * w for m, w in parts) / total  # type: ignore[operator]
    half = Z95 * math.sqrt(sum((w / total) ** 2 * _se(m) ** 2 for m, w in parts))
    return Metric(ScoreMetric.EXPERIENCE, gettext_noop("Experience score"), value, sum(m.sample for m, _ in parts),
                  True, value, "", value - half, value + half)


# --- What the rules find ------------------------------------------------------------------------------


@dataclass
class Finding:
    """A rule that fires for a subject in this evaluation."""

    key: str
    kind: str
    metric: str
    program_id: int
    journey_id: int
    touchpoint_id: int | None
    value: float
    reference: float
    low: float | None
    high: float | None
    sample: int
    message: str


@dataclass
class Subject:
    """A touchpoint or a journey with its figures over the alert window and the baseline."""

    type: str  # "touchpoint" or "journey"
    id: int
    name: str
    program: Program
    journey_id: int
    touchpoint_id: int | None
    target: float | None  # the touchpoint's target; for a journey, the weighted target (see below)
    current: Metric | None  # the experience score with its interval; None without enough data
    metrics_now: dict[str, Metric] = field(default_factory=dict)
    metrics_before: dict[str, Metric] = field(default_factory=dict)
    # The experience score in both windows over what both measured, for the drop test.
    experience_pair: tuple[Metric, Metric] | None = None

    @property
    def label(self) -> str:
        return self.name if self.type == "touchpoint" else f"the {self.name} journey"


def dedupe_key(kind: str, subject_type: str, subject_id: int, metric: str) -> str:
    return f"{kind}:{subject_type}:{subject_id}:{metric}"


def _fmt(value: float | None, metric: str) -> str:
    if value is None:
        return "—"
    if metric == ScoreMetric.NPS:
        return f"{value:+.1f}"
    return f"{value:.1f}" if metric == ScoreMetric.EXPERIENCE else f"{value:.1f}%"


def _rules(subject: Subject, days: int, baseline: int) -> tuple[list[Finding], dict[str, str]]:
    """The findings of one subject, and why each rule that did not fire is clear."""
    findings: list[Finding] = []
    clear: dict[str, str] = {}
    ids = {"program_id": subject.program.pk, "journey_id": subject.journey_id,
           "touchpoint_id": subject.touchpoint_id}
    key = dedupe_key(AlertKind.BELOW_TARGET, subject.type, subject.id, ScoreMetric.EXPERIENCE)
    now = subject.current
    if now is None or now.value is None or subject.target is None:
        clear[key] = f"not enough data in the last {days} days to judge the experience score."
    elif now.value < subject.target:
        findings.append(Finding(
            key, AlertKind.BELOW_TARGET, ScoreMetric.EXPERIENCE, **ids, value=now.value,
            reference=subject.target, low=now.low, high=now.high, sample=now.sample,
            message=(f"The experience score of {subject.label} is {now.value:.1f}, below its target "
                     f"of {subject.target:g} (last {days} days, 95% interval "
                     f"{_fmt(now.low, ScoreMetric.EXPERIENCE)} to {_fmt(now.high, ScoreMetric.EXPERIENCE)}, "
                     f"sample {now.sample})."),
        ))
    else:
        clear[key] = (f"the experience score is back at or above its target "
                      f"({now.value:.1f} ≥ {subject.target:g}).")

    pairs: list[tuple[str, tuple[Metric, Metric] | None]] = [
        (ScoreMetric.EXPERIENCE, subject.experience_pair)]
    for metric in DROP_METRICS:
        cur, before = subject.metrics_now[metric], subject.metrics_before[metric]
        pairs.append((metric, (cur, before) if cur.enough and before.enough else None))
    for metric, pair in pairs:
        key = dedupe_key(AlertKind.DROP, subject.type, subject.id, metric)
        name = ScoreMetric(metric).label
        if pair is None or pair[0].value is None or pair[1].value is None:
            clear[key] = f"not enough data in both windows to compare the {name}."
            continue
        cur, before = pair
        if drop_beyond_noise(cur, before):
            findings.append(Finding(
                key, AlertKind.DROP, metric, **ids, value=cur.value, reference=before.value,
                low=cur.low, high=cur.high, sample=cur.sample,
                message=(f"The {name} of {subject.label} fell to {_fmt(cur.value, metric)} in the "
                         f"last {days} days from {_fmt(before.value, metric)} in the {baseline} days "
                         f"before (95% interval {_fmt(cur.low, metric)} to {_fmt(cur.high, metric)}, "
                         f"sample {cur.sample} against {before.sample}): more than noise."),
            ))
        else:
            clear[key] = (f"the {name} ({_fmt(cur.value, metric)}) is no longer below its baseline "
                          f"({_fmt(before.value, metric)}) by more than noise.")
    return findings, clear


def subjects_scored(*, today: dt.date) -> list[Subject]:
    """Every active touchpoint and every journey with its figures over the alert window and baseline.

    Four queries whatever the number of touchpoints: the touchpoints, the journeys, and one GROUP BY
    per window.
    """
    current, baseline = windows_for(today)
    touchpoints = list(Touchpoint.objects.filter(is_active=True)
                       .select_related("stage__journey__program").order_by("id"))
    journeys = list(Journey.objects.select_related("program").order_by("id"))
    ids = [tp.id for tp in touchpoints]
    now_by_tp = components_by_touchpoint(ids, current)
    before_by_tp = components_by_touchpoint(ids, baseline)

    subjects: list[Subject] = []
    # Per journey: (touchpoint, its score now, its components before, its subject).
    by_journey: dict[int, list[tuple[Touchpoint, Score, Components, Subject]]] = {}
    for tp in touchpoints:
        program = tp.stage.journey.program
        weights = validate_weights(program.score_weights)
        n = program.min_sample_size
        c_now, c_before = now_by_tp.get(tp.id, Components()), before_by_tp.get(tp.id, Components())
        score = touchpoint_score(c_now, weights=weights, min_sample=n)
        subject = Subject(
            "touchpoint", tp.id, tp.name, program, tp.stage.journey_id, tp.id, float(tp.target_score),
            experience_metric(score, weights) if score.value is not None else None,
            score.metrics, metrics_of(c_before, min_sample=n),
            experience_pair(c_now, c_before, weights=weights, min_sample=n),
        )
        subjects.append(subject)
        by_journey.setdefault(tp.stage.journey_id, []).append((tp, score, c_before, subject))

    for journey in journeys:
        members = by_journey.get(journey.id, [])
        weights = validate_weights(journey.program.score_weights)
        n = journey.program.min_sample_size
        score = group_score([(tp_score, float(tp.weight)) for tp, tp_score, _, _ in members],
                            min_sample=n)
        c_before = Components.total(before for _, _, before, _ in members)
        # The journey's target: its touchpoints' targets weighted as in its score, over the touchpoints
        # that have a score, so an unmeasured touchpoint never moves the bar.
        scored = [(float(tp.weight), float(tp.target_score)) for tp, tp_score, _, _ in members
                  if tp_score.value is not None]
        weight = sum(w for w, _ in scored)
        target = sum(w * t for w, t in scored) / weight if weight else None
        pairs = [(s.experience_pair, float(tp.weight)) for tp, _, _, s in members if s.experience_pair]
        now_mean = weighted_experience([(p[0], w) for p, w in pairs])
        before_mean = weighted_experience([(p[1], w) for p, w in pairs])
        subjects.append(Subject(
            "journey", journey.id, journey.name, journey.program, journey.id, None, target,
            experience_metric(score, weights) if score.value is not None else None,
            score.metrics, metrics_of(c_before, min_sample=n),
            (now_mean, before_mean) if now_mean and before_mean else None,
        ))
    return subjects


# --- Evaluation ---------------------------------------------------------------------------------------


@dataclass
class EvaluationResult:
    raised: list[int] = field(default_factory=list)
    updated: list[int] = field(default_factory=list)
    unchanged: list[int] = field(default_factory=list)
    resolved: list[int] = field(default_factory=list)
    notified: list[int] = field(default_factory=list)
    scores_published: int = 0


def _moment(today: dt.date | None, now: dt.datetime | None) -> tuple[dt.date, dt.datetime]:
    """The day evaluated and the time stamped on the alerts. Evaluating another day than today (a
    backfill) stamps that day's last moment, so the once-a-day counting of occurrences holds."""
    if now is not None:
        return today or timezone.localdate(now), now
    now = timezone.now()
    if today is None or today == timezone.localdate(now):
        return timezone.localdate(now), now
    tz = timezone.get_current_timezone()
    return today, dt.datetime.combine(today, dt.time.max, tzinfo=tz)


def alerts_evaluate(*, today: dt.date | None = None, now: dt.datetime | None = None,
                    notify: bool = True) -> EvaluationResult:
    """Run every rule over every active touchpoint and journey; see docs/alerts.md.

    Idempotent: a second run on the same day with the same data writes nothing, mails nobody and emits
    nothing. Safe to run concurrently with itself: the unique constraint on live dedupe keys decides
    which run raises an alert; the other refreshes it.
    """
    today, now = _moment(today, now)
    days, baseline = window_days(), baseline_days()
    subjects = subjects_scored(today=today)
    findings: dict[str, Finding] = {}
    clear: dict[str, str] = {}
    for subject in subjects:
        found, cleared = _rules(subject, days, baseline)
        findings.update((f.key, f) for f in found)
        clear.update(cleared)

    result = EvaluationResult()
    live = {a.dedupe_key: a for a in Alert.objects.filter(status__in=LIVE_STATUSES)}
    for key, finding in findings.items():
        outcome, alert_id = _raise_or_refresh(finding, live.get(key), today=today, now=now, days=days)
        getattr(result, outcome).append(alert_id)
    for key, alert in live.items():
        if key in findings:
            continue
        reason = clear.get(key, "its touchpoint was archived or its journey has no active touchpoints.")
        if _resolve_cleared(alert, reason=reason, today=today, now=now):
            result.resolved.append(alert.pk)
    result.scores_published = _publish_scores(subjects, now=now, days=days)
    if notify:  # the demo raises its alerts quietly; the next run mails them
        result.notified = alerts_notify_pending(now=now)
    return result


def _same_figures(alert: Alert, finding: Finding) -> bool:
    def same(a: float | None, b: float | None) -> bool:
        return (a is None) == (b is None) and (a is None or math.isclose(a, b, abs_tol=1e-9))  # type: ignore[arg-type]

    return (same(alert.value, finding.value) and same(alert.reference, finding.reference)
            and same(alert.low, finding.low) and same(alert.high, finding.high)
            and alert.sample == finding.sample and alert.journey_id == finding.journey_id
            and alert.program_id == finding.program_id)


def _raise_or_refresh(finding: Finding, alert: Alert | None, *, today: dt.date, now: dt.datetime,
                      days: int) -> tuple[str, int]:
    """Raise a new alert for the finding, or refresh the live one of its dedupe key.

    Occurrences count the days the rule fired: a refresh on the day already counted updates the figures
    only, and writes nothing at all when they are the same.
    """
    if (alert is not None and timezone.localdate(alert.last_seen_at) >= today
            and _same_figures(alert, finding)):
        return "unchanged", alert.pk  # nothing to write: no transaction, no lock
    with transaction.atomic():
        if alert is None:
            try:
                with transaction.atomic():
                    alert = Alert.objects.create(
                        program_id=finding.program_id, journey_id=finding.journey_id,
                        touchpoint_id=finding.touchpoint_id, kind=finding.kind, metric=finding.metric,
                        dedupe_key=finding.key, window_days=days, value=finding.value,
                        reference=finding.reference, low=finding.low, high=finding.high,
                        sample=finding.sample, message=finding.message, last_seen_at=now,
                    )
            except IntegrityError:
                pass  # another evaluation raised it meanwhile: refresh that one below
            else:
                _emit(events.ALERT_RAISED, alert_payload(alert))
                return "raised", alert.pk
        locked = (Alert.objects.select_for_update().filter(dedupe_key=finding.key,
                                                           status__in=LIVE_STATUSES).first())
        if locked is None:
            # Resolved between our read and now: the rule still fires, so it opens anew next time.
            return "unchanged", alert.pk if alert else 0
        new_day = timezone.localdate(locked.last_seen_at) < today
        if not new_day and _same_figures(locked, finding):
            return "unchanged", locked.pk
        locked.value, locked.reference = finding.value, finding.reference
        locked.low, locked.high, locked.sample = finding.low, finding.high, finding.sample
        locked.message = finding.message
        # A touchpoint moved to another journey takes its live alert along.
        locked.journey_id, locked.program_id = finding.journey_id, finding.program_id
        fields = ["value", "reference", "low", "high", "sample", "message", "journey", "program"]
        if new_day or locked.last_seen_at < now:
            locked.last_seen_at = now
            fields.append("last_seen_at")
        if new_day:
            locked.occurrences += 1
            fields.append("occurrences")
        locked.save(update_fields=fields)
        return "updated", locked.pk


def _append_note(note: str, line: str) -> str:
    return f"{note}\n\n{line}" if note else line


def _resolve_cleared(alert: Alert, *, reason: str, today: dt.date, now: dt.datetime) -> bool:
    """Resolve a live alert whose rule no longer fires, at the first evaluation that finds it clear."""
    with transaction.atomic():
        locked = Alert.objects.select_for_update().filter(pk=alert.pk, status__in=LIVE_STATUSES).first()
        if locked is None:
            return False
        locked.status = AlertStatus.RESOLVED
        locked.resolved_at = now
        locked.resolved_by = None
        locked.note = _append_note(locked.note, f"Resolved automatically on {today.isoformat()}: {reason}")
        locked.save(update_fields=["status", "resolved_at", "resolved_by", "note"])
        _emit(events.ALERT_RESOLVED, alert_payload(locked, automatic=True))
    return True


# --- Notification -------------------------------------------------------------------------------------


def alert_url(alert: Alert) -> str:
    return settings.SITE_URL.rstrip("/") + reverse("journeys:alert_detail", args=[alert.pk])


class _Recipients:
    """Who hears of an alert: the touchpoint's owner team's address, else its members' addresses, else
    every CX manager's. A journey alert has no one owner team and goes to the CX managers. Members and
    managers are read once per batch of alerts, in one query each."""

    def __init__(self, alerts: list[Alert]) -> None:
        self._members: dict[int, list[str]] = {}
        self._managers: list[str] | None = None
        team_ids = {a.touchpoint.owner_team_id for a in alerts
                    if a.touchpoint_id and a.touchpoint.owner_team_id and not a.touchpoint.owner_team.email}
        if team_ids:
            rows = (get_user_model().objects.filter(teams__in=team_ids, is_active=True).exclude(email="")
                    .values_list("teams", "email").order_by("email"))
            for team_id, email in rows:
                self._members.setdefault(team_id, []).append(email)

    def managers(self) -> list[str]:
        if self._managers is None:
            self._managers = sorted(set(
                get_user_model().objects.filter(groups__name=CX_MANAGER, is_active=True)
                .exclude(email="").values_list("email", flat=True)))
        return self._managers

    def of(self, alert: Alert) -> list[str]:
        team = alert.touchpoint.owner_team if alert.touchpoint_id else None
        if team is not None:
            if team.email:
                return [team.email]
            if self._members.get(team.pk):
                return sorted(set(self._members[team.pk]))
        return self.managers()


def alert_recipients(alert: Alert) -> list[str]:
    return _Recipients([alert]).of(alert)


def alerts_notify_pending(*, now: dt.datetime | None = None) -> list[int]:
    """Mail every open alert not mailed yet, once. The alert is claimed (notified_at set by a conditional
    update) before sending, so a retry or a concurrent run never mails twice; a failed send releases the
    claim so the next evaluation tries again. An alert with no one to mail stays unmailed and costs no
    query per alert until someone can be mailed."""
    now = now or timezone.now()
    sent: list[int] = []
    pending = list(Alert.objects.filter(status=AlertStatus.OPEN, notified_at__isnull=True)
                   .select_related("program", "journey", "touchpoint__owner_team").order_by("id"))
    if not pending:
        return sent
    recipients_of = _Recipients(pending)
    for alert in pending:
        recipients = recipients_of.of(alert)
        if not recipients:
            logger.warning("Alert %s has no one to mail: no owner team address and no CX manager", alert.pk)
            continue
        if not Alert.objects.filter(pk=alert.pk, notified_at__isnull=True).update(notified_at=now):
            continue
        context = {"alert": alert, "url": alert_url(alert), "subject_name": _subject_name(alert)}
        subject = " ".join(render_to_string("journeys/email/alert_subject.txt", context).split())
        body = render_to_string("journeys/email/alert_body.txt", context)
        try:
            send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, recipients)
        except Exception:
            Alert.objects.filter(pk=alert.pk, notified_at=now).update(notified_at=None)
            logger.exception("Could not mail alert %s; it is retried at the next evaluation", alert.pk)
            continue
        alert.notified_at = now
        sent.append(alert.pk)
    return sent


def _subject_name(alert: Alert) -> str:
    if alert.touchpoint_id:
        return alert.touchpoint.name
    return alert.journey.name if alert.journey_id else ""


# --- Webhooks -----------------------------------------------------------------------------------------


def _emit(event_type: str, data: dict[str, Any]) -> None:
    """Store a webhook event in the current transaction; it is delivered after the commit."""
    event_emit(event_type, data)


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 2)


def alert_payload(alert: Alert, *, automatic: bool = False) -> dict[str, Any]:
    """The `data` of the alert.* webhook events; documented in docs/alerts.md."""
    def stamp(value: dt.datetime | None) -> str | None:
        return value.isoformat() if value else None

    return {
        "id": alert.pk,
        "kind": alert.kind,
        "metric": alert.metric,
        "status": alert.status,
        "subject": ({"type": "touchpoint", "id": alert.touchpoint_id} if alert.touchpoint_id
                    else {"type": "journey", "id": alert.journey_id}),
        "program": alert.program_id,
        "journey": alert.journey_id,
        "touchpoint": alert.touchpoint_id,
        "window_days": alert.window_days,
        "value": _round(alert.value),
        "reference": _round(alert.reference),
        "low": _round(alert.low),
        "high": _round(alert.high),
        "sample": alert.sample,
        "message": alert.message,
        "occurrences": alert.occurrences,
        "opened_at": stamp(alert.opened_at),
        "last_seen_at": stamp(alert.last_seen_at),
        "acknowledged_at": stamp(alert.acknowledged_at),
        "acknowledged_by": alert.acknowledged_by.get_username() if alert.acknowledged_by else None,
        "resolved_at": stamp(alert.resolved_at),
        "resolved_by": alert.resolved_by.get_username() if alert.resolved_by else None,
        "resolved_automatically": automatic,
        "note": alert.note,
        "url": alert_url(alert),
    }


def _publish_scores(subjects: list[Subject], *, now: dt.datetime, days: int) -> int:
    """Emit "score.changed" for each touchpoint or journey whose experience score moved by at least
    SCORE_CHANGE_POINTS since the value last published (or that has a score for the first time), and
    remember what was published per program. A score without enough data publishes nothing and keeps
    the last published value. One read for all programs, one write per program that changed."""
    by_program: dict[int, list[Subject]] = {}
    for subject in subjects:
        if subject.current is not None:
            by_program.setdefault(subject.program.pk, []).append(subject)
    if not by_program:
        return 0
    snapshots = {s.scope_id: s for s in AnalysisSnapshot.objects.filter(
        kind=AnalysisKind.PUBLISHED_SCORES, scope_type="program", scope_id__in=by_program,
        window_days=days)}
    published = 0
    for program_id, members in by_program.items():
        snapshot = snapshots.get(program_id)
        if not _score_changes(members, dict(snapshot.data) if snapshot else {}):
            continue  # the common case: nothing moved, no transaction and no lock
        with transaction.atomic():
            # Re-read under a row lock, so two evaluations at once never publish the same change twice.
            locked = AnalysisSnapshot.objects.select_for_update().filter(
                kind=AnalysisKind.PUBLISHED_SCORES, scope_type="program", scope_id=program_id,
                window_days=days).first()
            data = dict(locked.data) if locked else {}
            changes = _score_changes(members, data)
            for subject, subject_key, previous, score in changes:
                _emit(events.SCORE_CHANGED, {
                    "subject": {"type": subject.type, "id": subject.id, "name": subject.name},
                    "program": program_id, "journey": subject.journey_id,
                    "touchpoint": subject.touchpoint_id, "window_days": days,
                    "previous": previous, "score": score,
                    "low": _round(subject.current.low),  # type: ignore[union-attr]
                    "high": _round(subject.current.high),  # type: ignore[union-attr]
                    "sample": subject.current.sample,  # type: ignore[union-attr]
                })
                data[subject_key] = score
            if locked is None:
                AnalysisSnapshot.objects.create(
                    kind=AnalysisKind.PUBLISHED_SCORES, scope_type="program", scope_id=program_id,
                    window_days=days, data=data, computed_at=now)
            elif changes:
                locked.data, locked.computed_at = data, now
                locked.save(update_fields=["data", "computed_at"])
        published += len(changes)
    return published


def _score_changes(members: list[Subject], published: Mapping[str, Any]
                   ) -> list[tuple[Subject, str, float | None, float]]:
    changes = []
    for subject in members:
        subject_key = f"{subject.type}:{subject.id}"
        score = round(subject.current.value, 2)  # type: ignore[union-attr,arg-type]
        previous = published.get(subject_key)
        if previous is None or abs(score - float(previous)) >= SCORE_CHANGE_POINTS:
            changes.append((subject, subject_key, previous, score))
    return changes


# --- The manager's writes -----------------------------------------------------------------------------


def _clean_note(note: object) -> str:
    text = str(note or "").strip()
    if not text:
        raise DomainError(_("Write a note: what is being done about it, or why it is resolved."),
                          field="note", code="required")
    if len(text) > NOTE_MAX_LENGTH:
        raise DomainError(_("A note has at most %(max)s characters.") % {"max": NOTE_MAX_LENGTH},
                          field="note", code="max_length")
    return text


def _transition(alert: Alert, to: str) -> Alert:
    """Lock the alert's row and check that it may move to `to`; ConflictError names what it may do."""
    locked = Alert.objects.select_for_update().get(pk=alert.pk)
    allowed = TRANSITIONS[locked.status]
    if to not in allowed:
        label = AlertStatus(locked.status).label.lower()
        if allowed:
            names = f" {_('or')} ".join(AlertStatus(s).label.lower() for s in allowed)
            message = _("This alert is %(status)s; it can only be %(allowed)s.") % {
                "status": label, "allowed": names}
        else:
            message = _("This alert is %(status)s; a resolved alert cannot change.") % {"status": label}
        raise ConflictError(message, field="status", code="invalid_transition")
    return locked


def _person(user: AbstractBaseUser | None) -> str:
    if user is None:
        return "someone"
    full_name = getattr(user, "get_full_name", lambda: "")()
    return full_name or user.get_username()


@transaction.atomic
def alert_acknowledge(*, alert: Alert, by: AbstractBaseUser, note: str) -> Alert:
    """open -> acknowledged, with a note; row-locked. Raises ConflictError from any other status."""
    text = _clean_note(note)
    locked = _transition(alert, AlertStatus.ACKNOWLEDGED)
    locked.status = AlertStatus.ACKNOWLEDGED
    locked.acknowledged_by, locked.acknowledged_at = by, timezone.now()
    locked.note = _append_note(locked.note, f"Acknowledged by {_person(by)}: {text}")
    locked.save(update_fields=["status", "acknowledged_by", "acknowledged_at", "note"])
    _emit(events.ALERT_ACKNOWLEDGED, alert_payload(locked))
    _copy_state(locked, alert)
    return alert


@transaction.atomic
def alert_resolve(*, alert: Alert, by: AbstractBaseUser, note: str) -> Alert:
    """open or acknowledged -> resolved, with a note; row-locked. A resolved alert cannot change."""
    text = _clean_note(note)
    locked = _transition(alert, AlertStatus.RESOLVED)
    locked.status = AlertStatus.RESOLVED
    locked.resolved_by, locked.resolved_at = by, timezone.now()
    locked.note = _append_note(locked.note, f"Resolved by {_person(by)}: {text}")
    locked.save(update_fields=["status", "resolved_by", "resolved_at", "note"])
    _emit(events.ALERT_RESOLVED, alert_payload(locked))
    _copy_state(locked, alert)
    return alert


def _copy_state(source: Alert, target: Alert) -> None:
    for name in ("status", "acknowledged_by", "acknowledged_at", "resolved_by", "resolved_at", "note"):
        setattr(target, name, getattr(source, name))


def allowed_actions(alert: Alert) -> tuple[str, ...]:
    return TRANSITIONS[alert.status]


# --- Reads for the pages and the API ------------------------------------------------------------------


# How far below its reference an alert is, as a share of its figure's range: the "worst first" order.
SEVERITY = ExpressionWrapper(
    Case(When(metric=ScoreMetric.NPS, then=(F("reference") - F("value")) / Value(200.0)),
         default=(F("reference") - F("value")) / Value(100.0)),
    output_field=FloatField(),
)


def alert_queryset() -> QuerySet[Alert]:
    """Alerts with what the list shows of them, in one query."""
    return Alert.objects.select_related("program", "journey", "touchpoint")


def alert_get(*, pk: int) -> Alert:
    """One alert with its subject and people. Raises Alert.DoesNotExist."""
    return Alert.objects.select_related(
        "program", "journey", "touchpoint__stage__journey", "touchpoint__owner_team",
        "acknowledged_by", "resolved_by",
    ).get(pk=pk)


@dataclass
class AlertPanel:
    program: Program
    alerts: list[Alert]
    total: int
    list_url: str
    window: Window | None = None


def dashboard_context(*, program: Program, window: Window | None = None, limit: int = 5) -> dict[str, Any]:
    """The dashboard's alert panel of a program (templates/journeys/partials/_dashboard_alerts.html):
    its live alerts (open or acknowledged), worst first, at most `limit`, and how many there are. Two
    queries. Alerts always judge the alert window (ALERTS_WINDOW_DAYS), whatever window the page shows."""
    live = Alert.objects.filter(program=program, status__in=LIVE_STATUSES)
    alerts = list(live.select_related("journey", "touchpoint")
                  .annotate(severity=SEVERITY).order_by("-severity", "-opened_at", "-id")[:limit])
    total = len(alerts) if len(alerts) < limit else live.count()
    url = f"{reverse('journeys:alerts')}?program={program.pk}"
    return {"alert_panel": AlertPanel(program, alerts, total, url, window)}

"""Alert rules, de-duplication, auto-resolution, notification, transitions and webhook events."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from cxhub.exceptions import ConflictError, DomainError
from cxhub.models import WebhookEvent
from journeys import alerts
from journeys.choices import SignalKind
from journeys.models import Alert, AlertStatus, AnalysisSnapshot, ScoreComponentDaily
from journeys.rollup import rollup_new_signals
from journeys.services import signal_record
from tests.cxhub.factories import TeamFactory, UserFactory
from tests.journeys.alerts_data import (
    IN_BASELINE,
    IN_WINDOW,
    TODAY,
    csat,
    nps,
    touchpoint_in_new_journey,
)
from tests.journeys.factories import TouchpointFactory

pytestmark = pytest.mark.django_db


def key(kind: str, subject, metric: str = "experience") -> str:
    subject_type = "touchpoint" if hasattr(subject, "stage_id") else "journey"
    return f"{kind}:{subject_type}:{subject.pk}:{metric}"


def live(dedupe_key: str) -> Alert | None:
    return Alert.objects.exclude(status=AlertStatus.RESOLVED).filter(dedupe_key=dedupe_key).first()


def events(event_type: str) -> list[dict]:
    return list(WebhookEvent.objects.filter(type=event_type).order_by("id").values_list("payload", flat=True))


# --- Below target -------------------------------------------------------------------------------------


def test_it_raises_below_target_with_the_figure_its_interval_and_sample():
    # given a touchpoint whose only figure is CSAT 6 of 10 (60%) against a target of 75
    tp = touchpoint_in_new_journey(target="75")
    csat(tp, 6, 10)

    # when
    result = alerts.alerts_evaluate(today=TODAY)

    # then
    alert = live(key("below_target", tp))
    assert alert is not None and alert.pk in result.raised
    assert alert.value == pytest.approx(60.0)
    assert alert.reference == pytest.approx(75.0)
    assert alert.sample == 10
    assert alert.low < 60 < alert.high
    assert (alert.program_id, alert.journey_id, alert.touchpoint_id) == (
        tp.stage.journey.program_id, tp.stage.journey_id, tp.pk)
    assert alert.window_days == 30 and alert.status == AlertStatus.OPEN and alert.occurrences == 1
    assert "60.0" in alert.message and "75" in alert.message


def test_it_does_not_raise_at_exactly_the_target():
    tp = touchpoint_in_new_journey(target="75")
    csat(tp, 15, 20)  # 75.0

    alerts.alerts_evaluate(today=TODAY)

    assert live(key("below_target", tp)) is None


def test_it_does_not_raise_above_the_target():
    tp = touchpoint_in_new_journey(target="75")
    csat(tp, 9, 10)

    alerts.alerts_evaluate(today=TODAY)

    assert not Alert.objects.filter(kind="below_target").exists()


def test_not_enough_data_never_raises():
    # 1 of 4 satisfied would be far below target, but the program wants 5 answers
    tp = touchpoint_in_new_journey(target="75", min_sample=5)
    csat(tp, 1, 4)
    csat(tp, 0, 4, day=IN_BASELINE)

    alerts.alerts_evaluate(today=TODAY)

    assert not Alert.objects.exists()


def test_data_outside_the_window_does_not_count():
    tp = touchpoint_in_new_journey(target="75")
    csat(tp, 1, 10, day=TODAY - dt.timedelta(days=30))  # the day before the window starts

    alerts.alerts_evaluate(today=TODAY)

    assert live(key("below_target", tp)) is None


def test_a_journey_below_the_weighted_target_of_its_touchpoints():
    # given two touchpoints: 80 against 70 (weight 1) and 85 against 90 (weight 3)
    first = touchpoint_in_new_journey(target="70", weight="1")
    second = TouchpointFactory(stage=first.stage, target_score=Decimal("90"), weight=Decimal("3"))
    csat(first, 8, 10)
    csat(second, 17, 20)
    journey = first.stage.journey

    alerts.alerts_evaluate(today=TODAY)

    # then the journey scores (80 + 3 x 85) / 4 = 83.75 against (70 + 3 x 90) / 4 = 85
    alert = live(key("below_target", journey))
    assert alert is not None
    assert alert.touchpoint_id is None and alert.journey_id == journey.pk
    assert alert.value == pytest.approx(83.75)
    assert alert.reference == pytest.approx(85.0)
    assert alert.sample == 30
    assert live(key("below_target", first)) is None
    assert live(key("below_target", second)) is not None


def test_an_unmeasured_touchpoint_does_not_move_the_journeys_target():
    measured = touchpoint_in_new_journey(target="70")
    TouchpointFactory(stage=measured.stage, target_score=Decimal("100"))  # no data
    csat(measured, 8, 10)

    alerts.alerts_evaluate(today=TODAY)

    assert live(key("below_target", measured.stage.journey)) is None


def test_an_archived_touchpoint_is_not_judged():
    tp = touchpoint_in_new_journey(target="75", is_active=False)
    csat(tp, 1, 10)

    alerts.alerts_evaluate(today=TODAY)

    assert not Alert.objects.exists()


# --- Drops against the baseline -----------------------------------------------------------------------


def test_a_drop_within_noise_does_not_raise():
    # CSAT 80% of 100 before, 70% of 10 now: pooled z = -0.74, well within noise
    tp = touchpoint_in_new_journey(target="0")
    csat(tp, 80, 100, day=IN_BASELINE)
    csat(tp, 7, 10)

    alerts.alerts_evaluate(today=TODAY)

    assert not Alert.objects.exists()


def test_a_drop_beyond_noise_raises_for_the_metric_and_the_experience_score():
    # CSAT 90% of 100 before, 50% of 100 now: pooled z = -6.3
    tp = touchpoint_in_new_journey(target="0")
    csat(tp, 90, 100, day=IN_BASELINE)
    csat(tp, 50, 100)

    alerts.alerts_evaluate(today=TODAY)

    drop = live(key("drop", tp, "csat"))
    assert drop is not None
    assert (drop.value, drop.reference, drop.sample) == (pytest.approx(50.0), pytest.approx(90.0), 100)
    assert drop.low < 50 < drop.high
    assert live(key("drop", tp)) is not None  # the experience score is CSAT alone here
    assert live(key("drop", tp.stage.journey, "csat")) is not None
    assert live(key("drop", tp, "nps")) is None


def test_a_rise_is_not_a_drop():
    tp = touchpoint_in_new_journey(target="0")
    csat(tp, 50, 100, day=IN_BASELINE)
    csat(tp, 90, 100)

    alerts.alerts_evaluate(today=TODAY)

    assert not Alert.objects.exists()


def test_an_nps_drop_beyond_noise_raises():
    # NPS +60 (70 promoters, 10 detractors of 100) before; -20 (20 and 40 of 100) now
    tp = touchpoint_in_new_journey(target="0")
    nps(tp, 70, 10, 100, day=IN_BASELINE)
    nps(tp, 20, 40, 100)

    alerts.alerts_evaluate(today=TODAY)

    drop = live(key("drop", tp, "nps"))
    assert drop is not None
    assert drop.value == pytest.approx(-20.0) and drop.reference == pytest.approx(60.0)
    assert "+60.0" in drop.message and "-20.0" in drop.message


def test_a_component_missing_from_the_baseline_is_not_read_as_a_drop():
    # given CSAT 90% in both windows, and NPS (-100, far below) only now: the blended score falls from
    # 90 to 45, but only because NPS entered it; over what both windows measured nothing changed
    tp = touchpoint_in_new_journey(target="0")
    csat(tp, 90, 100, day=IN_BASELINE)
    ScoreComponentDaily.objects.create(
        touchpoint=tp, day=IN_WINDOW, csat_responses=100, csat_satisfied=90, nps_responses=100,
        nps_detractors=100)

    alerts.alerts_evaluate(today=TODAY)

    assert live(key("drop", tp)) is None


def test_not_enough_data_in_the_baseline_never_raises_a_drop():
    tp = touchpoint_in_new_journey(target="0", min_sample=5)
    csat(tp, 4, 4, day=IN_BASELINE)
    csat(tp, 0, 50)

    alerts.alerts_evaluate(today=TODAY)

    assert not Alert.objects.filter(kind="drop").exists()


def test_window_and_baseline_come_from_settings(settings):
    settings.ALERTS_WINDOW_DAYS, settings.ALERTS_BASELINE_DAYS = 7, 28
    tp = touchpoint_in_new_journey(target="75")
    csat(tp, 1, 10)  # 11 days before TODAY: outside a 7-day window

    alerts.alerts_evaluate(today=TODAY)

    assert not Alert.objects.exists()
    assert alerts.windows_for(TODAY)[1].start == TODAY - dt.timedelta(days=7 + 28 - 1)


def test_signals_rolled_up_raise_the_same_alert():
    # given ten CSAT answers recorded through the ledger: three 5s and seven 2s (30%)
    tp = touchpoint_in_new_journey(target="75")
    at = timezone.make_aware(dt.datetime.combine(IN_WINDOW, dt.time(12)))
    for i in range(10):
        signal_record(touchpoint=tp, kind=SignalKind.CSAT_ANSWER, source="test", source_id=i,
                      occurred_at=at, value=5 if i < 3 else 2)
    rollup_new_signals()

    alerts.alerts_evaluate(today=TODAY)

    alert = live(key("below_target", tp))
    assert alert is not None and alert.value == pytest.approx(30.0) and alert.sample == 10


# --- De-duplication, occurrences, idempotence -----------------------------------------------------------


def test_two_evaluations_on_one_day_give_one_alert_and_change_nothing_the_second_time(mailoutbox):
    tp = touchpoint_in_new_journey(target="75", owner_team=TeamFactory(email="owners@example.com"))
    csat(tp, 6, 10)
    alerts.alerts_evaluate(today=TODAY)
    before = list(Alert.objects.order_by("id").values())
    events_before = WebhookEvent.objects.count()

    second = alerts.alerts_evaluate(today=TODAY)

    assert (second.raised, second.updated, second.resolved, second.notified) == ([], [], [], [])
    assert second.scores_published == 0
    assert list(Alert.objects.order_by("id").values()) == before
    assert WebhookEvent.objects.count() == events_before
    assert len(mailoutbox) == 1


def test_a_rule_that_keeps_firing_counts_one_occurrence_per_day_and_updates_the_figure():
    tp = touchpoint_in_new_journey(target="75")
    csat(tp, 6, 10)
    alerts.alerts_evaluate(today=TODAY)
    csat(tp, 5, 10)  # worse the next day

    result = alerts.alerts_evaluate(today=TODAY + dt.timedelta(days=1))
    alerts.alerts_evaluate(today=TODAY + dt.timedelta(days=1))

    alert = Alert.objects.get(dedupe_key=key("below_target", tp))  # still one
    assert alert.pk in result.updated
    assert alert.occurrences == 2
    assert alert.value == pytest.approx(50.0)
    assert timezone.localdate(alert.last_seen_at) == TODAY + dt.timedelta(days=1)


def test_a_lost_race_refreshes_the_alert_the_other_evaluation_raised():
    # given an evaluation that read no live alert, and another that raised it meanwhile
    tp = touchpoint_in_new_journey(target="75")
    csat(tp, 6, 10)
    alerts.alerts_evaluate(today=TODAY)
    finding = next(f for s in alerts.subjects_scored(today=TODAY) if s.type == "touchpoint"
                   for f in alerts._rules(s, 30, 90)[0] if f.kind == "below_target")

    outcome, alert_id = alerts._raise_or_refresh(
        finding, None, today=TODAY + dt.timedelta(days=1),
        now=timezone.make_aware(dt.datetime.combine(TODAY + dt.timedelta(days=1), dt.time(9))), days=30)

    assert outcome == "updated"
    assert Alert.objects.filter(dedupe_key=finding.key).count() == 1
    assert Alert.objects.get(pk=alert_id).occurrences == 2


def test_a_touchpoint_moved_to_another_journey_takes_its_live_alert_along():
    tp = touchpoint_in_new_journey(target="75")
    csat(tp, 6, 10)
    alerts.alerts_evaluate(today=TODAY)
    other = touchpoint_in_new_journey().stage
    tp.stage = other
    tp.save()

    alerts.alerts_evaluate(today=TODAY)

    alert = Alert.objects.get(dedupe_key=key("below_target", tp))
    assert (alert.journey_id, alert.program_id) == (other.journey_id, other.journey.program_id)
    assert alert.occurrences == 1


# --- Auto-resolution and reopening --------------------------------------------------------------------


def test_an_alert_resolves_itself_at_the_first_evaluation_that_finds_it_clear():
    tp = touchpoint_in_new_journey(target="75")
    csat(tp, 6, 10)
    alerts.alerts_evaluate(today=TODAY)
    csat(tp, 8, 10)

    result = alerts.alerts_evaluate(today=TODAY + dt.timedelta(days=1))

    alert = Alert.objects.get(dedupe_key=key("below_target", tp))
    assert alert.pk in result.resolved
    assert alert.status == AlertStatus.RESOLVED and alert.resolved_by is None
    assert alert.resolved_at is not None
    assert "Resolved automatically" in alert.note and "80.0 ≥ 75" in alert.note


def test_an_acknowledged_alert_also_resolves_itself_and_keeps_the_managers_note(manager):
    tp = touchpoint_in_new_journey(target="75")
    csat(tp, 6, 10)
    alerts.alerts_evaluate(today=TODAY)
    alert = live(key("below_target", tp))
    alerts.alert_acknowledge(alert=alert, by=manager, note="Retraining the front desk.")
    csat(tp, 0, 0)  # no data any more

    alerts.alerts_evaluate(today=TODAY + dt.timedelta(days=1))

    alert.refresh_from_db()
    assert alert.status == AlertStatus.RESOLVED
    assert "Retraining the front desk." in alert.note
    assert "not enough data" in alert.note


def test_an_alert_of_an_archived_touchpoint_resolves():
    tp = touchpoint_in_new_journey(target="75")
    csat(tp, 6, 10)
    alerts.alerts_evaluate(today=TODAY)
    tp.is_active = False
    tp.save()

    alerts.alerts_evaluate(today=TODAY)

    alert = Alert.objects.get(dedupe_key=key("below_target", tp))
    assert alert.status == AlertStatus.RESOLVED and "archived" in alert.note


def test_a_resolved_alert_reopens_as_a_new_alert_when_the_rule_fires_again(manager, mailoutbox):
    tp = touchpoint_in_new_journey(target="75", owner_team=TeamFactory(email="desk@example.com"))
    csat(tp, 6, 10)
    alerts.alerts_evaluate(today=TODAY)
    first = live(key("below_target", tp))
    alerts.alert_resolve(alert=first, by=manager, note="New process in place.")

    result = alerts.alerts_evaluate(today=TODAY + dt.timedelta(days=1))

    second = live(key("below_target", tp))
    assert second is not None and second.pk != first.pk and second.pk in result.raised
    first.refresh_from_db()
    assert first.status == AlertStatus.RESOLVED and first.resolved_by == manager
    assert len([mail for mail in mailoutbox if mail.to == ["desk@example.com"]]) == 2


# --- Notification -------------------------------------------------------------------------------------


def test_a_new_alert_is_mailed_once_to_its_owner_team(mailoutbox, settings):
    settings.SITE_URL = "https://cx.example.com"
    tp = touchpoint_in_new_journey(target="75", owner_team=TeamFactory(email="desk@example.com"))
    csat(tp, 6, 10)

    result = alerts.alerts_evaluate(today=TODAY)
    alerts.alerts_evaluate(today=TODAY)
    alerts.alerts_notify_pending()

    alert = live(key("below_target", tp))
    assert result.notified == [alert.pk]
    assert len(mailoutbox) == 1
    mail = mailoutbox[0]
    assert mail.to == ["desk@example.com"]
    assert tp.name in mail.subject
    assert f"https://cx.example.com/journeys/alerts/{alert.pk}/" in mail.body
    assert "60.0" in mail.body and "Target: 75.0" in mail.body and "Sample: 10" in mail.body
    assert f"95% interval: {alert.low:.1f} to {alert.high:.1f}" in mail.body
    assert alert.notified_at is not None


def test_without_a_team_address_the_members_are_mailed(mailoutbox):
    team = TeamFactory(email="")
    team.members.add(UserFactory(username="dora", email="dora@example.com"),
                     UserFactory(username="eve", email="eve@example.com"))
    tp = touchpoint_in_new_journey(target="75", owner_team=team)
    csat(tp, 6, 10)

    alerts.alerts_evaluate(today=TODAY)

    assert sorted(mailoutbox[0].to) == ["dora@example.com", "eve@example.com"]


def test_without_an_owner_team_the_cx_managers_are_mailed(manager, agent, mailoutbox):
    tp = touchpoint_in_new_journey(target="75")
    csat(tp, 6, 10)

    alerts.alerts_evaluate(today=TODAY)

    # the touchpoint's alert and its journey's alert, both to the managers only
    assert len(mailoutbox) == 2
    assert all(mail.to == [manager.email] for mail in mailoutbox)


def test_a_failed_send_is_retried_by_the_next_evaluation(mailoutbox, monkeypatch):
    tp = touchpoint_in_new_journey(target="75", owner_team=TeamFactory(email="desk@example.com"))
    csat(tp, 6, 10)

    def broken(*args, **kwargs):
        raise OSError("mail server down")

    monkeypatch.setattr(alerts, "send_mail", broken)
    alerts.alerts_evaluate(today=TODAY)
    assert live(key("below_target", tp)).notified_at is None
    monkeypatch.undo()

    result = alerts.alerts_evaluate(today=TODAY)

    assert len(mailoutbox) == 1 and result.notified == [live(key("below_target", tp)).pk]


# --- Acknowledge and resolve ----------------------------------------------------------------------------


@pytest.fixture
def open_alert(db):
    tp = touchpoint_in_new_journey(target="75")
    csat(tp, 6, 10)
    alerts.alerts_evaluate(today=TODAY)
    return live(key("below_target", tp))


def test_open_to_acknowledged_to_resolved(open_alert, manager):
    alerts.alert_acknowledge(alert=open_alert, by=manager, note="Looking into it.")
    open_alert.refresh_from_db()
    assert open_alert.status == AlertStatus.ACKNOWLEDGED
    assert open_alert.acknowledged_by == manager and open_alert.acknowledged_at is not None

    alerts.alert_resolve(alert=open_alert, by=manager, note="Fixed the queue.")

    open_alert.refresh_from_db()
    assert open_alert.status == AlertStatus.RESOLVED and open_alert.resolved_by == manager
    assert "Looking into it." in open_alert.note and "Fixed the queue." in open_alert.note


def test_open_to_resolved(open_alert, manager):
    alerts.alert_resolve(alert=open_alert, by=manager, note="Known seasonal dip.")

    assert open_alert.status == AlertStatus.RESOLVED
    assert Alert.objects.get(pk=open_alert.pk).status == AlertStatus.RESOLVED


def test_a_resolved_alert_cannot_change(open_alert, manager):
    alerts.alert_resolve(alert=open_alert, by=manager, note="Done.")

    with pytest.raises(ConflictError, match="resolved alert cannot change"):
        alerts.alert_acknowledge(alert=open_alert, by=manager, note="Again")
    with pytest.raises(ConflictError):
        alerts.alert_resolve(alert=open_alert, by=manager, note="Again")


def test_an_acknowledged_alert_cannot_be_acknowledged_again(open_alert, manager):
    alerts.alert_acknowledge(alert=open_alert, by=manager, note="Mine.")

    with pytest.raises(ConflictError, match="can only be resolved"):
        alerts.alert_acknowledge(alert=open_alert, by=manager, note="Mine too.")


def test_the_transition_is_checked_on_the_current_row_not_a_stale_copy(open_alert, manager):
    stale = Alert.objects.get(pk=open_alert.pk)
    alerts.alert_resolve(alert=open_alert, by=manager, note="Done.")

    with pytest.raises(ConflictError):
        alerts.alert_acknowledge(alert=stale, by=manager, note="Late.")


@pytest.mark.parametrize("note", ["", "   ", "x" * (alerts.NOTE_MAX_LENGTH + 1)])
def test_a_note_is_required_and_bounded(open_alert, manager, note):
    with pytest.raises(DomainError) as raised:
        alerts.alert_acknowledge(alert=open_alert, by=manager, note=note)

    assert raised.value.field == "note"
    assert Alert.objects.get(pk=open_alert.pk).status == AlertStatus.OPEN


# --- Webhook events -----------------------------------------------------------------------------------


def test_alert_events_are_stored_once_each(manager):
    tp = touchpoint_in_new_journey(target="75")
    csat(tp, 6, 10)
    alerts.alerts_evaluate(today=TODAY)
    alerts.alerts_evaluate(today=TODAY)
    alert = live(key("below_target", tp))

    alerts.alert_acknowledge(alert=alert, by=manager, note="On it.")
    alerts.alert_resolve(alert=alert, by=manager, note="Done.")

    raised = [e for e in events("alert.raised") if e["id"] == alert.pk]
    assert len(raised) == 1
    assert raised[0]["subject"] == {"type": "touchpoint", "id": tp.pk}
    assert raised[0]["value"] == 60.0 and raised[0]["reference"] == 75.0 and raised[0]["sample"] == 10
    assert raised[0]["url"].endswith(f"/journeys/alerts/{alert.pk}/")
    [acknowledged] = events("alert.acknowledged")
    assert acknowledged["status"] == "acknowledged" and acknowledged["acknowledged_by"] == "alice"
    [resolved] = events("alert.resolved")
    assert resolved["status"] == "resolved" and resolved["resolved_automatically"] is False


def test_an_automatic_resolution_is_an_event_too():
    tp = touchpoint_in_new_journey(target="75")
    csat(tp, 6, 10)
    alerts.alerts_evaluate(today=TODAY)
    csat(tp, 9, 10)

    alerts.alerts_evaluate(today=TODAY)

    resolved = [e for e in events("alert.resolved") if e["subject"]["type"] == "touchpoint"]
    assert len(resolved) == 1 and resolved[0]["resolved_automatically"] is True


def test_score_changed_is_emitted_when_a_score_moves_by_a_point_or_more():
    tp = touchpoint_in_new_journey(target="0")
    csat(tp, 80, 100)
    alerts.alerts_evaluate(today=TODAY)
    first = [e for e in events("score.changed") if e["subject"]["type"] == "touchpoint"]
    assert len(first) == 1 and first[0]["previous"] is None and first[0]["score"] == 80.0

    csat(tp, 805, 1000)  # 80.5: less than a point
    alerts.alerts_evaluate(today=TODAY)
    assert len([e for e in events("score.changed") if e["subject"]["type"] == "touchpoint"]) == 1

    csat(tp, 81, 100)  # 81.0: a point from the 80 published, though only 0.5 from the last seen
    alerts.alerts_evaluate(today=TODAY)

    changes = [e for e in events("score.changed") if e["subject"]["type"] == "touchpoint"]
    assert len(changes) == 2
    assert (changes[1]["previous"], changes[1]["score"]) == (80.0, 81.0)
    snapshot = AnalysisSnapshot.objects.get(kind="published_scores", scope_type="program",
                                            scope_id=tp.stage.journey.program_id)
    assert snapshot.data[f"touchpoint:{tp.pk}"] == 81.0


def test_a_score_without_enough_data_publishes_nothing():
    tp = touchpoint_in_new_journey(target="0", min_sample=5)
    csat(tp, 2, 3)

    alerts.alerts_evaluate(today=TODAY)

    assert events("score.changed") == []
    assert not AnalysisSnapshot.objects.exists()


# --- Cost ---------------------------------------------------------------------------------------------


def _steady_state_queries(count: int) -> int:
    first = touchpoint_in_new_journey(target="75")
    for i in range(count):
        tp = first if i == 0 else TouchpointFactory(stage=first.stage, target_score=Decimal("75"))
        csat(tp, 6, 10)
        csat(tp, 6, 10, day=IN_BASELINE)
    alerts.alerts_evaluate(today=TODAY)
    with CaptureQueriesContext(connection) as queries:
        alerts.alerts_evaluate(today=TODAY)
    return len(queries)


def test_evaluation_queries_do_not_grow_with_touchpoints(db):
    few = _steady_state_queries(2)
    ScoreComponentDaily.objects.all().delete()
    Alert.objects.all().delete()
    many = _steady_state_queries(12)

    assert many == few
    assert few <= 8

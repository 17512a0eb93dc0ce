"""The periodic jobs of the experience side, run as Celery tasks on constructed data."""

from __future__ import annotations

import datetime as dt

import pytest
from django.conf import settings
from django.utils import timezone

from journeys.choices import SignalKind
from journeys.models import Alert, AnalysisSnapshot, CustomerHealth, Program
from journeys.rollup import rollup_new_signals
from journeys.services import signal_record
from journeys.tasks import evaluate_alerts, recompute_customer_health, refresh_analyses
from tests.journeys.factories import CustomerFactory, TouchpointFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def unhappy_touchpoint():
    touchpoint = TouchpointFactory(name="Hand-over", target_score=90)
    Program.objects.filter(pk=touchpoint.stage.journey.program_id).update(min_sample_size=3)
    yesterday = timezone.now() - dt.timedelta(days=1)
    for n in range(6):
        signal_record(touchpoint=touchpoint, kind=SignalKind.NPS_ANSWER, value=2, source="test",
                      source_id=str(n), occurred_at=yesterday,
                      customer=CustomerFactory(name=f"Customer {n}"))
    rollup_new_signals()
    return touchpoint


def test_the_alert_job_raises_one_alert_and_a_second_run_adds_none(unhappy_touchpoint):
    first = evaluate_alerts.delay().get()
    second = evaluate_alerts.delay().get()

    alert = Alert.objects.get(touchpoint=unhappy_touchpoint, kind="below_target")
    assert first["raised"] >= 1 and second["raised"] == 0
    assert alert.value < 90


def test_the_health_job_scores_every_customer_with_signals(unhappy_touchpoint):
    recompute_customer_health.delay().get()

    rows = CustomerHealth.objects.all()
    assert rows.count() == 6
    # a detractor's answer yesterday and nothing else: 100 - 35 = 65, in the watch band
    assert {(row.latest_nps, row.score, row.band) for row in rows} == {(2, 65, "watch")}


def test_the_analysis_job_stores_snapshots(unhappy_touchpoint):
    refresh_analyses.delay().get()

    assert AnalysisSnapshot.objects.filter(kind="service_impact").exists()
    assert AnalysisSnapshot.objects.filter(kind="key_drivers").exists()


def test_beat_runs_each_job():
    tasks = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}

    assert {"journeys.tasks.evaluate_alerts", "journeys.tasks.recompute_customer_health",
            "journeys.tasks.refresh_analyses", "journeys.tasks.rollup_scores"} <= tasks

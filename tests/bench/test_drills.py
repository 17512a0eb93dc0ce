"""The kill-the-worker drill (bench/drills/kill_worker.py), small: a real worker on the real broker is
killed with SIGKILL halfway through a rollup, a second worker finishes it, and nothing is lost or doubled."""

from __future__ import annotations

import os

import pytest

from bench.drills.kill_worker import run_drill
from journeys.models import ExperienceSignal, ScoreComponentDaily
from tests.journeys.factories import TouchpointFactory

pytestmark = [pytest.mark.postgres, pytest.mark.redis]


def test_a_rollup_killed_halfway_and_run_again_equals_a_full_recompute(transactional_db):
    # given touchpoints to record on
    for name in ("Test drive", "Car handover", "Help chat"):
        TouchpointFactory(name=name)

    # when 3,000 signals are rolled up in batches of 100 by a worker killed a third of the way, then by another
    result = run_drill(broker_url=os.environ["REDIS_URL"], signals=3000, batch_size=100, timeout=120,
                       out=lambda line: None)

    # then the first worker was stopped between its first and last batch
    assert result.batches == 30
    assert 0 < result.watermark_at_kill < result.high_water
    # and the second left exactly the components of a full recompute, counting every signal once
    assert result.rows == ScoreComponentDaily.objects.count() > 0
    assert sum(ScoreComponentDaily.objects.values_list("signals", flat=True)) == ExperienceSignal.objects.count()

from __future__ import annotations

import datetime as dt
import random

import pytest
from django.utils import timezone

from journeys import rollup
from journeys.choices import SignalKind
from journeys.models import ExperienceSignal, RollupWatermark, ScoreComponentDaily
from journeys.services import rollups_deferred, signal_record
from tests.journeys.factories import TouchpointFactory

pytestmark = pytest.mark.django_db

FIELDS = [f.name for f in ScoreComponentDaily._meta.fields if f.name not in {"id"}]


def snapshot() -> list[tuple]:
    return list(ScoreComponentDaily.objects.order_by("touchpoint_id", "day", "segment").values_list(*FIELDS))


def record_random_signals(touchpoints, n: int, rng: random.Random, offset: int = 0) -> None:
    now = timezone.now()
    kinds = [SignalKind.NPS_ANSWER, SignalKind.CSAT_ANSWER, SignalKind.CES_ANSWER,
             SignalKind.TICKET_RESOLVED, SignalKind.SLA_MET, SignalKind.SLA_BREACHED,
             SignalKind.FIRST_CONTACT_RESOLUTION, SignalKind.TICKET_REOPENED,
             SignalKind.FIRST_RESPONSE]
    ranges = {SignalKind.NPS_ANSWER: (0, 10), SignalKind.CSAT_ANSWER: (1, 5),
              SignalKind.CES_ANSWER: (1, 7), SignalKind.TICKET_RESOLVED: (60, 500000),
              SignalKind.FIRST_RESPONSE: (10, 90000)}
    with rollups_deferred():
        for i in range(n):
            kind = rng.choice(kinds)
            low_high = ranges.get(kind)
            signal_record(
                touchpoint=rng.choice(touchpoints), kind=kind, source="test",
                source_id=str(offset + i),
                occurred_at=now - dt.timedelta(minutes=rng.randrange(0, 60 * 24 * 20)),
                value=rng.randint(*low_high) if low_high else None,
            )


def test_incremental_rollups_in_any_batches_equal_a_full_recompute():
    rng = random.Random(7)
    touchpoints = [TouchpointFactory() for _ in range(4)]

    # given signals arriving in three waves, rolled up after each wave in small batches
    for wave in range(3):
        record_random_signals(touchpoints, 120, rng, offset=wave * 1000)
        rollup.rollup_new_signals(batch_size=rng.randint(1, 50))
    incremental = snapshot()

    # when everything is recomputed from scratch
    rollup.recompute_all()

    # then the components are identical, and they add up to the ledger
    assert snapshot() == incremental
    assert sum(row.signals for row in ScoreComponentDaily.objects.all()) == 360
    assert RollupWatermark.objects.get().last_signal_id == ExperienceSignal.objects.latest("id").id


def test_running_the_rollup_again_changes_nothing():
    rng = random.Random(3)
    touchpoints = [TouchpointFactory() for _ in range(2)]
    record_random_signals(touchpoints, 50, rng)
    first = rollup.rollup_new_signals()
    before = snapshot()

    again = rollup.rollup_new_signals()

    assert first.signals == 50
    assert again.signals == 0 and again.touchpoint_days == 0
    assert snapshot() == before


def test_it_touches_only_touchpoint_days_with_new_signals():
    touchpoint, untouched = TouchpointFactory(), TouchpointFactory()
    old = timezone.now() - dt.timedelta(days=5)
    with rollups_deferred():
        signal_record(touchpoint=untouched, kind=SignalKind.CSAT_ANSWER, source="t", source_id="1",
                      occurred_at=old, value=5)
    rollup.rollup_new_signals()
    row = ScoreComponentDaily.objects.get(touchpoint=untouched)

    with rollups_deferred():
        signal_record(touchpoint=touchpoint, kind=SignalKind.CSAT_ANSWER, source="t", source_id="2",
                      occurred_at=timezone.now(), value=2)
    result = rollup.rollup_new_signals()

    assert result.touchpoint_days == 1
    assert ScoreComponentDaily.objects.get(touchpoint=untouched).pk == row.pk  # not rewritten


def test_components_count_what_the_metrics_need():
    touchpoint = TouchpointFactory()
    at = timezone.now()
    answers = [(SignalKind.NPS_ANSWER, v) for v in (10, 9, 8, 7, 6, 0)] + [
        (SignalKind.CSAT_ANSWER, v) for v in (5, 4, 3)] + [(SignalKind.CES_ANSWER, v) for v in (7, 5, 4)]
    with rollups_deferred():
        for i, (kind, value) in enumerate(answers):
            signal_record(touchpoint=touchpoint, kind=kind, source="t", source_id=str(i),
                          occurred_at=at, value=value)
        signal_record(touchpoint=touchpoint, kind=SignalKind.FIRST_CONTACT_RESOLUTION, source="tk",
                      source_id="1", occurred_at=at)
        signal_record(touchpoint=touchpoint, kind=SignalKind.FCR_REVOKED, source="tk",
                      source_id="1", occurred_at=at)

    rollup.rollup_new_signals()

    row = ScoreComponentDaily.objects.get(touchpoint=touchpoint)
    assert (row.nps_responses, row.nps_promoters, row.nps_passives, row.nps_detractors) == (6, 2, 2, 2)
    assert (row.csat_responses, row.csat_satisfied, row.csat_score_sum) == (3, 2, 12)
    assert (row.ces_responses, row.ces_easy, row.ces_score_sum) == (3, 2, 16)
    assert row.fcr == 0
    assert row.signals == len(answers) + 2


def test_recording_the_same_signal_twice_keeps_one():
    touchpoint = TouchpointFactory()
    kwargs = dict(touchpoint=touchpoint, kind=SignalKind.NPS_ANSWER, source="api", source_id="X1",
                  occurred_at=timezone.now(), value=9)

    first, created = signal_record(**kwargs)
    again, created_again = signal_record(**kwargs)

    assert created and not created_again
    assert first.pk == again.pk
    assert ExperienceSignal.objects.count() == 1


@pytest.mark.parametrize("kind, value", [
    (SignalKind.NPS_ANSWER, 11), (SignalKind.CSAT_ANSWER, 0), (SignalKind.CES_ANSWER, 4.5),
    (SignalKind.NPS_ANSWER, None), ("made_up", 1),
])
def test_it_refuses_values_outside_the_scale(kind, value):
    from cxhub.exceptions import DomainError

    with pytest.raises(DomainError):
        signal_record(touchpoint=TouchpointFactory(), kind=kind, source="api", source_id="1",
                      occurred_at=timezone.now(), value=value)
    assert ExperienceSignal.objects.count() == 0


def test_the_ledger_is_append_only():
    signal, _ = signal_record(touchpoint=TouchpointFactory(), kind=SignalKind.SLA_MET, source="t",
                              source_id="1", occurred_at=timezone.now())

    with pytest.raises(TypeError):
        signal.save()
    with pytest.raises(TypeError):
        signal.delete()

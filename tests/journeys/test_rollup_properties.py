"""Property: however the same signals arrive and are rolled up in batches, the daily components equal
a full recompute from the ledger (docs/metrics.md, section 2)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra.django import TestCase

from journeys import rollup
from journeys.choices import SignalKind
from journeys.models import ScoreComponentDaily
from journeys.services import rollups_deferred, signal_record
from tests.journeys.factories import CustomerFactory, TouchpointFactory

FIELDS = [f.name for f in ScoreComponentDaily._meta.fields if f.name != "id"]
VALUES = {
    SignalKind.NPS_ANSWER: st.integers(0, 10),
    SignalKind.CSAT_ANSWER: st.integers(1, 5),
    SignalKind.CES_ANSWER: st.integers(1, 7),
    SignalKind.TICKET_RESOLVED: st.integers(0, 10**6),
    SignalKind.FIRST_RESPONSE: st.integers(0, 10**5),
    SignalKind.QUEUE_WAIT: st.integers(0, 10**5),
    SignalKind.SLA_MET: st.none(),
    SignalKind.SLA_BREACHED: st.none(),
    SignalKind.FIRST_CONTACT_RESOLUTION: st.none(),
    SignalKind.TICKET_REOPENED: st.none(),
}

# (kind, value, touchpoint, minutes ago, customer: none or one of three in different segments)
signal = st.sampled_from(sorted(VALUES)).flatmap(
    lambda kind: st.tuples(st.just(kind), VALUES[kind], st.integers(0, 2), st.integers(0, 60 * 24 * 10),
                           st.sampled_from([None, 0, 1, 2])))
# Signals in arrival order, cut into batches: each batch is recorded, then rolled up (with a small
# per-transaction batch size of its own), before the next arrives.
arrivals = st.lists(st.lists(signal, min_size=0, max_size=12), min_size=1, max_size=5)


def snapshot() -> list[tuple]:
    return list(ScoreComponentDaily.objects.order_by("touchpoint_id", "day", "segment").values_list(*FIELDS))


@pytest.mark.django_db
class TestIncrementalEqualsFull(TestCase):
    @settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(batches=arrivals, batch_size=st.integers(1, 7))
    def test_any_split_into_incremental_batches_equals_the_full_recompute(self, batches, batch_size):
        touchpoints = [TouchpointFactory() for _ in range(3)]
        customers = [CustomerFactory(segment=segment) for segment in ("retail", "fleet", "")]
        now = timezone.now()
        n = 0
        for batch in batches:
            with rollups_deferred():
                for kind, value, tp, minutes_ago, who in batch:
                    n += 1
                    signal_record(touchpoint=touchpoints[tp], kind=kind, source="prop", source_id=str(n),
                                  occurred_at=now - dt.timedelta(minutes=minutes_ago), value=value,
                                  customer=None if who is None else customers[who])
            rollup.rollup_new_signals(batch_size=batch_size)
        incremental = snapshot()

        rollup.recompute_all()

        assert snapshot() == incremental
        assert sum(row.signals for row in ScoreComponentDaily.objects.all()) == n


@pytest.mark.django_db
def test_a_later_change_of_segment_does_not_move_past_components(touchpoint):
    customer = CustomerFactory(segment="retail")
    signal_record(touchpoint=touchpoint, kind=SignalKind.CSAT_ANSWER, value=5, source="seg", source_id="1",
                  occurred_at=timezone.now() - dt.timedelta(days=2), customer=customer)
    rollup.rollup_new_signals()
    customer.segment = "fleet"
    customer.save()

    rollup.recompute_all()

    assert list(ScoreComponentDaily.objects.values_list("segment", "csat_responses")) == [("retail", 1)]

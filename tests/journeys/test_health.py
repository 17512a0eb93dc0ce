"""Customer health: constructed customers whose score, band and reasons are worked out by hand.

Penalties (docs/scoring.md): detractor 35, passive 10, open ticket 10 each (30 at most), SLA breach 10
each (30), reopen 8 each (24), low CSAT 15 each (30), 90+ days silent 10, 180+ days silent 20.
Bands: healthy 70+, watch 40+, at risk below 40.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from journeys.choices import SignalKind as K
from journeys.health import (
    HealthFacts,
    assess,
    at_risk,
    dashboard_context,
    health_recompute,
)
from journeys.models import CustomerHealth, HealthBand
from journeys.selectors import Window
from journeys.services import rollups_deferred, signal_record
from tests.journeys.factories import CustomerFactory, TouchpointFactory
from tests.tickets.factories import make_ticket
from tickets.services import ticket_resolve

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 11, 20, 12, 0, tzinfo=dt.UTC)


def days_ago(n: float) -> dt.datetime:
    return NOW - dt.timedelta(days=n)


_seq = iter(range(1_000_000))


def signal(customer, kind: str, at: dt.datetime, value: float | None = None, touchpoint=None) -> None:
    with rollups_deferred():
        signal_record(touchpoint=touchpoint or TouchpointFactory(), customer=customer, kind=kind,
                      source="test", source_id=str(next(_seq)), occurred_at=at, value=value)


def health_of(customer) -> CustomerHealth:
    return CustomerHealth.objects.get(customer=customer)


# --- The rules, on facts -----------------------------------------------------------------------------


def test_a_customer_with_nothing_against_them_is_fully_healthy():
    result = assess(HealthFacts(last_signal_at=days_ago(3)), now=NOW)

    assert (result.score, result.band, result.reasons) == (100.0, HealthBand.HEALTHY, [])


@pytest.mark.parametrize("facts, score, band", [
    (HealthFacts(latest_nps=(6, days_ago(1))), 65.0, HealthBand.WATCH),  # 6 is a detractor
    (HealthFacts(latest_nps=(7, days_ago(1))), 90.0, HealthBand.HEALTHY),  # 7 is a passive
    (HealthFacts(open_tickets=3), 70.0, HealthBand.HEALTHY),  # 70 is the lowest healthy score
    (HealthFacts(open_tickets=9), 70.0, HealthBand.HEALTHY),  # open tickets cost 30 at most
    (HealthFacts(latest_nps=(0, days_ago(1)), breaches=2, open_tickets=1), 35.0, HealthBand.AT_RISK),
    (HealthFacts(latest_nps=(0, days_ago(1)), breaches=2), 45.0, HealthBand.WATCH),
    (HealthFacts(latest_nps=(2, days_ago(1)), breaches=5, reopens=5, low_csat=5, open_tickets=5),
     0.0, HealthBand.AT_RISK),  # never below 0
])
def test_the_score_and_band_follow_the_penalties(facts, score, band):
    result = assess(facts, now=NOW)

    assert (result.score, result.band) == (score, band)


def test_silence_costs_10_after_90_days_and_20_after_180():
    assert assess(HealthFacts(last_signal_at=days_ago(89)), now=NOW).score == 100.0
    assert assess(HealthFacts(last_signal_at=days_ago(90)), now=NOW).reasons == ["No contact for 90 days"]
    assert assess(HealthFacts(last_signal_at=days_ago(90)), now=NOW).score == 90.0
    assert assess(HealthFacts(last_signal_at=days_ago(200)), now=NOW).score == 80.0


# --- Recompute from the ledger and the real tickets --------------------------------------------------


@pytest.fixture
def cast():
    """Customers whose health is known by hand."""
    # Dana: NPS 3 on 2 Nov, 2 tickets open, 2 tickets resolved 10 days after they were opened (the
    # default 72 h resolution target is breached): 100 - 35 - 20 - 20 = 25, at risk.
    dana = CustomerFactory(name="Dana Detractor", segment="fleet")
    signal(dana, K.NPS_ANSWER, dt.datetime(2026, 11, 2, 9, 0, tzinfo=dt.UTC), 3)
    make_ticket(customer=dana)
    make_ticket(customer=dana)
    desk = TouchpointFactory(name="Service desk")
    for _ in range(2):
        ticket = make_ticket(customer=dana, touchpoint=desk, at=days_ago(30))
        ticket_resolve(ticket=ticket, actor=None, at=days_ago(20))

    # Pat: the latest NPS answer is a 10 (an older 2 no longer counts): 100, healthy.
    pat = CustomerFactory(name="Pat Promoter", segment="retail")
    signal(pat, K.NPS_ANSWER, days_ago(40), 2)
    signal(pat, K.NPS_ANSWER, dt.datetime(2026, 11, 15, 8, 0, tzinfo=dt.UTC), 10)

    # Sam: one CSAT 5 answer 200 days ago, and an NPS 1 400 days ago (older than a year): 80, healthy.
    sam = CustomerFactory(name="Sam Silent", segment="retail")
    signal(sam, K.CSAT_ANSWER, days_ago(200), 5)
    signal(sam, K.NPS_ANSWER, days_ago(400), 1)

    # Wes: NPS 7 (passive, -10), one reopen (-8), CSAT 2 and 1 in 90 days (-30), a CSAT 1 100 days
    # ago (outside the 90 days): 52, watch.
    wes = CustomerFactory(name="Wes Watch", segment="fleet")
    signal(wes, K.NPS_ANSWER, days_ago(5), 7)
    signal(wes, K.TICKET_REOPENED, days_ago(12))
    signal(wes, K.CSAT_ANSWER, days_ago(30), 2)
    signal(wes, K.CSAT_ANSWER, dt.datetime(2026, 11, 10, 23, 0, tzinfo=dt.UTC), 1)
    signal(wes, K.CSAT_ANSWER, days_ago(100), 1)

    # Olga: one ticket open, never a signal: 90, healthy.
    olga = CustomerFactory(name="Olga Open")
    make_ticket(customer=olga)

    # Nina: nothing at all: no row.
    nina = CustomerFactory(name="Nina Nothing")
    return {"dana": dana, "pat": pat, "sam": sam, "wes": wes, "olga": olga, "nina": nina}


def test_recompute_scores_each_constructed_customer(cast):
    written = health_recompute(now=NOW)

    assert written == 5
    dana = health_of(cast["dana"])
    assert (dana.score, dana.band) == (25.0, HealthBand.AT_RISK)
    assert dana.reasons == ["Detractor: NPS 3 on 2026-11-02", "2 tickets open",
                            "SLA breached twice in 90 days"]
    assert (dana.open_tickets, dana.breaches, dana.latest_nps) == (2, 2, 3.0)

    pat = health_of(cast["pat"])
    assert (pat.score, pat.band, pat.reasons) == (100.0, HealthBand.HEALTHY,
                                                  ["Promoter: NPS 10 on 2026-11-15"])

    sam = health_of(cast["sam"])
    assert (sam.score, sam.band, sam.latest_nps) == (80.0, HealthBand.HEALTHY, None)
    assert sam.reasons == ["No contact for 200 days"]

    wes = health_of(cast["wes"])
    assert (wes.score, wes.band, wes.reopens) == (52.0, HealthBand.WATCH, 1)
    assert wes.reasons == ["2 low CSAT answers in 90 days (latest 1 on 2026-11-10)",
                           "Passive: NPS 7 on 2026-11-15", "Tickets reopened once in 90 days"]

    olga = health_of(cast["olga"])
    assert (olga.score, olga.reasons, olga.last_signal_at) == (90.0, ["1 ticket open"], None)

    assert not CustomerHealth.objects.filter(customer=cast["nina"]).exists()


def test_recompute_twice_changes_nothing(cast):
    health_recompute(now=NOW)
    before = list(CustomerHealth.objects.order_by("customer_id").values())

    written = health_recompute(now=NOW + dt.timedelta(minutes=5))

    assert written == 0
    assert list(CustomerHealth.objects.order_by("customer_id").values()) == before


def test_a_resolved_ticket_leaves_the_count_and_a_customer_with_nothing_left_loses_the_row(cast):
    health_recompute(now=NOW)
    olga_ticket = cast["olga"].tickets.get()

    ticket_resolve(ticket=olga_ticket, actor=None)
    written = health_recompute(now=NOW)

    assert written == 1
    assert not CustomerHealth.objects.filter(customer=cast["olga"]).exists()


def test_recompute_can_be_limited_to_some_customers(cast):
    written = health_recompute(customer_ids=[cast["dana"].pk, cast["nina"].pk, 10**9], now=NOW)

    assert written == 1
    assert list(CustomerHealth.objects.values_list("customer_id", flat=True)) == [cast["dana"].pk]


def test_progress_is_reported_per_batch(cast, monkeypatch):
    monkeypatch.setattr("journeys.health.BATCH_SIZE", 4)
    seen = []

    health_recompute(now=NOW, progress=lambda done, total: seen.append((done, total)))

    assert seen == [(4, 6), (6, 6)]
    assert CustomerHealth.objects.count() == 5


def _busy_customers(n: int) -> None:
    touchpoint = TouchpointFactory()
    for i in range(n):
        customer = CustomerFactory()
        signal(customer, K.NPS_ANSWER, days_ago(i % 30), i % 11, touchpoint)
        signal(customer, K.SLA_BREACHED, days_ago(3), touchpoint=touchpoint)
        signal(customer, K.CSAT_ANSWER, days_ago(4), 1, touchpoint)
        make_ticket(customer=customer)


def test_the_number_of_queries_does_not_grow_with_customers():
    _busy_customers(3)
    with CaptureQueriesContext(connection) as few:
        health_recompute(now=NOW)
    CustomerHealth.objects.all().delete()
    _busy_customers(12)

    with CaptureQueriesContext(connection) as many:
        written = health_recompute(now=NOW)

    assert written == 15
    assert len(many) == len(few)


# --- Reads -------------------------------------------------------------------------------------------


def test_at_risk_lists_the_at_risk_band_worst_first_and_filters_by_segment(cast):
    health_recompute(now=NOW)
    bad = CustomerFactory(name="Ann Angry", segment="retail")
    signal(bad, K.NPS_ANSWER, days_ago(1), 0)
    signal(bad, K.SLA_BREACHED, days_ago(1))
    signal(bad, K.SLA_BREACHED, days_ago(2))
    signal(bad, K.SLA_BREACHED, days_ago(3))  # 100 - 35 - 30 = 35
    signal(bad, K.TICKET_REOPENED, days_ago(3))  # - 8 = 27
    health_recompute(now=NOW)

    assert [h.customer.name for h in at_risk()] == ["Dana Detractor", "Ann Angry"]  # 25, then 27
    assert [h.customer.name for h in at_risk(segment="retail")] == ["Ann Angry"]


def test_the_dashboard_context_counts_the_program_s_at_risk_customers(cast):
    health_recompute(now=NOW)
    dana_ticket = cast["dana"].tickets.filter(touchpoint__isnull=False).first()
    program = dana_ticket.touchpoint.stage.journey.program
    other = TouchpointFactory().stage.journey.program

    context = dashboard_context(program=program, window=Window.last(30, today=NOW.date()))
    elsewhere = dashboard_context(program=other, window=Window.last(30, today=NOW.date()))
    everyone = dashboard_context(program=None, window=Window.last(30, today=NOW.date()))

    assert context["at_risk_panel"].count == 1
    assert [h.customer for h in context["at_risk_panel"].customers] == [cast["dana"]]
    assert elsewhere["at_risk_panel"].count == 0 and elsewhere["at_risk_panel"].customers == []
    assert everyone["at_risk_panel"].count == 1


def test_the_dashboard_context_ignores_customers_first_seen_after_the_window(cast):
    health_recompute(now=NOW)
    dana_ticket = cast["dana"].tickets.filter(touchpoint__isnull=False).first()
    program = dana_ticket.touchpoint.stage.journey.program

    # Dana's tickets were resolved 20 days before NOW; a window ending 25 days before NOW precedes them
    context = dashboard_context(program=program, window=Window.last(7, today=(NOW - dt.timedelta(days=35)).date()))

    assert context["at_risk_panel"].count == 0


def test_the_dashboard_partial_shows_the_worst_customers_with_their_reasons(cast):
    from django.template.loader import render_to_string

    health_recompute(now=NOW)

    html = render_to_string("journeys/partials/_dashboard_at_risk.html",
                            dashboard_context(program=None, window=Window.last(30, today=NOW.date())))

    assert "Dana Detractor" in html and "Detractor: NPS 3 on 2026-11-02; 2 tickets open" in html
    assert "Wes Watch" not in html  # watch, not at risk


def test_open_tickets_reach_journeys_through_the_registered_tickets_counter():
    from journeys.extensions import open_ticket_counts
    from tickets.choices import Status
    from tickets.services import ticket_change_status

    # given one customer with a new, a pending and a resolved ticket, and one with none
    busy, idle = CustomerFactory(), CustomerFactory()
    make_ticket(customer=busy)
    ticket_change_status(ticket=make_ticket(customer=busy), status=Status.PENDING, actor=None)
    ticket_resolve(ticket=make_ticket(customer=busy), actor=None)

    # when journeys asks, without importing tickets
    counts = open_ticket_counts([busy.pk, idle.pk])

    # then new and pending count as open; resolved does not; no tickets, no entry
    assert counts == {busy.pk: 2}
    assert open_ticket_counts([]) == {}

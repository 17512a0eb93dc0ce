"""The scale data generator (bench/generate.py) at a tiny scale: counts, signals and scores agree."""

from __future__ import annotations

import pytest
from django.db.models import Count, F, Sum

from bench.generate import GenerateError, generate
from feedback.choices import SIGNAL_KINDS
from feedback.models import Response
from journeys import rollup
from journeys.choices import SignalKind
from journeys.models import Customer, ExperienceSignal, RollupWatermark, ScoreComponentDaily
from tickets.choices import Status
from tickets.models import Ticket, TicketMessage

FIELDS = [f.name for f in ScoreComponentDaily._meta.fields if f.name != "id"]


def quiet(line: str) -> None:
    pass


def snapshot() -> list[tuple]:
    return list(ScoreComponentDaily.objects.order_by("touchpoint_id", "day", "segment").values_list(*FIELDS))


def signal_ids(kind: str) -> list[str]:
    return sorted(ExperienceSignal.objects.filter(kind=kind, source="ticket").values_list("source_id", flat=True))


def ids_of(tickets) -> list[str]:
    return sorted(str(pk) for pk in tickets.values_list("id", flat=True))


@pytest.mark.postgres
@pytest.mark.django_db
def test_it_generates_the_counts_asked_with_the_signals_the_services_would_record():
    # when a tiny data set is generated
    counts = generate(customers=200, tickets=1000, responses=1000, years=1, seed=3, out=quiet)

    # then the counts are the ones asked, and the customers write in the four scripts
    assert Customer.objects.filter(external_id__startswith="GEN-C").count() == counts.customers == 200
    assert Ticket.objects.count() == counts.tickets == 1000
    assert Response.objects.count() == counts.responses == 1000
    assert TicketMessage.objects.count() == counts.messages >= 2 * 990
    assert set(Customer.objects.values_list("language", flat=True)) == {"en", "el", "vi", "fa"}
    # mostly resolved or closed, a few still in work
    by_status = dict(Ticket.objects.values_list("status").annotate(n=Count("id")))
    still_open = sum(by_status.get(s, 0) for s in (Status.NEW, Status.OPEN, Status.PENDING))
    assert 0 < still_open < 100
    assert by_status.get(Status.CLOSED, 0) > 800
    # one signal per outcome, keyed as tickets.services keys them
    first_resolved = Ticket.objects.filter(first_resolved_at__isnull=False)
    assert signal_ids(SignalKind.TICKET_RESOLVED) == ids_of(first_resolved)
    assert sorted(signal_ids(SignalKind.SLA_MET) + signal_ids(SignalKind.SLA_BREACHED)) == ids_of(first_resolved)
    assert signal_ids(SignalKind.FIRST_RESPONSE) == ids_of(Ticket.objects.filter(first_response_at__isnull=False))
    assert signal_ids(SignalKind.QUEUE_WAIT) == ids_of(Ticket.objects.filter(first_touched_at__isnull=False))
    reopened = Ticket.objects.filter(reopen_count=1)
    assert signal_ids(SignalKind.TICKET_REOPENED) == sorted(f"{pk}.1" for pk in reopened.values_list("id", flat=True))
    fcr = ExperienceSignal.objects.filter(kind=SignalKind.FIRST_CONTACT_RESOLUTION).count()
    revoked = ExperienceSignal.objects.filter(kind=SignalKind.FCR_REVOKED).count()
    assert fcr - revoked == Ticket.objects.filter(first_contact_resolution=True).count() > 0
    for signal in ExperienceSignal.objects.filter(kind=SignalKind.TICKET_RESOLVED).select_related()[:50]:
        ticket = Ticket.objects.get(pk=int(signal.source_id))
        assert signal.occurred_at == ticket.first_resolved_at
        assert signal.value == round((ticket.first_resolved_at - ticket.created_at).total_seconds())
    # one answer signal per response, on the response's touchpoint, valued at its score
    answers = {s.source_id: s for s in ExperienceSignal.objects.filter(source="response")}
    assert len(answers) == 1000
    for response in Response.objects.select_related("survey"):
        signal = answers[str(response.pk)]
        assert (signal.kind, signal.value, signal.touchpoint_id, signal.occurred_at) == (
            SIGNAL_KINDS[response.survey.kind], response.score, response.touchpoint_id, response.answered_at)
        assert response.scale_min <= response.score <= response.scale_max
    linked = Response.objects.filter(ticket__isnull=False)
    assert linked.exists() and not linked.exclude(customer_id=F("ticket__customer_id")).exists()
    assert not linked.filter(answered_at__lte=F("ticket__first_resolved_at")).exists()
    assert Response.objects.exclude(comment="").exists()
    # the customer's segment frozen on every signal
    assert not ExperienceSignal.objects.exclude(segment=F("customer__segment")).exists()
    assert ExperienceSignal.objects.count() == counts.signals

    # and the stored components are those of a full recompute, and add up to the ledger
    stored = snapshot()
    assert len(stored) == counts.components > 0
    rollup.recompute_all()
    assert snapshot() == stored
    assert ScoreComponentDaily.objects.aggregate(n=Sum("signals"))["n"] == counts.signals
    assert RollupWatermark.objects.get().last_signal_id == ExperienceSignal.objects.latest("id").id


@pytest.mark.postgres
@pytest.mark.django_db
def test_it_refuses_a_database_that_holds_generated_data_unless_forced():
    generate(customers=5, tickets=10, responses=10, years=1, out=quiet)

    with pytest.raises(GenerateError, match="holds generated data already"):
        generate(customers=5, tickets=10, responses=10, years=1, out=quiet)

    counts = generate(customers=6, tickets=12, responses=8, years=1, force=True, out=quiet)
    assert (Customer.objects.count(), Ticket.objects.count(), Response.objects.count()) == (6, 12, 8)
    assert ExperienceSignal.objects.count() == counts.signals


@pytest.mark.django_db
def test_it_refuses_a_database_that_is_not_postgresql(settings):
    from django.db import connection

    if connection.vendor == "postgresql":
        pytest.skip("runs on the SQLite suite")
    with pytest.raises(GenerateError, match="needs PostgreSQL"):
        generate(customers=1, tickets=1, responses=1, out=quiet)

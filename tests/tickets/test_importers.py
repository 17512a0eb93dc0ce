"""CSV import of historical tickets: they keep their own times and status, their outcome is scored on
the day it happened, nothing is announced, and a file imported again changes nothing."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from cxhub.imports.services import import_job_run
from cxhub.models import WebhookEvent, WebhookSubscription
from journeys.choices import SignalKind
from journeys.models import ExperienceSignal
from tests.cxhub.import_helpers import counts, create_job, csv_bytes, rejections, run_import
from tests.journeys.factories import CustomerFactory, TouchpointFactory
from tickets.choices import EventKind, MessageKind, Priority, SlaStatus, Status
from tickets.models import Category, RoutingRule, Ticket, TicketEvent, TicketMessage

pytestmark = pytest.mark.django_db

HEADER = ["external_id", "customer_external_id", "subject", "description", "created_at", "first_response_at",
          "status", "resolved_at", "priority", "channel", "team", "category", "touchpoint", "first_contact_resolution"]


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")


def row(external_id: str = "T-1", **values: str) -> list[str]:
    cells = {"external_id": external_id, "customer_external_id": "CRM-GR-1", "subject": "Καθυστέρηση παράδοσης",
             "description": "Το αυτοκίνητο δεν ήρθε την ημέρα που συμφωνήσαμε.", "created_at": "2024-03-18 09:00",
             "first_response_at": "", "status": "", "resolved_at": "", "priority": "", "channel": "", "team": "",
             "category": "", "touchpoint": "", "first_contact_resolution": "", **values}
    return [cells[name] for name in HEADER]


def tickets_file(*rows: list[str]) -> bytes:
    return csv_bytes(HEADER, *rows)


def at(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).replace(tzinfo=dt.UTC)


def signals_of(ticket: Ticket) -> dict[str, tuple[dt.datetime, float | None]]:
    return {kind: (occurred, value) for kind, occurred, value in ExperienceSignal.objects.filter(
        source="ticket", source_id=str(ticket.pk)).values_list("kind", "occurred_at", "value")}


def test_a_resolved_ticket_keeps_its_own_times_and_its_outcome_is_scored_when_it_happened(
        customer, touchpoint, manager):
    job = run_import("tickets", tickets_file(row(
        status="resolved", first_response_at="2024-03-18 10:00", resolved_at="2024-03-19 09:00", priority="normal",
        channel="phone",
        touchpoint="Test drive", first_contact_resolution="yes")), user=manager)

    assert counts(job) == {"created": 1, "updated": 0, "unchanged": 0, "rejected": 0}
    ticket = Ticket.objects.get(external_id="T-1")
    assert ticket.customer == customer and ticket.touchpoint == touchpoint
    assert ticket.team == touchpoint.owner_team and ticket.assignee is None and ticket.created_by == manager
    assert ticket.status == Status.RESOLVED and ticket.channel == "phone"
    assert ticket.created_at == at("2024-03-18 09:00")
    assert ticket.resolved_at == ticket.first_resolved_at == at("2024-03-19 09:00")
    assert ticket.first_contact_resolution is True
    assert ticket.first_response_at == at("2024-03-18 10:00")
    assert ticket.sla_status == SlaStatus.OK  # answered in 1 of 8 hours, resolved in 24 of 72
    assert ticket.messages.get().body == "Το αυτοκίνητο δεν ήρθε την ημέρα που συμφωνήσαμε."
    assert ticket.subject == "Καθυστέρηση παράδοσης"
    assert signals_of(ticket) == {
        SignalKind.FIRST_RESPONSE: (at("2024-03-18 10:00"), 3600.0),
        SignalKind.TICKET_RESOLVED: (at("2024-03-19 09:00"), 86400.0),
        SignalKind.SLA_MET: (at("2024-03-19 09:00"), None),
        SignalKind.FIRST_CONTACT_RESOLUTION: (at("2024-03-19 09:00"), None),
    }


def test_a_ticket_resolved_late_is_an_sla_breach_on_the_day_it_was_resolved(customer, touchpoint):
    run_import("tickets", tickets_file(row(resolved_at="2024-03-25 09:00", priority="urgent",
                                           touchpoint=str(touchpoint.pk))))

    ticket = Ticket.objects.get()
    assert ticket.status == Status.RESOLVED and ticket.sla_status == SlaStatus.BREACHED
    kinds = signals_of(ticket)
    assert kinds[SignalKind.SLA_BREACHED] == (at("2024-03-25 09:00"), None)
    assert SignalKind.SLA_MET not in kinds and SignalKind.FIRST_CONTACT_RESOLUTION not in kinds


def test_the_history_shows_the_ticket_as_it_happened(customer):
    run_import("tickets", tickets_file(row(status="closed", resolved_at="2024-03-19 09:00")))

    ticket = Ticket.objects.get()
    history = list(ticket.events.order_by("created_at", "id").values_list("kind", "created_at", "data"))
    assert history == [
        (EventKind.CREATED, at("2024-03-18 09:00"), {"status": "new", "priority": "normal", "imported": True}),
        (EventKind.STATUS, at("2024-03-19 09:00"), {"old": "new", "new": "resolved", "imported": True}),
        (EventKind.STATUS, at("2024-03-19 09:00"), {"old": "resolved", "new": "closed", "imported": True}),
        # without a first_response_at the first response counts as given at the resolution: 24 of 8 hours
        (EventKind.SLA, at("2024-03-19 09:00"), {"old": "ok", "new": "breached", "targets": ["first_response"]}),
    ]
    assert ticket.status == Status.CLOSED and ticket.closed_at == at("2024-03-19 09:00")


def test_nothing_is_announced_for_imported_history(customer, touchpoint, manager):
    WebhookSubscription.objects.create(owner=manager, url="https://crm.example.com/hook", event_types=["*"])

    run_import("tickets", tickets_file(row(resolved_at="2024-03-19 09:00", touchpoint="Test drive"),
                                       row("T-2", status="open")))

    assert Ticket.objects.count() == 2
    assert not WebhookEvent.objects.exists()


def test_routing_rules_do_not_move_history_and_nobody_is_assigned(customer, team, other_team, agent):
    RoutingRule.objects.create(name="Everything to billing", team=other_team, position=1)

    run_import("tickets", tickets_file(row(status="open", team="Service desk")))

    ticket = Ticket.objects.get()
    assert ticket.team == team and ticket.assignee is None and ticket.routing_rule is None


def test_an_open_ticket_from_long_ago_is_breached_now(customer):
    run_import("tickets", tickets_file(row(status="open", created_at="2024-01-01 08:00")))

    ticket = Ticket.objects.get()
    assert ticket.status == Status.OPEN and ticket.sla_status == SlaStatus.BREACHED
    assert not signals_of(ticket)


def test_importing_the_same_file_again_changes_nothing(customer, touchpoint):
    content = tickets_file(row(resolved_at="2024-03-19 09:00", touchpoint="Test drive"), row("T-2", status="pending"))
    run_import("tickets", content)
    before = (TicketEvent.objects.count(), TicketMessage.objects.count(), ExperienceSignal.objects.count())

    job = run_import("tickets", content)

    assert counts(job) == {"created": 0, "updated": 0, "unchanged": 2, "rejected": 0}
    assert Ticket.objects.count() == 2
    assert (TicketEvent.objects.count(), TicketMessage.objects.count(), ExperienceSignal.objects.count()) == before


def test_a_newer_export_resolves_an_open_ticket_and_scores_it(customer, touchpoint):
    run_import("tickets", tickets_file(row(status="open", touchpoint="Test drive")))

    job = run_import("tickets", tickets_file(row(status="resolved", resolved_at="2024-03-20 09:00",
                                                 touchpoint="Test drive", priority="high")))

    assert counts(job)["updated"] == 1
    ticket = Ticket.objects.get()
    assert ticket.status == Status.RESOLVED and ticket.priority == Priority.HIGH
    assert ticket.first_resolved_at == at("2024-03-20 09:00")
    assert signals_of(ticket)[SignalKind.TICKET_RESOLVED] == (at("2024-03-20 09:00"), 2 * 86400.0)


def test_a_ticket_that_moved_on_in_cx_hub_is_left_as_it_is(customer):
    run_import("tickets", tickets_file(row(status="open")))
    Ticket.objects.update(status=Status.RESOLVED, resolved_at=timezone.now(), first_resolved_at=timezone.now())

    job = run_import("tickets", tickets_file(row(status="open")))

    assert counts(job)["unchanged"] == 1 and Ticket.objects.get().status == Status.RESOLVED


def test_what_an_import_may_not_change_is_rejected_on_its_column(customer):
    run_import("tickets", tickets_file(row(resolved_at="2024-03-19 09:00")))
    CustomerFactory(external_id="CRM-2")

    job = run_import("tickets", tickets_file(row(resolved_at="2024-03-21 09:00")))
    other = run_import("tickets", tickets_file(row(resolved_at="2024-03-19 09:00", customer_external_id="CRM-2",
                                                   subject="Another subject")))

    assert rejections(job) == {2: {"resolved_at": [
        "The ticket was resolved at 2024-03-19 09:00 UTC; an import does not move a recorded resolution."]}}
    assert rejections(other) == {2: {"customer_external_id": [
        "An import cannot change the ticket's customer once it is made."]}}


@pytest.mark.parametrize(("values", "errors"), [
    ({"customer_external_id": "CRM-NOPE"}, {"customer_external_id": ["No customer has this CRM id."]}),
    ({"created_at": "18/03/2024"}, {"created_at": [
        "Datetime has wrong format. Use one of these formats instead: "
        "YYYY-MM-DDThh:mm[:ss[.uuuuuu]][+HH:MM|-HH:MM|Z]."]}),
    ({"status": "done"}, {"status": ['"done" is not a valid choice.']}),
    ({"status": "resolved"}, {"resolved_at": ["A resolved ticket needs its resolved_at."]}),
    ({"resolved_at": "2024-03-17 09:00"}, {"resolved_at": ["resolved_at is before created_at."]}),
    ({"status": "open", "resolved_at": "2024-03-19 09:00"}, {"resolved_at": [
        "A open ticket has no resolved_at: leave it empty, or give the status resolved."]}),
    ({"created_at": "2999-01-01 00:00"}, {"created_at": ["created_at is in the future."]}),
    ({"first_response_at": "2024-03-17 09:00"}, {"first_response_at": ["first_response_at is before created_at."]}),
    ({"team": "Nobody's team"}, {"team": ["No team is called Nobody's team."]}),
    ({"category": "Gardening"}, {"category": ["No category is called Gardening."]}),
    ({"touchpoint": "Moon landing"}, {"touchpoint": ["No touchpoint has the id or name Moon landing."]}),
    ({"subject": "x" * 201}, {"subject": ["Ensure this field has no more than 200 characters."]}),
    ({"first_contact_resolution": "perhaps"}, {"first_contact_resolution": ["Must be a valid boolean."]}),
])
def test_a_bad_row_is_rejected_with_the_reason_and_leaves_nothing_behind(customer, touchpoint, values, errors):
    job = run_import("tickets", tickets_file(row("T-BAD", **values), row("T-GOOD")))

    assert rejections(job) == {2: errors}
    assert list(Ticket.objects.values_list("external_id", flat=True)) == ["T-GOOD"]
    good = Ticket.objects.get()
    assert TicketMessage.objects.exclude(ticket=good).count() == TicketEvent.objects.exclude(ticket=good).count() == 0
    assert not ExperienceSignal.objects.exists()


def test_a_touchpoint_name_used_twice_must_be_given_by_id(customer, touchpoint):
    TouchpointFactory(name="Test drive")

    job = run_import("tickets", tickets_file(row(touchpoint="test drive")))

    message = rejections(job)[2]["touchpoint"][0]
    assert message.startswith("Several touchpoints are called test drive (") and message.endswith(
        "): give the id instead.")


def test_an_inactive_category_is_refused_and_an_active_one_is_set_by_name(customer):
    Category.objects.create(name="Delivery")
    Category.objects.create(name="Old", is_active=False)

    job = run_import("tickets", tickets_file(row(category="Delivery"), row("T-2", category="Old")))

    assert Ticket.objects.get().category.name == "Delivery"
    assert rejections(job) == {3: {"category": ["That category is no longer in use."]}}


def test_choices_are_read_whatever_their_case(customer):
    run_import("tickets", tickets_file(row(status="Open", priority="HIGH", channel="Chat")))

    ticket = Ticket.objects.get()
    assert (ticket.status, ticket.priority, ticket.channel) == ("open", "high", "chat")
    assert ticket.messages.get().kind == MessageKind.CUSTOMER


def test_the_queries_of_a_batch_grow_by_a_constant_per_row(settings, touchpoint):
    settings.IMPORT_BATCH_SIZE = 1000
    for n in range(30):
        CustomerFactory(external_id=f"C-{n}")

    def queries_for(rows: int, prefix: str) -> int:
        job = create_job("tickets", tickets_file(*[
            row(f"{prefix}-{n}", customer_external_id=f"C-{n}", resolved_at="2024-03-19 09:00",
                touchpoint="Test drive") for n in range(rows)]))
        with CaptureQueriesContext(connection) as captured:
            import_job_run(job_id=job.pk)
        return len(captured)

    # a resolved ticket costs about 30 queries (its row, message, history, SLA, three signals, a savepoint)
    small, large = queries_for(5, "A"), queries_for(25, "B")
    assert (large - small) / 20 <= 35

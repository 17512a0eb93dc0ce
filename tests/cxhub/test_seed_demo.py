from __future__ import annotations

import datetime as dt
from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.db.models import Sum
from django.urls import reverse

from cxhub.demo import texts
from cxhub.demo.builder import DEMO_PROGRAM, PASSWORD, URL, DemoOptions
from cxhub.roles import CX_MANAGER, SUPPORT_AGENT
from feedback.models import Response
from journeys.models import Customer, ExperienceSignal, Journey, Program, ScoreComponentDaily, Touchpoint
from journeys.selectors import Window, journey_scorecards
from tests.journeys.factories import CustomerFactory, ProgramFactory, TouchpointFactory
from tickets.choices import MessageKind, Status
from tickets.models import Ticket, TicketMessage

pytestmark = pytest.mark.django_db

# A smaller demo than the default keeps each seed around a second.
SMALL = ("--customers", "60", "--days", "60")


def seed(*args: str) -> str:
    out = StringIO()
    call_command("seed_demo", *SMALL, *args, stdout=out)
    return out.getvalue()


def fingerprint() -> tuple[list[tuple], list[tuple], list[tuple]]:
    """The demo's content without database ids, which differ from one build to the next."""
    customers = sorted(Customer.objects.values_list("external_id", "name", "language", "segment", "created_at"))
    tickets = sorted(Ticket.objects.values_list(
        "external_id", "subject", "status", "priority", "customer__external_id", "touchpoint__name",
        "assignee__username", "created_at", "first_resolved_at", "reopen_count"))
    responses = sorted(Response.objects.values_list(
        "customer__external_id", "survey__name", "score", "comment", "answered_at"))
    return customers, tickets, responses


@pytest.fixture
def seeded(db) -> str:
    return seed()


def test_it_builds_both_journeys_with_their_stages_in_order(seeded):
    program = Program.objects.get(name=DEMO_PROGRAM)
    assert "lifetime relationships" in program.purpose

    stages = {
        journey.name: list(journey.stages.order_by("position").values_list("name", flat=True))
        for journey in Journey.objects.filter(program=program)
    }

    assert stages == {
        "Buying a car": ["Discovery", "Test drive", "Purchase", "Delivery", "Service visits"],
        "Online subscription": ["Sign-up", "Onboarding", "Billing", "Support", "Renewal"],
    }


def test_every_stage_has_one_to_three_touchpoints_owned_by_a_team_with_a_target(seeded):
    touchpoints = Touchpoint.objects.select_related("stage", "owner_team")

    per_stage: dict[int, int] = {}
    for touchpoint in touchpoints:
        per_stage[touchpoint.stage_id] = per_stage.get(touchpoint.stage_id, 0) + 1
        assert touchpoint.owner_team is not None
        assert 0 < touchpoint.target_score <= 100
        assert touchpoint.weight > 0
        assert touchpoint.surveys.exists(), touchpoint.name
    assert len(per_stage) == 10
    assert set(per_stage.values()) <= {1, 2, 3}
    assert {tp.owner_team.name for tp in touchpoints} >= {"Showroom", "Service centre", "Customer care", "Billing"}


def test_it_creates_a_manager_and_agents_in_their_groups_who_can_log_in(seeded, client):
    users = {user.username: user for user in get_user_model().objects.prefetch_related("groups", "teams")}

    manager = users["manager"]
    assert [g.name for g in manager.groups.all()] == [CX_MANAGER]
    assert manager.is_staff
    for name in ("agent", "minh", "sara"):
        assert [g.name for g in users[name].groups.all()] == [SUPPORT_AGENT]
        assert users[name].teams.exists()
        assert not users[name].is_staff
    for name in ("manager", "agent", "minh", "sara"):
        response = client.post(reverse("login"), {"username": name, "password": PASSWORD})
        assert response.status_code == 302, name
        client.logout()


def test_it_records_signals_and_rolls_every_one_into_daily_components(seeded):
    signals = ExperienceSignal.objects.count()

    assert signals > 200
    assert ScoreComponentDaily.objects.aggregate(n=Sum("signals"))["n"] == signals
    assert set(ExperienceSignal.objects.values_list("source", flat=True).distinct()) == {"ticket", "response"}


def test_touchpoint_scores_differ_so_there_is_something_to_show(seeded):
    cards = journey_scorecards(window=Window.last(90))

    scores = [tp.score.value for card in cards for stage in card.stages for tp in stage.touchpoints
              if tp.score.value is not None]

    assert len(scores) >= 6
    assert max(scores) - min(scores) >= 30
    assert len({round(score) for score in scores}) >= 5


def test_weak_delivery_and_billing_score_below_a_strong_test_drive(db):
    # The default size: the contrast the demo is built to show must hold at the size people see.
    call_command("seed_demo", stdout=StringIO())
    scores = {tp.touchpoint.name: tp.score.value for card in journey_scorecards(window=Window.last(90))
              for stage in card.stages for tp in stage.touchpoints}

    assert scores["Test drive"] > 75
    for weak in ("Car handover", "Card payment", "Monthly invoice"):
        assert scores[weak] < scores["Test drive"] - 25, weak


def test_tickets_go_through_the_whole_workflow(seeded):
    tickets = Ticket.objects.all()

    assert {Status.CLOSED, Status.OPEN} <= set(tickets.values_list("status", flat=True))
    assert tickets.filter(reopen_count__gt=0).exists()
    assert ExperienceSignal.objects.filter(kind="sla_breached").exists(), "no SLA breach"
    assert ExperienceSignal.objects.filter(kind="sla_met").exists(), "no SLA met"
    assert tickets.filter(first_contact_resolution=True).exists()
    assert TicketMessage.objects.filter(kind=MessageKind.REPLY).exists()
    assert TicketMessage.objects.filter(kind=MessageKind.NOTE).exists()


def test_everything_happens_within_the_period_before_today(seeded):
    anchor = DemoOptions().anchor()
    start = anchor - dt.timedelta(days=60)

    for model, field in ((Ticket, "created_at"), (TicketMessage, "created_at"), (Response, "answered_at"),
                         (ExperienceSignal, "occurred_at")):
        times = model.objects.values_list(field, flat=True)
        assert min(times) >= start, model.__name__
        assert max(times) < anchor, model.__name__


def test_the_same_seed_gives_the_same_data(db):
    seed("--seed", "7")
    first = fingerprint()

    seed("--seed", "7", "--reset")
    again = fingerprint()
    seed("--seed", "8", "--reset")
    other = fingerprint()

    assert first[1] and first[2]
    assert again == first
    assert other != first


def test_if_empty_does_nothing_when_a_program_exists(seeded):
    before = fingerprint()

    output = seed("--if-empty")

    assert "already there" in output
    assert fingerprint() == before
    assert Program.objects.count() == 1


def test_if_empty_builds_on_an_empty_database(db):
    output = seed("--if-empty")

    assert Program.objects.filter(name=DEMO_PROGRAM).exists()
    assert "Demo data ready" in output


def test_seeding_twice_without_reset_is_a_clear_error(seeded):
    with pytest.raises(CommandError, match="--reset"):
        seed()


def test_reset_rebuilds_the_demo_and_leaves_other_data_alone(seeded):
    # given data that is not part of the demo
    own_program = ProgramFactory(name="Our own program")
    own_touchpoint = TouchpointFactory(stage__journey__program=own_program)
    own_customer = CustomerFactory(external_id="CRM-1")
    demo_customers = set(Customer.objects.filter(external_id__startswith="DEMO-").values_list("pk", flat=True))

    # when the demo is reset
    seed("--reset")

    # then the demo is new and the rest is untouched
    assert Program.objects.filter(name=DEMO_PROGRAM).count() == 1
    assert not Customer.objects.filter(pk__in=demo_customers).exists()
    assert Touchpoint.objects.filter(pk=own_touchpoint.pk).exists()
    assert Customer.objects.filter(pk=own_customer.pk).exists()
    assert ScoreComponentDaily.objects.aggregate(n=Sum("signals"))["n"] == ExperienceSignal.objects.count()


def test_greek_vietnamese_and_persian_texts_are_stored_intact(seeded):
    known = {sentence.text: sentence.language for sentence in texts.SENTENCES}
    comments = Response.objects.exclude(comment="").select_related("customer")
    bodies = TicketMessage.objects.filter(kind=MessageKind.CUSTOMER, ticket__customer__language="fa")

    by_language: dict[str, int] = {}
    for response in comments:
        assert response.comment in known, response.comment
        assert known[response.comment] == response.customer.language == response.language
        by_language[response.language] = by_language.get(response.language, 0) + 1

    assert {"en", "el", "vi", "fa"} <= set(by_language)
    assert any(message.body in known for message in bodies)
    family_names = {
        "en": texts.ENGLISH_FAMILY, "el": texts.GREEK_FAMILY_MALE + texts.GREEK_FAMILY_FEMALE,
        "fa": texts.PERSIAN_FAMILY, "vi": texts.VIETNAMESE_FAMILY,
    }
    for customer in Customer.objects.all():
        family = customer.name.split()[0] if customer.language == "vi" else customer.name.split()[-1]
        assert family in family_names[customer.language], customer.name
    assert set(Customer.objects.values_list("language", flat=True)) == {"en", "el", "vi", "fa"}


def test_it_shows_progress_and_how_to_log_in(seeded):
    assert "[1] Teams and users" in seeded
    assert "Scores: recomputing" in seeded
    assert URL in seeded
    assert PASSWORD in seeded
    assert "manager" in seeded


def test_the_service_desk_runs_on_business_hour_policies_and_routing(seeded):
    from tickets.models import CannedResponse, RoutingRule, SlaPolicy

    tickets = Ticket.objects.all()
    assert SlaPolicy.objects.count() == 8 and RoutingRule.objects.exists() and CannedResponse.objects.exists()
    assert not tickets.filter(sla_policy__isnull=True).exists()
    assert not tickets.filter(category__isnull=True).exists()
    assert tickets.filter(resolution_code__isnull=False).exists()
    assert ExperienceSignal.objects.filter(kind="queue_wait").exists()

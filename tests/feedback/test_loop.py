"""The closed loop: low answers open routed follow-up tickets, resolution closes the loop, measures."""

from __future__ import annotations

import datetime as dt
import logging

import pytest
from django.core import mail
from django.utils import timezone

from feedback.choices import SurveyKind
from feedback.loop import BY_JOURNEY, BY_TOUCHPOINT, loop_measures
from feedback.models import Response
from feedback.services import response_submit
from feedback.themes import response_tag, theme_create
from journeys.models import ExperienceSignal
from journeys.selectors import Window
from tests.cxhub.factories import UserFactory
from tests.feedback.factories import make_survey
from tests.journeys.factories import CustomerFactory, StageFactory, TouchpointFactory
from tests.tickets.factories import make_ticket
from tickets.choices import MessageKind, Priority, Status
from tickets.models import RoutingRule
from tickets.services import ticket_assign, ticket_reopen, ticket_resolve

pytestmark = pytest.mark.django_db


@pytest.fixture
def owner_team(team):
    team.email = "desk@example.com"
    team.save()
    return team


def _answer(survey, customer, score, **kwargs) -> Response:
    return response_submit(survey=survey, customer=customer, score=score, **kwargs)


# --- Which answers open a follow-up ---------------------------------------------------------------------


@pytest.mark.parametrize("kind, score, opens", [
    (SurveyKind.NPS, 0, True), (SurveyKind.NPS, 6, True), (SurveyKind.NPS, 7, False), (SurveyKind.NPS, 10, False),
    (SurveyKind.CSAT, 1, True), (SurveyKind.CSAT, 2, True), (SurveyKind.CSAT, 3, False),
    (SurveyKind.CES, 1, True), (SurveyKind.CES, 2, True), (SurveyKind.CES, 3, False),
])
def test_it_opens_a_follow_up_only_for_low_answers(customer, touchpoint, kind, score, opens):
    answer = _answer(make_survey(kind=kind, touchpoint=touchpoint), customer, score)

    assert (answer.follow_up_ticket is not None) is opens
    if opens:
        assert answer.follow_up_ticket.priority == Priority.HIGH


def test_a_staff_survey_never_opens_a_follow_up(customer, touchpoint):
    from cxhub.exceptions import DomainError
    from tickets.models import Ticket

    survey = make_survey(kind=SurveyKind.NPS, touchpoint=touchpoint)
    survey.audience = "staff"
    survey.save()

    with pytest.raises(DomainError):  # staff answers are anonymous pulse answers, never responses
        _answer(survey, customer, 2)

    assert not Ticket.objects.exists()


# --- The loop end to end --------------------------------------------------------------------------------


def test_the_loop_runs_from_a_low_answer_to_a_closed_loop_with_its_time(
        customer, touchpoint, owner_team, other_team, agent, django_capture_on_commit_callbacks):
    # given: a routing rule that sends high-priority tickets of this touchpoint to Billing
    RoutingRule.objects.create(name="Escalations", touchpoint=touchpoint, priority=Priority.HIGH, team=other_team)
    survey = make_survey(kind=SurveyKind.NPS, touchpoint=touchpoint)
    answered = timezone.now() - dt.timedelta(hours=1)

    # when: a detractor answers
    with django_capture_on_commit_callbacks(execute=True):
        answer = _answer(survey, customer, 3, comment="Nobody called me back.", answered_at=answered)

    # then: a routed, high-priority ticket at the touchpoint, linked, with a note and an owner alert
    ticket = answer.follow_up_ticket
    assert ticket.priority == Priority.HIGH and ticket.team == other_team
    assert ticket.touchpoint == touchpoint and ticket.customer == customer
    assert ticket.subject == f"Follow up: NPS 3 at {touchpoint.name}"
    assert ticket.category.name == "Feedback follow-up"
    assert "Nobody called me back." in ticket.messages.get(kind=MessageKind.CUSTOMER).body
    note = ticket.messages.get(kind=MessageKind.NOTE)
    assert f"response #{answer.pk}" in note.body and f"/feedback/responses/{answer.pk}/" in note.body
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["desk@example.com"]
    assert f"#{ticket.pk}" in mail.outbox[0].subject and "Nobody called me back." in mail.outbox[0].body
    assert f"/tickets/{ticket.pk}/" in mail.outbox[0].body
    assert answer.loop_closed_at is None

    # when: the ticket is resolved two hours after the answer, and again after a reopen
    resolved = answered + dt.timedelta(hours=2)
    ticket_resolve(ticket=ticket, actor=agent, at=resolved)
    ticket_reopen(ticket=ticket, actor=agent, at=resolved + dt.timedelta(hours=1))
    ticket_resolve(ticket=ticket, actor=agent, at=resolved + dt.timedelta(hours=2))

    # then: the loop closed at the first resolution, and the measures show it
    answer.refresh_from_db()
    assert answer.loop_closed_at == resolved
    figures = loop_measures(window=Window.last(7), by=BY_TOUCHPOINT)
    assert [(f.label, f.detractors, f.opened, f.closed, f.median_hours) for f in figures] == [
        (touchpoint.name, 1, 1, 1, 2.0)]


def test_a_touchpoint_without_an_owner_e_mail_opens_the_ticket_and_logs_why_no_alert_went(
        customer, touchpoint, caplog, django_capture_on_commit_callbacks):
    survey = make_survey(kind=SurveyKind.CSAT, touchpoint=touchpoint)

    with caplog.at_level(logging.INFO, logger="feedback.loop"), django_capture_on_commit_callbacks(execute=True):
        answer = _answer(survey, customer, 1)

    assert answer.follow_up_ticket is not None
    assert mail.outbox == []
    assert "no e-mail" in caplog.text


def test_a_resolved_ticket_that_is_not_a_follow_up_closes_no_loop(customer, touchpoint, agent):
    survey = make_survey(kind=SurveyKind.CES, touchpoint=touchpoint)
    answer = _answer(survey, customer, 1)
    other = make_ticket(customer=customer, touchpoint=touchpoint)

    ticket_resolve(ticket=other, actor=agent)

    answer.refresh_from_db()
    assert answer.loop_closed_at is None and answer.follow_up_ticket.status == Status.NEW


# --- Frozen context -------------------------------------------------------------------------------------


def test_the_signal_freezes_assignee_team_sla_and_touchpoint_at_answer_time(
        customer, touchpoint, team, agent, other_agent, other_team):
    # given: a ticket handled by Bob of the service desk, resolved in time, then answered
    survey = make_survey(kind=SurveyKind.CSAT, touchpoint=touchpoint)
    ticket = make_ticket(customer=customer, touchpoint=touchpoint, team=team, assignee=agent)
    desk = team.pk
    ticket_resolve(ticket=ticket, actor=agent)
    response_submit(survey=survey, customer=customer, score=5, ticket=ticket)
    before = ExperienceSignal.objects.get(source="response").context

    # when: the ticket is reopened, moved to Charlie of Billing and to another touchpoint, resolved again
    ticket_reopen(ticket=ticket, actor=agent)
    ticket_assign(ticket=ticket, assignee=other_agent, team=other_team, actor=other_agent)
    ticket.touchpoint = TouchpointFactory()
    ticket.save(update_fields=["touchpoint"])
    ticket_resolve(ticket=ticket, actor=other_agent, at=timezone.now() + dt.timedelta(days=30))

    # then: the recorded context is what it was when the customer answered
    signal = ExperienceSignal.objects.get(source="response")
    assert signal.context == before
    assert {key: before[key] for key in ("ticket_assignee_id", "ticket_team_id", "ticket_touchpoint_id",
                                         "touchpoint_id", "ticket_sla", "ticket_status")} == {
        "ticket_assignee_id": agent.pk, "ticket_team_id": desk, "ticket_touchpoint_id": touchpoint.pk,
        "touchpoint_id": touchpoint.pk, "ticket_sla": "met", "ticket_status": "resolved",
    }
    assert desk != other_team.pk


def test_an_open_ticket_past_its_resolution_target_is_frozen_as_breached(customer, touchpoint):
    survey = make_survey(kind=SurveyKind.CSAT, touchpoint=touchpoint)
    long_ago = timezone.now() - dt.timedelta(days=30)
    ticket = make_ticket(customer=customer, touchpoint=touchpoint, at=long_ago)

    response_submit(survey=survey, customer=customer, score=2, ticket=ticket)
    fresh = make_ticket(customer=customer, touchpoint=touchpoint)
    response_submit(survey=survey, customer=customer, score=4, ticket=fresh)

    contexts = [s.context for s in ExperienceSignal.objects.filter(source="response").order_by("id")]
    assert [c["ticket_sla"] for c in contexts] == ["breached", "on_track"]


def test_each_response_records_its_signal_exactly_once(customer, touchpoint):
    survey = make_survey(kind=SurveyKind.NPS, touchpoint=touchpoint)

    first = _answer(survey, customer, 9)
    _answer(survey, customer, 9)

    assert ExperienceSignal.objects.filter(source="response").count() == 2
    assert ExperienceSignal.objects.filter(source="response", source_id=str(first.pk)).count() == 1


# --- Recovery -------------------------------------------------------------------------------------------


def test_recovery_counts_customers_whose_next_answer_of_the_same_kind_is_better(touchpoint):
    # given: one journey, two touchpoints in it
    second_place = TouchpointFactory(stage=StageFactory(journey=touchpoint.stage.journey))
    nps = make_survey(kind=SurveyKind.NPS, touchpoint=touchpoint)
    csat = make_survey(kind=SurveyKind.CSAT, touchpoint=touchpoint)
    now = timezone.now()
    day = dt.timedelta(days=1)
    ann, ben, cat, dan = (CustomerFactory(name=n) for n in ("Ann", "Ben", "Cat", "Dan"))
    # Ann: 3 then 8 at the touchpoint: recovered.
    _answer(nps, ann, 3, answered_at=now - 5 * day)
    _answer(nps, ann, 8, answered_at=now - 4 * day)
    # Ben: 5 then 4: not recovered (the next answer is not better, even though a later one is).
    _answer(nps, ben, 5, answered_at=now - 5 * day)
    _answer(nps, ben, 4, answered_at=now - 3 * day)
    _answer(nps, ben, 10, answered_at=now - 2 * day)
    # Cat: 2, then a CSAT of 5 (another kind), and no later NPS: not recovered.
    _answer(nps, cat, 2, answered_at=now - 5 * day)
    _answer(csat, cat, 5, answered_at=now - 4 * day)
    # Dan: 1 here, then 9 at the other touchpoint of the same journey: recovered only for the journey.
    _answer(nps, dan, 1, answered_at=now - 5 * day)
    _answer(nps, dan, 9, answered_at=now - 1 * day, touchpoint=second_place)

    # when
    by_touchpoint = {f.key: f for f in loop_measures(window=Window.last(7), by=BY_TOUCHPOINT)}
    by_journey = {f.key: f for f in loop_measures(window=Window.last(7), by=BY_JOURNEY)}

    # then
    here = by_touchpoint[touchpoint.pk]
    assert (here.detractors, here.low_customers, here.recovered, here.recovery_rate) == (5, 4, 1, 25.0)
    journey = by_journey[touchpoint.stage.journey_id]
    assert (journey.low_customers, journey.recovered, journey.recovery_rate) == (4, 2, 50.0)
    assert journey.opened == 5 and journey.closed == 0 and journey.median_hours is None


def test_low_answers_outside_the_window_are_not_counted(customer, touchpoint):
    survey = make_survey(kind=SurveyKind.NPS, touchpoint=touchpoint)
    _answer(survey, customer, 2, answered_at=timezone.now() - dt.timedelta(days=40))

    assert loop_measures(window=Window.last(30)) == []


# --- The loop page --------------------------------------------------------------------------------------

LOOP_PAGE = "/feedback/loop/"


def test_the_loop_page_shows_the_figures_by_touchpoint_and_journey(manager_client, customer, touchpoint):
    _answer(make_survey(kind=SurveyKind.NPS, touchpoint=touchpoint), customer, 2, comment="Awful wait")

    page = manager_client.get(LOOP_PAGE, {"window": "7"})

    html = page.content.decode()
    assert page.status_code == 200
    assert touchpoint.name in html and touchpoint.stage.journey.name in html
    assert f"Follow up: NPS 2 at {touchpoint.name}" in html  # listed among the open loops


@pytest.mark.parametrize("places", [1, 6])
def test_the_loop_page_runs_a_constant_number_of_queries(manager_client, touchpoint, places,
                                                         django_assert_max_num_queries):
    survey = make_survey(kind=SurveyKind.CSAT, touchpoint=touchpoint)
    for place in [touchpoint, *(TouchpointFactory() for _ in range(places - 1))]:
        for _ in range(3):
            answer = _answer(survey, CustomerFactory(), 1, touchpoint=place, comment="Too slow")
            response_tag(response=answer, theme=theme_create(name="Speed"))

    with django_assert_max_num_queries(17):
        page = manager_client.get(LOOP_PAGE)

    assert page.status_code == 200


def test_the_loop_page_needs_a_login_and_a_feedback_role(client, db):
    assert client.get(LOOP_PAGE).status_code == 302
    client.force_login(UserFactory(username="dave"))
    assert client.get(LOOP_PAGE).status_code == 403

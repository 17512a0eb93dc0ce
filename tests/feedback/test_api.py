from __future__ import annotations

import datetime as dt
import json

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from feedback.choices import SurveyKind
from feedback.models import Response, Survey
from feedback.services import response_submit
from journeys.models import ExperienceSignal
from tests.cxhub.factories import UserFactory
from tests.feedback.factories import make_survey
from tests.journeys.factories import CustomerFactory, TouchpointFactory
from tests.tickets.factories import make_ticket

pytestmark = pytest.mark.django_db

SURVEYS = "/api/v1/surveys/"
RESPONSES = "/api/v1/responses/"


@pytest.fixture
def outsider(db):
    """Dave has an account but no role."""
    return UserFactory(username="dave")


@pytest.fixture
def survey(touchpoint):
    return make_survey(kind=SurveyKind.CSAT, touchpoint=touchpoint)


def ids(response) -> list[int]:
    assert response.status_code == 200, response.json()
    return [row["id"] for row in response.json()["results"]]


def test_it_lists_and_shows_surveys_with_their_scale(api_client_for, agent, survey):
    nps = make_survey(kind=SurveyKind.NPS)
    api = api_client_for(agent)

    assert ids(api.get(SURVEYS + "?kind=nps")) == [nps.pk]
    detail = api.get(f"{SURVEYS}{survey.pk}/").json()
    assert (detail["kind"], detail["scale_min"], detail["scale_max"]) == ("csat", 1, 5)


def test_a_survey_is_neither_edited_in_place_nor_deleted(api_client_for, manager, survey):
    api = api_client_for(manager)

    patched = api.patch(f"{SURVEYS}{survey.pk}/", {"name": "Renamed", "kind": "nps"}, format="json")
    deleted = api.delete(f"{SURVEYS}{survey.pk}/")

    assert (patched.status_code, deleted.status_code) == (405, 405)
    survey.refresh_from_db()
    assert (survey.name, survey.kind) == ("CSAT survey", "csat")


# --- Submitting ----------------------------------------------------------------------------------------


def test_an_answer_is_stored_and_recorded_as_a_signal_on_the_surveys_touchpoint(
        api_client_for, agent, survey, customer, touchpoint):
    response = api_client_for(agent).post(
        RESPONSES, {"survey": survey.pk, "customer": customer.pk, "score": 4, "comment": "Πολύ καλά"},
        format="json")

    assert response.status_code == 201, response.json()
    stored = Response.objects.get()
    body = response.json()
    assert body["id"] == stored.pk and body["touchpoint"] == touchpoint.pk
    assert (body["score"], body["comment"], body["scale_max"]) == (4, "Πολύ καλά", 5)
    assert body["language"] == customer.language
    signal = ExperienceSignal.objects.get(source="response")
    assert (signal.kind, signal.value, signal.touchpoint) == ("csat_answer", 4, touchpoint)


def test_an_answer_about_a_ticket_is_scored_at_the_tickets_touchpoint(api_client_for, agent, customer):
    survey = make_survey(kind=SurveyKind.NPS)
    ticket = make_ticket(customer=customer, touchpoint=TouchpointFactory(name="Workshop"))
    answered = (timezone.now() - dt.timedelta(days=2)).replace(microsecond=0)

    response = api_client_for(agent).post(RESPONSES, {
        "survey": survey.pk, "customer": customer.pk, "score": 9, "ticket": ticket.pk, "language": "vi",
        "answered_at": answered.isoformat(),
    }, format="json")

    assert response.status_code == 201, response.json()
    stored = Response.objects.get()
    assert (stored.touchpoint.name, stored.ticket, stored.language) == ("Workshop", ticket, "vi")
    assert stored.answered_at == answered


@pytest.mark.parametrize("score", [0, 6, -1, 10**12])
def test_a_score_outside_the_surveys_scale_is_refused_on_that_field(api_client_for, agent, survey, customer,
                                                                    score):
    response = api_client_for(agent).post(
        RESPONSES, {"survey": survey.pk, "customer": customer.pk, "score": score}, format="json")

    assert response.status_code == 400
    assert response.json()["errors"]["score"] == ["The score must be from 1 to 5."]
    assert Response.objects.count() == 0 and ExperienceSignal.objects.count() == 0


@pytest.mark.parametrize("change, field", [
    ({"score": "five"}, "score"),
    ({"score": 4.5}, "score"),
    ({"score": True}, "score"),
    ({"score": None}, "score"),
    ({"survey": 999999}, "survey"),
    ({"survey": "CSAT survey"}, "survey"),
    ({"customer": 10**30}, "customer"),
    ({"touchpoint": 999999}, "touchpoint"),
    ({"ticket": "ZD-1"}, "ticket"),
    ({"language": "de"}, "language"),
    ({"answered_at": "last tuesday"}, "answered_at"),
    ({"comment": {"text": "nested"}}, "comment"),
])
def test_it_answers_bad_response_input_with_a_field_error_and_writes_nothing(
        api_client_for, agent, survey, customer, change, field):
    body = {"survey": survey.pk, "customer": customer.pk, "score": 4} | change

    response = api_client_for(agent).post(RESPONSES, body, format="json")

    assert response.status_code == 400
    assert field in response.json()["errors"]
    assert Response.objects.count() == 0 and ExperienceSignal.objects.count() == 0


def test_malformed_json_is_a_json_400(api_client_for, agent):
    response = api_client_for(agent).post(RESPONSES, '{"score": 4,', content_type="application/json")

    assert response.status_code == 400 and response.json()["detail"]
    assert Response.objects.count() == 0


def test_the_services_rules_answer_on_their_field(api_client_for, agent, customer):
    # given a closed survey, a survey with no touchpoint, and someone else's ticket
    closed = make_survey(touchpoint=TouchpointFactory())
    Survey.objects.filter(pk=closed.pk).update(is_active=False)
    nowhere = make_survey(kind=SurveyKind.CES)
    strangers_ticket = make_ticket(customer=CustomerFactory(), touchpoint=TouchpointFactory())
    api = api_client_for(agent)

    # when each is answered
    errors = {
        "survey": api.post(RESPONSES, {"survey": closed.pk, "customer": customer.pk, "score": 3},
                           format="json"),
        "touchpoint": api.post(RESPONSES, {"survey": nowhere.pk, "customer": customer.pk, "score": 3},
                               format="json"),
        "ticket": api.post(RESPONSES, {"survey": nowhere.pk, "customer": customer.pk, "score": 3,
                                       "ticket": strangers_ticket.pk}, format="json"),
    }

    # then each is a 400 naming the field, and nothing was written
    for field, response in errors.items():
        assert response.status_code == 400
        assert list(response.json()["errors"]) == [field]
    assert Response.objects.count() == 0 and ExperienceSignal.objects.count() == 0


# --- Listing -------------------------------------------------------------------------------------------


def test_it_filters_responses_by_survey_touchpoint_customer_ticket_and_answer_time(
        api_client_for, agent, survey, customer, touchpoint):
    now = timezone.now()
    other_tp = TouchpointFactory()
    ticket = make_ticket(customer=customer, touchpoint=touchpoint)
    recent = response_submit(survey=survey, customer=customer, score=5, ticket=ticket,
                             answered_at=now - dt.timedelta(days=1))
    older = response_submit(survey=survey, customer=CustomerFactory(), score=2,
                            answered_at=now - dt.timedelta(days=10))
    elsewhere = response_submit(survey=make_survey(kind=SurveyKind.NPS), customer=customer, score=8,
                                touchpoint=other_tp, answered_at=now - dt.timedelta(days=5))
    api = api_client_for(agent)

    assert ids(api.get(f"{RESPONSES}?survey={survey.pk}")) == [recent.pk, older.pk]
    assert ids(api.get(f"{RESPONSES}?touchpoint={other_tp.pk}")) == [elsewhere.pk]
    assert ids(api.get(f"{RESPONSES}?customer={customer.pk}")) == [recent.pk, elsewhere.pk]
    assert ids(api.get(f"{RESPONSES}?ticket={ticket.pk}")) == [recent.pk]
    after = (now - dt.timedelta(days=7)).strftime("%Y-%m-%dT%H:%M:%SZ")
    before = (now - dt.timedelta(days=3)).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert ids(api.get(f"{RESPONSES}?answered_after={after}")) == [recent.pk, elsewhere.pk]
    assert ids(api.get(f"{RESPONSES}?answered_after={after}&answered_before={before}")) == [elsewhere.pk]
    assert ids(api.get(f"{RESPONSES}?ordering=score")) == [older.pk, recent.pk, elsewhere.pk]


@pytest.mark.parametrize("query, field", [
    ("survey=999999", "survey"), ("customer=abc", "customer"), ("answered_after=soon", "answered"),
])
def test_it_refuses_a_filter_value_it_cannot_understand(api_client_for, agent, query, field):
    response = api_client_for(agent).get(f"{RESPONSES}?{query}")

    assert response.status_code == 400
    assert field in response.json()["errors"]


@pytest.mark.parametrize("size", [3, 30])
def test_the_response_list_runs_a_constant_number_of_queries(api_client_for, agent, survey, size,
                                                            django_assert_max_num_queries):
    for _ in range(size):
        response_submit(survey=survey, customer=CustomerFactory(), score=4)
    api = api_client_for(agent)

    with django_assert_max_num_queries(5):  # auth, page, the themes of the page; nothing counted
        listed = api.get(RESPONSES)
    with django_assert_max_num_queries(5):
        surveys = api.get(SURVEYS)

    assert len(listed.json()["results"]) == size and surveys.status_code == 200


# --- Who may do what -----------------------------------------------------------------------------------


@pytest.mark.parametrize("method, url", [
    ("get", SURVEYS), ("get", SURVEYS + "{survey}/"), ("get", RESPONSES), ("post", RESPONSES),
])
def test_anonymous_callers_are_refused_and_people_without_a_role_are_forbidden(
        api_client_for, outsider, survey, customer, method, url):
    url = url.format(survey=survey.pk)
    kwargs = {}
    if method == "post":
        kwargs = {"data": json.dumps({"survey": survey.pk, "customer": customer.pk, "score": 4}),
                  "content_type": "application/json"}

    anonymous = getattr(APIClient(), method)(url, **kwargs)
    roleless = getattr(api_client_for(outsider), method)(url, **kwargs)

    assert anonymous.status_code == 401
    assert roleless.status_code == 403
    assert Response.objects.count() == 0


def test_both_roles_may_record_an_answer(api_client_for, agent, manager, survey, customer):
    statuses = [
        api_client_for(user).post(RESPONSES, {"survey": survey.pk, "customer": customer.pk, "score": 5},
                                  format="json").status_code
        for user in (agent, manager)
    ]

    assert statuses == [201, 201]

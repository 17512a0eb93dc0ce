from __future__ import annotations

import pytest

from feedback.choices import Sentiment, SurveyKind
from feedback.loop import loop_close, loop_open
from feedback.models import Response, Theme
from feedback.services import response_submit
from feedback.services_surveys import survey_version_save
from tests.feedback.factories import make_survey
from tests.journeys.factories import CustomerFactory

pytestmark = pytest.mark.django_db

RESPONSES = "/api/v1/responses/"

DEFINITION = {
    "title": {"en": "After your visit"},
    "questions": [
        {"key": "csat", "kind": "rating", "primary": True, "required": True, "scale_min": 1, "scale_max": 5,
         "text": {"en": "How satisfied were you?"}},
        {"key": "channel", "kind": "single", "text": {"en": "How did you book?"},
         "choices": [{"key": "phone", "text": {"en": "Phone"}}, {"key": "web", "text": {"en": "Web"}}]},
    ],
}


@pytest.fixture
def survey(touchpoint):
    return make_survey(kind=SurveyKind.CSAT, touchpoint=touchpoint)


def ids(response) -> list[int]:
    assert response.status_code == 200, response.json()
    return [row["id"] for row in response.json()["results"]]


def test_an_answer_with_answers_to_the_other_questions_is_kept_with_its_version(api_client_for, agent, manager,
                                                                                survey, customer):
    survey_version_save(survey=survey, definition=DEFINITION, actor=manager)

    created = api_client_for(agent).post(RESPONSES, {
        "survey": survey.pk, "customer": customer.pk, "score": 5, "answers": {"channel": "web"}}, format="json")

    assert created.status_code == 201, created.json()
    body = created.json()
    assert (body["answers"], body["survey_version"]) == ({"channel": "web"}, 2)
    assert Response.objects.get().version.number == 2


def test_answers_must_be_an_object(api_client_for, agent, survey, customer):
    response = api_client_for(agent).post(RESPONSES, {
        "survey": survey.pk, "customer": customer.pk, "score": 5, "answers": ["web"]}, format="json")

    assert response.status_code == 400 and "answers" in response.json()["errors"]
    assert Response.objects.count() == 0


def test_the_detail_shows_answers_version_sentiment_themes_and_the_closed_loop(api_client_for, agent, survey,
                                                                               customer):
    # given a CSAT 1 whose follow-up ticket has been resolved, tagged with two themes
    answer = response_submit(survey=survey, customer=customer, score=1, comment="Waited an hour",
                             answers={"channel": "phone"})
    loop_open(response=answer)
    answer.refresh_from_db()
    loop_close(ticket=answer.follow_up_ticket)
    answer.themes.add(Theme.objects.create(name="Waiting time"), Theme.objects.create(name="Staff"))
    Response.objects.filter(pk=answer.pk).update(sentiment=Sentiment.NEGATIVE)

    # when an agent opens it
    body = api_client_for(agent).get(f"{RESPONSES}{answer.pk}/").json()

    # then everything the answer carries is there
    assert body["answers"] == {"channel": "phone"} and body["survey_version"] == 1
    assert (body["sentiment"], body["follow_up_ticket"]) == ("negative", answer.follow_up_ticket_id)
    assert body["loop_closed_at"] is not None
    assert [theme["name"] for theme in body["themes"]] == ["Staff", "Waiting time"]


def test_the_list_shows_themes_but_not_the_answers(api_client_for, agent, survey, customer):
    answer = response_submit(survey=survey, customer=customer, score=4, answers={"channel": "web"})
    answer.themes.add(Theme.objects.create(name="Price"))

    row = api_client_for(agent).get(RESPONSES).json()["results"][0]

    assert row["themes"] == [{"id": answer.themes.get().pk, "name": "Price"}]
    assert "answers" not in row


def test_it_filters_responses_by_band_sentiment_comment_and_kind(api_client_for, agent, survey, touchpoint):
    nps = make_survey(kind=SurveyKind.NPS, touchpoint=touchpoint)
    unhappy = response_submit(survey=survey, customer=CustomerFactory(), score=2, comment="Rude")
    happy = response_submit(survey=survey, customer=CustomerFactory(), score=5)
    promoter = response_submit(survey=nps, customer=CustomerFactory(), score=9, comment="Great")
    detractor = response_submit(survey=nps, customer=CustomerFactory(), score=6)
    Response.objects.filter(pk=unhappy.pk).update(sentiment=Sentiment.NEGATIVE)
    Response.objects.filter(pk=promoter.pk).update(sentiment=Sentiment.POSITIVE)
    api = api_client_for(agent)

    assert ids(api.get(f"{RESPONSES}?band=dissatisfied")) == [unhappy.pk]
    assert ids(api.get(f"{RESPONSES}?band=detractor")) == [detractor.pk]
    assert set(ids(api.get(f"{RESPONSES}?sentiment=positive"))) == {promoter.pk}
    assert set(ids(api.get(f"{RESPONSES}?has_comment=true"))) == {unhappy.pk, promoter.pk}
    assert set(ids(api.get(f"{RESPONSES}?has_comment=false"))) == {happy.pk, detractor.pk}
    assert set(ids(api.get(f"{RESPONSES}?kind=nps"))) == {promoter.pk, detractor.pk}


@pytest.mark.parametrize("query, field", [
    ("band=great", "band"),
    ("sentiment=angry", "sentiment"),
    pytest.param("customer=99999999999999999999999", "customer", marks=pytest.mark.xfail(
        strict=True, reason="cxhub.api.IdFilter takes any integer; the database cannot compare a "
                            "larger-than-64-bit one (a 500)")),
])
def test_a_response_filter_value_outside_its_choices_is_a_400(api_client_for, agent, query, field):
    response = api_client_for(agent).get(f"{RESPONSES}?{query}")

    assert response.status_code == 400
    assert field in response.json()["errors"]


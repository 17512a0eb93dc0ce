from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from feedback.choices import Sentiment, SurveyKind
from feedback.loop import loop_close, loop_open
from feedback.models import Response, Theme
from feedback.services import response_submit
from feedback.services_surveys import survey_version_save
from tests.cxhub.factories import UserFactory
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
    ("customer=99999999999999999999999", "customer"),
    ("customer=0", "customer"),
])
def test_a_response_filter_value_outside_its_choices_is_a_400(api_client_for, agent, query, field):
    response = api_client_for(agent).get(f"{RESPONSES}?{query}")

    assert response.status_code == 400
    assert field in response.json()["errors"]


# --- Themes --------------------------------------------------------------------------------------------

THEMES = "/api/v1/themes/"


def test_a_manager_tags_a_response_with_themes_and_removes_one(api_client_for, manager, survey, customer):
    answer = response_submit(survey=survey, customer=customer, score=2, comment="Slow and pricey")
    waiting, price = Theme.objects.create(name="Waiting time"), Theme.objects.create(name="Price")
    api = api_client_for(manager)
    url = f"{RESPONSES}{answer.pk}/themes/"

    first = api.post(url, {"theme": waiting.pk}, format="json")
    second = api.post(url, {"theme": price.pk}, format="json")
    again = api.post(url, {"theme": price.pk}, format="json")
    removed = api.delete(f"{url}{waiting.pk}/")
    not_there = api.delete(f"{url}{waiting.pk}/")

    assert (first.status_code, second.status_code, again.status_code) == (201, 201, 200)
    assert [t["name"] for t in again.json()["themes"]] == ["Price", "Waiting time"]
    assert (removed.status_code, not_there.status_code) == (204, 404)
    assert list(answer.themes.values_list("name", flat=True)) == ["Price"]


@pytest.mark.parametrize("body", [{"theme": 999999}, {"theme": "Price"}, {}, {"theme": 10**30}])
def test_tagging_with_a_theme_that_does_not_exist_is_a_field_error(api_client_for, manager, survey, customer,
                                                                  body):
    answer = response_submit(survey=survey, customer=customer, score=4)

    response = api_client_for(manager).post(f"{RESPONSES}{answer.pk}/themes/", body, format="json")

    assert response.status_code == 400 and "theme" in response.json()["errors"]
    assert answer.themes.count() == 0


def test_agents_see_themes_but_neither_tag_nor_make_them(api_client_for, agent, survey, customer):
    answer = response_submit(survey=survey, customer=customer, score=4)
    price = Theme.objects.create(name="Price")
    answer.themes.add(price)
    api = api_client_for(agent)

    assert api.get(THEMES).json()["results"] == [{"id": price.pk, "name": "Price"}]
    assert api.post(f"{RESPONSES}{answer.pk}/themes/", {"theme": price.pk}, format="json").status_code == 403
    assert api.delete(f"{RESPONSES}{answer.pk}/themes/{price.pk}/").status_code == 403
    assert api.post(THEMES, {"name": "Staff"}, format="json").status_code == 403
    assert list(answer.themes.all()) == [price] and Theme.objects.count() == 1


def test_a_manager_makes_a_theme_once_whatever_its_case_and_spacing(api_client_for, manager):
    api = api_client_for(manager)

    made = api.post(THEMES, {"name": "Waiting  time"}, format="json")
    same = api.post(THEMES, {"name": "waiting time"}, format="json")
    empty = api.post(THEMES, {"name": "   "}, format="json")

    assert (made.status_code, made.json()["name"]) == (201, "Waiting time")
    assert (same.status_code, same.json()["id"]) == (200, made.json()["id"])
    assert (empty.status_code, "name" in empty.json()["errors"]) == (400, True)
    assert Theme.objects.count() == 1


def test_anonymous_and_roleless_callers_cannot_touch_themes(api_client_for, survey, customer):
    answer = response_submit(survey=survey, customer=customer, score=4)
    price = Theme.objects.create(name="Price")
    clients = ((APIClient(), 401), (api_client_for(UserFactory(username="dave")), 403))

    for client, expected in clients:
        assert client.get(THEMES).status_code == expected
        assert client.post(THEMES, {"name": "Staff"}, format="json").status_code == expected
        assert client.post(f"{RESPONSES}{answer.pk}/themes/", {"theme": price.pk},
                           format="json").status_code == expected
    assert answer.themes.count() == 0 and Theme.objects.count() == 1

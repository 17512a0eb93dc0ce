from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from feedback.choices import SurveyKind
from feedback.models import Survey, SurveyVersion
from feedback.services_surveys import survey_version_save
from tests.cxhub.factories import UserFactory
from tests.feedback.factories import make_survey
from tests.journeys.factories import TouchpointFactory

pytestmark = pytest.mark.django_db

SURVEYS = "/api/v1/surveys/"


@pytest.fixture
def outsider(db):
    """Dave has an account but no role."""
    return UserFactory(username="dave")


@pytest.fixture
def survey(touchpoint):
    return make_survey(kind=SurveyKind.CSAT, touchpoint=touchpoint)


def csat_definition(*, extra: list[dict] | None = None, title: str = "After your visit") -> dict:
    return {
        "title": {"en": title, "el": "Μετά την επίσκεψή σας"},
        "questions": [
            {"key": "csat", "kind": "rating", "primary": True, "required": True, "scale_min": 1, "scale_max": 5,
             "text": {"en": "How satisfied were you?", "fa": "چقدر راضی بودید؟"}},
            *(extra or []),
        ],
    }


CHOICE = {"key": "channel", "kind": "single", "text": {"en": "How did you reach us?"},
          "choices": [{"key": "phone", "text": {"en": "Phone"}}, {"key": "web", "text": {"en": "Web"}}]}


# --- Reading -------------------------------------------------------------------------------------------


def test_a_survey_shows_its_current_versions_definition_and_number(api_client_for, agent, survey, manager):
    survey_version_save(survey=survey, definition=csat_definition(extra=[CHOICE]), actor=manager)

    body = api_client_for(agent).get(f"{SURVEYS}{survey.pk}/").json()

    assert body["version"] == 2
    assert [q["key"] for q in body["definition"]["questions"]] == ["csat", "channel"]
    assert body["definition"]["title"]["el"] == "Μετά την επίσκεψή σας"


@pytest.mark.parametrize("size", [3, 30])
def test_the_survey_list_runs_a_constant_number_of_queries(api_client_for, agent, manager, size,
                                                          django_assert_max_num_queries):
    for n in range(size):
        survey = make_survey(kind=SurveyKind.CSAT, name=f"Survey {n}")
        survey_version_save(survey=survey, definition=csat_definition(title=f"Title {n}"), actor=manager)
    api = api_client_for(agent)

    with django_assert_max_num_queries(5):
        listed = api.get(SURVEYS + "?page_size=100")

    rows = listed.json()["results"]
    assert len(rows) == size
    assert {row["definition"]["title"]["en"] for row in rows} == {f"Title {n}" for n in range(size)}


def test_the_version_history_lists_every_version_oldest_first_and_each_stays_as_it_was(
        api_client_for, agent, manager, survey):
    survey_version_save(survey=survey, definition=csat_definition(), actor=manager)
    survey_version_save(survey=survey, definition=csat_definition(extra=[CHOICE]), actor=manager)
    api = api_client_for(agent)

    history = api.get(f"{SURVEYS}{survey.pk}/versions/")
    first = api.get(f"{SURVEYS}{survey.pk}/versions/1/")
    second = api.get(f"{SURVEYS}{survey.pk}/versions/2/")

    assert history.status_code == 200
    assert [v["number"] for v in history.json()] == [1, 2, 3]
    assert [q["key"] for q in first.json()["definition"]["questions"]] == ["csat"]
    assert first.json()["definition"]["title"] == {"en": survey.name}
    assert second.json()["definition"]["title"]["en"] == "After your visit"
    assert second.json()["created_by"] == manager.pk


@pytest.mark.parametrize("path", ["versions/9/", "versions/99999999999999999999/", "versions/x/"])
def test_a_version_that_does_not_exist_is_a_json_404(api_client_for, agent, survey, path):
    response = api_client_for(agent).get(f"{SURVEYS}{survey.pk}/{path}")

    assert response.status_code == 404


def test_another_surveys_version_number_is_not_reachable_through_this_survey(api_client_for, agent, manager,
                                                                            survey):
    other = make_survey(kind=SurveyKind.NPS)
    nps = csat_definition()
    nps["questions"][0] |= {"key": "nps", "scale_min": 0, "scale_max": 10}
    survey_version_save(survey=other, definition=nps, actor=manager)

    assert api_client_for(agent).get(f"{SURVEYS}{survey.pk}/versions/2/").status_code == 404
    assert api_client_for(agent).get(f"{SURVEYS}{other.pk}/versions/2/").status_code == 200


# --- Creating and versioning ---------------------------------------------------------------------------


def test_a_manager_creates_a_survey_as_version_one(api_client_for, manager, touchpoint):
    response = api_client_for(manager).post(
        SURVEYS, {"name": "After the test drive", "kind": "nps", "touchpoint": touchpoint.pk}, format="json")

    assert response.status_code == 201, response.json()
    body = response.json()
    survey = Survey.objects.get()
    assert (body["id"], body["kind"], body["scale_min"], body["scale_max"]) == (survey.pk, "nps", 0, 10)
    assert body["version"] == 1 and body["definition"]["questions"][0]["primary"] is True
    assert SurveyVersion.objects.get().created_by == manager


@pytest.mark.parametrize("body, field", [
    ({"name": "X", "kind": "stars"}, "kind"),
    ({"name": "   ", "kind": "nps"}, "name"),
    ({"kind": "nps"}, "name"),
    ({"name": "X", "kind": "nps", "touchpoint": 10**20}, "touchpoint"),
    ({"name": "X", "kind": "nps", "touchpoint": "front desk"}, "touchpoint"),
    ({"name": "X", "kind": "nps", "audience": "everyone"}, "audience"),
])
def test_bad_survey_input_is_a_field_error_and_creates_nothing(api_client_for, manager, body, field):
    response = api_client_for(manager).post(SURVEYS, body, format="json")

    assert response.status_code == 400
    assert field in response.json()["errors"]
    assert Survey.objects.count() == 0 and SurveyVersion.objects.count() == 0


def test_a_survey_at_a_retired_touchpoint_is_refused_by_the_service(api_client_for, manager):
    retired = TouchpointFactory(is_active=False)

    response = api_client_for(manager).post(
        SURVEYS, {"name": "X", "kind": "ces", "touchpoint": retired.pk}, format="json")

    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["touchpoint"]
    assert Survey.objects.count() == 0


def test_a_manager_posts_a_new_version_which_becomes_current(api_client_for, manager, survey):
    api = api_client_for(manager)

    response = api.post(f"{SURVEYS}{survey.pk}/versions/", {"definition": csat_definition(extra=[CHOICE])},
                        format="json")

    assert response.status_code == 201, response.json()
    assert response.json()["number"] == 2
    assert api.get(f"{SURVEYS}{survey.pk}/").json()["version"] == 2
    assert SurveyVersion.objects.get(survey=survey, number=1).definition["questions"][0]["key"] == "csat"


def test_posting_the_current_definition_again_makes_no_new_version(api_client_for, manager, survey):
    api = api_client_for(manager)
    api.post(f"{SURVEYS}{survey.pk}/versions/", {"definition": csat_definition()}, format="json")

    again = api.post(f"{SURVEYS}{survey.pk}/versions/", {"definition": csat_definition()}, format="json")

    assert again.status_code == 200
    assert again.json()["number"] == 2
    assert SurveyVersion.objects.filter(survey=survey).count() == 2


@pytest.mark.parametrize("definition, field", [
    ("not a definition", "questions"),
    ({"title": {"en": "T"}, "questions": []}, "questions"),
    ({"title": {"en": "T"}, "questions": [{"key": "q", "kind": "text", "text": {"en": "Why?"}}]}, "questions"),
    (csat_definition() | {"title": {"de": "Titel"}}, "title"),
    ({"title": {"en": "T"}, "questions": [csat_definition()["questions"][0] | {"scale_max": 10}]},
     "questions.0.scale_min"),
    ({"title": {"en": "T"}, "questions": [csat_definition()["questions"][0], {"key": "csat", "kind": "text",
                                                                               "text": {"en": "Why?"}}]},
     "questions.1.key"),
])
def test_a_bad_definition_is_refused_on_its_field_and_the_survey_keeps_its_version(
        api_client_for, manager, survey, definition, field):
    response = api_client_for(manager).post(f"{SURVEYS}{survey.pk}/versions/", {"definition": definition},
                                            format="json")

    assert response.status_code == 400
    assert field in response.json()["errors"], response.json()
    survey.refresh_from_db()
    assert survey.version == 1 and SurveyVersion.objects.filter(survey=survey).count() == 1


def test_a_version_without_a_definition_is_a_field_error(api_client_for, manager, survey):
    response = api_client_for(manager).post(f"{SURVEYS}{survey.pk}/versions/", {}, format="json")

    assert response.status_code == 400 and "definition" in response.json()["errors"]


def test_a_manager_closes_and_reopens_a_survey(api_client_for, manager, survey):
    api = api_client_for(manager)

    closed = api.post(f"{SURVEYS}{survey.pk}/close/")
    again = api.post(f"{SURVEYS}{survey.pk}/close/")
    reopened = api.post(f"{SURVEYS}{survey.pk}/reopen/")

    assert (closed.status_code, closed.json()["is_active"]) == (200, False)
    assert (again.status_code, list(again.json()["errors"])) == (400, ["is_active"])
    assert (reopened.status_code, reopened.json()["is_active"]) == (200, True)
    survey.refresh_from_db()
    assert survey.is_active


# --- Who may do what -----------------------------------------------------------------------------------


@pytest.mark.parametrize("method, path", [
    ("get", ""), ("get", "{id}/"), ("get", "{id}/versions/"), ("get", "{id}/versions/1/"),
    ("post", ""), ("post", "{id}/versions/"), ("post", "{id}/close/"), ("post", "{id}/reopen/"),
])
def test_anonymous_callers_are_refused_and_people_without_a_role_are_forbidden(
        api_client_for, outsider, survey, method, path):
    url = SURVEYS + path.format(id=survey.pk)
    body = {"name": "X", "kind": "nps"} if path == "" else {"definition": csat_definition()}

    anonymous = getattr(APIClient(), method)(url, body, format="json")
    roleless = getattr(api_client_for(outsider), method)(url, body, format="json")

    assert anonymous.status_code == 401
    assert roleless.status_code == 403
    assert Survey.objects.count() == 1 and SurveyVersion.objects.count() == 1
    assert Survey.objects.get().is_active


def test_agents_read_surveys_and_their_history_but_neither_create_nor_version_them(api_client_for, agent,
                                                                                 survey):
    api = api_client_for(agent)

    assert api.get(f"{SURVEYS}{survey.pk}/versions/").status_code == 200
    assert api.get(f"{SURVEYS}{survey.pk}/versions/1/").status_code == 200
    assert api.post(SURVEYS, {"name": "X", "kind": "nps"}, format="json").status_code == 403
    assert api.post(f"{SURVEYS}{survey.pk}/versions/", {"definition": csat_definition()},
                    format="json").status_code == 403
    assert api.post(f"{SURVEYS}{survey.pk}/close/").status_code == 403
    assert Survey.objects.count() == 1 and SurveyVersion.objects.count() == 1
    assert Survey.objects.get().is_active

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from feedback.choices import SurveyKind
from feedback.models import FeedbackSettings, TicketSurveyRule
from tests.cxhub.factories import UserFactory
from tests.feedback.factories import make_survey

pytestmark = pytest.mark.django_db

SETTINGS = "/api/v1/feedback-settings/"
RULES = "/api/v1/ticket-survey-rules/"


@pytest.fixture
def outsider(db):
    """Dave has an account but no role."""
    return UserFactory(username="dave")


@pytest.fixture
def survey(touchpoint):
    return make_survey(kind=SurveyKind.CSAT, touchpoint=touchpoint)


# --- Feedback settings ---------------------------------------------------------------------------------


def test_a_manager_reads_and_changes_the_feedback_settings(api_client_for, manager):
    api = api_client_for(manager)

    before = api.get(SETTINGS)
    changed = api.patch(SETTINGS, {"contact_fatigue_days": 30}, format="json")

    assert before.status_code == 200
    assert before.json() == {"contact_fatigue_days": 14, "invitation_expiry_days": 14}
    assert changed.json() == {"contact_fatigue_days": 30, "invitation_expiry_days": 14}
    assert FeedbackSettings.current().contact_fatigue_days == 30


@pytest.mark.parametrize("body, field", [
    ({"contact_fatigue_days": -1}, "contact_fatigue_days"),
    ({"contact_fatigue_days": "two weeks"}, "contact_fatigue_days"),
    ({"contact_fatigue_days": 10**9}, "contact_fatigue_days"),
    ({"invitation_expiry_days": 0}, "invitation_expiry_days"),
    ({"invitation_expiry_days": None}, "invitation_expiry_days"),
])
def test_bad_settings_are_field_errors_and_change_nothing(api_client_for, manager, body, field):
    response = api_client_for(manager).patch(SETTINGS, {"contact_fatigue_days": 7} | body, format="json")

    assert response.status_code == 400
    assert field in response.json()["errors"]
    settings = FeedbackSettings.current()
    assert (settings.contact_fatigue_days, settings.invitation_expiry_days) == (14, 14)


def test_settings_are_neither_replaced_whole_nor_deleted(api_client_for, manager):
    FeedbackSettings.objects.create(pk=1, contact_fatigue_days=20)
    api = api_client_for(manager)

    put = api.put(SETTINGS, {"contact_fatigue_days": 1, "invitation_expiry_days": 1}, format="json")
    delete = api.delete(SETTINGS)

    assert put.status_code == 405
    assert delete.status_code == 403  # the role check comes first: nobody may delete feedback settings
    assert FeedbackSettings.objects.get().contact_fatigue_days == 20


@pytest.mark.parametrize("method", ["get", "patch"])
def test_only_managers_see_or_change_the_settings(api_client_for, outsider, agent, method):
    body = {"contact_fatigue_days": 1}

    statuses = [getattr(client, method)(SETTINGS, body, format="json").status_code
                for client in (APIClient(), api_client_for(outsider), api_client_for(agent))]

    assert statuses == [401, 403, 403]
    assert FeedbackSettings.current().contact_fatigue_days == 14


# --- Post-ticket survey rules --------------------------------------------------------------------------


def test_a_manager_creates_changes_lists_and_deletes_a_rule(api_client_for, manager, survey, team, touchpoint):
    api = api_client_for(manager)

    created = api.post(RULES, {"survey": survey.pk, "team": team.pk, "delay_minutes": 30}, format="json")
    rule_id = created.json()["id"]
    changed = api.patch(f"{RULES}{rule_id}/", {"touchpoint": touchpoint.pk, "is_active": False}, format="json")
    listed = api.get(f"{RULES}?is_active=false")
    deleted = api.delete(f"{RULES}{rule_id}/")

    assert created.status_code == 201, created.json()
    assert created.json() | {"id": 0} == {"id": 0, "survey": survey.pk, "team": team.pk, "touchpoint": None,
                                          "delay_minutes": 30, "position": 0, "is_active": True}
    assert (changed.json()["touchpoint"], changed.json()["is_active"]) == (touchpoint.pk, False)
    assert [row["id"] for row in listed.json()["results"]] == [rule_id]
    assert deleted.status_code == 204 and TicketSurveyRule.objects.count() == 0


@pytest.mark.parametrize("change, field", [
    ({"survey": 999999}, "survey"),
    ({"survey": None}, "survey"),
    ({"team": "Billing"}, "team"),
    ({"touchpoint": 10**20}, "touchpoint"),
    ({"delay_minutes": -5}, "delay_minutes"),
    ({"delay_minutes": 10**7}, "delay_minutes"),
    ({"position": "first"}, "position"),
])
def test_a_bad_rule_is_a_field_error_and_saves_nothing(api_client_for, manager, survey, change, field):
    response = api_client_for(manager).post(RULES, {"survey": survey.pk} | change, format="json")

    assert response.status_code == 400
    assert field in response.json()["errors"]
    assert TicketSurveyRule.objects.count() == 0


@pytest.mark.parametrize("size", [3, 30])
def test_the_rule_list_runs_a_constant_number_of_queries(api_client_for, manager, survey, size,
                                                        django_assert_max_num_queries):
    TicketSurveyRule.objects.bulk_create(TicketSurveyRule(survey=survey, position=n) for n in range(size))
    api = api_client_for(manager)

    with django_assert_max_num_queries(5):
        listed = api.get(RULES + "?page_size=100")

    assert len(listed.json()["results"]) == size


def test_rules_follow_the_roles_table_anonymous_roleless_and_agents_are_kept_out(
        api_client_for, outsider, agent, survey):
    # cxhub.roles gives support agents no permission on ticket survey rules
    rule = TicketSurveyRule.objects.create(survey=survey)

    for client, expected in ((APIClient(), 401), (api_client_for(outsider), 403), (api_client_for(agent), 403)):
        assert client.get(RULES).status_code == expected
        assert client.get(f"{RULES}{rule.pk}/").status_code == expected
        assert client.post(RULES, {"survey": survey.pk}, format="json").status_code == expected
        assert client.delete(f"{RULES}{rule.pk}/").status_code == expected
    assert TicketSurveyRule.objects.count() == 1

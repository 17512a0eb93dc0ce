"""The service desk's configuration in the API: who may read and change it, and what it refuses."""

from __future__ import annotations

import datetime as dt

import pytest
from rest_framework.test import APIClient

from tests.cxhub.factories import TeamFactory, UserFactory
from tests.tickets.factories import make_ticket
from tickets.choices import CustomFieldKind, Priority
from tickets.models import (
    BusinessCalendar,
    BusinessHours,
    Category,
    CustomField,
    Holiday,
    ResolutionCode,
    RoutingRule,
    SlaPolicy,
    Tag,
    TeamRouting,
)
from tickets.services import ticket_classify, ticket_set_custom_fields

pytestmark = pytest.mark.django_db

API = "/api/v1/"


@pytest.fixture
def outsider(db):
    return UserFactory(username="dave")


@pytest.fixture
def calendar(db):
    calendar = BusinessCalendar.objects.create(name="Athens office", time_zone="Europe/Athens")
    BusinessHours.objects.create(calendar=calendar, weekday=0, opens=dt.time(9), closes=dt.time(17))
    return calendar


def make_one(kind: str, n: int, team) -> object:
    """One configuration entry of each kind, `n` making names unique."""
    if kind == "categories":
        return Category.objects.create(name=f"Category {n}")
    if kind == "resolution-codes":
        return ResolutionCode.objects.create(name=f"Code {n}")
    if kind == "tags":
        return Tag.objects.create(name=f"tag {n}")
    if kind == "custom-fields":
        return CustomField.objects.create(key=f"f{n}", label=f"Field {n}", kind=CustomFieldKind.CHOICE,
                                          choices=["a", "b"])
    if kind == "business-calendars":
        calendar = BusinessCalendar.objects.create(name=f"Calendar {n}")
        BusinessHours.objects.create(calendar=calendar, weekday=n % 7, opens=dt.time(8), closes=dt.time(12))
        Holiday.objects.create(calendar=calendar, date=dt.date(2026, 1, 1), name="New year")
        return calendar
    if kind == "sla-policies":
        return SlaPolicy.objects.create(name=f"Policy {n}", priority=Priority.HIGH, position=n, team=team,
                                        calendar=BusinessCalendar.objects.get_or_create(name="Shared")[0],
                                        first_response_minutes=60, next_response_minutes=120,
                                        resolution_minutes=480)
    if kind == "routing-rules":
        return RoutingRule.objects.create(name=f"Rule {n}", position=n, team=team, keywords="brake, noise")
    if kind == "team-routing":
        return TeamRouting.objects.create(team=TeamFactory(name=f"Routed team {n}"), mode="round_robin")
    raise AssertionError(kind)


CONFIG = ["categories", "resolution-codes", "tags", "custom-fields", "business-calendars", "sla-policies",
          "routing-rules", "team-routing"]
# What a support agent may read (cxhub.roles): everything but the teams' routing modes.
AGENT_READS = set(CONFIG) - {"team-routing"}


@pytest.mark.parametrize("kind", CONFIG)
def test_configuration_is_for_people_with_a_role(api_client_for, agent, manager, outsider, team, kind):
    make_one(kind, 1, team)

    assert APIClient().get(f"{API}{kind}/").status_code == 401
    assert api_client_for(outsider).get(f"{API}{kind}/").status_code == 403
    assert len(api_client_for(manager).get(f"{API}{kind}/").json()["results"]) == 1
    assert api_client_for(agent).get(f"{API}{kind}/").status_code == (200 if kind in AGENT_READS else 403)


@pytest.mark.parametrize("kind", sorted(set(CONFIG) - {"tags"}))
def test_agents_cannot_change_configuration(api_client_for, agent, team, kind):
    entry = make_one(kind, 1, team)
    key = entry.team_id if kind == "team-routing" else entry.pk
    api = api_client_for(agent)

    responses = [api.post(f"{API}{kind}/", {"name": "New"}, format="json"),
                 api.patch(f"{API}{kind}/{key}/", {"name": "Renamed"}, format="json"),
                 api.delete(f"{API}{kind}/{key}/")]

    assert [r.status_code for r in responses] == [403, 403, 403]
    assert type(entry).objects.count() == 1


@pytest.mark.parametrize("kind", CONFIG)
@pytest.mark.parametrize("size", [3, 30])
def test_configuration_lists_run_a_constant_number_of_queries(api_client_for, manager, team, kind, size,
                                                              django_assert_max_num_queries):
    for n in range(size):
        make_one(kind, n, team)
    api = api_client_for(manager)

    # token, the caller's permissions (2), page, and for calendars their hours and holidays; nothing counted
    with django_assert_max_num_queries(6):
        response = api.get(f"{API}{kind}/?page_size=100")

    assert len(response.json()["results"]) == size


# --- Categories, resolution codes, tags ------------------------------------------------------------------


@pytest.mark.parametrize("kind, model", [("categories", Category), ("resolution-codes", ResolutionCode)])
def test_a_manager_keeps_the_labels(api_client_for, manager, kind, model):
    api = api_client_for(manager)

    created = api.post(f"{API}{kind}/", {"name": "Delivery"}, format="json")
    pk = created.json()["id"]
    duplicate = api.post(f"{API}{kind}/", {"name": "Delivery"}, format="json")
    blank = api.post(f"{API}{kind}/", {"name": ""}, format="json")
    retired = api.patch(f"{API}{kind}/{pk}/", {"is_active": False}, format="json")

    assert created.status_code == 201 and created.json()["is_active"] is True
    assert duplicate.status_code == 400 and "name" in duplicate.json()["errors"]
    assert blank.status_code == 400 and "name" in blank.json()["errors"]
    assert retired.status_code == 200 and retired.json()["is_active"] is False
    assert len(api.get(f"{API}{kind}/?is_active=false").json()["results"]) == 1
    assert api.delete(f"{API}{kind}/{pk}/").status_code == 204
    assert not model.objects.exists()


def test_a_label_tickets_use_cannot_be_deleted_only_retired(api_client_for, manager, agent, team):
    billing, fixed = Category.objects.create(name="Billing"), ResolutionCode.objects.create(name="Fixed")
    ticket_classify(ticket=make_ticket(), actor=agent, category=billing, resolution_code=fixed, tags=["vip"])
    RoutingRule.objects.create(name="Billing desk", team=team, category=billing)
    api = api_client_for(manager)

    responses = {path: api.delete(path) for path in (
        f"{API}categories/{billing.pk}/", f"{API}resolution-codes/{fixed.pk}/",
        f"{API}tags/{Tag.objects.get().pk}/")}

    assert {path: r.status_code for path, r in responses.items()} == dict.fromkeys(responses, 409)
    assert responses[f"{API}categories/{billing.pk}/"].json()["detail"] == (
        "In use by 1 tickets and 1 routing rules; it cannot be deleted. Set is_active to false to retire it.")
    assert (Category.objects.count(), ResolutionCode.objects.count(), Tag.objects.count()) == (1, 1, 1)


def test_an_agent_may_add_a_tag_spelled_as_on_tickets_but_not_rename_or_delete_one(api_client_for, agent):
    api = api_client_for(agent)

    created = api.post(f"{API}tags/", {"name": "  Recall   2026 "}, format="json")
    again = api.post(f"{API}tags/", {"name": "RECALL 2026"}, format="json")
    bad = api.post(f"{API}tags/", {"name": "no/slashes"}, format="json")
    pk = created.json()["id"]

    assert created.status_code == 201 and created.json()["name"] == "recall 2026"
    assert again.status_code == 400 and again.json()["errors"]["name"] == ["There is a tag 'recall 2026' already."]
    assert bad.status_code == 400 and "name" in bad.json()["errors"]
    assert api.patch(f"{API}tags/{pk}/", {"name": "other"}, format="json").status_code == 403
    assert api.delete(f"{API}tags/{pk}/").status_code == 403
    assert list(Tag.objects.values_list("name", flat=True)) == ["recall 2026"]


# --- Custom fields -------------------------------------------------------------------------------------


def test_a_manager_defines_a_choice_field(api_client_for, manager):
    response = api_client_for(manager).post(f"{API}custom-fields/", {
        "key": "model", "label": "Model", "kind": "choice", "choices": ["Corsa", "Astra"], "position": 2,
    }, format="json")

    assert response.status_code == 201, response.json()
    field = CustomField.objects.get()
    assert (field.key, field.kind, field.choices, field.is_active) == ("model", "choice", ["Corsa", "Astra"], True)


@pytest.mark.parametrize("body, field", [
    ({"kind": "date"}, "kind"),
    ({"kind": "choice"}, "choices"),
    ({"kind": "choice", "choices": []}, "choices"),
    ({"kind": "choice", "choices": ["a", "a"]}, "choices"),
    ({"kind": "choice", "choices": "a,b"}, "choices"),
    ({"kind": "choice", "choices": [["a"]]}, "choices"),
    ({"kind": "text", "choices": ["a"]}, "choices"),
    ({"key": "has space"}, "key"),
    ({"key": ""}, "key"),
    ({"label": ""}, "label"),
    ({"position": -1}, "position"),
])
def test_a_custom_field_that_makes_no_sense_is_a_400(api_client_for, manager, body, field):
    response = api_client_for(manager).post(
        f"{API}custom-fields/", {"key": "vin", "label": "VIN", "kind": "text"} | body, format="json")

    assert response.status_code == 400, response.json()
    assert field in response.json()["errors"]
    assert not CustomField.objects.exists()


def test_a_custom_field_with_values_on_tickets_keeps_its_key_and_cannot_be_deleted(api_client_for, manager,
                                                                                 agent):
    vin = CustomField.objects.create(key="vin", label="VIN")
    ticket_set_custom_fields(ticket=make_ticket(), values={"vin": "WVW1"}, actor=agent)
    api = api_client_for(manager)

    renamed = api.patch(f"{API}custom-fields/{vin.pk}/", {"key": "chassis"}, format="json")
    relabelled = api.patch(f"{API}custom-fields/{vin.pk}/", {"label": "Chassis number"}, format="json")
    deleted = api.delete(f"{API}custom-fields/{vin.pk}/")

    assert renamed.status_code == 400 and "key" in renamed.json()["errors"]
    assert relabelled.status_code == 200
    assert deleted.status_code == 409
    vin.refresh_from_db()
    assert (vin.key, vin.label) == ("vin", "Chassis number")


def test_a_choice_field_cannot_lose_its_choices_by_a_patch(api_client_for, manager):
    model = CustomField.objects.create(key="model", label="Model", kind="choice", choices=["Corsa"])

    response = api_client_for(manager).patch(f"{API}custom-fields/{model.pk}/", {"choices": []}, format="json")

    assert response.status_code == 400 and "choices" in response.json()["errors"]


# --- Business calendars --------------------------------------------------------------------------------


def test_a_manager_sets_up_a_calendar_with_hours_and_holidays(api_client_for, manager):
    response = api_client_for(manager).post(f"{API}business-calendars/", {
        "name": "Athens", "time_zone": "Europe/Athens",
        "hours": [{"weekday": 0, "opens": "13:00", "closes": "17:00"},
                  {"weekday": 0, "opens": "09:00", "closes": "12:30"}],
        "holidays": [{"date": "2026-03-25", "name": "Independence Day"}],
    }, format="json")

    assert response.status_code == 201, response.json()
    assert response.json()["hours"] == [{"weekday": 0, "opens": "09:00:00", "closes": "12:30:00"},
                                        {"weekday": 0, "opens": "13:00:00", "closes": "17:00:00"}]
    calendar = BusinessCalendar.objects.get()
    assert calendar.time_zone == "Europe/Athens" and calendar.hours.count() == 2
    assert calendar.holidays.get().date == dt.date(2026, 3, 25)


@pytest.mark.parametrize("change, field", [
    ({"time_zone": "Europe/Atlantis"}, "time_zone"),
    ({"time_zone": "../../etc/passwd"}, "time_zone"),
    ({"time_zone": ""}, "time_zone"),
    ({"hours": [{"weekday": 1, "opens": "17:00", "closes": "09:00"}]}, "hours"),
    ({"hours": [{"weekday": 1, "opens": "09:00", "closes": "09:00"}]}, "hours"),
    ({"hours": [{"weekday": 7, "opens": "09:00", "closes": "17:00"}]}, "hours"),
    ({"hours": [{"weekday": 1, "opens": "25:00", "closes": "26:00"}]}, "hours"),
    ({"hours": [{"weekday": 1, "opens": "09:00"}]}, "hours"),
    ({"hours": [{"weekday": 1, "opens": "09:00", "closes": "13:00"},
                {"weekday": 1, "opens": "12:00", "closes": "17:00"}]}, "hours"),
    ({"holidays": [{"date": "2026-12-25", "name": "Christmas"}, {"date": "2026-12-25", "name": "Again"}]},
     "holidays"),
    ({"holidays": [{"date": "25/12/2026", "name": "Christmas"}]}, "holidays"),
    ({"hours": "weekdays"}, "hours"),
])
def test_a_calendar_that_cannot_run_a_clock_is_a_400_and_nothing_is_saved(api_client_for, manager, change,
                                                                        field):
    body = {"name": "Athens", "time_zone": "Europe/Athens",
            "hours": [{"weekday": 0, "opens": "09:00", "closes": "17:00"}]} | change

    response = api_client_for(manager).post(f"{API}business-calendars/", body, format="json")

    assert response.status_code == 400, response.json()
    assert field in response.json()["errors"]
    assert not BusinessCalendar.objects.exists() and not BusinessHours.objects.exists()


def test_sending_hours_replaces_them_and_leaving_them_out_keeps_them(api_client_for, manager, calendar):
    Holiday.objects.create(calendar=calendar, date=dt.date(2026, 8, 15), name="Assumption")
    api = api_client_for(manager)
    url = f"{API}business-calendars/{calendar.pk}/"

    renamed = api.patch(url, {"name": "Athens HQ"}, format="json")
    replaced = api.patch(url, {"hours": [{"weekday": 4, "opens": "10:00", "closes": "14:00"}]}, format="json")
    bad = api.patch(url, {"hours": [{"weekday": 4}], "holidays": []}, format="json")

    assert renamed.status_code == 200 and len(renamed.json()["hours"]) == 1
    assert replaced.status_code == 200
    assert replaced.json()["hours"] == [{"weekday": 4, "opens": "10:00:00", "closes": "14:00:00"}]
    assert replaced.json()["holidays"] == [{"date": "2026-08-15", "name": "Assumption"}]
    assert bad.status_code == 400 and "hours" in bad.json()["errors"]
    assert calendar.holidays.count() == 1 and calendar.hours.get().weekday == 4


def test_a_calendar_an_sla_policy_runs_on_cannot_be_deleted(api_client_for, manager, calendar):
    SlaPolicy.objects.create(name="Urgent", priority=Priority.URGENT, calendar=calendar,
                             first_response_minutes=30, next_response_minutes=60, resolution_minutes=240)

    response = api_client_for(manager).delete(f"{API}business-calendars/{calendar.pk}/")

    assert response.status_code == 409
    assert response.json()["detail"].startswith("In use by 1 sla policies")
    assert BusinessCalendar.objects.filter(pk=calendar.pk).exists()


# --- SLA policies and routing --------------------------------------------------------------------------


def test_a_manager_sets_sla_targets(api_client_for, manager, calendar, team):
    response = api_client_for(manager).post(f"{API}sla-policies/", {
        "name": "Urgent service desk", "priority": "urgent", "team": team.pk, "channel": "phone",
        "calendar": calendar.pk, "first_response_minutes": 30, "next_response_minutes": 60,
        "resolution_minutes": 240, "at_risk_percent": 75,
    }, format="json")

    assert response.status_code == 201, response.json()
    policy = SlaPolicy.objects.get()
    assert (policy.team, policy.calendar, policy.resolution_minutes, policy.at_risk_percent) == (
        team, calendar, 240, 75)


@pytest.mark.parametrize("change, field", [
    ({"first_response_minutes": 0}, "first_response_minutes"),
    ({"resolution_minutes": -5}, "resolution_minutes"),
    ({"resolution_minutes": 10**12}, "resolution_minutes"),
    ({"at_risk_percent": 100}, "at_risk_percent"),
    ({"priority": "soon"}, "priority"),
    ({"calendar": None}, "calendar"),
    ({"calendar": 999999}, "calendar"),
    ({"team": 999999}, "team"),
    ({"channel": "pigeon"}, "channel"),
])
def test_sla_targets_that_make_no_sense_are_a_400(api_client_for, manager, calendar, change, field):
    body = {"name": "P", "priority": "high", "calendar": calendar.pk, "first_response_minutes": 30,
            "next_response_minutes": 60, "resolution_minutes": 240} | change

    response = api_client_for(manager).post(f"{API}sla-policies/", body, format="json")

    assert response.status_code == 400, response.json()
    assert field in response.json()["errors"]
    assert not SlaPolicy.objects.exists()


def test_a_manager_writes_a_routing_rule(api_client_for, manager, team, touchpoint):
    billing = Category.objects.create(name="Billing")

    response = api_client_for(manager).post(f"{API}routing-rules/", {
        "name": "Brakes to the workshop", "position": 1, "channel": "phone", "category": billing.pk,
        "touchpoint": touchpoint.pk, "segment": "fleet", "keywords": "brake, φρένα", "team": team.pk,
        "set_priority": "high",
    }, format="json")

    assert response.status_code == 201, response.json()
    rule = RoutingRule.objects.get()
    assert (rule.team, rule.category, rule.set_priority, rule.priority) == (team, billing, "high", "")


@pytest.mark.parametrize("change, field", [
    ({"team": None}, "team"), ({"team": 999999}, "team"), ({"set_priority": "asap"}, "set_priority"),
    ({"keywords": "x" * 301}, "keywords"), ({"category": "Billing"}, "category"),
])
def test_a_routing_rule_that_cannot_route_is_a_400(api_client_for, manager, team, change, field):
    response = api_client_for(manager).post(
        f"{API}routing-rules/", {"name": "R", "team": team.pk} | change, format="json")

    assert response.status_code == 400 and field in response.json()["errors"]
    assert not RoutingRule.objects.exists()


def test_a_manager_sets_a_teams_routing_mode_by_team_id(api_client_for, manager, team, other_team):
    api = api_client_for(manager)

    created = api.post(f"{API}team-routing/", {"team": team.pk, "mode": "round_robin"}, format="json")
    twice = api.post(f"{API}team-routing/", {"team": team.pk, "mode": "least_open"}, format="json")
    changed = api.patch(f"{API}team-routing/{team.pk}/", {"mode": "least_open"}, format="json")
    unknown = api.patch(f"{API}team-routing/{team.pk}/", {"mode": "lottery"}, format="json")

    assert created.status_code == 201
    assert twice.status_code == 400 and "team" in twice.json()["errors"]
    assert changed.status_code == 200 and changed.json() == {"team": team.pk, "mode": "least_open"}
    assert unknown.status_code == 400 and "mode" in unknown.json()["errors"]
    assert api.get(f"{API}team-routing/{other_team.pk}/").status_code == 404
    assert TeamRouting.objects.get().mode == "least_open"


@pytest.mark.parametrize("query, field", [
    ("sla-policies/?team=abc", "team"), ("sla-policies/?priority=soon", "priority"),
    ("routing-rules/?team=999999", "team"),
])
def test_a_configuration_filter_it_cannot_understand_is_a_400(api_client_for, manager, query, field):
    response = api_client_for(manager).get(f"{API}{query}")

    assert response.status_code == 400
    assert field in response.json()["errors"]

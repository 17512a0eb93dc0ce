"""The service desk's configuration snapshot: read once per process, read again after any change, never
kept past a change rolled back."""

from __future__ import annotations

import datetime as dt
import zoneinfo

import pytest
from django.db import transaction

from cxhub.models import Team
from tests.tickets.factories import make_ticket
from tickets.choices import AssignmentMode, Priority
from tickets.models import BusinessCalendar, BusinessHours, RoutingRule, SlaPolicy, TeamRouting
from tickets.services.desk_config import desk_config

pytestmark = pytest.mark.django_db

ATHENS = zoneinfo.ZoneInfo("Europe/Athens")
FRIDAY_EVENING = dt.datetime(2026, 11, 20, 19, 0, tzinfo=ATHENS)
API = "/api/v1/"


def test_an_unchanged_configuration_costs_one_query_of_one_row(django_assert_num_queries, team):
    held = desk_config()

    with django_assert_num_queries(1):
        again = desk_config()

    assert again is held


def test_a_rule_added_after_tickets_were_routed_routes_the_next_ticket(touchpoint, team, other_team):
    first = make_ticket(touchpoint=touchpoint, subject="Λάθος χρέωση")
    RoutingRule.objects.create(name="Billing words", team=other_team, keywords="χρέωση")

    second = make_ticket(touchpoint=touchpoint, subject="Λάθος χρέωση")

    assert (first.team, second.team) == (team, other_team)
    assert second.routing_rule.name == "Billing words"


def test_a_team_switched_to_round_robin_hands_out_the_next_ticket(touchpoint, team, agent):
    before = make_ticket(touchpoint=touchpoint)
    TeamRouting.objects.create(team=team, mode=AssignmentMode.ROUND_ROBIN)

    after = make_ticket(touchpoint=touchpoint)

    assert before.assignee is None and after.assignee == agent


def test_a_change_rolled_back_is_forgotten_though_another_change_follows(touchpoint, team, other_team):
    third_team = Team.objects.create(name="Πωλήσεις")
    with transaction.atomic():
        RoutingRule.objects.create(name="Rolled back", team=other_team)
        inside = make_ticket(touchpoint=touchpoint)
        transaction.set_rollback(True)
    RoutingRule.objects.create(name="Kept", team=third_team)

    after = make_ticket(touchpoint=touchpoint)

    assert inside.team == other_team
    assert after.team == third_team and after.routing_rule.name == "Kept"


def test_hours_replaced_through_the_api_move_the_next_tickets_due_time(api_client_for, manager, touchpoint):
    calendar = BusinessCalendar.objects.create(name="Athens office", time_zone="Europe/Athens")
    for weekday in range(5):
        BusinessHours.objects.create(calendar=calendar, weekday=weekday, opens=dt.time(9), closes=dt.time(17))
    SlaPolicy.objects.create(name="Normal", priority=Priority.NORMAL, calendar=calendar, first_response_minutes=60,
                             next_response_minutes=120, resolution_minutes=480)
    before = make_ticket(touchpoint=touchpoint, at=FRIDAY_EVENING)

    # Saturday opens too (hours are replaced by a bulk write, which sends no signal of its own)
    hours = [{"weekday": day, "opens": "09:00", "closes": "17:00"} for day in range(6)]
    response = api_client_for(manager).patch(f"{API}business-calendars/{calendar.pk}/", {"hours": hours},
                                             format="json")
    after = make_ticket(touchpoint=touchpoint, at=FRIDAY_EVENING)

    assert response.status_code == 200, response.json()
    assert before.first_response_due_at == dt.datetime(2026, 11, 23, 10, 0, tzinfo=ATHENS)  # Monday
    assert after.first_response_due_at == dt.datetime(2026, 11, 21, 10, 0, tzinfo=ATHENS)  # Saturday

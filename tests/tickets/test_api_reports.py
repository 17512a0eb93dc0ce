"""The service report in the API: the report page's figures, its parameters and who may read it."""

from __future__ import annotations

import datetime as dt
from urllib.parse import urlsplit

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from tests.cxhub.factories import TeamFactory, UserFactory
from tests.tickets.factories import make_ticket
from tickets.reports import ReportWindow, service_report
from tickets.services import ticket_reopen, ticket_reply, ticket_resolve

pytestmark = pytest.mark.django_db

REPORT = "/api/v1/reports/tickets/"


def ago(days: float = 0, hours: float = 0) -> dt.datetime:
    return timezone.now() - dt.timedelta(days=days, hours=hours)


@pytest.fixture
def desk(team, other_team, agent):
    """A week of work: the service desk's tickets in several states, one of Billing's, one without a team."""
    start = ago(days=2)
    answered = make_ticket(team=team, at=start)  # answered in an hour, resolved in three
    ticket_reply(ticket=answered, author=agent, body="On it.", at=start + dt.timedelta(hours=1))
    ticket_resolve(ticket=answered, actor=agent, at=start + dt.timedelta(hours=3))
    make_ticket(team=team, at=ago(days=3))  # still new
    bounced = make_ticket(team=team, at=ago(days=3))  # resolved in a day, then reopened
    ticket_resolve(ticket=bounced, actor=agent, at=bounced.created_at + dt.timedelta(hours=24))
    ticket_reopen(ticket=bounced, actor=agent, at=ago(days=1))
    make_ticket(team=other_team, at=ago(days=1))
    make_ticket(at=ago(days=1))
    old = make_ticket(team=team, at=ago(days=40))  # only in the 90-day window
    ticket_resolve(ticket=old, actor=agent, at=ago(days=39))


def test_it_gives_the_report_pages_figures_by_team(api_client_for, manager, desk, team):
    response = api_client_for(manager).get(REPORT, {"window": 7, "by": "team"})

    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["by"] == "team" and body["window"]["days"] == 7
    assert body["window"]["end"] == timezone.localdate().isoformat()
    assert [row["label"] for row in body["rows"]] == ["Billing", "Service desk", "No team"]
    desk_row = body["rows"][1]
    assert desk_row["group"] == team.pk and body["rows"][2]["group"] is None
    assert (desk_row["created"], desk_row["open_now"], desk_row["responded"], desk_row["resolved"]) == (3, 2, 1, 2)
    assert (desk_row["fcr"], desk_row["reopened"]) == (1, 1)
    assert desk_row["reopen_rate"] == pytest.approx(50.0)
    assert desk_row["first_response_median_hours"] == pytest.approx(1.0)
    assert desk_row["resolution_median_hours"] == pytest.approx(13.5)
    assert body["total"]["label"] == "All tickets" and body["total"]["created"] == 5
    assert body["rows"][0]["sla_rate"] is None  # Billing resolved nothing: no rate rather than 0 %


def test_it_agrees_with_the_report_page_for_every_grouping_and_window(api_client_for, manager, desk):
    api = api_client_for(manager)

    for by in ("team", "agent", "channel", "touchpoint"):
        for days in (7, 30, 90, 365):
            expected = service_report(window=ReportWindow.last(days), by=by)
            body = api.get(REPORT, {"window": days, "by": by}).json()
            for row, shown in zip(expected.all_rows, [*body["rows"], body["total"]], strict=True):
                assert shown["label"] == row.label
                assert [shown[f] for f in ("created", "open_now", "open_at_end", "resolved", "sla_met")] == [
                    row.created, row.open_now, row.open_at_end, row.resolved, row.sla_met]
                assert shown["page_links"] == row.links


def test_a_custom_range_counts_only_its_days(api_client_for, agent, desk):
    today = timezone.localdate()
    first = today - dt.timedelta(days=45)

    body = api_client_for(agent).get(REPORT, {"from": first.isoformat(),
                                              "to": (first + dt.timedelta(days=9)).isoformat()}).json()

    assert (body["window"]["start"], body["window"]["days"]) == (first.isoformat(), 10)
    assert body["total"]["created"] == 1 and body["total"]["resolved"] == 1


def test_without_parameters_it_is_thirty_days_by_team(api_client_for, agent, desk):
    body = api_client_for(agent).get(REPORT).json()

    assert (body["window"]["days"], body["by"]) == (30, "team")


def test_every_count_links_to_the_api_list_of_exactly_those_tickets(api_client_for, agent, desk, team):
    api = api_client_for(agent)
    body = api.get(REPORT, {"window": 7}).json()

    for row in [*body["rows"], body["total"]]:
        for figure in ("created", "open_now", "open_at_end", "responded", "resolved", "sla_met", "fcr", "reopened"):
            link = urlsplit(row["tickets"][figure])
            assert link.path == "/api/v1/tickets/"
            listed = api.get(f"{link.path}?{link.query}&page_size=200")
            assert listed.status_code == 200, (figure, listed.json())
            assert len(listed.json()["results"]) == row[figure], (row["label"], figure)


@pytest.mark.parametrize("query, field", [
    ({"window": 14}, "window"), ({"window": "month"}, "window"), ({"by": "customer"}, "by"),
    ({"from": "2026-01-01"}, "to"), ({"to": "2026-01-01"}, "from"),
    ({"from": "2026-02-01", "to": "2026-01-01"}, "to"), ({"from": "1.1.2026", "to": "2026-01-31"}, "from"),
    ({"from": "2000-01-01", "to": "2026-01-01"}, "to"),
    ({"window": 7, "from": "2026-01-01", "to": "2026-01-31"}, "window"),
])
def test_a_parameter_it_cannot_use_is_a_400_not_a_silent_default(api_client_for, agent, query, field):
    response = api_client_for(agent).get(REPORT, query)

    assert response.status_code == 400
    assert field in response.json()["errors"]


def test_the_report_is_for_people_who_see_tickets(api_client_for):
    assert APIClient().get(REPORT).status_code == 401
    assert api_client_for(UserFactory(username="dave")).get(REPORT).status_code == 403


@pytest.mark.parametrize("size", [3, 30])
def test_the_report_runs_a_constant_number_of_queries(api_client_for, manager, agent, size,
                                                    django_assert_max_num_queries):
    for n in range(size):
        ticket = make_ticket(team=TeamFactory(name=f"Team {n}"), at=ago(days=2))
        ticket_reply(ticket=ticket, author=agent, body="On it.", at=ago(days=1))
        ticket_resolve(ticket=ticket, actor=agent, at=ago(hours=n + 1))
    api = api_client_for(manager)

    # token, the caller's permissions (2), the grouped figures, the total, and on SQLite the durations
    with django_assert_max_num_queries(6):
        response = api.get(REPORT, {"window": 7, "by": "team"})

    assert len(response.json()["rows"]) == size
    assert response.json()["total"]["resolved"] == size

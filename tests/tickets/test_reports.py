from __future__ import annotations

import datetime as dt
import statistics
from urllib.parse import urlsplit

import pytest
from django.db import connection
from django.http import QueryDict
from django.urls import reverse
from django.utils import timezone

from tests.cxhub.factories import TeamFactory, UserFactory
from tests.journeys.factories import CustomerFactory
from tests.tickets.factories import make_ticket
from tickets.choices import Status
from tickets.filters import TicketFilterSet
from tickets.models import Ticket
from tickets.reports import COUNTS, ReportWindow, percentile_cont, service_report
from tickets.services import (
    ticket_assign,
    ticket_change_status,
    ticket_merge,
    ticket_reopen,
    ticket_reply,
    ticket_resolve,
)

pytestmark = pytest.mark.django_db


def ago(days: float = 0, hours: float = 0) -> dt.datetime:
    return timezone.now() - dt.timedelta(days=days, hours=hours)


def row_for(report, label):
    return next(r for r in report.rows if r.label == label)


@pytest.fixture
def desk(team, other_team, agent):
    """A week of work: the service desk's tickets in every state, one of Billing's, one without a team."""
    start = ago(days=2)
    answered = make_ticket(team=team, at=start)  # answered in an hour, resolved in three
    ticket_reply(ticket=answered, author=agent, body="On it.", at=start + dt.timedelta(hours=1))
    ticket_resolve(ticket=answered, actor=agent, at=start + dt.timedelta(hours=3))
    waiting = make_ticket(team=team, at=ago(days=3))  # still new
    old = make_ticket(team=team, at=ago(days=20))  # created long before the window, resolved in it, late
    ticket_resolve(ticket=old, actor=agent, at=ago(days=1))
    bounced = make_ticket(team=team, at=ago(days=3))  # resolved, then reopened by the customer
    ticket_resolve(ticket=bounced, actor=agent, at=bounced.created_at + dt.timedelta(hours=24))
    ticket_reopen(ticket=bounced, actor=agent, at=ago(days=1))
    billing = make_ticket(team=other_team, at=ago(days=1))
    loose = make_ticket(at=ago(days=1))
    return {"answered": answered, "waiting": waiting, "old": old, "bounced": bounced, "billing": billing,
            "loose": loose}


# --- the figures --------------------------------------------------------------------------------------


def test_it_counts_every_figure_per_team_and_in_total(desk):
    report = service_report(window=ReportWindow.last(7), by="team")

    assert [r.label for r in report.rows] == ["Billing", "Service desk", "No team"]
    desk_row = row_for(report, "Service desk")
    assert (desk_row.created, desk_row.open_now, desk_row.open_at_end) == (3, 2, 2)
    assert (desk_row.responded, desk_row.resolved) == (1, 3)
    assert (desk_row.sla_met, desk_row.fcr, desk_row.reopened) == (2, 2, 1)
    assert desk_row.sla_rate == pytest.approx(200 / 3)
    assert desk_row.reopen_rate == pytest.approx(100 / 3)
    assert desk_row.frt_median == pytest.approx(1.0)
    total = report.total
    assert (total.created, total.open_now, total.resolved) == (5, 4, 3)
    assert row_for(report, "No team").created == 1


def test_it_measures_resolution_to_the_first_resolution(desk):
    report = service_report(window=ReportWindow.last(7), by="team")

    desk_row = row_for(report, "Service desk")
    # answered: 3 h; bounced: 24 h; old: 19 days
    assert desk_row.resolution_median == pytest.approx(24.0)
    hours = sorted([3.0, 24.0, 19 * 24.0])
    assert desk_row.resolution_p90 == pytest.approx(percentile_cont(hours, 0.9), abs=0.01)


def test_it_leaves_out_tickets_the_window_does_not_touch(team, agent):
    done = make_ticket(team=team, at=ago(days=60))
    ticket_resolve(ticket=done, actor=agent, at=ago(days=59))

    report = service_report(window=ReportWindow.last(7), by="team")

    assert report.is_empty and report.total.created == 0 and report.total.frt_median is None


def test_it_groups_by_agent_channel_and_touchpoint(team, agent, touchpoint):
    mine = make_ticket(team=team, channel="phone", touchpoint=touchpoint, at=ago(days=1))
    ticket_assign(ticket=mine, assignee=agent, actor=agent)
    make_ticket(team=team, channel="chat", at=ago(days=1))

    by_agent = service_report(window=ReportWindow.last(7), by="agent")
    by_channel = service_report(window=ReportWindow.last(7), by="channel")
    by_touchpoint = service_report(window=ReportWindow.last(7), by="touchpoint")

    assert [(r.label, r.created) for r in by_agent.rows] == [("Bob", 1), ("Unassigned", 1)]
    assert [(r.label, r.created) for r in by_channel.rows] == [("Chat", 1), ("Phone", 1)]
    assert [(r.label, r.created) for r in by_touchpoint.rows] == [("Test drive", 1), ("No touchpoint", 1)]


def test_it_knows_what_was_open_at_the_end_of_a_past_window(team, agent, customer):
    # given tickets whose state at the end of a window 30 days ago differs from their state now
    resolved_since = make_ticket(team=team, at=ago(days=50))  # open then, resolved 20 days ago
    ticket_resolve(ticket=resolved_since, actor=agent, at=ago(days=20))
    resolved_then = make_ticket(team=team, at=ago(days=50))  # resolved before the end, reopened after
    ticket_resolve(ticket=resolved_then, actor=agent, at=ago(days=40))
    ticket_reopen(ticket=resolved_then, actor=agent, at=ago(days=10))
    reopened_then = make_ticket(team=team, at=ago(days=50))  # resolved, reopened before the end, open
    ticket_resolve(ticket=reopened_then, actor=agent, at=ago(days=45))
    ticket_reopen(ticket=reopened_then, actor=agent, at=ago(days=40))
    closed_then = make_ticket(team=team, at=ago(days=50))
    ticket_resolve(ticket=closed_then, actor=agent, at=ago(days=48))
    ticket_change_status(ticket=closed_then, status=Status.CLOSED, actor=agent, at=ago(days=47))
    kept = make_ticket(team=team, customer=customer, at=ago(days=50))
    merged_later = make_ticket(team=team, customer=customer, at=ago(days=50))  # open then, merged since
    ticket_merge(duplicate=merged_later, into=kept, actor=agent, at=ago(days=5))
    make_ticket(team=team, at=ago(days=10))  # created after the end

    # when the report covers the 30 days that ended 30 days ago
    end = timezone.localdate() - dt.timedelta(days=30)
    report = service_report(window=ReportWindow(end - dt.timedelta(days=29), end), by="team")

    # then the backlog at the end holds exactly the tickets open then
    open_then = {resolved_since.pk, reopened_then.pk, kept.pk, merged_later.pk}
    assert report.total.open_at_end == len(open_then)
    link = report.total.links["open_at_end"]
    if "open_at" in TicketFilterSet.base_filters:
        assert set(_list_ids(link)) == open_then


def test_percentiles_match_a_python_reference_on_this_database(team, other_team, agent):
    # given response times spread unevenly over two teams (ties and odd and even counts included)
    minutes = {team: [5, 17, 17, 30, 44, 90, 91, 240, 600, 1440], other_team: [1, 2, 3, 1000, 7, 7, 59]}
    for group, values in minutes.items():
        for i, m in enumerate(values):
            created = ago(days=4, hours=i)
            ticket = make_ticket(team=group, at=created)
            ticket_reply(ticket=ticket, author=agent, body="Hello", at=created + dt.timedelta(minutes=m))
            ticket_resolve(ticket=ticket, actor=agent, at=created + dt.timedelta(minutes=m * 3 + 1))

    # when the report runs on whichever database the suite is configured with
    report = service_report(window=ReportWindow.last(30), by="team")

    # then median and p90 are those of the reference definitions (statistics' inclusive method is
    # linear interpolation between closest ranks, as PostgreSQL's percentile_cont)
    for group, values in minutes.items():
        row = row_for(report, group.name)
        hours = [m / 60 for m in values]
        resolution = [(m * 3 + 1) / 60 for m in values]
        assert row.frt_median == pytest.approx(statistics.median(hours))
        assert row.frt_p90 == pytest.approx(statistics.quantiles(hours, n=10, method="inclusive")[-1])
        assert row.resolution_median == pytest.approx(statistics.median(resolution))
        assert row.resolution_p90 == pytest.approx(statistics.quantiles(resolution, n=10, method="inclusive")[-1])
    everything = [m / 60 for values in minutes.values() for m in values]
    assert report.total.frt_median == pytest.approx(statistics.median(everything))
    assert report.total.frt_p90 == pytest.approx(statistics.quantiles(everything, n=10, method="inclusive")[-1])
    assert connection.vendor in {"postgresql", "sqlite"}


def test_the_python_percentile_interpolates_like_percentile_cont():
    assert percentile_cont([], 0.5) is None
    assert percentile_cont([7.0], 0.9) == 7.0
    assert percentile_cont([1.0, 2.0, 3.0, 4.0], 0.5) == 2.5
    assert percentile_cont([10.0, 0.0, 20.0, 30.0, 40.0], 0.9) == pytest.approx(36.0)


# --- drill-down ---------------------------------------------------------------------------------------


def _list_ids(link: str) -> list[int]:
    params = QueryDict(urlsplit(link).query)
    filterset = TicketFilterSet(params, queryset=Ticket.objects.all(), request=None)
    assert filterset.is_valid(), filterset.errors
    return list(filterset.qs.values_list("pk", flat=True))


def _takes_null(name: str) -> bool:
    return bool(TicketFilterSet.base_filters[name].extra.get("null_label"))


def test_every_figure_links_to_the_list_of_the_tickets_it_counts(desk):
    report = service_report(window=ReportWindow.last(7), by="team")

    checked = []
    for row in report.all_rows:
        for figure in COUNTS:
            link = row.links[figure]
            assert link.startswith(reverse("tickets:list") + "?queue=all")
            names = set(QueryDict(urlsplit(link).query).keys())
            if not names <= set(TicketFilterSet.base_filters):
                continue  # a parameter the list does not filter on yet (see the report's notes)
            if "null" in QueryDict(urlsplit(link).query).getlist("team") and not _takes_null("team"):
                continue  # "no team" is not a list filter yet either
            assert len(_list_ids(link)) == getattr(row, figure), (row.label, figure, link)
            checked.append(figure)
    assert {"created", "open_now", "resolved", "sla_met", "fcr", "reopened"} <= set(checked)


def test_the_links_name_the_group_and_the_window(desk, team):
    report = service_report(window=ReportWindow.last(7), by="team")
    first, last = report.window.start.isoformat(), report.window.end.isoformat()

    desk_row = row_for(report, "Service desk")
    no_team = row_for(report, "No team")

    assert f"team={team.pk}" in desk_row.links["created"]
    assert f"created_after={first}&created_before={last}" in desk_row.links["created"]
    assert "status=new&status=open&status=pending" in desk_row.links["open_now"]
    assert f"open_at={last}" in desk_row.links["open_at_end"]
    assert f"responded_after={first}&responded_before={last}" in desk_row.links["responded"]
    assert desk_row.links["sla_met"].endswith(f"resolved_after={first}&resolved_before={last}&sla=met")
    assert desk_row.links["fcr"].endswith("fcr=true") and desk_row.links["reopened"].endswith("reopened=true")
    assert "team=null" in no_team.links["created"]
    assert "team=" not in report.total.links["created"]


# --- the page -----------------------------------------------------------------------------------------


def test_it_asks_anonymous_visitors_to_log_in(client):
    response = client.get(reverse("tickets:reports"))

    assert response.status_code == 302 and response.url.startswith(reverse("login"))


def test_it_forbids_a_user_without_a_role(client):
    client.force_login(UserFactory(username="dora"))

    assert client.get(reverse("tickets:reports")).status_code == 403


def test_the_page_shows_a_row_per_group_and_a_total_with_links(manager_client, desk):
    response = manager_client.get(reverse("tickets:reports"), {"window": 7, "by": "team"})

    assert response.status_code == 200
    html = response.content.decode()
    for label in ("Service desk", "Billing", "No team", "All tickets"):
        assert label in html
    assert response.context["report"].total.links["created"].replace("&", "&amp;") in html
    assert "66.7%" in html  # the service desk's SLA attainment


def test_the_page_has_an_empty_state(manager_client):
    response = manager_client.get(reverse("tickets:reports"))

    assert response.status_code == 200
    assert "No tickets in this window" in response.content.decode()


def test_the_page_takes_a_custom_date_range(manager_client, team, agent):
    ticket = make_ticket(team=team, at=timezone.make_aware(dt.datetime(2026, 3, 10, 12)))
    ticket_resolve(ticket=ticket, actor=agent, at=timezone.make_aware(dt.datetime(2026, 3, 11, 12)))

    response = manager_client.get(reverse("tickets:reports"), {"from": "2026-03-01", "to": "2026-03-31",
                                                               "by": "team"})

    report = response.context["report"]
    assert (report.window.start, report.window.end) == (dt.date(2026, 3, 1), dt.date(2026, 3, 31))
    assert report.total.created == 1 and report.total.resolution_median == pytest.approx(24.0)


@pytest.mark.parametrize("params, error", [
    ({"from": "2026-03-31", "to": "2026-03-01"}, "The range ends before it starts."),
    ({"from": "2026-03-01"}, "Give both ends of the date range."),
    ({"from": "2000-01-01", "to": "2026-03-01"}, "Choose at most"),
    ({"from": "yesterday", "to": "2026-03-01"}, "Enter a valid date."),
    ({"window": "12"}, "Select a valid choice."),
    ({"by": "mood"}, "Select a valid choice."),
])
def test_bad_input_falls_back_to_the_default_and_says_why(manager_client, params, error):
    response = manager_client.get(reverse("tickets:reports"), params)

    assert response.status_code == 400
    assert error in response.content.decode()
    assert response.context["report"].window.days == 30 and response.context["report"].grouping.key == "team"


def _teams_with_tickets(count: int, agent) -> None:
    for i in range(count):
        group = TeamFactory(name=f"Team {i:02}")
        ticket = make_ticket(team=group, customer=CustomerFactory(), at=ago(days=2))
        ticket_reply(ticket=ticket, author=agent, body="Hello", at=ago(days=1))
        ticket_resolve(ticket=ticket, actor=agent, at=ago(hours=3))
        make_ticket(team=group, at=ago(days=1))


@pytest.mark.parametrize("by", ["team", "agent", "channel", "touchpoint"])
def test_the_page_runs_the_same_number_of_queries_for_3_or_30_teams(
        manager_client, agent, django_assert_max_num_queries, by):
    _teams_with_tickets(3, agent)
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as few:
        manager_client.get(reverse("tickets:reports"), {"by": by})
    _teams_with_tickets(27, agent)

    with django_assert_max_num_queries(len(few)):
        response = manager_client.get(reverse("tickets:reports"), {"by": by})
    assert response.context["report"].total.created == 60
    assert len(few) <= 8, [q["sql"][:120] for q in few.captured_queries]

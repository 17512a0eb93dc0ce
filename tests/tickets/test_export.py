from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from cxhub.csv_export import ROWS_PER_WRITE, safe_cell
from tests.cxhub.factories import TeamFactory, UserFactory
from tests.journeys.factories import CustomerFactory
from tests.tickets.factories import make_ticket
from tickets.export import COLUMNS
from tickets.models import Ticket
from tickets.services import ticket_assign, ticket_reopen, ticket_reply, ticket_resolve

pytestmark = pytest.mark.django_db


def download(client, **params) -> tuple[object, list[dict[str, str]]]:
    response = client.get(reverse("tickets:export"), {"queue": "all", **params})
    assert response.status_code == 200, response.content
    body = b"".join(response.streaming_content)
    assert body.startswith("\ufeff".encode())  # the BOM spreadsheets need to read UTF-8
    return response, list(csv.DictReader(io.StringIO(body.decode("utf-8-sig"))))


def test_it_asks_anonymous_visitors_to_log_in(client):
    response = client.get(reverse("tickets:export"))

    assert response.status_code == 302 and response.url.startswith(reverse("login"))


def test_it_forbids_a_user_without_a_role(client):
    client.force_login(UserFactory(username="dora"))

    assert client.get(reverse("tickets:export")).status_code == 403


def test_it_streams_a_csv_with_a_row_per_ticket_in_every_script(agent_client, agent, team, touchpoint):
    # given tickets from customers writing Greek, Vietnamese and Persian
    names = ["Νίκος Παπαδόπουλος", "Nguyễn Thị Hương", "سارا احمدی"]
    for name in names:
        make_ticket(customer=CustomerFactory(name=name, external_id=f"CRM-{name[:2]}"),
                    subject=f"Πρόβλημα — {name}", team=team, touchpoint=touchpoint)

    # when an agent exports the list
    response, rows = download(agent_client)

    # then it streams as an attachment, with the columns in order and the text intact
    assert response.streaming is True
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="tickets-')
    assert list(rows[0]) == list(COLUMNS)
    assert sorted(r["customer"] for r in rows) == sorted(names)
    assert {r["team"] for r in rows} == {team.name} and {r["touchpoint"] for r in rows} == {touchpoint.name}
    assert all(r["subject"].startswith("Πρόβλημα — ") for r in rows)


def test_it_writes_times_in_iso_and_sla_and_fcr_as_yes_or_no(agent_client, agent):
    # given an answered ticket resolved in time, one resolved late, and one open and not yet due
    now = timezone.now()
    quick = make_ticket(at=now - dt.timedelta(hours=5))
    ticket_reply(ticket=quick, author=agent, body="Done.", at=now - dt.timedelta(hours=4))
    ticket_resolve(ticket=quick, actor=agent, at=now - dt.timedelta(hours=3))
    late = make_ticket(at=now - dt.timedelta(days=30))
    ticket_resolve(ticket=late, actor=agent, at=now - dt.timedelta(days=1))
    ticket_reopen(ticket=late, actor=agent)
    fresh = make_ticket()

    _, rows = download(agent_client)

    by_id = {int(r["id"]): r for r in rows}
    assert (by_id[quick.pk]["sla_met"], by_id[quick.pk]["fcr"]) == ("yes", "yes")
    assert (by_id[late.pk]["sla_met"], by_id[late.pk]["fcr"]) == ("no", "no")
    assert by_id[late.pk]["reopen_count"] == "1"
    assert (by_id[fresh.pk]["sla_met"], by_id[fresh.pk]["fcr"]) == ("", "no")
    quick.refresh_from_db()
    assert dt.datetime.fromisoformat(by_id[quick.pk]["first_response_at"]) == quick.first_response_at.replace(
        microsecond=0)
    assert dt.datetime.fromisoformat(by_id[quick.pk]["created_at"]).tzinfo is not None
    assert by_id[fresh.pk]["resolved_at"] == ""


@pytest.mark.parametrize("text", ["=HYPERLINK(\"http://evil.example\")", "+1+1", "-2+3", "@SUM(A1)"])
def test_it_defuses_cells_a_spreadsheet_would_run_as_formulas(agent_client, text):
    make_ticket(subject=text, customer=CustomerFactory(name=text))

    _, rows = download(agent_client)

    assert rows[0]["subject"] == "'" + text and rows[0]["customer"] == "'" + text


def test_safe_cell_leaves_ordinary_values_alone():
    assert safe_cell("Rattle at 50 km/h") == "Rattle at 50 km/h"
    assert safe_cell(-3) == -3  # numbers are written as numbers
    assert safe_cell("") == ""


def test_it_exports_the_tickets_the_list_filters_select(manager_client, agent, team, other_team):
    # given tickets of two teams, in several states and months
    mine = make_ticket(team=team, subject="Brakes squeal", at=timezone.now() - dt.timedelta(days=3))
    ticket_assign(ticket=mine, assignee=agent, actor=agent)
    done = make_ticket(team=team, subject="Brakes again", at=timezone.now() - dt.timedelta(days=3))
    ticket_resolve(ticket=done, actor=agent)
    make_ticket(team=other_team, subject="Invoice twice", at=timezone.now() - dt.timedelta(days=3))
    make_ticket(team=team, subject="Old brakes", at=timezone.now() - dt.timedelta(days=90))
    today = timezone.localdate()
    week_ago = (today - dt.timedelta(days=7)).isoformat()

    def ids(**params: object) -> set[int]:
        return {int(r["id"]) for r in download(manager_client, **params)[1]}

    # then each filter narrows the file as it narrows the list
    assert ids(team=team.pk, created_after=week_ago, created_before=today.isoformat()) == {mine.pk, done.pk}
    assert ids(status=["new", "open"], team=team.pk, created_after=week_ago) == {mine.pk}
    assert ids(assignee=agent.pk) == {mine.pk}
    assert ids(q="brakes", created_after=week_ago) == {mine.pk, done.pk}
    assert ids(priority="normal", channel="email", team=other_team.pk) == {
        t.pk for t in Ticket.objects.filter(team=other_team)}


def test_without_a_queue_it_exports_the_lists_default_all_open(agent_client, agent):
    open_ticket = make_ticket()
    resolved = make_ticket()
    ticket_resolve(ticket=resolved, actor=agent)

    response = agent_client.get(reverse("tickets:export"))
    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))

    assert [int(r["id"]) for r in rows] == [open_ticket.pk]


def test_it_refuses_a_filter_it_cannot_apply_rather_than_export_too_much(agent_client):
    make_ticket()

    response = agent_client.get(reverse("tickets:export"), {"team": "999999"})

    assert response.status_code == 400
    assert b"team" in response.content


def _bulk_tickets(count: int) -> None:
    """Rows straight into the table: this test is about reading many, not about creating them."""
    now = timezone.now()
    teams = [TeamFactory(name=f"Team {i}") for i in range(5)]
    agents = [UserFactory(username=f"agent{i}", first_name=f"Agent {i}") for i in range(5)]
    customers = [CustomerFactory(name=f"Πελάτης {i}") for i in range(20)]
    Ticket.objects.bulk_create([
        Ticket(subject=f"Ticket {i}", customer=customers[i % 20], team=teams[i % 5], assignee=agents[i % 5],
               created_at=now - dt.timedelta(minutes=i), first_response_due_at=now + dt.timedelta(hours=8),
               resolution_due_at=now + dt.timedelta(hours=72))
        for i in range(count)
    ], batch_size=500)


def _export_queries(client) -> tuple[int, int]:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("tickets:export"), {"queue": "all"})
        pieces = list(response.streaming_content)
    lines = b"".join(pieces).count(b"\n")
    assert response.streaming and len(pieces) == 1 + -(-(lines - 1) // ROWS_PER_WRITE)  # written as it is read
    return len(queries), lines - 1


def test_it_reads_1000_rows_in_the_same_number_of_queries_as_10(manager_client, django_assert_max_num_queries):
    _bulk_tickets(10)
    few, rows = _export_queries(manager_client)
    assert rows == 10
    Ticket.objects.all().delete()
    _bulk_tickets(1000)

    with django_assert_max_num_queries(few):
        many, rows = _export_queries(manager_client)

    assert rows == 1000 and many == few

"""Tickets by team: who sees and works which tickets, and who may assign them (docs/permissions.md).

Bob (agent) and Lena (team lead) work the service desk; Charlie works Billing; Alice is a CX manager.
"""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from cxhub.models import Profile
from cxhub.roles import API_CLIENT_READ
from tests.cxhub.factories import UserFactory
from tests.journeys.factories import CustomerFactory
from tests.tickets.factories import make_ticket
from tickets.models import CannedResponse, TeamRouting, Ticket
from tickets.selectors import tickets_visible_to
from tickets.services import ticket_assign, ticket_create
from tickets.services.productivity import ticket_reply_with_attachments

pytestmark = pytest.mark.django_db

TICKETS = "/api/v1/tickets/"


@pytest.fixture
def desk_ticket(team, customer):
    return make_ticket(team=team, customer=customer, subject="Rattle at 50 km/h", external_id="ZD-DESK")


@pytest.fixture
def billing_ticket(other_team):
    return make_ticket(team=other_team, customer=CustomerFactory(name="Lan Phạm"), subject="Invoice twice",
                       external_id="ZD-BILL")


def as_user(client, user):
    client.force_login(user)
    return client


# --- seeing ------------------------------------------------------------------------------------------------


def test_an_agent_sees_their_teams_tickets_the_unrouted_ones_and_their_own(agent, other_agent, desk_ticket,
                                                                            billing_ticket):
    unrouted = make_ticket(subject="No team matched")
    given_to_bob = make_ticket(team=billing_ticket.team, subject="Asked for Bob")
    ticket_assign(ticket=given_to_bob, assignee=agent, actor=None)
    logged_by_bob = ticket_create(actor=agent, customer=CustomerFactory(), subject="Phoned in", body="Hi",
                                  team=billing_ticket.team)
    hidden = make_ticket(team=billing_ticket.team, subject="Billing only")

    seen = set(tickets_visible_to(agent).values_list("subject", flat=True))

    assert seen == {desk_ticket.subject, unrouted.subject, given_to_bob.subject, logged_by_bob.subject}
    assert billing_ticket.subject not in seen and hidden.subject not in seen
    assert set(tickets_visible_to(other_agent)) == {billing_ticket, unrouted, given_to_bob, logged_by_bob, hidden}


def test_another_teams_ticket_is_a_404_on_every_page(client, agent, billing_ticket, settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)
    message = ticket_reply_with_attachments(
        ticket=billing_ticket, author=None, body="Scan attached",
        files=[SimpleUploadedFile("invoice.txt", b"Invoice 2026-11")])
    attachment = message.attachments.get()
    billing_ticket.refresh_from_db()
    before = (billing_ticket.status, billing_ticket.assignee, billing_ticket.priority, billing_ticket.updated_at)
    as_user(client, agent)
    pk = billing_ticket.pk

    assert client.get(reverse("tickets:detail", args=[pk])).status_code == 404
    assert client.get(reverse("tickets:attachment", args=[pk, attachment.pk])).status_code == 404
    for name, data in [("reply", {"body": "Hi", "internal": "0"}), ("status", {"status": "resolved"}),
                       ("take", {}), ("assign", {"assignee": agent.pk}), ("priority", {"priority": "high"}),
                       ("classify", {"tags": "x"}), ("merge", {"into": pk}), ("link", {"other": pk}),
                       ("unlink", {"other": pk})]:
        assert client.post(reverse(f"tickets:{name}", args=[pk]), data).status_code == 404, name

    billing_ticket.refresh_from_db()
    after = (billing_ticket.status, billing_ticket.assignee, billing_ticket.priority, billing_ticket.updated_at)
    assert after == before
    assert billing_ticket.messages.count() == 2  # the customer's and the attachment's, nothing from Bob


def test_another_teams_ticket_is_a_404_in_the_api(api_client_for, agent, billing_ticket):
    api = api_client_for(agent)
    pk = billing_ticket.pk

    assert api.get(f"{TICKETS}{pk}/").status_code == 404
    assert api.get(f"{TICKETS}by-external-id/ZD-BILL/").status_code == 404
    for action, body in [("replies", {"body": "Hi"}), ("resolve", {}), ("reopen", {}),
                         ("status", {"status": "open"}), ("assign", {"assignee": None}),
                         ("priority", {"priority": "high"}), ("classify", {"tags": ["x"]}),
                         ("merge", {"into": pk}), ("links", {"other": pk})]:
        response = api.post(f"{TICKETS}{pk}/{action}/", body, format="json")
        assert response.status_code == 404, (action, response.json())
        assert response.json()["detail"]
    assert api.delete(f"{TICKETS}{pk}/links/{pk}/").status_code == 404
    assert pk not in [row["id"] for row in api.get(TICKETS, {"queue": "all"}).json()["results"]]


def test_an_agent_who_sees_all_teams_works_another_teams_ticket(client, api_client_for, agent, billing_ticket):
    Profile.objects.create(user=agent, sees_all_teams=True)

    assert as_user(client, agent).get(reverse("tickets:detail", args=[billing_ticket.pk])).status_code == 200
    api = api_client_for(agent)
    assert api.get(f"{TICKETS}{billing_ticket.pk}/").status_code == 200
    response = api.post(f"{TICKETS}{billing_ticket.pk}/replies/", {"body": "On it"}, format="json")
    assert response.status_code == 201


def test_managers_and_api_clients_see_every_team(api_client_for, manager, desk_ticket, billing_ticket):
    crm = UserFactory(username="crm", role=API_CLIENT_READ)

    for user in (manager, crm):
        ids = {row["id"] for row in api_client_for(user).get(TICKETS, {"queue": "all"}).json()["results"]}
        assert ids == {desk_ticket.pk, billing_ticket.pk}


def test_the_queue_search_export_and_reports_hold_only_visible_tickets(client, agent, desk_ticket,
                                                                       billing_ticket):
    as_user(client, agent)

    queue = client.get(reverse("tickets:list"), {"queue": "all"})
    assert [t.pk for t in queue.context["page_obj"]] == [desk_ticket.pk]
    searched = client.get(reverse("tickets:list"), {"queue": "all", "q": "Invoice"})
    assert list(searched.context["page_obj"]) == []
    export = client.get(reverse("tickets:export"), {"queue": "all"})
    text = b"".join(export.streaming_content).decode("utf-8-sig")
    assert "Rattle" in text and "Invoice" not in text
    report = client.get(reverse("tickets:reports"), {"by": "team"}).context["report"]
    assert [row.label for row in report.rows] == ["Service desk"] and report.total.created == 1


def test_the_queue_runs_the_same_number_of_queries_for_3_or_30_visible_tickets(
        client, agent, team, other_team, django_assert_max_num_queries):
    as_user(client, agent)

    def add(count: int) -> None:
        for _ in range(count):
            make_ticket(team=team)
            make_ticket(team=other_team)

    add(3)
    with CaptureQueriesContext(connection) as few:
        client.get(reverse("tickets:list"))
    add(27)

    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(reverse("tickets:list"))
    assert response.context["page_obj"].paginator.count == 30


def test_merging_or_linking_into_another_teams_ticket_reads_as_no_such_ticket(client, api_client_for, agent,
                                                                             desk_ticket, billing_ticket):
    page = as_user(client, agent).post(reverse("tickets:merge", args=[desk_ticket.pk]),
                                       {"into": billing_ticket.pk}, follow=True)
    assert f"There is no ticket #{billing_ticket.pk}." in page.content.decode()

    api = api_client_for(agent)
    for action, field in (("merge", "into"), ("links", "other")):
        response = api.post(f"{TICKETS}{desk_ticket.pk}/{action}/", {field: billing_ticket.pk}, format="json")
        assert response.status_code == 400
        assert response.json()["errors"][field] == [f'Invalid pk "{billing_ticket.pk}" - object does not exist.']
    desk_ticket.refresh_from_db()
    assert desk_ticket.status == "new" and not desk_ticket.links_out.exists()


def test_a_canned_response_is_not_rendered_for_another_teams_customer(api_client_for, agent, manager,
                                                                      billing_ticket):
    canned = CannedResponse.objects.create(title="Hello", body="Dear {customer_name}", created_by=manager)

    response = api_client_for(agent).get(f"/api/v1/canned-responses/{canned.pk}/render/",
                                         {"ticket": billing_ticket.pk})

    assert response.status_code == 400
    assert "Lan" not in response.content.decode()


def test_a_crm_upsert_by_an_agent_cannot_reach_another_teams_ticket(api_client_for, agent, billing_ticket):
    api = api_client_for(agent)

    single = api.put(f"{TICKETS}by-external-id/ZD-BILL/", {"priority": "urgent"}, format="json")
    bulk = api.post(f"{TICKETS}bulk-upsert/", {"items": [
        {"external_id": "ZD-BILL", "priority": "urgent"},
        {"external_id": "ZD-NEW", "customer": billing_ticket.customer_id, "subject": "New", "body": "Hi"},
    ]}, format="json")

    assert single.status_code == 404
    results = bulk.json()["results"]
    assert [r["status"] for r in results] == ["error", "created"]
    assert "external_id" in results[0]["errors"]
    billing_ticket.refresh_from_db()
    assert billing_ticket.priority == "normal"


# --- assigning -------------------------------------------------------------------------------------------


def test_a_team_lead_sees_the_team_queue_and_assigns_within_the_team(client, team_lead, agent, other_agent,
                                                                      desk_ticket, billing_ticket):
    as_user(client, team_lead)

    queue = client.get(reverse("tickets:list"), {"queue": "team"})
    assert [t.pk for t in queue.context["page_obj"]] == [desk_ticket.pk]
    detail = client.get(reverse("tickets:detail", args=[desk_ticket.pk]))
    assert {u.username for u in detail.context["assign_form"].agents} == {"bob", "lena"}

    response = client.post(reverse("tickets:assign", args=[desk_ticket.pk]), {"assignee": agent.pk}, follow=True)
    desk_ticket.refresh_from_db()
    assert desk_ticket.assignee == agent
    assert "Assigned to Bob." in response.content.decode()

    # Charlie works Billing, not the service desk
    refused = client.post(reverse("tickets:assign", args=[desk_ticket.pk]), {"assignee": other_agent.pk},
                          follow=True)
    desk_ticket.refresh_from_db()
    assert desk_ticket.assignee == agent
    assert "Charlie does not work the tickets of this ticket&#x27;s team." in refused.content.decode()
    # and Billing's tickets are not Lena's to see
    assert client.get(reverse("tickets:detail", args=[billing_ticket.pk])).status_code == 404


def test_an_agent_takes_and_gives_back_but_does_not_assign_others(client, api_client_for, agent, team_lead,
                                                                   desk_ticket):
    as_user(client, agent)
    detail = client.get(reverse("tickets:detail", args=[desk_ticket.pk]))
    assert [u.username for u in detail.context["assign_form"].agents] == ["bob"]

    client.post(reverse("tickets:take", args=[desk_ticket.pk]))
    desk_ticket.refresh_from_db()
    assert desk_ticket.assignee == agent

    refused = client.post(reverse("tickets:assign", args=[desk_ticket.pk]), {"assignee": team_lead.pk},
                          follow=True)
    desk_ticket.refresh_from_db()
    assert desk_ticket.assignee == agent
    assert "not assign them to others" in refused.content.decode()

    api = api_client_for(agent)
    response = api.post(f"{TICKETS}{desk_ticket.pk}/assign/", {"assignee": team_lead.pk}, format="json")
    assert response.status_code == 403 and "assignee" in response.json()["errors"]

    client.post(reverse("tickets:take", args=[desk_ticket.pk]), {"release": "1"})
    desk_ticket.refresh_from_db()
    assert desk_ticket.assignee is None


def test_an_agent_cannot_take_a_colleagues_ticket_but_a_lead_can_reassign_it(client, agent, team_lead,
                                                                             desk_ticket):
    ticket_assign(ticket=desk_ticket, assignee=team_lead, actor=team_lead)

    refused = as_user(client, agent).post(reverse("tickets:take", args=[desk_ticket.pk]), follow=True)
    desk_ticket.refresh_from_db()
    assert desk_ticket.assignee == team_lead
    assert "Someone else has this ticket" in refused.content.decode()

    as_user(client, team_lead).post(reverse("tickets:assign", args=[desk_ticket.pk]), {"assignee": agent.pk})
    desk_ticket.refresh_from_db()
    assert desk_ticket.assignee == agent


def test_a_bulk_change_skips_other_teams_tickets_and_assignments_the_role_may_not_make(
        api_client_for, agent, team_lead, desk_ticket, billing_ticket):
    held = make_ticket(team=desk_ticket.team)
    ticket_assign(ticket=held, assignee=team_lead, actor=team_lead)

    body = api_client_for(agent).post(f"{TICKETS}bulk/", {
        "tickets": [desk_ticket.pk, billing_ticket.pk, held.pk], "assignee": agent.pk}, format="json").json()

    assert body["changed"] == [desk_ticket.pk]
    assert {f["id"]: f["reason"] for f in body["failed"]} == {
        billing_ticket.pk: "No such ticket.",
        held.pk: "Someone else has this ticket: a team lead can reassign it.",
    }
    assert Ticket.objects.get(pk=billing_ticket.pk).assignee is None


def test_a_lead_bulk_assigns_only_people_of_each_tickets_team(client, team_lead, agent, desk_ticket):
    unrouted = make_ticket()
    other_desk = make_ticket(team=desk_ticket.team)
    outsider = UserFactory(username="otto", role="Support agent")

    response = as_user(client, team_lead).post(reverse("tickets:bulk"), {
        "tickets": [desk_ticket.pk, unrouted.pk], "assignee": str(outsider.pk)}, follow=True)
    client.post(reverse("tickets:bulk"), {"tickets": [other_desk.pk], "assignee": str(agent.pk)})

    assert Ticket.objects.get(pk=unrouted.pk).assignee == outsider  # no team: anyone who works tickets
    assert Ticket.objects.get(pk=desk_ticket.pk).assignee is None
    assert f"#{desk_ticket.pk} not changed" in response.content.decode()
    assert Ticket.objects.get(pk=other_desk.pk).assignee == agent


# --- a team's own configuration ----------------------------------------------------------------------------


def test_a_team_lead_sets_the_routing_mode_of_their_team_only(api_client_for, team_lead, agent, team, other_team):
    api = api_client_for(team_lead)

    own = api.post("/api/v1/team-routing/", {"team": team.pk, "mode": "round_robin"}, format="json")
    other = api.post("/api/v1/team-routing/", {"team": other_team.pk, "mode": "round_robin"}, format="json")
    changed = api.patch(f"/api/v1/team-routing/{team.pk}/", {"mode": "least_open"}, format="json")
    by_agent = api_client_for(agent).patch(f"/api/v1/team-routing/{team.pk}/", {"mode": "manual"}, format="json")

    assert own.status_code == 201, own.json()
    assert other.status_code == 403 and "team" in other.json()["errors"]
    assert changed.status_code == 200 and changed.json()["mode"] == "least_open"
    assert by_agent.status_code == 403
    assert TeamRouting.objects.get(team=team).mode == "least_open"
    assert not TeamRouting.objects.filter(team=other_team).exists()


def test_a_team_lead_keeps_their_teams_canned_responses_not_others(api_client_for, team_lead, manager, team,
                                                                   other_team):
    ours = CannedResponse.objects.create(title="Ours", body="Hi", team=team)
    billing = CannedResponse.objects.create(title="Billing's", body="Hi", team=other_team)
    everyone = CannedResponse.objects.create(title="Everyone's", body="Hi")
    api = api_client_for(team_lead)
    url = "/api/v1/canned-responses/{}/"

    assert api.patch(url.format(ours.pk), {"body": "Hello"}, format="json").status_code == 200
    assert api.patch(url.format(ours.pk), {"team": other_team.pk}, format="json").status_code == 403
    assert api.patch(url.format(billing.pk), {"body": "Hello"}, format="json").status_code == 403
    assert api.delete(url.format(everyone.pk)).status_code == 403
    assert api_client_for(manager).delete(url.format(everyone.pk)).status_code == 204
    ours.refresh_from_db()
    billing.refresh_from_db()
    assert (ours.body, ours.team, billing.body) == ("Hello", team, "Hi")

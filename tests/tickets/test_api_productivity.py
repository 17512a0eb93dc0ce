"""Canned responses, attachments on replies and agent availability in the API."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.test import APIClient

from tests.cxhub.factories import UserFactory, agent_user
from tests.tickets.factories import make_ticket
from tickets.models import AgentAvailability, CannedResponse
from tickets.services.productivity import ticket_reply_with_attachments

pytestmark = pytest.mark.django_db

TICKETS = "/api/v1/tickets/"
CANNED = "/api/v1/canned-responses/"
AVAILABILITY = "/api/v1/agent-availability/"


@pytest.fixture
def outsider(db):
    return UserFactory(username="dave")


@pytest.fixture
def ticket(customer):
    return make_ticket(customer=customer)


@pytest.fixture
def canned(db, manager):
    return CannedResponse.objects.create(
        title="Apology", created_by=manager,
        body="Dear {customer_name}, about {ticket_number}: sorry. {agent_name} {unknown}",
    )


# --- Canned responses ----------------------------------------------------------------------------------


def test_an_agent_adds_a_canned_response_and_is_its_author(api_client_for, agent, team):
    response = api_client_for(agent).post(
        CANNED, {"title": "Thanks", "body": "Thank you, {customer_name}.", "team": team.pk}, format="json")

    assert response.status_code == 201, response.json()
    assert response.json()["created_by"]["username"] == "bob"
    assert CannedResponse.objects.get().created_by == agent


@pytest.mark.parametrize("body, field", [
    ({"title": ""}, "title"), ({"body": ""}, "body"), ({"team": 999999}, "team"), ({"title": "x" * 101}, "title"),
])
def test_a_canned_response_needs_a_title_and_a_body(api_client_for, agent, body, field):
    response = api_client_for(agent).post(CANNED, {"title": "T", "body": "B"} | body, format="json")

    assert response.status_code == 400 and field in response.json()["errors"]
    assert not CannedResponse.objects.exists()


def test_only_a_manager_changes_or_deletes_a_canned_response(api_client_for, agent, manager, canned):
    assert api_client_for(agent).patch(f"{CANNED}{canned.pk}/", {"title": "Mine"}, format="json").status_code == 403
    assert api_client_for(agent).delete(f"{CANNED}{canned.pk}/").status_code == 403

    changed = api_client_for(manager).patch(f"{CANNED}{canned.pk}/", {"title": "Sorry"}, format="json")

    assert changed.status_code == 200 and changed.json()["created_by"]["username"] == "alice"
    assert api_client_for(manager).delete(f"{CANNED}{canned.pk}/").status_code == 204


def test_it_renders_a_canned_response_for_a_ticket(api_client_for, agent, canned, customer):
    ticket = make_ticket(customer=customer)

    response = api_client_for(agent).get(f"{CANNED}{canned.pk}/render/?ticket={ticket.pk}")

    assert response.status_code == 200, response.json()
    assert response.json() == {
        "text": f"Dear Νίκος Παπαδόπουλος, about #{ticket.pk}: sorry. Bob {{unknown}}"}


@pytest.mark.parametrize("query", ["", "?ticket=", "?ticket=abc", "?ticket=999999", "?ticket=0",
                                   f"?ticket={10**30}"])
def test_rendering_needs_a_ticket_that_exists(api_client_for, agent, canned, query):
    response = api_client_for(agent).get(f"{CANNED}{canned.pk}/render/{query}")

    assert response.status_code == 400 and "ticket" in response.json()["errors"]


def test_rendering_a_canned_response_that_does_not_exist_is_a_404(api_client_for, agent):
    ticket = make_ticket()

    assert api_client_for(agent).get(f"{CANNED}999999/render/?ticket={ticket.pk}").status_code == 404


def test_canned_responses_are_for_people_with_a_role(api_client_for, outsider, canned):
    ticket = make_ticket()
    paths = [CANNED, f"{CANNED}{canned.pk}/", f"{CANNED}{canned.pk}/render/?ticket={ticket.pk}"]

    assert [APIClient().get(p).status_code for p in paths] == [401, 401, 401]
    assert [api_client_for(outsider).get(p).status_code for p in paths] == [403, 403, 403]


@pytest.mark.parametrize("size", [3, 30])
def test_the_canned_response_list_runs_a_constant_number_of_queries(api_client_for, agent, manager, size,
                                                                  django_assert_max_num_queries):
    for n in range(size):
        CannedResponse.objects.create(title=f"Reply {n}", body="Hello", created_by=manager if n % 2 else agent)
    api = api_client_for(agent)

    with django_assert_max_num_queries(5):
        response = api.get(f"{CANNED}?page_size=100")

    assert len(response.json()["results"]) == size


# --- Attachments ---------------------------------------------------------------------------------------

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)
    return tmp_path


def test_a_reply_sent_as_multipart_carries_its_files(api_client_for, agent, ticket, media):
    response = api_client_for(agent).post(f"{TICKETS}{ticket.pk}/replies/", {
        "body": "The invoice and a photo.", "internal": "true",
        "attachments": [SimpleUploadedFile("photo.png", PNG), SimpleUploadedFile("notes.txt", "Ωραία".encode())],
    }, format="multipart")

    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["internal"] is True
    assert [(a["name"], a["content_type"], a["size"]) for a in body["attachments"]] == [
        ("photo.png", "image/png", len(PNG)), ("notes.txt", "text/plain", len("Ωραία".encode()))]
    assert body["attachments"][0]["download"] == f"/tickets/{ticket.pk}/attachments/{body['attachments'][0]['id']}/"
    detail = api_client_for(agent).get(f"{TICKETS}{ticket.pk}/").json()
    assert [a["name"] for a in detail["messages"][-1]["attachments"]] == ["photo.png", "notes.txt"]


@pytest.mark.parametrize("files", [
    [("run.exe", b"MZ\x90\x00")],
    [("fake.png", b"not a png at all")],
    [("empty.txt", b"")],
    [(f"p{n}.png", PNG) for n in range(6)],
])
def test_one_refused_file_refuses_the_whole_reply(api_client_for, agent, ticket, media, files):
    response = api_client_for(agent).post(f"{TICKETS}{ticket.pk}/replies/", {
        "body": "See attached.", "attachments": [SimpleUploadedFile(name, content) for name, content in files],
    }, format="multipart")

    assert response.status_code == 400, response.json()
    assert "attachments" in response.json()["errors"]
    assert ticket.messages.count() == 1
    assert not list(media.rglob("*.*"))


def test_attachments_cannot_be_sent_as_json(api_client_for, agent, ticket):
    response = api_client_for(agent).post(f"{TICKETS}{ticket.pk}/replies/",
                                          {"body": "Hi", "attachments": ["aGVsbG8="]}, format="json")

    assert response.status_code == 400 and "attachments" in response.json()["errors"]
    assert ticket.messages.count() == 1


@pytest.mark.parametrize("messages", [1, 10])
def test_the_detail_with_attachments_runs_a_constant_number_of_queries(
        api_client_for, agent, ticket, media, messages, django_assert_max_num_queries):
    for n in range(messages):
        ticket_reply_with_attachments(ticket=ticket, author=agent, body=f"Photo {n}",
                                      files=[SimpleUploadedFile("a.png", PNG), SimpleUploadedFile("b.png", PNG)])
    api = api_client_for(agent)

    with django_assert_max_num_queries(11):
        response = api.get(f"{TICKETS}{ticket.pk}/")

    assert sum(len(m["attachments"]) for m in response.json()["messages"]) == 2 * messages


# --- Agent availability --------------------------------------------------------------------------------


def test_it_lists_everyone_who_works_tickets_with_their_availability(api_client_for, agent, other_agent, manager,
                                                                    outsider):
    AgentAvailability.objects.create(user=other_agent, is_available=False)
    agent_user(username="erin", is_active=False)

    response = api_client_for(agent).get(AVAILABILITY)

    assert response.status_code == 200
    rows = {row["user"]["username"]: row["is_available"] for row in response.json()["results"]}
    assert rows == {"alice": True, "bob": True, "charlie": False}


def test_an_agent_sets_their_own_availability_and_no_one_elses(api_client_for, agent, other_agent):
    api = api_client_for(agent)

    away = api.patch(f"{AVAILABILITY}{agent.pk}/", {"is_available": False}, format="json")
    theirs = api.patch(f"{AVAILABILITY}{other_agent.pk}/", {"is_available": False}, format="json")

    assert away.status_code == 200, away.json()
    assert away.json()["is_available"] is False and away.json()["user"]["id"] == agent.pk
    assert theirs.status_code == 403
    assert AgentAvailability.objects.get(user=agent).is_available is False
    assert not AgentAvailability.objects.filter(user=other_agent).exists()


def test_a_manager_sets_anyones_availability(api_client_for, manager, other_agent):
    response = api_client_for(manager).put(f"{AVAILABILITY}{other_agent.pk}/", {"is_available": False},
                                           format="json")

    assert response.status_code == 200, response.json()
    assert AgentAvailability.objects.get(user=other_agent).is_available is False


@pytest.mark.parametrize("body", [{}, {"is_available": "maybe"}, {"is_available": None}])
def test_availability_must_be_true_or_false(api_client_for, agent, body):
    response = api_client_for(agent).patch(f"{AVAILABILITY}{agent.pk}/", body, format="json")

    assert response.status_code == 400 and "is_available" in response.json()["errors"]
    assert not AgentAvailability.objects.exists()


def test_availability_is_only_for_people_who_work_tickets(api_client_for, manager, outsider):
    response = api_client_for(manager).patch(f"{AVAILABILITY}{outsider.pk}/", {"is_available": False},
                                             format="json")

    assert response.status_code == 404
    assert not AgentAvailability.objects.exists()


def test_availability_is_for_people_with_a_role(api_client_for, outsider, agent):
    url = f"{AVAILABILITY}{agent.pk}/"

    assert APIClient().get(AVAILABILITY).status_code == 401
    assert api_client_for(outsider).get(AVAILABILITY).status_code == 403
    assert api_client_for(outsider).patch(url, {"is_available": False}, format="json").status_code == 403
    assert api_client_for(outsider).patch(f"{AVAILABILITY}{outsider.pk}/", {"is_available": False},
                                          format="json").status_code == 403
    # nobody may delete a user's availability: the role check refuses before the method is looked at
    assert api_client_for(agent).delete(url).status_code == 403


@pytest.mark.parametrize("size", [3, 30])
def test_the_availability_list_runs_a_constant_number_of_queries(api_client_for, manager, size,
                                                               django_assert_max_num_queries):
    for n in range(size):
        AgentAvailability.objects.create(user=agent_user(username=f"agent{n}"), is_available=n % 2 == 0)
    api = api_client_for(manager)

    with django_assert_max_num_queries(5):
        response = api.get(f"{AVAILABILITY}?page_size=100")

    assert len(response.json()["results"]) == size + 1

"""The agent's queues and filters: one FilterSet for the page and the API, all in the query string."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from journeys.choices import Channel
from tests.journeys.factories import CustomerFactory
from tests.tickets.factories import make_ticket
from tickets.choices import SlaStatus
from tickets.models import Ticket
from tickets.services import ticket_reply, ticket_resolve, ticket_set_tags

pytestmark = pytest.mark.django_db


def listed(client, **params) -> set[str]:
    response = client.get(reverse("tickets:list"), params)
    assert response.status_code == 200
    return {t.subject for t in response.context["page_obj"].object_list}


def test_my_teams_queue_shows_open_tickets_of_my_teams_only(agent_client, team, other_team):
    make_ticket(subject="Ours", team=team)
    make_ticket(subject="Theirs", team=other_team)

    assert listed(agent_client, queue="team") == {"Ours"}


def test_breaching_soon_lists_at_risk_breached_and_nearly_due_tickets(agent_client):
    make_ticket(subject="Fine")
    at_risk = make_ticket(subject="At risk")
    soon = make_ticket(subject="Due in an hour")
    Ticket.objects.filter(pk=at_risk.pk).update(sla_status=SlaStatus.AT_RISK)
    Ticket.objects.filter(pk=soon.pk).update(resolution_due_at=timezone.now() + dt.timedelta(hours=1))

    assert listed(agent_client, queue="breaching") == {"At risk", "Due in an hour"}


def test_recently_resolved_leaves_out_old_resolutions(agent_client, agent):
    recent, old = make_ticket(subject="Recent"), make_ticket(subject="Old")
    ticket_resolve(ticket=recent, actor=agent)
    ticket_resolve(ticket=old, actor=agent, at=timezone.now() - dt.timedelta(days=30))

    assert listed(agent_client, queue="resolved") == {"Recent"}


def test_text_search_covers_subject_messages_and_customer(agent_client, agent):
    persian = CustomerFactory(name="سارا احمدی", email="sara@example.com")
    make_ticket(subject="Brake noise")
    by_message = make_ticket(subject="Question")
    ticket_reply(ticket=by_message, author=agent, body="The VIN is WVWZZZ1JZXW000001")
    make_ticket(subject="Billing", customer=persian)

    assert listed(agent_client, q="brake") == {"Brake noise"}
    assert listed(agent_client, q="wvwzzz1jzxw000001") == {"Question"}
    assert listed(agent_client, q="احمدی") == {"Billing"}
    assert listed(agent_client, q="sara@example.com") == {"Billing"}


def test_filters_by_channel_tag_touchpoint_and_created_range(agent_client, agent, touchpoint):
    phone = make_ticket(subject="Phone", channel=Channel.PHONE, touchpoint=touchpoint)
    ticket_set_tags(ticket=phone, names=["VIP"], actor=agent)
    make_ticket(subject="Old mail", at=timezone.now() - dt.timedelta(days=40))

    assert listed(agent_client, channel="phone") == {"Phone"}
    assert listed(agent_client, tag="vip") == {"Phone"}
    assert listed(agent_client, touchpoint=touchpoint.pk) == {"Phone"}
    since = (timezone.localdate() - dt.timedelta(days=7)).isoformat()
    assert listed(agent_client, created_after=since) == {"Phone"}
    until = (timezone.localdate() - dt.timedelta(days=30)).isoformat()
    assert listed(agent_client, created_before=until) == {"Old mail"}


def test_sorting_by_urgency_and_due_time(agent_client):
    make_ticket(subject="Low", priority="low")
    make_ticket(subject="Urgent", priority="urgent")
    make_ticket(subject="Normal", priority="normal")

    response = agent_client.get(reverse("tickets:list"), {"ordering": "-priority"})
    assert [t.subject for t in response.context["page_obj"].object_list] == ["Urgent", "Normal", "Low"]
    response = agent_client.get(reverse("tickets:list"), {"ordering": "resolution_due_at"})
    assert response.context["page_obj"].object_list[0].subject == "Urgent"


def test_a_bad_filter_value_is_ignored_with_a_message_and_the_rest_applies(agent_client):
    make_ticket(subject="High", priority="high")
    make_ticket(subject="Low", priority="low")

    response = agent_client.get(reverse("tickets:list"), {"priority": "high", "created_after": "not-a-date"})

    assert {t.subject for t in response.context["page_obj"].object_list} == {"High"}
    assert "Ignored the created_after filter" in response.content.decode()


def test_pagination_keeps_the_filters(agent_client):
    customer = CustomerFactory()
    for i in range(30):
        make_ticket(customer=customer, subject=f"Urgent {i}", priority="urgent")

    response = agent_client.get(reverse("tickets:list"), {"priority": "urgent"})

    assert 'href="?priority=urgent&amp;page=2"' in response.content.decode()


def test_the_api_list_reads_the_same_filters(api_client_for, agent, team):
    make_ticket(subject="Mine", assignee=agent, team=team)
    make_ticket(subject="Nobody's")

    response = api_client_for(agent).get("/api/v1/tickets/", {"queue": "mine"})

    assert response.status_code == 200
    assert [t["subject"] for t in response.json()["results"]] == ["Mine"]


def test_lists_filter_on_custom_fields(agent_client, agent, api_client_for):
    from tickets.choices import CustomFieldKind
    from tickets.models import CustomField
    from tickets.services import ticket_set_custom_fields

    CustomField.objects.create(key="model", label="Model", kind=CustomFieldKind.CHOICE, choices=["EV", "Hybrid"])
    CustomField.objects.create(key="km", label="Mileage", kind=CustomFieldKind.NUMBER)
    CustomField.objects.create(key="vin", label="VIN", kind=CustomFieldKind.TEXT)
    ev, hybrid = make_ticket(subject="EV"), make_ticket(subject="Hybrid")
    ticket_set_custom_fields(ticket=ev, values={"model": "EV", "km": "12000", "vin": "WVW123"}, actor=agent)
    ticket_set_custom_fields(ticket=hybrid, values={"model": "Hybrid", "km": "90000.5"}, actor=agent)

    assert listed(agent_client, cf_model="EV") == {"EV"}
    assert listed(agent_client, cf_km="90000.5") == {"Hybrid"}
    assert listed(agent_client, cf_vin="w123") == {"EV"}
    assert listed(agent_client, cf_km="lots") == set()
    api = api_client_for(agent).get("/api/v1/tickets/", {"cf_model": "Hybrid"})
    assert [t["subject"] for t in api.json()["results"]] == ["Hybrid"]


def test_an_agent_steps_away_and_comes_back(agent_client, agent):
    from tickets.models import AgentAvailability

    away = agent_client.post(reverse("tickets:availability"), {"available": "0"}, follow=True)
    assert AgentAvailability.objects.get(user=agent).is_available is False
    assert "Away: routing skips you" in away.content.decode()

    agent_client.post(reverse("tickets:availability"), {"available": "1"})
    assert AgentAvailability.objects.get(user=agent).is_available is True

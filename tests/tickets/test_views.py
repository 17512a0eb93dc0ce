from __future__ import annotations

import pytest
from django.urls import reverse

from journeys.choices import SignalKind
from journeys.models import ExperienceSignal
from tests.journeys.factories import CustomerFactory
from tests.tickets.factories import make_ticket
from tickets.choices import MessageKind, Status
from tickets.models import Ticket
from tickets.services import ticket_resolve

pytestmark = pytest.mark.django_db


def test_it_asks_anonymous_visitors_to_log_in(client):
    for name in ("tickets:list", "tickets:create"):
        response = client.get(reverse(name))
        assert response.status_code == 302 and response.url.startswith(reverse("login"))


def test_an_agent_logs_replies_to_and_resolves_a_ticket_at_a_touchpoint(agent_client, agent, customer, touchpoint):
    # given an agent logging the customer's call at the test-drive touchpoint
    response = agent_client.post(reverse("tickets:create"), {
        "customer": customer.pk, "touchpoint": touchpoint.pk, "channel": "phone",
        "priority": "high", "subject": "Test drive was cancelled",
        "body": "Ήρθα για το test drive και δεν ήταν κανείς εκεί.",
    })
    ticket = Ticket.objects.get()
    assert response.status_code == 302 and response.url == reverse("tickets:detail", args=[ticket.pk])
    assert ticket.team == touchpoint.owner_team and ticket.created_by == agent

    # when the agent replies and resolves it
    agent_client.post(reverse("tickets:reply", args=[ticket.pk]),
                      {"body": "Sorry! We rebooked you for Saturday.", "internal": "0"})
    response = agent_client.post(reverse("tickets:status", args=[ticket.pk]), {"status": "resolved"},
                                 follow=True)

    # then the ticket is resolved and its outcome is in the ledger once
    ticket.refresh_from_db()
    assert ticket.status == Status.RESOLVED and ticket.first_response_at is not None
    assert "is now resolved" in response.content.decode()
    kinds = set(ExperienceSignal.objects.filter(source="ticket").values_list("kind", flat=True))
    assert {SignalKind.TICKET_RESOLVED, SignalKind.SLA_MET, SignalKind.FIRST_CONTACT_RESOLUTION} <= kinds
    assert "Ήρθα για το test drive" in response.content.decode()


def test_a_bad_new_ticket_re_renders_with_messages_and_keeps_the_input(agent_client, customer):
    response = agent_client.post(reverse("tickets:create"), {
        "customer": customer.pk, "channel": "phone", "priority": "extreme", "subject": "",
        "body": "مشتری منتظر پاسخ است",
    })

    assert response.status_code == 400
    errors = response.context["form"].errors
    assert "subject" in errors and "priority" in errors
    assert "مشتری منتظر پاسخ است" in response.content.decode()
    assert Ticket.objects.count() == 0


def test_a_whitespace_subject_is_refused_by_the_service_rule(agent_client, customer):
    response = agent_client.post(reverse("tickets:create"), {
        "customer": customer.pk, "channel": "phone", "priority": "normal", "subject": "   ",
        "body": "Hello",
    })

    assert response.status_code == 400
    assert Ticket.objects.count() == 0


def test_an_invalid_transition_is_refused_with_a_clear_message(agent_client, agent):
    ticket = make_ticket()
    ticket_resolve(ticket=ticket, actor=agent)

    response = agent_client.post(reverse("tickets:status", args=[ticket.pk]), {"status": "pending"},
                                 follow=True)

    assert "cannot become pending" in response.content.decode()
    ticket.refresh_from_db()
    assert ticket.status == Status.RESOLVED


def test_a_garbage_status_is_refused(agent_client):
    ticket = make_ticket()

    response = agent_client.post(reverse("tickets:status", args=[ticket.pk]), {"status": "<script>"},
                                 follow=True)

    assert response.status_code == 200 and "Choose a valid status" in response.content.decode()


def test_an_empty_reply_keeps_the_page_and_says_why(agent_client):
    ticket = make_ticket()

    response = agent_client.post(reverse("tickets:reply", args=[ticket.pk]), {"body": "", "internal": "0"})

    assert response.status_code == 400
    assert response.context["reply_form"].errors["body"]
    assert ticket.messages.count() == 1


def test_an_internal_note_is_not_a_first_response(agent_client):
    ticket = make_ticket()

    agent_client.post(reverse("tickets:reply", args=[ticket.pk]), {"body": "Check the VIN", "internal": "1"})

    ticket.refresh_from_db()
    assert ticket.first_response_at is None
    assert ticket.messages.filter(kind=MessageKind.NOTE).count() == 1


def test_an_agent_takes_and_gives_back_a_ticket(agent_client, agent):
    ticket = make_ticket()

    agent_client.post(reverse("tickets:take", args=[ticket.pk]))
    ticket.refresh_from_db()
    assert ticket.assignee == agent

    agent_client.post(reverse("tickets:take", args=[ticket.pk]), {"release": "1"})
    ticket.refresh_from_db()
    assert ticket.assignee is None


def test_queues_and_filters_live_in_the_query_string(agent_client, agent):
    mine = make_ticket(subject="Brake noise", assignee=agent)
    make_ticket(subject="Invoice wrong", priority="urgent")
    resolved = make_ticket(subject="Old one")
    ticket_resolve(ticket=resolved, actor=agent)

    def listed(**params):
        response = agent_client.get(reverse("tickets:list"), params)
        assert response.status_code == 200
        return {t.subject for t in response.context["page_obj"].object_list}

    assert listed() == {"Brake noise", "Invoice wrong"}
    assert listed(queue="mine") == {"Brake noise"}
    assert listed(queue="unassigned") == {"Invoice wrong"}
    assert listed(queue="resolved") == {"Old one"}
    assert listed(priority="urgent") == {"Invoice wrong"}
    assert listed(q="brake") == {"Brake noise"}
    assert listed(queue="bogus", priority="nonsense") == {"Brake noise", "Invoice wrong"}
    assert mine.pk


def test_the_queue_paginates_and_has_an_empty_state(agent_client):
    empty = agent_client.get(reverse("tickets:list"))
    assert "This queue is empty" in empty.content.decode()

    customer = CustomerFactory()
    for i in range(30):
        make_ticket(customer=customer, subject=f"Ticket {i}")
    page2 = agent_client.get(reverse("tickets:list"), {"page": 2})

    assert len(page2.context["page_obj"].object_list) == 5
    assert "Page 2 of 2" in page2.content.decode()


def test_the_queue_query_count_does_not_grow_with_tickets(agent_client, touchpoint, django_assert_max_num_queries):
    for _ in range(3):
        make_ticket(touchpoint=touchpoint)
    with django_assert_max_num_queries(20) as small:
        agent_client.get(reverse("tickets:list"))
    for _ in range(22):
        make_ticket(touchpoint=touchpoint)

    with django_assert_max_num_queries(len(small.captured_queries)):
        agent_client.get(reverse("tickets:list"))


def test_the_ticket_page_query_count_does_not_grow_with_messages(agent_client, agent, django_assert_max_num_queries):
    from tickets.services import ticket_reply

    ticket = make_ticket()
    ticket_reply(ticket=ticket, author=agent, body="First", internal=False)
    with django_assert_max_num_queries(30) as short:
        agent_client.get(reverse("tickets:detail", args=[ticket.pk]))
    for i in range(20):
        ticket_reply(ticket=ticket, author=agent, body=f"Update {i}", internal=bool(i % 2))

    with django_assert_max_num_queries(len(short.captured_queries)):
        response = agent_client.get(reverse("tickets:detail", args=[ticket.pk]))
    assert response.status_code == 200


def test_unknown_tickets_are_404(agent_client):
    assert agent_client.get(reverse("tickets:detail", args=[424242])).status_code == 404
    assert agent_client.post(reverse("tickets:status", args=[424242]), {"status": "open"}).status_code == 404

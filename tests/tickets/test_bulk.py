from __future__ import annotations

import pytest
from django.urls import reverse

from cxhub.exceptions import DomainError
from tests.tickets.factories import make_ticket
from tickets.choices import Status
from tickets.models import Ticket, TicketEvent
from tickets.services import ticket_resolve, tickets_bulk_update

pytestmark = pytest.mark.django_db


def test_it_changes_every_ticket_it_may_and_reports_the_others_with_the_reason(agent, other_agent):
    # given two open tickets and one closed
    first, second, closed = make_ticket(), make_ticket(), make_ticket()
    ticket_resolve(ticket=closed, actor=agent)
    Ticket.objects.filter(pk=closed.pk).update(status=Status.CLOSED)

    # when an agent assigns all three to Charlie and marks them pending
    result = tickets_bulk_update(ticket_ids=[first.pk, second.pk, closed.pk, 999999], actor=agent,
                                 assignee=other_agent, status=Status.PENDING)

    # then the open ones changed, the closed one is untouched, and both refusals say why
    assert result.changed == [first.pk, second.pk]
    reasons = dict(result.failed)
    assert "cannot become pending" in reasons[closed.pk]
    assert reasons[999999] == "No such ticket."
    closed.refresh_from_db()
    assert closed.assignee is None and closed.status == Status.CLOSED
    assert set(Ticket.objects.filter(pk__in=[first.pk, second.pk]).values_list("status", "assignee")) == {
        (Status.PENDING, other_agent.pk)}


def test_a_refused_row_keeps_no_part_of_the_change(agent, other_agent):
    resolved = make_ticket()
    ticket_resolve(ticket=resolved, actor=agent)
    events_before = TicketEvent.objects.filter(ticket=resolved).count()

    result = tickets_bulk_update(ticket_ids=[resolved.pk], actor=agent, assignee=other_agent,
                                 priority="urgent", status=Status.PENDING)

    assert result.changed == [] and resolved.pk in dict(result.failed)
    resolved.refresh_from_db()
    assert (resolved.assignee, resolved.priority) == (None, "normal")
    assert TicketEvent.objects.filter(ticket=resolved).count() == events_before


@pytest.mark.parametrize("kwargs, message", [
    ({}, "Choose what to change"),
    ({"priority": "urgent", "ticket_ids": []}, "Select at least one"),
    ({"priority": "urgent", "ticket_ids": list(range(1, 502))}, "At most 500"),
])
def test_it_refuses_an_empty_or_oversized_request(agent, kwargs, message):
    kwargs = {"ticket_ids": [1], **kwargs}
    with pytest.raises(DomainError, match=message):
        tickets_bulk_update(actor=agent, **kwargs)


def test_the_queue_page_applies_a_bulk_change_and_lists_what_failed(agent_client, agent):
    open_ticket, resolved = make_ticket(subject="A"), make_ticket(subject="B")
    ticket_resolve(ticket=resolved, actor=agent)

    response = agent_client.post(reverse("tickets:bulk"), {
        "tickets": [open_ticket.pk, resolved.pk], "status": "pending", "assignee": "", "priority": "",
        "next": "/tickets/?queue=all",
    }, follow=True)

    html = response.content.decode()
    assert response.redirect_chain[-1][0] == "/tickets/?queue=all"
    assert "Changed 1 ticket." in html
    assert f"#{resolved.pk} not changed" in html
    open_ticket.refresh_from_db()
    assert open_ticket.status == Status.PENDING


@pytest.mark.parametrize("form", [
    {"tickets": ["abc"], "priority": "high"},
    {"priority": "high"},
    {"tickets": ["1"], "assignee": "424242"},
    {"tickets": ["1"], "priority": "extreme"},
])
def test_bad_bulk_input_is_a_message_not_an_error_page(agent_client, form):
    ticket = make_ticket()
    form = {k: (str(ticket.pk) if v == ["1"] else v) for k, v in form.items()}

    response = agent_client.post(reverse("tickets:bulk"), form, follow=True)

    assert response.status_code == 200
    ticket.refresh_from_db()
    assert ticket.priority == "normal" and ticket.assignee is None


def test_an_unsafe_return_address_is_not_followed(agent_client):
    ticket = make_ticket()

    response = agent_client.post(reverse("tickets:bulk"), {"tickets": [ticket.pk], "priority": "high",
                                                            "next": "https://evil.example/"})

    assert response.url == reverse("tickets:list")


def test_people_without_the_change_permission_cannot_bulk_change(client, db):
    from tests.cxhub.factories import UserFactory

    client.force_login(UserFactory(username="nobody"))
    ticket = make_ticket()

    response = client.post(reverse("tickets:bulk"), {"tickets": [ticket.pk], "priority": "high"})

    assert response.status_code == 403

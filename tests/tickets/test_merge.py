from __future__ import annotations

import datetime as dt

import pytest
from django.template.loader import render_to_string
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone

from cxhub.exceptions import ConflictError, DomainError
from journeys.models import ExperienceSignal
from tests.cxhub.factories import UserFactory
from tests.journeys.factories import CustomerFactory
from tests.tickets.factories import make_ticket
from tickets.choices import EventKind, LinkKind, MessageKind, Status
from tickets.models import Ticket, TicketEvent, TicketLink
from tickets.services import (
    ticket_add_customer_message,
    ticket_link,
    ticket_merge,
    ticket_reply,
    ticket_resolve,
    ticket_unlink,
)

pytestmark = pytest.mark.django_db


def _ago(hours: float) -> dt.datetime:
    return timezone.now() - dt.timedelta(hours=hours)


# --- merging ------------------------------------------------------------------------------------------


def test_it_moves_the_duplicates_messages_into_the_kept_ticket_with_their_times(customer, agent, touchpoint):
    # given two tickets of the same customer about the same thing
    kept = make_ticket(customer=customer, subject="Rattle at 50 km/h", at=_ago(5), touchpoint=touchpoint)
    duplicate = make_ticket(customer=customer, subject="Noise again", body="Τρίζει ακόμα.", at=_ago(3),
                            touchpoint=touchpoint)
    ticket_reply(ticket=duplicate, author=agent, body="Looking into it.", at=_ago(2))

    # when the agent merges the duplicate into the kept ticket
    result = ticket_merge(duplicate=duplicate, into=kept, actor=agent)

    # then the conversation is whole on the kept ticket, in time order, and the duplicate is closed
    assert result == kept
    bodies = list(kept.messages.values_list("body", "created_at"))
    assert [b for b, _ in bodies] == [
        "Since the service visit there is a rattle at 50 km/h.", "Τρίζει ακόμα.", "Looking into it.",
    ]
    assert bodies[1][1] == duplicate.created_at
    duplicate.refresh_from_db()
    assert duplicate.messages.count() == 0
    assert duplicate.merged_into == kept
    assert duplicate.status == Status.CLOSED and duplicate.closed_at is not None
    assert TicketLink.objects.filter(from_ticket=duplicate, to_ticket=kept, kind=LinkKind.DUPLICATE).count() == 1
    assert TicketEvent.objects.get(ticket=duplicate, kind=EventKind.MERGED).data["into"] == kept.pk
    assert TicketEvent.objects.get(ticket=kept, kind=EventKind.MERGED).data["merged_from"] == duplicate.pk


def test_it_does_not_score_a_merged_duplicate_that_was_never_resolved(customer, agent, touchpoint):
    kept = make_ticket(customer=customer, touchpoint=touchpoint)
    duplicate = make_ticket(customer=customer, touchpoint=touchpoint, at=_ago(200))  # long past due

    ticket_merge(duplicate=duplicate, into=kept, actor=agent)

    assert not ExperienceSignal.objects.filter(source="ticket", source_id=str(duplicate.pk)).exists()
    duplicate.refresh_from_db()
    assert duplicate.first_resolved_at is None and duplicate.resolved_at is None
    status_event = TicketEvent.objects.get(ticket=duplicate, kind=EventKind.STATUS)
    assert status_event.data == {"old": Status.NEW, "new": Status.CLOSED, "merged": True}


def test_it_closes_a_resolved_duplicate_through_the_workflow_keeping_its_score(customer, agent, touchpoint):
    kept = make_ticket(customer=customer, touchpoint=touchpoint)
    duplicate = make_ticket(customer=customer, touchpoint=touchpoint)
    ticket_resolve(ticket=duplicate, actor=agent)
    signals_before = ExperienceSignal.objects.filter(source_id=str(duplicate.pk)).count()

    ticket_merge(duplicate=duplicate, into=kept, actor=agent)

    duplicate.refresh_from_db()
    assert duplicate.status == Status.CLOSED and duplicate.first_resolved_at is not None
    assert ExperienceSignal.objects.filter(source_id=str(duplicate.pk)).count() == signals_before


def test_it_refuses_to_merge_tickets_of_different_customers(agent):
    kept = make_ticket(customer=CustomerFactory(name="Nguyễn Văn An"))
    other = make_ticket(customer=CustomerFactory(name="سارا احمدی"))

    with pytest.raises(DomainError, match="same customer"):
        ticket_merge(duplicate=other, into=kept, actor=agent)

    other.refresh_from_db()
    assert other.merged_into is None and other.messages.count() == 1 and other.status == Status.NEW


def test_it_refuses_to_merge_a_ticket_into_itself(customer, agent):
    ticket = make_ticket(customer=customer)

    with pytest.raises(DomainError, match="itself"):
        ticket_merge(duplicate=ticket, into=ticket, actor=agent)


def test_it_refuses_to_merge_a_duplicate_twice(customer, agent):
    kept, duplicate, third = (make_ticket(customer=customer) for _ in range(3))
    ticket_merge(duplicate=duplicate, into=kept, actor=agent)

    with pytest.raises(ConflictError, match="already"):
        ticket_merge(duplicate=duplicate, into=third, actor=agent)
    with pytest.raises(ConflictError, match="merge into that one"):
        ticket_merge(duplicate=third, into=duplicate, actor=agent)

    assert TicketLink.objects.count() == 1
    assert Ticket.objects.get(pk=third.pk).merged_into is None


def test_it_refuses_to_merge_into_a_closed_ticket(customer, agent):
    kept = make_ticket(customer=customer)
    duplicate = make_ticket(customer=customer)
    ticket_resolve(ticket=kept, actor=agent)
    from tickets.services import ticket_change_status

    ticket_change_status(ticket=kept, status=Status.CLOSED, actor=agent)

    with pytest.raises(ConflictError, match="closed"):
        ticket_merge(duplicate=duplicate, into=kept, actor=agent)


def test_a_customer_writing_on_a_merged_duplicate_is_refused_as_closed(customer, agent):
    kept = make_ticket(customer=customer)
    duplicate = make_ticket(customer=customer)
    ticket_merge(duplicate=duplicate, into=kept, actor=agent)

    with pytest.raises(ConflictError):
        ticket_add_customer_message(ticket=duplicate, body="Any news?")


# --- linking ------------------------------------------------------------------------------------------


def test_it_links_two_tickets_once_whichever_way_round(agent):
    a, b = make_ticket(), make_ticket()

    first = ticket_link(ticket=a, other=b, actor=agent)
    again = ticket_link(ticket=a, other=b, actor=agent)
    reverse_way = ticket_link(ticket=b, other=a, actor=agent)

    assert first == again == reverse_way
    assert TicketLink.objects.filter(kind=LinkKind.RELATED).count() == 1
    assert TicketEvent.objects.filter(kind=EventKind.LINKED).count() == 2  # one on each ticket, once


def test_it_refuses_to_link_a_ticket_to_itself(agent):
    a = make_ticket()

    with pytest.raises(DomainError):
        ticket_link(ticket=a, other=a, actor=agent)


def test_it_unlinks_a_related_pair_but_keeps_a_merge_record(customer, agent):
    a, b, c = (make_ticket(customer=customer) for _ in range(3))
    ticket_link(ticket=a, other=b, actor=agent)
    ticket_merge(duplicate=c, into=a, actor=agent)

    assert ticket_unlink(ticket=b, other=a, actor=agent) is True
    assert ticket_unlink(ticket=b, other=a, actor=agent) is False
    assert ticket_unlink(ticket=c, other=a, actor=agent) is False
    assert list(TicketLink.objects.values_list("kind", flat=True)) == [LinkKind.DUPLICATE]


# --- pages --------------------------------------------------------------------------------------------


def test_it_asks_anonymous_visitors_to_log_in_before_merging_or_linking(client):
    a, b = make_ticket(), make_ticket()
    for name, data in (("tickets:merge", {"into": b.pk}), ("tickets:link", {"other": b.pk}),
                       ("tickets:unlink", {"other": b.pk})):
        response = client.post(reverse(name, args=[a.pk]), data)
        assert response.status_code == 302 and response.url.startswith(reverse("login"))
    assert TicketLink.objects.count() == 0


def test_it_forbids_merging_and_linking_to_a_user_without_a_role(client):
    client.force_login(UserFactory(username="dora"))
    a, b = make_ticket(), make_ticket()
    for name, data in (("tickets:merge", {"into": b.pk}), ("tickets:link", {"other": b.pk}),
                       ("tickets:unlink", {"other": b.pk})):
        assert client.post(reverse(name, args=[a.pk]), data).status_code == 403
    assert TicketLink.objects.count() == 0


def test_an_agent_merges_a_duplicate_from_its_page_and_lands_on_the_kept_ticket(agent_client, customer):
    kept = make_ticket(customer=customer)
    duplicate = make_ticket(customer=customer)

    response = agent_client.post(reverse("tickets:merge", args=[duplicate.pk]), {"into": kept.pk})

    assert response.status_code == 302 and response.url == reverse("tickets:detail", args=[kept.pk])
    assert Ticket.objects.get(pk=duplicate.pk).merged_into_id == kept.pk


@pytest.mark.parametrize("into, message", [
    ("999999", "There is no ticket #999999."),
    ("abc", "Enter the number of the ticket to keep."),
    ("", "Enter the number of the ticket to keep."),
])
def test_a_bad_merge_target_is_refused_with_a_clear_message(agent_client, into, message):
    ticket = make_ticket()

    response = agent_client.post(reverse("tickets:merge", args=[ticket.pk]), {"into": into}, follow=True)

    assert message in [str(m) for m in response.context["messages"]]
    assert Ticket.objects.get(pk=ticket.pk).merged_into is None


def test_a_merge_the_rules_refuse_comes_back_as_a_message(agent_client):
    a, b = make_ticket(), make_ticket()  # two different customers

    response = agent_client.post(reverse("tickets:merge", args=[a.pk]), {"into": b.pk})

    assert response.status_code == 302 and response.url == reverse("tickets:detail", args=[a.pk])
    messages = [str(m) for m in response.wsgi_request._messages]
    assert messages == ["Only tickets of the same customer can be merged."]


def test_merging_an_unknown_ticket_is_a_404(agent_client):
    other = make_ticket()

    assert agent_client.post(reverse("tickets:merge", args=[999999]), {"into": other.pk}).status_code == 404


def test_an_agent_links_and_unlinks_related_tickets_from_the_page(agent_client):
    a, b = make_ticket(), make_ticket()

    response = agent_client.post(reverse("tickets:link", args=[a.pk]), {"other": b.pk})
    assert response.status_code == 302 and response.url == reverse("tickets:detail", args=[a.pk])
    assert TicketLink.objects.filter(kind=LinkKind.RELATED).count() == 1

    agent_client.post(reverse("tickets:unlink", args=[b.pk]), {"other": a.pk})
    assert TicketLink.objects.count() == 0


def test_the_ticket_page_shows_its_links_and_the_merge_and_link_forms(agent_client, customer, agent):
    a, b = make_ticket(customer=customer, subject="Rattle"), make_ticket(customer=customer, subject="Τρίζει")
    ticket_link(ticket=a, other=b, actor=agent)

    html = agent_client.get(reverse("tickets:detail", args=[a.pk])).content.decode()

    assert "Linked tickets" in html and f"#{b.pk} Τρίζει" in html
    assert reverse("tickets:merge", args=[a.pk]) in html and reverse("tickets:link", args=[a.pk]) in html


def test_merge_and_link_pages_refuse_get(agent_client):
    a = make_ticket()

    assert agent_client.get(reverse("tickets:merge", args=[a.pk])).status_code == 405
    assert agent_client.get(reverse("tickets:link", args=[a.pk])).status_code == 405


def test_the_partial_lists_links_both_ways_and_the_merge_state(customer, agent, django_assert_max_num_queries):
    # given a ticket linked to two others, one of them merged into it
    a, b, c = (make_ticket(customer=customer) for _ in range(3))
    ticket_link(ticket=a, other=b, actor=agent)
    ticket_merge(duplicate=c, into=a, actor=agent)
    request = RequestFactory().get("/")
    request.user = agent

    # when the partial renders for the kept ticket, fetched with the prefetch the ticket page uses
    ticket = Ticket.objects.prefetch_related(*_LINK_PREFETCH).get(pk=a.pk)
    render_to_string("tickets/partials/_merge_link.html", {"ticket": ticket}, request=request)  # roles cached
    with django_assert_max_num_queries(0):
        html = render_to_string("tickets/partials/_merge_link.html", {"ticket": ticket, "perms": _Perms()},
                                request=request)

    # then both links show, and the forms are there for someone who may change tickets
    assert f"#{b.pk}" in html and f"#{c.pk}" in html
    assert reverse("tickets:merge", args=[a.pk]) in html and reverse("tickets:link", args=[a.pk]) in html

    duplicate = Ticket.objects.prefetch_related(*_LINK_PREFETCH).get(pk=c.pk)
    html = render_to_string("tickets/partials/_merge_link.html", {"ticket": duplicate, "perms": _Perms()},
                            request=request)
    assert "was merged into" in html and reverse("tickets:detail", args=[a.pk]) in html
    assert reverse("tickets:merge", args=[c.pk]) not in html


class _Perms:
    """The `perms` the template context gives someone who may change tickets (without a query)."""

    tickets = {"change_ticket": True}


_LINK_PREFETCH = ("links_out__to_ticket", "links_in__from_ticket")


def test_moved_messages_keep_their_kind(customer, agent):
    kept = make_ticket(customer=customer)
    duplicate = make_ticket(customer=customer)
    ticket_reply(ticket=duplicate, author=agent, body="note", internal=True)

    ticket_merge(duplicate=duplicate, into=kept, actor=agent)

    assert sorted(kept.messages.values_list("kind", flat=True)) == sorted(
        [MessageKind.CUSTOMER, MessageKind.CUSTOMER, MessageKind.NOTE])

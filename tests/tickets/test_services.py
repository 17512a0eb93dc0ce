from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from cxhub.exceptions import ConflictError, DomainError
from journeys.choices import SignalKind
from journeys.models import ExperienceSignal
from tests.tickets.factories import make_ticket
from tickets.choices import MessageKind, Status
from tickets.models import Ticket, TicketEvent
from tickets.services import (
    ticket_assign,
    ticket_change_status,
    ticket_reopen,
    ticket_reply,
    ticket_resolve,
)

pytestmark = pytest.mark.django_db


def kinds_for(ticket: Ticket) -> list[str]:
    return sorted(ExperienceSignal.objects.filter(source="ticket", source_id__startswith=str(ticket.pk))
                  .values_list("kind", flat=True))


def test_it_creates_a_ticket_with_the_customers_message_and_touchpoint_team(customer, touchpoint, agent):
    ticket = make_ticket(customer=customer, touchpoint=touchpoint, actor=agent)

    assert ticket.status == Status.NEW
    assert ticket.team == touchpoint.owner_team
    assert ticket.messages.get().kind == MessageKind.CUSTOMER
    assert ticket.resolution_due_at > ticket.first_response_due_at > ticket.created_at
    assert TicketEvent.objects.filter(ticket=ticket, kind="created").count() == 1


@pytest.mark.parametrize("field, kwargs", [
    ("subject", {"subject": "   "}),
    ("body", {"body": ""}),
    ("priority", {"priority": "whenever"}),
    ("channel", {"channel": "pigeon"}),
])
def test_it_refuses_bad_input_and_writes_nothing(customer, field, kwargs):
    with pytest.raises(DomainError) as excinfo:
        make_ticket(customer=customer, **kwargs)

    assert excinfo.value.field == field
    assert Ticket.objects.count() == 0


def test_it_refuses_a_duplicate_external_id(customer):
    make_ticket(customer=customer, external_id="ZD-1")

    with pytest.raises(ConflictError):
        make_ticket(customer=customer, external_id="ZD-1")


def test_first_public_reply_is_the_first_response_and_opens_the_ticket(touchpoint, agent):
    ticket = make_ticket(touchpoint=touchpoint)

    ticket_reply(ticket=ticket, author=agent, body="Looking into it.", internal=True)
    ticket.refresh_from_db()
    assert ticket.first_response_at is None and ticket.status == Status.NEW

    ticket_reply(ticket=ticket, author=agent, body="We have booked you in for Tuesday.")
    ticket_reply(ticket=ticket, author=agent, body="See you then.")
    ticket.refresh_from_db()

    assert ticket.first_response_at is not None
    assert ticket.status == Status.OPEN
    assert kinds_for(ticket) == [SignalKind.FIRST_RESPONSE, SignalKind.QUEUE_WAIT]


def test_resolving_records_the_outcome_once_even_after_reopen_and_resolve(touchpoint, agent):
    # given a ticket answered once and resolved in time
    ticket = make_ticket(touchpoint=touchpoint)
    ticket_reply(ticket=ticket, author=agent, body="Fixed: the heat shield was loose.")
    ticket_resolve(ticket=ticket, actor=agent)
    assert kinds_for(ticket) == sorted([SignalKind.FIRST_RESPONSE, SignalKind.TICKET_RESOLVED, SignalKind.QUEUE_WAIT,
                                        SignalKind.SLA_MET, SignalKind.FIRST_CONTACT_RESOLUTION])

    # when it is reopened and resolved again, twice
    for _ in range(2):
        ticket_reopen(ticket=ticket, actor=agent)
        ticket_resolve(ticket=ticket, actor=agent)

    # then the outcome stays counted once, each reopen once, and FCR is revoked once
    ticket.refresh_from_db()
    assert ticket.reopen_count == 2
    assert not ticket.first_contact_resolution
    signals = kinds_for(ticket)
    assert signals.count(SignalKind.TICKET_RESOLVED) == 1
    assert signals.count(SignalKind.SLA_MET) == 1
    assert signals.count(SignalKind.TICKET_REOPENED) == 2
    assert signals.count(SignalKind.FCR_REVOKED) == 1


def test_resolving_a_resolved_ticket_is_refused(touchpoint, agent):
    ticket = make_ticket(touchpoint=touchpoint)
    ticket_resolve(ticket=ticket, actor=agent)

    with pytest.raises(ConflictError, match="resolved already"):
        ticket_resolve(ticket=ticket, actor=agent)
    assert kinds_for(ticket).count(SignalKind.TICKET_RESOLVED) == 1


def test_a_late_resolution_breaches_the_sla_and_two_replies_are_not_fcr(touchpoint, agent):
    created = timezone.now() - dt.timedelta(days=10)
    ticket = make_ticket(touchpoint=touchpoint, at=created)
    ticket_reply(ticket=ticket, author=agent, body="One", at=created + dt.timedelta(hours=1))
    ticket_reply(ticket=ticket, author=agent, body="Two", at=created + dt.timedelta(hours=2))

    ticket_resolve(ticket=ticket, actor=agent, at=created + dt.timedelta(days=9))

    signals = kinds_for(ticket)
    assert SignalKind.SLA_BREACHED in signals and SignalKind.SLA_MET not in signals
    assert SignalKind.FIRST_CONTACT_RESOLUTION not in signals
    resolved = ExperienceSignal.objects.get(source="ticket", source_id=str(ticket.pk),
                                            kind=SignalKind.TICKET_RESOLVED)
    assert resolved.value == 9 * 24 * 3600


@pytest.mark.parametrize("start, target", [
    (Status.NEW, Status.CLOSED),
    (Status.PENDING, Status.CLOSED),
])
def test_it_refuses_transitions_the_workflow_does_not_allow(agent, start, target):
    ticket = make_ticket()
    if start != Status.NEW:
        ticket = ticket_change_status(ticket=ticket, status=start, actor=agent)

    with pytest.raises(ConflictError, match="cannot become"):
        ticket_change_status(ticket=ticket, status=target, actor=agent)
    ticket.refresh_from_db()
    assert ticket.status == start


def test_a_closed_ticket_is_final(agent):
    ticket = make_ticket()
    ticket_resolve(ticket=ticket, actor=agent)
    ticket_change_status(ticket=ticket, status=Status.CLOSED, actor=agent)

    with pytest.raises(ConflictError):
        ticket_reopen(ticket=ticket, actor=agent)
    with pytest.raises(ConflictError):
        ticket_reply(ticket=ticket, author=agent, body="Hello?")


def test_a_ticket_without_touchpoint_records_no_signals(agent):
    ticket = make_ticket()
    ticket_reply(ticket=ticket, author=agent, body="Done.")
    ticket_resolve(ticket=ticket, actor=agent)

    assert kinds_for(ticket) == []


def test_assignment_is_recorded_in_the_history(agent, manager):
    ticket = make_ticket()

    ticket_assign(ticket=ticket, assignee=agent, actor=manager)

    ticket.refresh_from_db()
    assert ticket.assignee == agent
    event = ticket.events.get(kind="assigned")
    assert event.actor == manager and event.data["new"]["assignee_id"] == agent.pk


def test_the_customer_writing_back_reopens_a_resolved_ticket_and_reopens_a_pending_one(touchpoint, agent):
    from tickets.services import ticket_add_customer_message

    resolved = make_ticket(touchpoint=touchpoint)
    ticket_resolve(ticket=resolved, actor=agent)
    pending = make_ticket(touchpoint=touchpoint)
    ticket_change_status(ticket=pending, status=Status.PENDING, actor=agent)

    ticket_add_customer_message(ticket=resolved, body="It is rattling again.")
    ticket_add_customer_message(ticket=pending, body="Here is the photo you asked for.")

    resolved.refresh_from_db()
    pending.refresh_from_db()
    assert (resolved.status, resolved.reopen_count) == (Status.OPEN, 1)
    assert (pending.status, pending.reopen_count) == (Status.OPEN, 0)
    assert kinds_for(resolved).count(SignalKind.TICKET_REOPENED) == 1


def test_only_people_who_work_tickets_can_be_assigned(agent):
    from tests.cxhub.factories import UserFactory

    outsider = UserFactory(username="dave")
    ticket = make_ticket()

    with pytest.raises(DomainError, match="does not work tickets"):
        ticket_assign(ticket=ticket, assignee=outsider, actor=agent)
    ticket.refresh_from_db()
    assert ticket.assignee is None


def test_every_message_moves_updated_at_for_syncing_clients(agent):
    from tickets.services import ticket_add_customer_message

    ticket = make_ticket()
    stamps = [ticket.updated_at]
    ticket_reply(ticket=ticket, author=agent, body="Internal: check stock", internal=True)
    stamps.append(Ticket.objects.get(pk=ticket.pk).updated_at)
    ticket_add_customer_message(ticket=ticket, body="Any news?")
    stamps.append(Ticket.objects.get(pk=ticket.pk).updated_at)

    assert stamps == sorted(stamps) and len(set(stamps)) == 3

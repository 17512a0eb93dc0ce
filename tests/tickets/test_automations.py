"""Time-based automations as services: auto-close resolved tickets, remind customers of pending ones."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail

from journeys.choices import SignalKind
from journeys.models import ExperienceSignal
from tests.journeys.factories import CustomerFactory
from tests.tickets.factories import make_ticket
from tickets.choices import EventKind, Status
from tickets.services import ticket_add_customer_message, ticket_change_status, ticket_resolve
from tickets.services.automation import (
    auto_close_candidates,
    pending_reminder_candidates,
    ticket_auto_close,
    ticket_send_pending_reminder,
)

pytestmark = pytest.mark.django_db

T0 = dt.datetime(2026, 11, 2, 9, 0, tzinfo=dt.UTC)


def reminders(ticket) -> int:
    return ticket.events.filter(kind=EventKind.REMINDER).count()


def test_it_closes_a_ticket_resolved_longer_ago_than_the_setting_and_no_other(agent, settings):
    settings.TICKET_AUTO_CLOSE_DAYS = 7
    old = make_ticket(at=T0)
    ticket_resolve(ticket=old, actor=agent, at=T0 + dt.timedelta(hours=1))
    recent = make_ticket(at=T0)
    ticket_resolve(ticket=recent, actor=agent, at=T0 + dt.timedelta(days=3))
    now = T0 + dt.timedelta(days=7, hours=2)

    assert list(auto_close_candidates(at=now)) == [old]
    assert ticket_auto_close(ticket_id=old.pk, at=now) is True
    assert ticket_auto_close(ticket_id=recent.pk, at=now) is False

    old.refresh_from_db()
    recent.refresh_from_db()
    assert (old.status, old.closed_at) == (Status.CLOSED, now)
    assert recent.status == Status.RESOLVED
    event = old.events.filter(kind=EventKind.STATUS).latest("id")
    assert event.actor is None and event.data == {"old": Status.RESOLVED, "new": Status.CLOSED}


def test_auto_closing_twice_or_a_reopened_ticket_changes_nothing(agent, touchpoint):
    ticket = make_ticket(touchpoint=touchpoint, at=T0)
    ticket_resolve(ticket=ticket, actor=agent, at=T0)
    now = T0 + dt.timedelta(days=30)
    assert ticket_auto_close(ticket_id=ticket.pk, at=now)
    signals = ExperienceSignal.objects.count()

    assert ticket_auto_close(ticket_id=ticket.pk, at=now) is False
    assert ticket_auto_close(ticket_id=424242, at=now) is False
    assert ExperienceSignal.objects.count() == signals  # closing records no signal

    reopened = make_ticket(at=T0)
    ticket_resolve(ticket=reopened, actor=agent, at=T0)
    ticket_add_customer_message(ticket=reopened, body="Again!", at=T0 + dt.timedelta(days=1))
    assert ticket_auto_close(ticket_id=reopened.pk, at=now) is False


def test_it_reminds_the_customer_once_per_pending_period_after_commit(
        agent, settings, django_capture_on_commit_callbacks):
    # given a ticket pending since Monday 10:00, reminders after 48 hours
    settings.PENDING_REMINDER_HOURS = 48
    customer = CustomerFactory(email="nikos@example.com", name="Nikos")
    ticket = make_ticket(customer=customer, at=T0, subject="Rattle at 50 km/h")
    ticket_change_status(ticket=ticket, status=Status.PENDING, actor=agent, at=T0 + dt.timedelta(hours=1))

    # when the job looks before and after the 48 hours, twice
    early = T0 + dt.timedelta(hours=48)
    late = T0 + dt.timedelta(hours=50)
    assert not pending_reminder_candidates(at=early).exists()
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        assert ticket_send_pending_reminder(ticket_id=ticket.pk, at=late) is True
        assert mail.outbox == []  # nothing leaves before the commit
    assert len(callbacks) == 1
    assert ticket_send_pending_reminder(ticket_id=ticket.pk, at=late + dt.timedelta(days=5)) is False

    # then one e-mail went out and one reminder is in the history
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["nikos@example.com"]
    assert f"#{ticket.pk}" in mail.outbox[0].subject and "Nikos" in mail.outbox[0].body
    assert reminders(ticket) == 1


def test_a_new_pending_period_gets_its_own_reminder(agent, settings, django_capture_on_commit_callbacks):
    settings.PENDING_REMINDER_HOURS = 24
    ticket = make_ticket(customer=CustomerFactory(email="a@example.com"), at=T0)
    ticket_change_status(ticket=ticket, status=Status.PENDING, actor=agent, at=T0)
    with django_capture_on_commit_callbacks(execute=True):
        ticket_send_pending_reminder(ticket_id=ticket.pk, at=T0 + dt.timedelta(hours=25))
    ticket_add_customer_message(ticket=ticket, body="Here it is", at=T0 + dt.timedelta(hours=26))
    ticket_change_status(ticket=ticket, status=Status.PENDING, actor=agent, at=T0 + dt.timedelta(hours=27))

    assert not pending_reminder_candidates(at=T0 + dt.timedelta(hours=30)).exists()
    with django_capture_on_commit_callbacks(execute=True):
        assert ticket_send_pending_reminder(ticket_id=ticket.pk, at=T0 + dt.timedelta(hours=52)) is True

    assert len(mail.outbox) == 2 and reminders(ticket) == 2


def test_a_customer_without_an_e_mail_address_is_noted_and_not_retried(agent, settings):
    settings.PENDING_REMINDER_HOURS = 1
    ticket = make_ticket(customer=CustomerFactory(email=""), at=T0)
    ticket_change_status(ticket=ticket, status=Status.PENDING, actor=agent, at=T0)

    assert ticket_send_pending_reminder(ticket_id=ticket.pk, at=T0 + dt.timedelta(hours=2)) is False

    assert reminders(ticket) == 1 and mail.outbox == []
    assert not pending_reminder_candidates(at=T0 + dt.timedelta(hours=3)).exists()


def test_a_reminder_neither_touches_the_ticket_nor_moves_its_clocks(agent, touchpoint, settings):
    settings.PENDING_REMINDER_HOURS = 1
    ticket = make_ticket(touchpoint=touchpoint, customer=CustomerFactory(email="a@example.com"), at=T0)
    ticket_change_status(ticket=ticket, status=Status.PENDING, actor=None, at=T0)  # e.g. an import
    ticket.refresh_from_db()
    due = (ticket.first_response_due_at, ticket.next_response_due_at, ticket.resolution_due_at)

    ticket_send_pending_reminder(ticket_id=ticket.pk, at=T0 + dt.timedelta(hours=2))

    ticket.refresh_from_db()
    assert ticket.first_touched_at is None
    assert (ticket.first_response_due_at, ticket.next_response_due_at, ticket.resolution_due_at) == due
    assert not ExperienceSignal.objects.filter(kind=SignalKind.QUEUE_WAIT).exists()

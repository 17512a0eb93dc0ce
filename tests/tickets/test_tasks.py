"""The service desk's beat tasks: thin, batched, idempotent. Tasks run in-process (see conftest)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.conf import settings as django_settings
from django.core import mail

from tests.journeys.factories import CustomerFactory
from tests.tickets.factories import make_ticket
from tickets.choices import EventKind, Priority, SlaStatus, Status
from tickets.models import Ticket
from tickets.services import ticket_change_status, ticket_resolve
from tickets.tasks import close_resolved_tickets, remind_pending_customers, update_sla_statuses

pytestmark = pytest.mark.django_db

T0 = dt.datetime(2026, 11, 23, 9, 0, tzinfo=dt.UTC)


def test_the_sla_job_marks_at_risk_and_breached_in_batches_and_records_each_change(agent, settings):
    # given five open normal tickets (fallback: resolution in 72 h, first response in 8 h, at risk from 80%)
    settings.SLA_BATCH_SIZE = 2
    tickets = [make_ticket(at=T0) for _ in range(5)]
    ticket_resolve(ticket=tickets[4], actor=agent, at=T0 + dt.timedelta(hours=1))

    # when the job runs 7 h and then 9 h after creation
    first = update_sla_statuses.delay(at=(T0 + dt.timedelta(hours=7)).isoformat()).get()
    at_risk = set(Ticket.objects.filter(sla_status=SlaStatus.AT_RISK).values_list("pk", flat=True))
    update_sla_statuses.delay(at=(T0 + dt.timedelta(hours=9)).isoformat())

    # then every open ticket was seen (in batches of two), the resolved one was left alone
    assert first == {"tickets": 2, "changed": 2}  # the first batch; the rest re-queued themselves
    assert at_risk == {t.pk for t in tickets[:4]}
    statuses = dict(Ticket.objects.values_list("pk", "sla_status"))
    assert [statuses[t.pk] for t in tickets] == [SlaStatus.BREACHED] * 4 + [SlaStatus.OK]
    changes = tickets[0].events.filter(kind=EventKind.SLA).values_list("data", flat=True)
    assert list(changes) == [{"old": SlaStatus.OK, "new": SlaStatus.AT_RISK, "targets": ["first_response"]},
                             {"old": SlaStatus.AT_RISK, "new": SlaStatus.BREACHED, "targets": ["first_response"]}]


def test_running_the_sla_job_twice_changes_nothing_the_second_time():
    make_ticket(at=T0, priority=Priority.URGENT)
    later = (T0 + dt.timedelta(hours=2)).isoformat()

    update_sla_statuses.delay(at=later)
    again = update_sla_statuses.delay(at=later).get()

    assert again == {"tickets": 1, "changed": 0}
    assert Ticket.objects.get().events.filter(kind=EventKind.SLA).count() == 1


def test_a_pending_ticket_does_not_run_out_of_resolution_time(agent):
    ticket = make_ticket(at=T0, priority=Priority.URGENT)  # 1 h to first response, 4 h to resolve
    from tickets.services import ticket_reply

    ticket_reply(ticket=ticket, author=agent, body="Which model?", at=T0 + dt.timedelta(minutes=10))
    ticket_change_status(ticket=ticket, status=Status.PENDING, actor=agent, at=T0 + dt.timedelta(minutes=11))

    update_sla_statuses.delay(at=(T0 + dt.timedelta(days=3)).isoformat())

    ticket.refresh_from_db()
    assert ticket.sla_status == SlaStatus.OK


def test_the_close_job_closes_old_resolved_tickets_once(agent, settings):
    settings.AUTOMATION_BATCH_SIZE = 1
    old = [make_ticket(at=T0) for _ in range(3)]
    for ticket in old:
        ticket_resolve(ticket=ticket, actor=agent, at=T0)
    fresh = make_ticket(at=T0)
    ticket_resolve(ticket=fresh, actor=agent, at=T0 + dt.timedelta(days=6))
    at = (T0 + dt.timedelta(days=8)).isoformat()

    close_resolved_tickets.delay(at=at)
    again = close_resolved_tickets.delay(at=at).get()

    assert set(Ticket.objects.filter(status=Status.CLOSED)) == set(old)
    assert again == {"candidates": 0, "closed": 0}


def test_the_reminder_job_mails_each_waiting_customer_once(agent, settings, django_capture_on_commit_callbacks):
    settings.AUTOMATION_BATCH_SIZE = 1
    for n in range(2):
        ticket = make_ticket(customer=CustomerFactory(email=f"c{n}@example.com"), at=T0)
        ticket_change_status(ticket=ticket, status=Status.PENDING, actor=agent, at=T0)
    at = (T0 + dt.timedelta(hours=49)).isoformat()

    with django_capture_on_commit_callbacks(execute=True):
        remind_pending_customers.delay(at=at)
        remind_pending_customers.delay(at=at)

    assert sorted(m.to[0] for m in mail.outbox) == ["c0@example.com", "c1@example.com"]


def test_every_beat_entry_expires_before_the_next_tick():
    for name in ("update-sla-statuses", "close-resolved-tickets", "remind-pending-customers"):
        entry = django_settings.CELERY_BEAT_SCHEDULE[name]
        assert entry["options"]["expires"] <= entry["schedule"]

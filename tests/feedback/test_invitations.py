from __future__ import annotations

import datetime as dt
import hashlib
import threading

import pytest
from django.core import mail
from django.core.mail.backends.base import BaseEmailBackend
from django.db import connection
from django.utils import timezone

from feedback.choices import InvitationStatus, InvitationTrigger, SurveyKind
from feedback.invitations import (
    due_invitations,
    invitation_create,
    invitation_send,
    invite_segment,
    touchpoint_event_record,
)
from feedback.models import FeedbackSettings, Invitation, TicketSurveyRule, TouchpointEvent
from feedback.tasks import send_due_invitations
from tests.feedback.factories import make_survey
from tests.feedback.invite_helpers import LINK, customer_speaking, sent_invitation
from tests.journeys.factories import CustomerFactory, TouchpointFactory
from tests.tickets.factories import make_ticket
from tickets.choices import Status
from tickets.services import ticket_change_status, ticket_reopen, ticket_resolve

pytestmark = pytest.mark.django_db


class RefusingBackend(BaseEmailBackend):
    """A mail server that is down."""

    def send_messages(self, email_messages):
        raise ConnectionRefusedError("mail server down")


# --- Tokens ------------------------------------------------------------------------------------------


def test_the_token_is_stored_only_as_its_hash(touchpoint, django_capture_on_commit_callbacks):
    survey = make_survey(touchpoint=touchpoint)
    invitation, token = sent_invitation(survey=survey, customer=customer_speaking("en"),
                                        capture=django_capture_on_commit_callbacks)

    assert len(token) >= 43  # 32 random bytes
    assert invitation.token_hash == hashlib.sha256(token.encode()).hexdigest()
    stored = [str(value) for row in Invitation.objects.values() for value in row.values()]
    assert not any(token in value for value in stored)


def test_each_sent_invitation_gets_its_own_link(touchpoint, django_capture_on_commit_callbacks):
    survey = make_survey(touchpoint=touchpoint)
    _, first = sent_invitation(survey=survey, customer=customer_speaking("en", email="a@example.com"),
                               capture=django_capture_on_commit_callbacks)
    _, second = sent_invitation(survey=survey, customer=customer_speaking("en", email="b@example.com"),
                                capture=django_capture_on_commit_callbacks)

    assert first != second


def test_an_invitation_expires_after_the_configured_days(touchpoint):
    FeedbackSettings.objects.update_or_create(pk=1, defaults={"invitation_expiry_days": 3})
    send_at = timezone.now() + dt.timedelta(hours=2)

    invitation = invitation_create(survey=make_survey(touchpoint=touchpoint), customer=customer_speaking("en"),
                                   touchpoint=touchpoint, trigger=InvitationTrigger.MANUAL, send_at=send_at)

    assert invitation.status == InvitationStatus.SCHEDULED
    assert invitation.expires_at == send_at + dt.timedelta(days=3)


# --- Trigger: a resolved ticket ----------------------------------------------------------------------


def test_resolving_a_ticket_schedules_one_invitation_from_the_first_matching_rule(
        customer, touchpoint, team, other_team):
    csat = make_survey(kind=SurveyKind.CSAT, touchpoint=touchpoint, name="After support")
    nps = make_survey(kind=SurveyKind.NPS, touchpoint=touchpoint, name="Relationship")
    TicketSurveyRule.objects.create(survey=nps, team=other_team, position=0)  # another team's rule
    TicketSurveyRule.objects.create(survey=csat, team=team, delay_minutes=30, position=1)
    TicketSurveyRule.objects.create(survey=nps, position=2)  # matches too, but comes later
    ticket = make_ticket(customer=customer, touchpoint=touchpoint, team=team)
    resolved_at = timezone.now()

    ticket_resolve(ticket=ticket, actor=None, at=resolved_at)

    invitation = Invitation.objects.get()
    assert (invitation.survey, invitation.ticket, invitation.trigger) == (csat, ticket, "ticket_resolved")
    assert invitation.status == InvitationStatus.SCHEDULED
    assert invitation.send_at == resolved_at + dt.timedelta(minutes=30)


def test_a_rule_narrowed_to_another_touchpoint_invites_nobody(customer, touchpoint, team):
    elsewhere = TouchpointFactory(name="Delivery")
    TicketSurveyRule.objects.create(survey=make_survey(touchpoint=elsewhere), touchpoint=elsewhere)
    ticket = make_ticket(customer=customer, touchpoint=touchpoint, team=team)

    ticket_resolve(ticket=ticket, actor=None)

    assert not Invitation.objects.exists()


def test_resolving_again_after_a_reopen_does_not_invite_twice(customer, touchpoint, team):
    TicketSurveyRule.objects.create(survey=make_survey(touchpoint=touchpoint), delay_minutes=0)
    FeedbackSettings.objects.update_or_create(pk=1, defaults={"contact_fatigue_days": 0})  # fatigue off
    ticket = make_ticket(customer=customer, touchpoint=touchpoint, team=team)

    ticket_resolve(ticket=ticket, actor=None)
    ticket_reopen(ticket=ticket, actor=None)
    ticket_resolve(ticket=ticket, actor=None)
    ticket_change_status(ticket=ticket, status=Status.CLOSED, actor=None)

    assert Invitation.objects.count() == 1


# --- Trigger: a touchpoint event ---------------------------------------------------------------------


def test_a_touchpoint_event_invites_to_the_touchpoints_survey_once_per_external_id(touchpoint):
    survey = make_survey(kind=SurveyKind.NPS, touchpoint=touchpoint)
    customer = customer_speaking("vi")

    first = touchpoint_event_record(touchpoint=touchpoint, customer=customer, kind="purchase",
                                    external_id="ORDER-1", data={"amount": 120})
    replay = touchpoint_event_record(touchpoint=touchpoint, customer=customer, kind="purchase",
                                     external_id="ORDER-1", data={"amount": 120})

    assert replay.pk == first.pk and TouchpointEvent.objects.count() == 1
    invitation = Invitation.objects.get()
    assert first.invitation == invitation
    assert (invitation.survey, invitation.trigger, invitation.language) == (survey, "touchpoint_event", "vi")


def test_an_event_at_a_touchpoint_without_a_survey_is_recorded_without_an_invitation(touchpoint):
    event = touchpoint_event_record(touchpoint=touchpoint, customer=customer_speaking("en"), kind="delivery")

    assert event.invitation is None and not Invitation.objects.exists()


# --- Trigger: a manager's batch to a segment ---------------------------------------------------------


def test_a_segment_batch_counts_invited_and_skipped_by_reason(touchpoint, settings):
    settings.INVITE_BATCH_SIZE = 2  # several batches
    survey = make_survey(touchpoint=touchpoint)
    fleet = [CustomerFactory(segment="fleet", email=f"fleet{n}@example.com") for n in range(3)]
    CustomerFactory(segment="fleet", email="")
    CustomerFactory(segment="retail", email="retail@example.com")
    invitation_create(survey=make_survey(kind=SurveyKind.NPS, touchpoint=touchpoint), customer=fleet[0],
                      touchpoint=touchpoint, trigger=InvitationTrigger.MANUAL)

    counts = invite_segment(survey=survey, segment="fleet", touchpoint=touchpoint)

    assert counts == {"invited": 2, "skipped": {"fatigue": 1, "no_email": 1}}
    batch = Invitation.objects.filter(survey=survey)
    assert batch.filter(status=InvitationStatus.SCHEDULED).count() == 2
    assert set(batch.filter(status=InvitationStatus.SKIPPED).values_list("skip_reason", flat=True)) == {
        "The customer has no e-mail address", "Invited today (at most once every 14 days)"}


# --- The sender --------------------------------------------------------------------------------------


def test_the_sender_mails_a_due_invitation_once_in_the_customers_language(
        touchpoint, django_capture_on_commit_callbacks):
    customer = customer_speaking("el")
    invitation = invitation_create(survey=make_survey(touchpoint=touchpoint), customer=customer,
                                   touchpoint=touchpoint, trigger=InvitationTrigger.MANUAL)

    with django_capture_on_commit_callbacks(execute=True):
        send_due_invitations()
        send_due_invitations()

    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == [customer.email]
    assert message.subject == "Μια γρήγορη ερώτηση για την εμπειρία σας"
    assert "Γεια σας" in message.body
    assert LINK.search(message.body).group(0) in message.body
    assert message.body.count("http://127.0.0.1:8000/s/") == 1
    invitation.refresh_from_db()
    assert invitation.status == InvitationStatus.SENT and invitation.sent_at is not None


def test_the_link_starts_with_the_site_url(touchpoint, settings, django_capture_on_commit_callbacks):
    settings.SITE_URL = "https://feedback.example.com"
    invitation_create(survey=make_survey(touchpoint=touchpoint), customer=customer_speaking("en"),
                      touchpoint=touchpoint, trigger=InvitationTrigger.MANUAL)

    with django_capture_on_commit_callbacks(execute=True):
        send_due_invitations()

    assert "https://feedback.example.com/s/" in mail.outbox[0].body


def test_two_workers_that_see_the_same_due_invitation_send_it_once(
        touchpoint, django_capture_on_commit_callbacks):
    invitation_create(survey=make_survey(touchpoint=touchpoint), customer=customer_speaking("fa"),
                      touchpoint=touchpoint, trigger=InvitationTrigger.MANUAL)
    now = timezone.now()
    # given: both workers read the due list before either claims anything
    seen_by_first = list(due_invitations(at=now).values_list("pk", flat=True))
    seen_by_second = list(due_invitations(at=now).values_list("pk", flat=True))

    with django_capture_on_commit_callbacks(execute=True):
        first = [invitation_send(invitation_id=pk, at=now) for pk in seen_by_first]
        second = [invitation_send(invitation_id=pk, at=now) for pk in seen_by_second]

    assert (first, second) == (["sent"], ["nothing"])
    assert len(mail.outbox) == 1


def test_an_invitation_is_not_sent_before_its_time(touchpoint, django_capture_on_commit_callbacks):
    invitation_create(survey=make_survey(touchpoint=touchpoint), customer=customer_speaking("en"),
                      touchpoint=touchpoint, trigger=InvitationTrigger.MANUAL,
                      send_at=timezone.now() + dt.timedelta(minutes=60))

    with django_capture_on_commit_callbacks(execute=True):
        outcome = send_due_invitations()

    assert outcome["due"] == 0 and mail.outbox == []
    later = (timezone.now() + dt.timedelta(minutes=61)).isoformat()
    with django_capture_on_commit_callbacks(execute=True):
        outcome = send_due_invitations(at=later)
    assert outcome["sent"] == 1 and len(mail.outbox) == 1


def test_a_scheduled_invitation_past_its_expiry_is_expired_not_sent(touchpoint, django_capture_on_commit_callbacks):
    invitation = invitation_create(survey=make_survey(touchpoint=touchpoint), customer=customer_speaking("en"),
                                   touchpoint=touchpoint, trigger=InvitationTrigger.MANUAL)

    with django_capture_on_commit_callbacks(execute=True):
        send_due_invitations(at=(invitation.expires_at + dt.timedelta(minutes=1)).isoformat())

    invitation.refresh_from_db()
    assert invitation.status == InvitationStatus.EXPIRED and mail.outbox == []


def test_a_failed_send_marks_the_invitation_failed(touchpoint, settings, django_capture_on_commit_callbacks):
    settings.EMAIL_BACKEND = "tests.feedback.test_invitations.RefusingBackend"
    invitation = invitation_create(survey=make_survey(touchpoint=touchpoint), customer=customer_speaking("en"),
                                   touchpoint=touchpoint, trigger=InvitationTrigger.MANUAL)

    with django_capture_on_commit_callbacks(execute=True):
        send_due_invitations()

    invitation.refresh_from_db()
    assert invitation.status == InvitationStatus.FAILED
    assert "mail server down" in invitation.skip_reason


# --- Real concurrency (PostgreSQL row locks) ---------------------------------------------------------


def _at_once(*calls):
    """Run the calls in threads released together; each thread uses and closes its own connection."""
    barrier = threading.Barrier(len(calls))
    results: list[object] = [None] * len(calls)

    def run(index, call):
        try:
            barrier.wait()
            results[index] = call()
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, call)) for i, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_workers_sending_the_same_invitation_at_once_send_it_once(touchpoint):
    invitation = invitation_create(survey=make_survey(touchpoint=touchpoint), customer=customer_speaking("en"),
                                   touchpoint=touchpoint, trigger=InvitationTrigger.MANUAL)
    now = timezone.now()

    outcomes = _at_once(lambda: invitation_send(invitation_id=invitation.pk, at=now),
                        lambda: invitation_send(invitation_id=invitation.pk, at=now))

    assert sorted(outcomes) == ["nothing", "sent"]
    assert len(mail.outbox) == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_workers_sending_two_surveys_to_one_customer_at_once_send_one(touchpoint):
    FeedbackSettings.objects.update_or_create(pk=1, defaults={"contact_fatigue_days": 0})
    customer = customer_speaking("en")
    invitations = [invitation_create(survey=make_survey(kind=kind, touchpoint=touchpoint), customer=customer,
                                     touchpoint=touchpoint, trigger=InvitationTrigger.MANUAL)
                   for kind in (SurveyKind.CSAT, SurveyKind.NPS)]
    FeedbackSettings.objects.filter(pk=1).update(contact_fatigue_days=14)  # a manager turns fatigue on
    now = timezone.now()

    outcomes = _at_once(*[lambda pk=inv.pk: invitation_send(invitation_id=pk, at=now) for inv in invitations])

    assert sorted(outcomes) == ["sent", "skipped"]
    assert len(mail.outbox) == 1

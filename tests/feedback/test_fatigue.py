"""Contact fatigue: at most one invitation per customer per N days, across all surveys."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail
from django.utils import timezone

from feedback.choices import InvitationStatus, InvitationTrigger, SurveyKind
from feedback.invitations import invitation_create, invitation_send
from feedback.models import FeedbackSettings
from tests.feedback.factories import make_survey
from tests.feedback.invite_helpers import customer_speaking

pytestmark = pytest.mark.django_db


def _fatigue(days: int) -> None:
    FeedbackSettings.objects.update_or_create(pk=1, defaults={"contact_fatigue_days": days})


def _invite(survey, customer, *, at: dt.datetime):
    return invitation_create(survey=survey, customer=customer, touchpoint=survey.touchpoint,
                             trigger=InvitationTrigger.MANUAL, send_at=at)


@pytest.fixture
def surveys(touchpoint):
    return make_survey(kind=SurveyKind.CSAT, touchpoint=touchpoint), make_survey(kind=SurveyKind.NPS,
                                                                                  touchpoint=touchpoint)


def test_a_second_survey_within_the_window_is_skipped_with_its_reason(surveys, django_capture_on_commit_callbacks):
    csat, nps = surveys
    customer = customer_speaking("en")
    start = timezone.now() - dt.timedelta(days=3)
    first = _invite(csat, customer, at=start)
    with django_capture_on_commit_callbacks(execute=True):
        invitation_send(invitation_id=first.pk, at=start)

    second = _invite(nps, customer, at=timezone.now())

    assert second.status == InvitationStatus.SKIPPED
    assert second.skip_reason == "Invited 3 days ago (at most once every 14 days)"
    with django_capture_on_commit_callbacks(execute=True):
        assert invitation_send(invitation_id=second.pk) == "nothing"
    assert len(mail.outbox) == 1


def test_a_scheduled_invitation_counts_too(surveys):
    csat, nps = surveys
    customer = customer_speaking("en")
    _invite(csat, customer, at=timezone.now() + dt.timedelta(days=2))

    second = _invite(nps, customer, at=timezone.now())

    assert second.status == InvitationStatus.SKIPPED
    assert second.skip_reason.startswith("Another invitation is planned for ")


def test_after_the_window_the_next_invitation_is_sent(surveys, django_capture_on_commit_callbacks):
    csat, nps = surveys
    customer = customer_speaking("en")
    start = timezone.now() - dt.timedelta(days=14, minutes=1)
    first = _invite(csat, customer, at=start)
    with django_capture_on_commit_callbacks(execute=True):
        invitation_send(invitation_id=first.pk, at=start)

    second = _invite(nps, customer, at=timezone.now())
    with django_capture_on_commit_callbacks(execute=True):
        outcome = invitation_send(invitation_id=second.pk)

    assert (second.status, outcome) == (InvitationStatus.SCHEDULED, "sent")
    assert len(mail.outbox) == 2


def test_a_shorter_window_set_by_a_manager_applies_to_the_next_invitation(surveys, django_capture_on_commit_callbacks):
    csat, nps = surveys
    customer = customer_speaking("en")
    start = timezone.now() - dt.timedelta(days=8)
    first = _invite(csat, customer, at=start)
    with django_capture_on_commit_callbacks(execute=True):
        invitation_send(invitation_id=first.pk, at=start)
    assert _invite(nps, customer, at=timezone.now()).status == InvitationStatus.SKIPPED

    _fatigue(7)

    assert _invite(nps, customer, at=timezone.now()).status == InvitationStatus.SCHEDULED


def test_a_longer_window_set_after_scheduling_is_checked_again_at_send_time(
        surveys, django_capture_on_commit_callbacks):
    csat, nps = surveys
    customer = customer_speaking("en")
    _fatigue(2)
    start = timezone.now() - dt.timedelta(days=5)
    first = _invite(csat, customer, at=start)
    with django_capture_on_commit_callbacks(execute=True):
        invitation_send(invitation_id=first.pk, at=start)
    later = _invite(nps, customer, at=timezone.now())
    assert later.status == InvitationStatus.SCHEDULED

    _fatigue(30)
    with django_capture_on_commit_callbacks(execute=True):
        outcome = invitation_send(invitation_id=later.pk)

    later.refresh_from_db()
    assert (outcome, later.status) == ("skipped", InvitationStatus.SKIPPED)
    assert later.skip_reason == "Invited 5 days ago (at most once every 30 days)"
    assert len(mail.outbox) == 1


def test_a_customer_without_an_email_address_is_skipped_with_the_reason(surveys):
    invitation = _invite(surveys[0], customer_speaking("el", email=""), at=timezone.now())

    assert invitation.status == InvitationStatus.SKIPPED
    assert invitation.skip_reason == "The customer has no e-mail address"


def test_a_skipped_invitation_does_not_occupy_the_window(surveys):
    csat, nps = surveys
    customer = customer_speaking("en", email="")
    _invite(csat, customer, at=timezone.now())
    customer.email = "now-reachable@example.com"
    customer.save()

    assert _invite(nps, customer, at=timezone.now()).status == InvitationStatus.SCHEDULED


def test_a_window_of_zero_days_turns_fatigue_off(surveys):
    csat, nps = surveys
    customer = customer_speaking("en")
    _fatigue(0)

    _invite(csat, customer, at=timezone.now())

    assert _invite(nps, customer, at=timezone.now()).status == InvitationStatus.SCHEDULED

"""Shared setup for the invitation, fatigue and public page tests."""

from __future__ import annotations

import re
from typing import Any

from django.core import mail

from feedback.choices import InvitationTrigger, SurveyKind
from feedback.invitations import invitation_create, invitation_send
from feedback.models import Invitation, Survey, SurveyVersion
from journeys.models import Customer, Touchpoint
from tests.feedback.factories import make_survey
from tests.journeys.factories import CustomerFactory

LINK = re.compile(r"/s/([A-Za-z0-9_-]+)/")

# A custom CSAT survey: the metric question, one single and one multiple choice, and a comment.
DEFINITION: dict[str, Any] = {
    "title": {"en": "Your visit", "el": "Η επίσκεψή σας", "vi": "Chuyến thăm của bạn", "fa": "بازدید شما"},
    "intro": {"en": "Three short questions."},
    "questions": [
        {"key": "csat", "kind": "rating", "primary": True, "required": True, "scale_min": 1, "scale_max": 5,
         "choices": [], "text": {"en": "How satisfied were you with your visit?",
                                 "el": "Πόσο ικανοποιημένοι μείνατε από την επίσκεψή σας;"}},
        {"key": "channel", "kind": "single", "required": True, "text": {"en": "How did you book?"},
         "choices": [{"key": "phone", "text": {"en": "By phone", "fa": "تلفنی"}},
                     {"key": "web", "text": {"en": "On the website"}}]},
        {"key": "liked", "kind": "multiple", "required": False, "text": {"en": "What did you like?"},
         "choices": [{"key": "staff", "text": {"en": "The staff"}}, {"key": "speed", "text": {"en": "The speed"}}]},
        {"key": "comment", "kind": "text", "required": False, "text": {"en": "Anything else?"}, "choices": []},
    ],
}


def customer_speaking(language: str, **kwargs: Any) -> Customer:
    return CustomerFactory(language=language, email=kwargs.pop("email", f"{language}-customer@example.com"),
                           **kwargs)


def custom_survey(touchpoint: Touchpoint) -> Survey:
    """A CSAT survey whose current version (2) asks the questions of DEFINITION."""
    survey = make_survey(kind=SurveyKind.CSAT, touchpoint=touchpoint, name="Visit survey")
    SurveyVersion.objects.create(survey=survey, number=2, definition=DEFINITION)
    Survey.objects.filter(pk=survey.pk).update(version=2)
    survey.refresh_from_db()
    return survey


def send(invitation: Invitation, capture: Any) -> str:
    """Send the invitation as the beat job would, and return the token from its e-mail's link."""
    with capture(execute=True):
        outcome = invitation_send(invitation_id=invitation.pk)
    assert outcome == "sent", outcome
    return LINK.search(mail.outbox[-1].body).group(1)


def sent_invitation(*, survey: Survey, customer: Customer, capture: Any) -> tuple[Invitation, str]:
    invitation = invitation_create(survey=survey, customer=customer, touchpoint=survey.touchpoint,
                                   trigger=InvitationTrigger.MANUAL)
    token = send(invitation, capture)
    invitation.refresh_from_db()
    return invitation, token

"""Writes on the feedback side: surveys and the responses customers give."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from cxhub.exceptions import DomainError
from cxhub.webhooks.events import RESPONSE_CREATED
from cxhub.webhooks.services import event_emit
from feedback.choices import (
    DEFAULT_QUESTION_TRANSLATIONS,
    DEFAULT_QUESTIONS,
    SCALES,
    SIGNAL_KINDS,
    Audience,
    SurveyKind,
)
from feedback.loop import frozen_ticket_context, loop_open
from feedback.models import Response, Survey, SurveyVersion
from feedback.sentiment import analyse as analyse_sentiment
from journeys.choices import Language
from journeys.models import Customer, Touchpoint
from journeys.scoring import FORMULA_VERSION
from journeys.services import signal_record
from tickets.models import Ticket

SIGNAL_SOURCE = "response"
# Clocks of CRMs that post answers differ a little from ours; more than this is a mistake.
ANSWER_CLOCK_SKEW = dt.timedelta(minutes=5)


def metric_question(*, kind: str, text: str) -> dict[str, object]:
    """The primary question of a survey of this kind, in the definition format of SurveyVersion."""
    low, high = SCALES[kind]
    return {"key": kind, "kind": "rating", "primary": True, "required": True, "text": {"en": text},
            "scale_min": low, "scale_max": high, "choices": []}


@transaction.atomic
def survey_create(
    *, name: str, kind: str, touchpoint: Touchpoint | None = None, question: str = ""
) -> Survey:
    """A survey of a standard kind, with that kind's scale and default question, as version 1."""
    if kind not in SurveyKind.values:
        raise DomainError(f"Unknown survey kind {kind!r}.", field="kind")
    low, high = SCALES[kind]
    text = question.strip() or DEFAULT_QUESTIONS[kind]
    survey = Survey.objects.create(
        name=name.strip(), kind=kind, touchpoint=touchpoint, question=text, scale_min=low, scale_max=high,
    )
    question_def = metric_question(kind=kind, text=text)
    if not question.strip():  # the standard wording: offer it in every language we speak
        question_def["text"] = {"en": text, **DEFAULT_QUESTION_TRANSLATIONS[kind]}
    SurveyVersion.objects.create(survey=survey, number=1, definition={
        "title": {"en": survey.name}, "intro": {}, "questions": [question_def]})
    return survey


def response_check(
    *, survey: Survey, customer: Customer, score: int, answered_at: dt.datetime, touchpoint: Touchpoint | None,
    ticket: Ticket | None, language: str | None, closed_survey_ok: bool = False,
) -> tuple[Touchpoint, str]:
    """The rules an answer must meet (DomainError naming the field otherwise); returns the touchpoint it is
    about (given, else the ticket's, else the survey's) and the language it counts with. An import of
    past answers may bring in those of a survey closed since (`closed_survey_ok`)."""
    if answered_at > timezone.now() + ANSWER_CLOCK_SKEW:
        raise DomainError("An answer cannot be given in the future.", field="answered_at")
    if not survey.is_active and not closed_survey_ok:
        raise DomainError("This survey is closed.", field="survey")
    if survey.audience != Audience.CUSTOMERS:
        raise DomainError("Staff pulse answers are anonymous and are not customer responses.", field="survey")
    if isinstance(score, bool) or not isinstance(score, int):
        raise DomainError("The score must be a whole number.", field="score")
    if score not in survey.scale:
        raise DomainError(f"The score must be from {survey.scale_min} to {survey.scale_max}.", field="score")
    if ticket is not None and ticket.customer_id != customer.pk:
        raise DomainError("That ticket belongs to another customer.", field="ticket")
    touchpoint = touchpoint or (ticket.touchpoint if ticket else None) or survey.touchpoint
    if touchpoint is None:
        raise DomainError("Say which touchpoint this answer is about: the survey has none.", field="touchpoint")
    if not touchpoint.is_active:
        raise DomainError("That touchpoint is no longer active.", field="touchpoint")
    language = language or customer.language
    if language not in Language.values:
        raise DomainError(f"Unknown language {language!r}.", field="language")
    return touchpoint, language


@transaction.atomic
def response_submit(
    *,
    survey: Survey,
    customer: Customer,
    score: int,
    comment: str = "",
    touchpoint: Touchpoint | None = None,
    ticket: Ticket | None = None,
    language: str | None = None,
    answered_at: dt.datetime | None = None,
    answers: dict[str, object] | None = None,
) -> Response:
    """Store an answer and record its experience signal on the touchpoint, once.

    The touchpoint defaults to the ticket's, then the survey's. The ticket's team and assignee at
    answer time are frozen into the signal, so a later reassignment does not move the credit.
    """
    answered_at = answered_at or timezone.now()
    touchpoint, language = response_check(survey=survey, customer=customer, score=score, answered_at=answered_at,
                                          touchpoint=touchpoint, ticket=ticket, language=language)
    response = Response.objects.create(
        survey=survey, customer=customer, touchpoint=touchpoint, ticket=ticket, score=score,
        comment=(comment or "").strip(), language=language, scale_min=survey.scale_min,
        scale_max=survey.scale_max, survey_version=survey.version,
        version=SurveyVersion.objects.filter(survey=survey, number=survey.version).first(),
        answers=answers or {}, formula_version=FORMULA_VERSION, answered_at=answered_at,
    )
    signal_record(
        touchpoint=touchpoint, kind=SIGNAL_KINDS[survey.kind], source=SIGNAL_SOURCE,
        source_id=str(response.pk), occurred_at=answered_at, value=score, customer=customer,
        context={
            "survey_id": survey.pk, "survey_version": survey.version,
            "scale": [survey.scale_min, survey.scale_max], "formula_version": FORMULA_VERSION,
            # ticket, team, assignee, touchpoint and SLA standing as they are now (feedback.loop)
            **frozen_ticket_context(ticket=ticket, touchpoint=touchpoint, at=answered_at),
        },
    )
    if response.comment:
        response.sentiment = analyse_sentiment(response.comment, language=response.language)
        response.save(update_fields=["sentiment"])
    loop_open(response=response)  # a low answer opens a follow-up ticket
    event_emit(RESPONSE_CREATED, response_webhook_data(response))
    return response


def response_webhook_data(response: Response) -> dict[str, object]:
    """A response as webhooks carry it: small and stable (docs/webhooks.md)."""
    return {
        "id": response.pk,
        "survey": {"id": response.survey_id, "kind": response.survey.kind},
        "score": response.score,
        "scale": [response.scale_min, response.scale_max],
        "comment": response.comment,
        "language": response.language,
        "customer": {"id": response.customer_id, "external_id": response.customer.external_id},
        "touchpoint_id": response.touchpoint_id,
        "ticket_id": response.ticket_id,
        "follow_up_ticket_id": response.follow_up_ticket_id,
        "answered_at": response.answered_at,
        "created_at": response.created_at,
    }

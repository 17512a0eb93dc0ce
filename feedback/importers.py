"""CSV import of survey responses given before CX Hub (docs/import.md), registered in
FeedbackConfig.ready().

One row is one answer to one survey (NPS, CSAT or CES): `survey` names it, `score` is the answer on its
scale. A row is checked by the API's response serializer (with references by CRM id and by name) and
written by `response_import`, which records the answer and its signal as `response_submit` does but,
being history, opens no closed-loop follow-up and sends no webhook.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from rest_framework import serializers

from cxhub.exceptions import ConflictError, DomainError
from cxhub.imports import CREATED, UNCHANGED, UPDATED, Column, Importer, Row, RowOutcome
from feedback.api.serializers import MAX_ID, ResponseCreateSerializer
from feedback.choices import SIGNAL_KINDS
from feedback.loop import frozen_ticket_context
from feedback.models import Response, Survey, SurveyVersion
from feedback.sentiment import analyse as analyse_sentiment
from feedback.services import SIGNAL_SOURCE, response_check
from journeys.importers import TouchpointRefField
from journeys.models import Customer, Touchpoint
from journeys.scoring import FORMULA_VERSION
from journeys.services import rollup_after_commit, rollups_deferred, signal_record
from tickets.models import Ticket


class SurveyRefField(serializers.Field):
    """A survey in an import file: its id, or its name when only one survey has that name."""

    def to_internal_value(self, data: Any) -> Survey:
        text = str(data).strip()
        if text.isdigit():
            survey = Survey.objects.filter(pk=int(text)).first() if int(text) <= MAX_ID else None
        else:
            surveys = Survey.objects.order_by("id")  # as written first, as for touchpoints
            matches = list(surveys.filter(name=text)[:5]) or list(surveys.filter(name__iexact=text)[:5])
            if len(matches) > 1:
                raise serializers.ValidationError(
                    _("Several surveys are called %(name)s (ids %(ids)s): give the id instead.")
                    % {"name": text, "ids": ", ".join(str(s.pk) for s in matches)})
            survey = matches[0] if matches else None
        if survey is None:
            raise serializers.ValidationError(_("No survey has the id or name %(value)s.") % {"value": text})
        return survey

    def to_representation(self, value: Survey) -> int:
        return value.pk


class ResponseImportRowSerializer(ResponseCreateSerializer):
    """A response row: the API's checks, with the customer and ticket named by their CRM ids."""

    survey = SurveyRefField()
    customer = None  # named by customer_external_id
    customer_external_id = serializers.CharField(max_length=100)
    touchpoint = TouchpointRefField(required=False)
    ticket = None  # named by ticket_external_id
    ticket_external_id = serializers.CharField(max_length=100, required=False)
    answered_at = serializers.DateTimeField()
    answers = None  # one metric answer per row

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        key = attrs.pop("customer_external_id")
        attrs["customer"] = Customer.objects.filter(external_id=key).first()
        if attrs["customer"] is None:
            raise serializers.ValidationError(
                {"customer_external_id": [_("No customer has this external_id (import the customers first).")]})
        ticket_key = attrs.pop("ticket_external_id", None)
        if ticket_key:
            attrs["ticket"] = Ticket.objects.select_related("touchpoint").filter(external_id=ticket_key).first()
            if attrs["ticket"] is None:
                raise serializers.ValidationError({"ticket_external_id": [_("No ticket has this external_id.")]})
        return attrs


def _check(*, survey: Survey, customer: Customer, score: int, answered_at: dt.datetime,
           touchpoint: Touchpoint | None, ticket: Ticket | None, language: str | None) -> tuple[Touchpoint, str]:
    """response_submit's rules for an answer, except that a survey closed since may still bring in the
    answers it was given. Returns the touchpoint and the language the answer counts with."""
    if timezone.is_naive(answered_at):
        raise DomainError("answered_at needs a time zone.", field="answered_at")
    return response_check(survey=survey, customer=customer, score=score, answered_at=answered_at,
                          touchpoint=touchpoint, ticket=ticket, language=language, closed_survey_ok=True)


def _reimport(response: Response, *, facts: dict[str, Any], comment: str, language: str) -> bool:
    """The same answer imported again: what was scored must be the same; the comment and its language may
    change (the sentiment is read again). Returns whether anything changed."""
    for name, value in facts.items():
        if getattr(response, name) != value:
            raise DomainError(f"This answer was imported with another {name}: a scored answer is not changed.",
                              field=name)
    if (response.comment, response.language) == (comment, language):
        return False
    response.comment, response.language = comment, language
    response.sentiment = analyse_sentiment(comment, language=language)
    response.save(update_fields=["comment", "language", "sentiment"])
    return True


@transaction.atomic
def response_import(
    *,
    external_id: str,
    survey: Survey,
    customer: Customer,
    score: int,
    answered_at: dt.datetime,
    comment: str = "",
    touchpoint: Touchpoint | None = None,
    ticket: Ticket | None = None,
    language: str | None = None,
) -> tuple[Response, str]:
    """Store an answer given before CX Hub, keyed by its id in the system it came from, and record its
    signal dated when it was given. Returns the response and "created", "updated" or "unchanged".

    The rules are response_submit's (a survey closed since may still bring in its answers); nothing is
    announced: no closed-loop follow-up ticket for a low answer, no webhook.
    """
    key = (external_id or "").strip()
    if not key:
        raise DomainError("The external_id cannot be empty.", field="external_id")
    touchpoint, language = _check(survey=survey, customer=customer, score=score, answered_at=answered_at,
                                  touchpoint=touchpoint, ticket=ticket, language=language)
    comment = (comment or "").strip()
    existing = Response.objects.select_for_update().filter(external_id=key).first()
    if existing is not None:
        facts = {"survey": survey, "customer": customer, "score": score, "answered_at": answered_at,
                 "touchpoint": touchpoint, "ticket": ticket}
        return existing, UPDATED if _reimport(existing, facts=facts, comment=comment, language=language) else UNCHANGED
    try:
        with transaction.atomic():
            response = Response.objects.create(
                survey=survey, customer=customer, touchpoint=touchpoint, ticket=ticket, score=score,
                comment=comment, language=language, scale_min=survey.scale_min, scale_max=survey.scale_max,
                survey_version=survey.version,
                version=SurveyVersion.objects.filter(survey=survey, number=survey.version).first(),
                formula_version=FORMULA_VERSION, answered_at=answered_at, external_id=key,
                sentiment=analyse_sentiment(comment, language=language),
            )
    except IntegrityError:
        raise ConflictError("An answer with this external_id was imported meanwhile; import the row again.",
                            field="external_id") from None
    signal_record(
        touchpoint=touchpoint, kind=SIGNAL_KINDS[survey.kind], source=SIGNAL_SOURCE,
        source_id=str(response.pk), occurred_at=answered_at, value=score, customer=customer,
        context={
            "survey_id": survey.pk, "survey_version": survey.version,
            "scale": [survey.scale_min, survey.scale_max], "formula_version": FORMULA_VERSION,
            **frozen_ticket_context(ticket=ticket, touchpoint=touchpoint, at=answered_at),
        },
    )
    return response, CREATED


RESPONSE_COLUMNS = (
    Column("external_id", gettext_lazy("The answer's id in the system the file comes from; the key of the row."),
           "SRV-2024-00317", required=True),
    Column("survey", gettext_lazy("The survey answered, by id or name; its kind (NPS, CSAT or CES) sets the "
                                  "scale."), "NPS after delivery", required=True),
    Column("customer_external_id", gettext_lazy("The customer's external_id (import the customers first)."),
           "CRM-10042", required=True),
    Column("score", gettext_lazy("The answer, a whole number on the survey's scale: NPS 0-10, CSAT 1-5, CES 1-7."),
           "9", required=True),
    Column("answered_at", gettext_lazy("When the customer answered; the answer counts in that day's scores."),
           "2024-03-20 18:45", required=True),
    Column("comment", gettext_lazy("What the customer wrote, in any language."), "Εξαιρετική εξυπηρέτηση!"),
    Column("touchpoint", gettext_lazy("Where the answer counts, by id or name; the ticket's, else the survey's, "
                                      "when empty."), ""),
    Column("ticket_external_id", gettext_lazy("The ticket the answer is about, if any (import the tickets first)."),
           "T-2023-0815"),
    Column("language", gettext_lazy("en, el, vi or fa; the customer's language when empty."), "el"),
)


def write_responses(rows: Sequence[Row], *, actor: AbstractBaseUser | None) -> list[RowOutcome]:
    """Check and write each row in its own savepoint; the batch's signals are rolled up once, after commit."""
    outcomes = []
    with rollups_deferred():
        for row in rows:
            data = row.given()
            if "language" in data:
                data["language"] = data["language"].lower()
            serializer = ResponseImportRowSerializer(data=data)
            if not serializer.is_valid():
                outcomes.append(RowOutcome.rejected(serializer.errors))
                continue
            try:
                _response, outcome = response_import(external_id=row.external_id, **serializer.validated_data)
            except DomainError as error:
                outcomes.append(RowOutcome.from_error(error, renames={"ticket": "ticket_external_id"}))
            else:
                outcomes.append(RowOutcome(outcome))
    rollup_after_commit()
    return outcomes


RESPONSES = Importer(
    kind="responses",
    label=gettext_lazy("Survey responses"),
    description=gettext_lazy(
        "Answers to NPS, CSAT and CES surveys given before CX Hub, one answer per row. They count in the scores "
        "of the day they were given. Nothing is sent, and low answers open no follow-up ticket."),
    columns=RESPONSE_COLUMNS,
    write_batch=write_responses,
    permission="feedback.add_response",
    position=30,
)

"""Reads on the feedback side."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, QuerySet
from django.http import QueryDict

from feedback.filters import ResponseFilterSet
from feedback.models import Response, Survey, SurveyVersion
from journeys.selectors import CustomerExperience, customer_experience
from tickets.models import Ticket

CONTEXT_LIMIT = 5  # other answers and tickets shown beside a response


def response_list(*, kind: str = "", touchpoint_id: int | None = None) -> QuerySet[Response]:
    """Answers, newest first, with what the list shows joined in."""
    responses = Response.objects.select_related(
        "survey", "customer", "touchpoint__stage__journey", "ticket"
    )
    if kind:
        responses = responses.filter(survey__kind=kind)
    if touchpoint_id:
        responses = responses.filter(touchpoint_id=touchpoint_id)
    return responses.order_by("-answered_at", "-id")


def response_filterset(*, data: QueryDict) -> ResponseFilterSet:
    """The response list's FilterSet over a query string, newest first, the list's columns joined in."""
    return ResponseFilterSet(data, queryset=response_list())


def response_get(*, pk: int) -> Response:
    """One answer with its frozen version, its tickets and its themes. Raises Response.DoesNotExist."""
    return (
        Response.objects.select_related("survey", "version", "customer", "touchpoint__stage__journey",
                                        "ticket", "follow_up_ticket", "invitation")
        .prefetch_related("themes").get(pk=pk)
    )


@dataclass
class ResponseContext:
    """What else we know of the customer who answered."""

    other_answers: list[Response]
    tickets: list[Ticket]
    experience: CustomerExperience


def response_context(*, response: Response) -> ResponseContext:
    other_answers = list(
        Response.objects.filter(customer_id=response.customer_id).exclude(pk=response.pk)
        .select_related("survey", "touchpoint").order_by("-answered_at", "-id")[:CONTEXT_LIMIT]
    )
    tickets = list(Ticket.objects.filter(customer_id=response.customer_id).order_by("-created_at", "-id")
                   [:CONTEXT_LIMIT])
    return ResponseContext(other_answers, tickets,
                           customer_experience(customer_id=response.customer_id, limit=CONTEXT_LIMIT))


def survey_list() -> QuerySet[Survey]:
    """Every survey with its touchpoint and its number of answers, open ones first."""
    return (
        Survey.objects.select_related("touchpoint__stage__journey")
        .annotate(response_count=Count("responses"))
        .order_by("-is_active", "name", "id")
    )


def survey_get(*, pk: int) -> Survey:
    return Survey.objects.select_related("touchpoint__stage__journey").get(pk=pk)


def survey_versions(*, survey: Survey) -> QuerySet[SurveyVersion]:
    """The version history, newest first, with who made each and how many answers it has."""
    return (
        SurveyVersion.objects.filter(survey=survey).select_related("created_by")
        .annotate(response_count=Count("responses")).order_by("-number")
    )


def current_version(*, survey: Survey) -> SurveyVersion | None:
    return SurveyVersion.objects.filter(survey=survey, number=survey.version).first()


# --- A definition in one language ----------------------------------------------------------------


@dataclass
class ShownQuestion:
    """A question of a frozen version as a customer reads it in one language (English as fallback)."""

    key: str
    kind: str
    text: str
    text_lang: str
    required: bool
    primary: bool
    scale: list[int] = field(default_factory=list)
    choices: list[tuple[str, str]] = field(default_factory=list)
    answer: Any = None  # filled in for a response page: the value given, or None


def _in(texts: dict[str, str] | None, lang: str) -> tuple[str, str]:
    texts = texts or {}
    if texts.get(lang):
        return texts[lang], lang
    return texts.get("en", ""), "en"


def definition_in(*, definition: dict[str, Any], lang: str) -> tuple[str, str, list[ShownQuestion]]:
    """(title, intro, questions) of a definition in `lang`, each text falling back to English."""
    questions = []
    for q in definition.get("questions", []):
        text, text_lang = _in(q.get("text"), lang)
        scale = []
        if q.get("kind") == "rating" and q.get("scale_min") is not None:
            scale = list(range(q["scale_min"], q["scale_max"] + 1))
        questions.append(ShownQuestion(
            key=q["key"], kind=q["kind"], text=text, text_lang=text_lang, required=bool(q.get("required")),
            primary=bool(q.get("primary")), scale=scale,
            choices=[(c["key"], _in(c.get("text"), lang)[0]) for c in q.get("choices", [])],
        ))
    return _in(definition.get("title"), lang)[0], _in(definition.get("intro"), lang)[0], questions


def response_questions(*, response: Response) -> list[ShownQuestion]:
    """Every question of the version the customer answered, in their language, with their answer.

    An answer from before versions were kept has no version: it is shown as its one metric question.
    """
    if response.version is not None:
        definition = response.version.definition
    else:
        definition = {"questions": [{
            "key": response.survey.kind, "kind": "rating", "primary": True, "required": True,
            "text": {"en": response.survey.question}, "scale_min": response.scale_min,
            "scale_max": response.scale_max, "choices": []}]}
    _, _, questions = definition_in(definition=definition, lang=response.language)
    answers = response.answers or {}
    for q in questions:
        if q.primary:
            q.answer = response.score
        else:
            value = answers.get(q.key)
            labels = dict(q.choices)
            if isinstance(value, list):
                q.answer = ", ".join(str(labels.get(v, v)) for v in value) or None
            elif value not in (None, ""):
                q.answer = labels.get(value, value) if q.kind == "single" else value
    return questions

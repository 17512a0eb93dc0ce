"""Writes of the survey editor: a new survey, a new version of its questions, closing and reopening it.

A survey's questions are never edited in place. Saving the editor validates the whole definition and
freezes it as SurveyVersion number+1; responses keep pointing at the version they answered, so an old
answer is always shown with the questions and scale it was given on.
"""

from __future__ import annotations

import re
from typing import Any

from django.contrib.auth.base_user import AbstractBaseUser
from django.db import transaction

from cxhub.exceptions import DomainError
from feedback.choices import DEFAULT_QUESTIONS, SCALES, Audience, QuestionKind, SurveyKind
from feedback.models import Survey, SurveyVersion
from feedback.services import metric_question
from journeys.models import Touchpoint

LANGUAGES = ("en", "el", "vi", "fa")  # en is required; the others are optional translations
MAX_QUESTIONS = 20  # a longer survey is rarely finished; the answer page is one screen per survey
MAX_CHOICES = 20
MAX_TEXT = 500
KEY_PATTERN = re.compile(r"^[a-z0-9][a-z0-9_-]{0,39}$")
# A rating question other than the primary one: any scale within 0-10 (a 1-5 stars, a 0-10 ...).
RATING_BOUNDS = (0, 10)


def _texts(value: Any, *, where: str, field: str, required: bool = True) -> dict[str, str]:
    """{lang: text} with known languages only, stripped, empties dropped; English required."""
    if value in (None, ""):
        value = {}
    if isinstance(value, str):
        value = {"en": value}
    if not isinstance(value, dict):
        raise DomainError(f"{where}: the text must be given per language.", field=field)
    unknown = sorted(set(value) - set(LANGUAGES))
    if unknown:
        raise DomainError(f"{where}: unknown language {unknown[0]!r} (use en, el, vi or fa).", field=field)
    texts = {}
    for lang in LANGUAGES:
        text = value.get(lang)
        if text is None:
            continue
        if not isinstance(text, str):
            raise DomainError(f"{where}: the {lang} text must be text.", field=field)
        text = text.strip()
        if len(text) > MAX_TEXT:
            raise DomainError(f"{where}: the {lang} text is longer than {MAX_TEXT} characters.", field=field)
        if text:
            texts[lang] = text
    if required and "en" not in texts:
        raise DomainError(f"{where}: the English text is empty.", field=field)
    return texts


def _key(value: Any, *, where: str, field: str) -> str:
    key = value.strip() if isinstance(value, str) else ""
    if not KEY_PATTERN.match(key):
        raise DomainError(
            f"{where}: the key {key!r} must be 1-40 lowercase letters, digits, - or _, starting with a "
            "letter or digit.", field=field)
    return key


def _int(value: Any, *, where: str, field: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise DomainError(f"{where}: the scale ends must be whole numbers.", field=field)
    return value


def _question(raw: Any, *, number: int, kind: str) -> dict[str, Any]:
    where = f"Question {number}"
    prefix = f"questions.{number - 1}"
    if not isinstance(raw, dict):
        raise DomainError(f"{where} is not a question.", field="questions")
    text = _texts(raw.get("text"), where=where, field=f"{prefix}.text")  # first: a key may be made from it
    key = _key(raw.get("key"), where=where, field=f"{prefix}.key")
    question_kind = raw.get("kind")
    if question_kind not in QuestionKind.values:
        raise DomainError(f"{where}: unknown kind {question_kind!r}.", field=f"{prefix}.kind")
    primary = bool(raw.get("primary", False))
    question: dict[str, Any] = {
        "key": key, "kind": question_kind, "primary": primary,
        "required": bool(raw.get("required", False)),
        "text": text, "choices": [], "scale_min": None, "scale_max": None,
    }
    if question_kind == QuestionKind.RATING:
        low = _int(raw.get("scale_min"), where=where, field=f"{prefix}.scale_min")
        high = _int(raw.get("scale_max"), where=where, field=f"{prefix}.scale_max")
        if not RATING_BOUNDS[0] <= low < high <= RATING_BOUNDS[1]:
            raise DomainError(f"{where}: the scale must run upwards within {RATING_BOUNDS[0]}-"
                              f"{RATING_BOUNDS[1]}.", field=f"{prefix}.scale_min")
        question["scale_min"], question["scale_max"] = low, high
    if question_kind in (QuestionKind.SINGLE, QuestionKind.MULTIPLE):
        choices = raw.get("choices") or []
        if not isinstance(choices, list) or not 2 <= len(choices) <= MAX_CHOICES:
            raise DomainError(f"{where}: give from 2 to {MAX_CHOICES} choices.", field=f"{prefix}.choices")
        seen: set[str] = set()
        for position, choice in enumerate(choices, start=1):
            if not isinstance(choice, dict):
                raise DomainError(f"{where}: choice {position} is not a choice.", field=f"{prefix}.choices")
            choice_key = _key(choice.get("key"), where=f"{where}, choice {position}", field=f"{prefix}.choices")
            if choice_key in seen:
                raise DomainError(f"{where}: the choice key {choice_key!r} is used twice.",
                                  field=f"{prefix}.choices")
            seen.add(choice_key)
            question["choices"].append({
                "key": choice_key,
                "text": _texts(choice.get("text"), where=f"{where}, choice {position}", field=f"{prefix}.choices"),
            })
    if primary:
        expected = SCALES[kind]
        if question_kind != QuestionKind.RATING:
            raise DomainError(f"{where}: the primary question must be a rating.", field=f"{prefix}.kind")
        if (question["scale_min"], question["scale_max"]) != expected:
            raise DomainError(
                f"{where}: the primary question of a {kind.upper()} survey is on the {expected[0]}-"
                f"{expected[1]} scale.", field=f"{prefix}.scale_min")
        if not question["required"]:
            raise DomainError(f"{where}: the primary question must be required.", field=f"{prefix}.required")
    return question


def definition_clean(*, definition: Any, kind: str) -> dict[str, Any]:
    """The definition in SurveyVersion's format, checked and normalised; DomainError naming the field."""
    if kind not in SurveyKind.values:
        raise DomainError(f"Unknown survey kind {kind!r}.", field="kind")
    if not isinstance(definition, dict):
        raise DomainError("A survey definition has a title and questions.", field="questions")
    questions = definition.get("questions")
    if not isinstance(questions, list) or not questions:
        raise DomainError("A survey has at least one question.", field="questions")
    if len(questions) > MAX_QUESTIONS:
        raise DomainError(f"A survey has at most {MAX_QUESTIONS} questions.", field="questions")
    cleaned = [_question(raw, number=n, kind=kind) for n, raw in enumerate(questions, start=1)]
    keys = [q["key"] for q in cleaned]
    for number, key in enumerate(keys, start=1):
        if keys.index(key) != number - 1:
            raise DomainError(f"Question {number}: the key {key!r} is already used by question "
                              f"{keys.index(key) + 1}.", field=f"questions.{number - 1}.key")
    primaries = [n for n, q in enumerate(cleaned, start=1) if q["primary"]]
    if not primaries:
        raise DomainError(f"Mark one question as the primary {kind.upper()} question.", field="questions")
    if len(primaries) > 1:
        raise DomainError(f"Only one question can be primary; questions {primaries[0]} and {primaries[1]} "
                          "both are.", field="questions")
    return {
        "title": _texts(definition.get("title"), where="The title", field="title"),
        "intro": _texts(definition.get("intro"), where="The introduction", field="intro", required=False),
        "questions": cleaned,
    }


def primary_question(definition: dict[str, Any]) -> dict[str, Any]:
    return next(q for q in definition["questions"] if q.get("primary"))


@transaction.atomic
def survey_start(
    *, name: str, kind: str, actor: AbstractBaseUser | None, touchpoint: Touchpoint | None = None,
    question: str = "", audience: str = Audience.CUSTOMERS,
) -> Survey:
    """A new survey of a standard kind: version 1 asks only its metric question (edit it to add more)."""
    name = name.strip()
    if not name:
        raise DomainError("Give the survey a name.", field="name")
    if kind not in SurveyKind.values:
        raise DomainError(f"Unknown survey kind {kind!r}.", field="kind")
    if audience not in Audience.values:
        raise DomainError(f"Unknown audience {audience!r}.", field="audience")
    if touchpoint is not None and not touchpoint.is_active:
        raise DomainError("That touchpoint is no longer active.", field="touchpoint")
    low, high = SCALES[kind]
    text = question.strip() or DEFAULT_QUESTIONS[kind]
    survey = Survey.objects.create(name=name, kind=kind, touchpoint=touchpoint, question=text,
                                   scale_min=low, scale_max=high, audience=audience)
    SurveyVersion.objects.create(survey=survey, number=1, created_by=actor, definition={
        "title": {"en": name}, "intro": {}, "questions": [metric_question(kind=kind, text=text)]})
    return survey


@transaction.atomic
def survey_version_save(
    *, survey: Survey, definition: dict[str, Any], actor: AbstractBaseUser | None
) -> SurveyVersion:
    """Freeze an edited definition as the survey's next version and make it current.

    Locks the survey row so two managers saving at once get numbers n+1 and n+2, never a clash.
    Unchanged questions make no new version: the current one is returned. Old versions are not touched.
    """
    locked = Survey.objects.select_for_update().get(pk=survey.pk)
    cleaned = definition_clean(definition=definition, kind=locked.kind)
    current = SurveyVersion.objects.filter(survey=locked, number=locked.version).first()
    if current is not None and current.definition == cleaned:
        return current
    number = (SurveyVersion.objects.filter(survey=locked).order_by("-number")
              .values_list("number", flat=True).first() or 0) + 1
    version = SurveyVersion.objects.create(survey=locked, number=number, definition=cleaned, created_by=actor)
    locked.version = number
    locked.question = primary_question(cleaned)["text"]["en"]
    locked.save(update_fields=["version", "question", "updated_at"])
    # The caller's instance now reads the new version too (response_submit reads survey.version).
    survey.version, survey.question, survey.updated_at = locked.version, locked.question, locked.updated_at
    return version


@transaction.atomic
def survey_set_active(*, survey: Survey, active: bool) -> Survey:
    """Close a survey to new answers (its links and answers stay), or open it again."""
    locked = Survey.objects.select_for_update().get(pk=survey.pk)
    if locked.is_active == active:
        raise DomainError("This survey is already open." if active else "This survey is already closed.",
                          field="is_active")
    locked.is_active = active
    locked.save(update_fields=["is_active", "updated_at"])
    survey.is_active = active
    return locked


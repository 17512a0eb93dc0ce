"""The customer's answer form, built from a frozen survey version's questions.

Fields are named `q_<key>`. The page renders them itself (fieldset and legend per question, a row of
radio buttons for a rating), so this module only validates and describes what to render.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from feedback.choices import QuestionKind
from feedback.invitations import localized

COMMENT_KEY = "comment"
TEXT_MAX_LENGTH = 5000

# The words at the two ends of a rating row, by scale: NPS, CSAT and CES read differently.
END_LABELS: dict[tuple[int, int], tuple[Any, Any]] = {
    (0, 10): (gettext_lazy("Not at all likely"), gettext_lazy("Extremely likely")),
    (1, 5): (gettext_lazy("Very dissatisfied"), gettext_lazy("Very satisfied")),
    (1, 7): (gettext_lazy("Strongly disagree"), gettext_lazy("Strongly agree")),
}
DEFAULT_END_LABELS = (gettext_lazy("Lowest"), gettext_lazy("Highest"))


@dataclass
class Option:
    value: str
    label: str
    checked: bool


@dataclass
class Question:
    """One question as the page shows it, with the customer's answer so far and its errors."""

    key: str
    name: str
    kind: str
    text: str
    required: bool
    options: list[Option] = field(default_factory=list)
    value: str = ""
    errors: list[str] = field(default_factory=list)
    low_label: str = ""
    high_label: str = ""


def _questions(definition: dict[str, Any]) -> list[dict[str, Any]]:
    questions = definition.get("questions") if isinstance(definition, dict) else None
    return [q for q in questions or [] if isinstance(q, dict) and q.get("key")]


def _required(question: dict[str, Any]) -> bool:
    return bool(question.get("required") or question.get("primary"))  # the score cannot be left out


def _scale(question: dict[str, Any]) -> tuple[int, int]:
    return int(question.get("scale_min", 0)), int(question.get("scale_max", 10))


class SurveyAnswerForm(forms.Form):
    """Validates an answer against the version's questions: required ones answered, ratings on their
    scale, choices among the defined keys, free text of a sane length."""

    def __init__(self, *args: Any, definition: dict[str, Any], language: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.definition = definition
        self.language = language
        required_message = _("Please answer this question.")
        for question in _questions(definition):
            name = f"q_{question['key']}"
            required = _required(question)
            kind = question.get("kind")
            if kind == QuestionKind.RATING:
                low, high = _scale(question)
                self.fields[name] = forms.TypedChoiceField(
                    choices=[(str(n), str(n)) for n in range(low, high + 1)], coerce=int, required=required,
                    empty_value=None, error_messages={
                        "required": required_message,
                        "invalid_choice": _("Choose a number from %(low)s to %(high)s.") % {"low": low, "high": high},
                    })
            elif kind == QuestionKind.SINGLE:
                self.fields[name] = forms.ChoiceField(
                    choices=self._choices(question), required=required,
                    error_messages={"required": required_message,
                                    "invalid_choice": _("Choose one of the options.")})
            elif kind == QuestionKind.MULTIPLE:
                self.fields[name] = forms.MultipleChoiceField(
                    choices=self._choices(question), required=required,
                    error_messages={"required": _("Please choose at least one option."),
                                    "invalid_choice": _("Choose among the options shown."),
                                    "invalid_list": _("Choose among the options shown.")})
            else:
                self.fields[name] = forms.CharField(
                    required=required, max_length=TEXT_MAX_LENGTH, strip=True,
                    error_messages={"required": required_message,
                                    "max_length": _("Please keep it under %(limit)s characters.")
                                    % {"limit": TEXT_MAX_LENGTH}})

    def _choices(self, question: dict[str, Any]) -> list[tuple[str, str]]:
        return [(str(c["key"]), localized(c.get("text"), self.language, str(c["key"])))
                for c in question.get("choices") or [] if isinstance(c, dict) and c.get("key")]

    def primary_key(self) -> str | None:
        for question in _questions(self.definition):
            if question.get("primary"):
                return str(question["key"])
        return None

    def questions(self) -> list[Question]:
        """What the page renders, in order, with submitted values kept (also after an error)."""
        shown = []
        for question in _questions(self.definition):
            name = f"q_{question['key']}"
            bound = self[name]
            raw = bound.value()
            selected = {str(v) for v in raw} if isinstance(raw, list | tuple) else {str(raw or "")}
            item = Question(key=str(question["key"]), name=name, kind=str(question.get("kind")),
                            text=localized(question.get("text"), self.language, str(question["key"])),
                            required=_required(question), errors=list(bound.errors))
            if item.kind == QuestionKind.RATING:
                low, high = _scale(question)
                low_label, high_label = END_LABELS.get((low, high), DEFAULT_END_LABELS)
                labels = question.get("labels") or {}
                item.low_label = localized(labels.get("min"), self.language, str(low_label))
                item.high_label = localized(labels.get("max"), self.language, str(high_label))
                item.options = [Option(str(n), str(n), str(n) in selected) for n in range(low, high + 1)]
            elif item.kind in (QuestionKind.SINGLE, QuestionKind.MULTIPLE):
                item.options = [Option(value, label, value in selected) for value, label in self._choices(question)]
            else:
                item.kind = QuestionKind.TEXT
                item.value = "" if raw is None else str(raw)
            shown.append(item)
        return shown

    def answer(self) -> tuple[int, str, dict[str, object]]:
        """After validation: (score of the primary question, comment, the other answers by key)."""
        primary = self.primary_key()
        score = None
        comment = ""
        answers: dict[str, object] = {}
        for question in _questions(self.definition):
            key = str(question["key"])
            value = self.cleaned_data.get(f"q_{key}")
            if key == primary:
                score = value
            elif key == COMMENT_KEY and question.get("kind") == QuestionKind.TEXT:
                comment = value or ""
            elif value not in (None, "", []):
                answers[key] = value
        if not isinstance(score, int):
            raise ValueError("The survey version has no answered primary question.")
        return score, comment, answers

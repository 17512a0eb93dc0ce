from __future__ import annotations

from typing import Any

from django import forms
from django.utils.text import slugify
from django.utils.translation import gettext_lazy as _

from feedback.choices import QuestionKind, SurveyKind
from feedback.models import Survey
from journeys.models import Customer, Touchpoint
from tickets.forms import TouchpointChoiceField
from tickets.models import Ticket

TRANSLATIONS = (("el", _("Greek")), ("vi", _("Vietnamese")), ("fa", _("Persian")))
LANGS = ("en", "el", "vi", "fa")


class SurveyChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Survey) -> str:
        return f"{obj.name} ({obj.get_kind_display()})"


def _touchpoints() -> Any:
    return (Touchpoint.objects.filter(is_active=True).select_related("stage__journey")
            .order_by("stage__journey__name", "stage__position", "position"))


class ResponseForm(forms.Form):
    """Record an answer a customer gave by phone, on paper or in person."""

    survey = SurveyChoiceField(queryset=Survey.objects.filter(is_active=True).order_by("name"), label=_("Survey"))
    customer = forms.ModelChoiceField(queryset=Customer.objects.order_by("name"), label=_("Customer"))
    score = forms.IntegerField(label=_("Score"), help_text=_("On the survey's scale: NPS 0-10, CSAT 1-5, CES 1-7."))
    comment = forms.CharField(widget=forms.Textarea(attrs={"rows": 4, "dir": "auto"}), required=False,
                              label=_("Comment"))
    touchpoint = TouchpointChoiceField(
        queryset=_touchpoints(), required=False, label=_("Touchpoint"),
        help_text=_("Leave empty to use the ticket's or the survey's touchpoint."),
    )
    ticket = forms.ModelChoiceField(
        queryset=Ticket.objects.all(), required=False, widget=forms.NumberInput, label=_("Ticket"),
        help_text=_("Ticket number, if the answer is about a support ticket."),
        error_messages={"invalid_choice": _("There is no ticket with that number.")},
    )


# --- The survey editor -----------------------------------------------------------------------------


class SurveyCreateForm(forms.Form):
    name = forms.CharField(max_length=150, label=_("Name"))
    kind = forms.ChoiceField(choices=SurveyKind.choices, label=_("Primary metric"),
                             help_text=_("Fixed once created: answers of different kinds do not mix."))
    touchpoint = TouchpointChoiceField(queryset=_touchpoints(), label=_("Touchpoint"),
                                       help_text=_("Where this survey's answers are scored."))
    question = forms.CharField(
        required=False, max_length=500, label=_("Metric question (English)"),
        help_text=_("Leave empty for the standard wording. Add translations and more questions next."))


class SurveyActiveForm(forms.Form):
    """Close a survey to new answers (active=0) or reopen it (active=1)."""

    active = forms.TypedChoiceField(choices=[("0", _("Closed")), ("1", _("Open"))], coerce=lambda v: v == "1")


class SurveyTextsForm(forms.Form):
    """The survey's title and introduction in each language (English required)."""

    title_en = forms.CharField(max_length=200, label=_("Title (English)"),
                               widget=forms.TextInput(attrs={"dir": "ltr", "lang": "en"}))
    title_el = forms.CharField(max_length=200, required=False, label=_("Title (Greek)"),
                               widget=forms.TextInput(attrs={"dir": "ltr", "lang": "el"}))
    title_vi = forms.CharField(max_length=200, required=False, label=_("Title (Vietnamese)"),
                               widget=forms.TextInput(attrs={"dir": "ltr", "lang": "vi"}))
    title_fa = forms.CharField(max_length=200, required=False, label=_("Title (Persian)"),
                               widget=forms.TextInput(attrs={"dir": "rtl", "lang": "fa"}))
    intro_en = forms.CharField(max_length=500, required=False, label=_("Introduction (English)"),
                               widget=forms.TextInput(attrs={"dir": "ltr", "lang": "en"}))
    intro_el = forms.CharField(max_length=500, required=False, label=_("Introduction (Greek)"),
                               widget=forms.TextInput(attrs={"dir": "ltr", "lang": "el"}))
    intro_vi = forms.CharField(max_length=500, required=False, label=_("Introduction (Vietnamese)"),
                               widget=forms.TextInput(attrs={"dir": "ltr", "lang": "vi"}))
    intro_fa = forms.CharField(max_length=500, required=False, label=_("Introduction (Persian)"),
                               widget=forms.TextInput(attrs={"dir": "rtl", "lang": "fa"}))


class QuestionForm(forms.Form):
    """One question. Choices are typed one per line, `key | English | Greek | Vietnamese | Persian`:
    plain text on a line is enough (the key is made from the English), translations are optional."""

    key = forms.CharField(max_length=40, required=False, label=_("Key"),
                          help_text=_("Names the answer in exports; keep it when you reword the question."))
    kind = forms.ChoiceField(choices=QuestionKind.choices, label=_("Kind"))
    text_en = forms.CharField(max_length=500, required=False, label=_("Question (English)"),
                              widget=forms.TextInput(attrs={"dir": "ltr", "lang": "en"}))
    text_el = forms.CharField(max_length=500, required=False, label=_("Greek"),
                              widget=forms.TextInput(attrs={"dir": "ltr", "lang": "el"}))
    text_vi = forms.CharField(max_length=500, required=False, label=_("Vietnamese"),
                              widget=forms.TextInput(attrs={"dir": "ltr", "lang": "vi"}))
    text_fa = forms.CharField(max_length=500, required=False, label=_("Persian"),
                              widget=forms.TextInput(attrs={"dir": "rtl", "lang": "fa"}))
    required = forms.BooleanField(required=False, label=_("Required"))
    primary = forms.BooleanField(required=False, label=_("Primary metric question"))
    scale_min = forms.IntegerField(required=False, min_value=0, max_value=10, label=_("Scale from"))
    scale_max = forms.IntegerField(required=False, min_value=0, max_value=10, label=_("to"))
    choices = forms.CharField(
        required=False, label=_("Choices"), widget=forms.Textarea(attrs={"rows": 4, "dir": "auto"}),
        help_text=_("One per line: key | English | Greek | Vietnamese | Persian. "
                    "“Too slow” alone is fine: the key becomes too-slow."))

    def question(self) -> dict[str, Any] | None:
        """The question in SurveyVersion's format; None for a blank extra form."""
        data = self.cleaned_data
        if not any(data.get(f"text_{lang}") for lang in LANGS) and not data.get("key") and not data.get("choices"):
            return None
        key = (data.get("key") or "").strip() or slugify(data.get("text_en") or "")[:40]
        return {
            "key": key, "kind": data["kind"], "required": bool(data.get("required")),
            "primary": bool(data.get("primary")),
            "text": {lang: data.get(f"text_{lang}") or "" for lang in LANGS},
            "scale_min": data.get("scale_min"), "scale_max": data.get("scale_max"),
            "choices": parse_choices(data.get("choices") or ""),
        }


def parse_choices(text: str) -> list[dict[str, Any]]:
    choices = []
    for line in text.splitlines():
        parts = [p.strip() for p in line.split("|")]
        if not any(parts):
            continue
        if len(parts) == 1:
            parts = [slugify(parts[0])[:40], parts[0]]
        texts = dict(zip(LANGS, parts[1:], strict=False))
        choices.append({"key": parts[0], "text": texts})
    return choices


def format_choices(choices: list[dict[str, Any]]) -> str:
    lines = []
    for choice in choices:
        parts = [choice["key"], *(choice.get("text", {}).get(lang, "") for lang in LANGS)]
        while len(parts) > 2 and not parts[-1]:
            parts.pop()
        lines.append(" | ".join(parts))
    return "\n".join(lines)


QuestionFormSet = forms.formset_factory(QuestionForm, extra=0, can_delete=True, can_order=True,
                                        max_num=20, absolute_max=40)


def editor_initial(definition: dict[str, Any]) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The editor's initial values from a frozen definition: (texts form, question forms)."""
    texts = {f"{part}_{lang}": (definition.get(part) or {}).get(lang, "")
             for part in ("title", "intro") for lang in LANGS}
    questions = [{
        "key": q["key"], "kind": q["kind"], "required": q.get("required", False),
        "primary": q.get("primary", False), "scale_min": q.get("scale_min"), "scale_max": q.get("scale_max"),
        "choices": format_choices(q.get("choices", [])), "ORDER": position,
        **{f"text_{lang}": (q.get("text") or {}).get(lang, "") for lang in LANGS},
    } for position, q in enumerate(definition.get("questions", []), start=1)]
    return texts, questions


def editor_definition(texts: SurveyTextsForm, questions: forms.BaseFormSet) -> dict[str, Any]:
    """The definition the editor's valid forms describe, questions in the order given, deleted ones left out."""
    ordered = [form.question() for form in questions.ordered_forms]
    unordered = [form.question() for form in questions.forms
                 if form not in questions.ordered_forms and form not in questions.deleted_forms]
    data = texts.cleaned_data
    return {
        "title": {lang: data.get(f"title_{lang}") or "" for lang in LANGS},
        "intro": {lang: data.get(f"intro_{lang}") or "" for lang in LANGS},
        "questions": [q for q in [*ordered, *unordered] if q is not None],
    }

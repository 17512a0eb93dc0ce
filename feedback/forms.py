from __future__ import annotations

from django import forms

from feedback.choices import SurveyKind
from feedback.models import Survey
from journeys.models import Customer, Touchpoint
from tickets.forms import TouchpointChoiceField
from tickets.models import Ticket


class SurveyChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Survey) -> str:
        return f"{obj.name} ({obj.get_kind_display()})"


class ResponseForm(forms.Form):
    """Record an answer a customer gave by phone, on paper or in person."""

    survey = SurveyChoiceField(queryset=Survey.objects.filter(is_active=True).order_by("name"))
    customer = forms.ModelChoiceField(queryset=Customer.objects.order_by("name"))
    score = forms.IntegerField(help_text="On the survey's scale: NPS 0-10, CSAT 1-5, CES 1-7.")
    comment = forms.CharField(widget=forms.Textarea(attrs={"rows": 4, "dir": "auto"}), required=False)
    touchpoint = TouchpointChoiceField(
        queryset=Touchpoint.objects.filter(is_active=True).select_related("stage__journey")
        .order_by("stage__journey__name", "stage__position", "position"),
        required=False, help_text="Leave empty to use the ticket's or the survey's touchpoint.",
    )
    ticket = forms.ModelChoiceField(
        queryset=Ticket.objects.all(), required=False, widget=forms.NumberInput,
        help_text="Ticket number, if the answer is about a support ticket.",
        error_messages={"invalid_choice": "There is no ticket with that number."},
    )


class ResponseFilterForm(forms.Form):
    kind = forms.ChoiceField(choices=[("", "Any survey"), *SurveyKind.choices], required=False)

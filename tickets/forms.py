from __future__ import annotations

from django import forms

from cxhub.models import Team
from journeys.choices import Channel
from journeys.models import Customer, Touchpoint
from tickets.choices import Priority, Status
from tickets.selectors import QUEUES


class TouchpointChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Touchpoint) -> str:
        return f"{obj.stage.journey.name} › {obj.stage.name} › {obj.name}"


class TicketCreateForm(forms.Form):
    customer = forms.ModelChoiceField(queryset=Customer.objects.order_by("name"))
    touchpoint = TouchpointChoiceField(
        queryset=Touchpoint.objects.filter(is_active=True).select_related("stage__journey")
        .order_by("stage__journey__name", "stage__position", "position"),
        required=False, help_text="Where in the journey the need arose; the outcome is scored there.",
    )
    channel = forms.ChoiceField(choices=Channel.choices, initial=Channel.EMAIL)
    priority = forms.ChoiceField(choices=Priority.choices, initial=Priority.NORMAL)
    subject = forms.CharField(max_length=200)
    body = forms.CharField(label="Customer's message", widget=forms.Textarea)


class ReplyForm(forms.Form):
    body = forms.CharField(label="Message", widget=forms.Textarea(attrs={"rows": 5}))
    internal = forms.TypedChoiceField(
        label="Visibility", choices=[("0", "Public reply to the customer"), ("1", "Internal note")],
        coerce=lambda v: v == "1", initial="0", widget=forms.RadioSelect,
    )


class StatusForm(forms.Form):
    status = forms.ChoiceField(choices=Status.choices)


class TicketFilterForm(forms.Form):
    queue = forms.ChoiceField(choices=list(QUEUES.items()), required=False)
    status = forms.ChoiceField(choices=[("", "Any status"), *Status.choices], required=False)
    priority = forms.ChoiceField(choices=[("", "Any priority"), *Priority.choices], required=False)
    team = forms.ModelChoiceField(queryset=Team.objects.all(), required=False,
                                  empty_label="Any team")
    q = forms.CharField(label="Search", required=False, max_length=200)

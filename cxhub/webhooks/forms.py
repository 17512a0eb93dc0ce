from __future__ import annotations

from django import forms
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from cxhub.webhooks.events import ALL_EVENTS, EVENT_TYPES
from cxhub.webhooks.services import URL_MAX_LENGTH

EVENT_CHOICES = [(ALL_EVENTS, _("All events, including types added later")),
                 *((name, format_lazy("{} — {}", name, description)) for name, description in EVENT_TYPES.items())]


class SubscriptionForm(forms.Form):
    """The fields a manager sets; the service checks them again (the API comes in by another door)."""

    url = forms.CharField(label="URL", max_length=URL_MAX_LENGTH,
                          help_text=_("Where events are POSTed as signed JSON; http:// or https:// only."),
                          widget=forms.URLInput(attrs={"placeholder": "https://crm.example.com/hooks/cx"}))
    description = forms.CharField(label=_("Description"), max_length=200, required=False,
                                  help_text=_("What receives these events, for the people who come after you."))
    event_types = forms.MultipleChoiceField(label=_("Events"), choices=EVENT_CHOICES,
                                            widget=forms.CheckboxSelectMultiple)

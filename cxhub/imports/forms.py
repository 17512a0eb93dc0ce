"""The upload form. The file itself is checked by the service (size, encoding, header), whose refusal
lands on the `file` field."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext_lazy as _

from cxhub.imports.registry import importers_for


class ImportForm(forms.Form):
    kind = forms.ChoiceField(label=_("What the file holds"))
    file = forms.FileField(
        label=_("CSV file"),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,text/csv,text/plain"}),
    )

    def __init__(self, *args: object, user: AbstractBaseUser, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = [(i.kind, i.label) for i in importers_for(user)]
        self.fields["file"].help_text = _(
            "UTF-8 text, comma- or semicolon-separated, the column names on line 1; at most %(limit)s."
        ) % {"limit": filesizeformat(settings.IMPORT_MAX_BYTES)}

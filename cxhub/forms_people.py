"""Forms of the People page: a person's account, roles, teams and flags; a new team."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth import get_user_model
from django.contrib.auth.validators import UnicodeUsernameValidator
from django.utils.translation import gettext_lazy as _

from cxhub.models import Team
from cxhub.people import PeopleFilters
from cxhub.roles import ROLE_DESCRIPTIONS, ROLE_LABELS

STATUSES = [("", _("Active and deactivated")), ("active", _("Active")), ("inactive", _("Deactivated"))]


def _role_choices() -> list[tuple[str, Any]]:
    return list(ROLE_LABELS.items())


class PeopleFilterForm(forms.Form):
    """The list's filters, from the query string; a value that does not fit is dropped and said so."""

    q = forms.CharField(required=False, max_length=100, label=_("Search"),
                        widget=forms.TextInput(attrs={"type": "search", "placeholder": _("Name, username or e-mail")}))
    role = forms.ChoiceField(required=False, label=_("Role"))
    team = forms.ModelChoiceField(queryset=Team.objects.order_by("name"), required=False, label=_("Team"),
                                  empty_label=_("Any team"))
    status = forms.ChoiceField(required=False, choices=STATUSES, label=_("Status"))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["role"].choices = [("", _("Any role")), *_role_choices(), ("none", _("No role"))]

    def filters(self) -> PeopleFilters:
        """The valid filters; the others are left out (the page lists them in `ignored`)."""
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        team = data.get("team")
        return PeopleFilters(q=(data.get("q") or "").strip(), role=data.get("role") or "",
                             team=team.pk if team else None, status=data.get("status") or "")

    @property
    def ignored(self) -> list[str]:
        return [str(self.fields[name].label) for name in self.errors]


class RoleChoiceField(forms.MultipleChoiceField):
    widget = forms.CheckboxSelectMultiple


class PersonForm(forms.Form):
    """What an administrator sets for a person. Username is fixed once the account exists."""

    username = forms.CharField(max_length=150, label=_("Username"), validators=[UnicodeUsernameValidator()],
                               help_text=_("What the person signs in with: letters, digits and @ . + - _ only."))
    first_name = forms.CharField(max_length=150, required=False, label=_("First name"))
    last_name = forms.CharField(max_length=150, required=False, label=_("Last name"))
    email = forms.EmailField(max_length=254, label=_("E-mail"),
                             help_text=_("Where the link to choose a password goes."))
    roles = RoleChoiceField(required=False, label=_("Roles"),
                            help_text=_("What the person may do; several roles add up. No role: no access."))
    teams = forms.ModelMultipleChoiceField(
        queryset=Team.objects.order_by("name"), required=False, label=_("Teams"),
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Support agents and team leads work the tickets of their teams."),
    )
    sees_all_teams = forms.BooleanField(
        required=False, label=_("Sees the tickets of every team"),
        help_text=_("For someone who covers every team, e.g. a floating agent; managers see all anyway."),
    )
    is_active = forms.BooleanField(required=False, initial=True, label=_("Active"),
                                   help_text=_("A deactivated person cannot sign in; their history stays."))

    def __init__(self, *args: Any, person: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.person = person
        self.fields["roles"].choices = _role_choices()
        if person is not None:
            # The username is how the audit log and the API tokens name the account: fixed once made.
            self.fields["username"].disabled = True
            self.fields["username"].required = False
            self.fields["username"].help_text = _("Fixed once the account exists.")
        else:
            del self.fields["is_active"]  # a new account is active

    def clean_username(self) -> str:
        if self.person is not None:
            return self.person.get_username()
        username = self.cleaned_data["username"].strip()
        if get_user_model().objects.filter(username__iexact=username).exists():
            raise forms.ValidationError(_("This username is taken."))
        return username

    @property
    def role_descriptions(self) -> list[tuple[Any, Any]]:
        return [(checkbox, ROLE_DESCRIPTIONS.get(checkbox.data["value"], "")) for checkbox in self["roles"]]


class TeamForm(forms.Form):
    name = forms.CharField(max_length=120, label=_("Team name"))
    email = forms.EmailField(required=False, label=_("Team e-mail"),
                             help_text=_("Optional: where alerts for this team's touchpoints go."))

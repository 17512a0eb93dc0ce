from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from journeys.choices import Channel
from journeys.models import Customer, Touchpoint
from tickets.choices import Priority, Status


class TouchpointChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Touchpoint) -> str:
        return f"{obj.stage.journey.name} › {obj.stage.name} › {obj.name}"


class TicketCreateForm(forms.Form):
    customer = forms.ModelChoiceField(queryset=Customer.objects.order_by("name"), label=_("Customer"))
    touchpoint = TouchpointChoiceField(
        queryset=Touchpoint.objects.filter(is_active=True).select_related("stage__journey")
        .order_by("stage__journey__name", "stage__position", "position"),
        required=False, label=_("Touchpoint"),
        help_text=_("Where in the journey the need arose; the outcome is scored there."),
    )
    category = forms.ModelChoiceField(queryset=None, required=False, label=_("Category"),  # type: ignore[arg-type]
                                      help_text=_("Routing rules may use it to choose the team."))
    channel = forms.ChoiceField(choices=Channel.choices, initial=Channel.EMAIL, label=_("Channel"))
    priority = forms.ChoiceField(choices=Priority.choices, initial=Priority.NORMAL, label=_("Priority"))
    subject = forms.CharField(max_length=200, label=_("Subject"), widget=forms.TextInput(attrs={"dir": "auto"}))
    body = forms.CharField(label=_("Customer's message"), widget=forms.Textarea(attrs={"dir": "auto"}))

    def __init__(self, *args, **kwargs) -> None:  # type: ignore[no-untyped-def]
        from tickets.models import Category

        super().__init__(*args, **kwargs)
        self.fields["category"].queryset = Category.objects.filter(is_active=True)


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one input; the type and size rules live in the attachment service."""

    def __init__(self, *args, **kwargs) -> None:  # type: ignore[no-untyped-def]
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):  # type: ignore[no-untyped-def]
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(d, initial) for d in data]
        return [single(data, initial)] if data else []


class ReplyForm(forms.Form):
    body = forms.CharField(label=_("Message"), widget=forms.Textarea(attrs={"rows": 5, "dir": "auto"}))
    internal = forms.TypedChoiceField(
        label=_("Visibility"), choices=[("0", _("Public reply to the customer")), ("1", _("Internal note"))],
        coerce=lambda v: v == "1", initial="0", widget=forms.RadioSelect,
    )
    attachments = MultipleFileField(
        required=False, label=_("Attach files"),
        help_text=_("Images, PDF or text; up to 5 files of 10 MB each."))


class StatusForm(forms.Form):
    status = forms.ChoiceField(choices=Status.choices, label=_("Status"))


def agents_queryset():
    """People who may work tickets: those the assignee pickers offer."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Permission
    from django.db.models import Q

    perm = Permission.objects.get(content_type__app_label="tickets", codename="change_ticket")
    return (get_user_model().objects.filter(is_active=True)
            .filter(Q(groups__permissions=perm) | Q(user_permissions=perm) | Q(is_superuser=True))
            .distinct().order_by("first_name", "username"))


class AgentChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj) -> str:  # type: ignore[no-untyped-def]
        return obj.get_full_name() or obj.get_username()


class IdListField(forms.Field):
    """Several whole-number ids from repeated parameters (?tickets=3&tickets=5)."""

    widget = forms.MultipleHiddenInput

    def to_python(self, value: object) -> list[int]:
        values = value if isinstance(value, list | tuple) else ([value] if value else [])
        try:
            ids = [int(v) for v in values]
        except (TypeError, ValueError):
            raise forms.ValidationError(_("Ticket numbers are whole numbers.")) from None
        if any(i <= 0 or i > 2**62 for i in ids):
            raise forms.ValidationError(_("Ticket numbers are whole numbers."))
        return ids


class BulkForm(forms.Form):
    """One change applied to the selected tickets."""

    tickets = IdListField(label=_("Tickets"), error_messages={"required": _("Select at least one ticket.")})
    assignee = forms.CharField(required=False, label=_("Assign to"))  # a user id, "none" to unassign, or empty
    priority = forms.ChoiceField(choices=[("", "—"), *Priority.choices], required=False, label=_("Priority"))
    status = forms.ChoiceField(choices=[("", "—"), *Status.choices], required=False, label=_("Status"))

    def __init__(self, *args, **kwargs) -> None:  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        self.agents = list(agents_queryset())

    def clean_assignee(self) -> object:
        raw = (self.cleaned_data.get("assignee") or "").strip()
        if not raw:
            return None
        if raw == "none":
            return "none"
        match = next((u for u in self.agents if str(u.pk) == raw), None)
        if match is None:
            raise forms.ValidationError(_("Choose someone who works tickets."))
        return match


class AssignForm(forms.Form):
    assignee = forms.CharField(required=False, label=_("Assign to"))  # a user id, or empty to unassign

    def __init__(self, *args, **kwargs) -> None:  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        self.agents = list(agents_queryset())

    def clean_assignee(self) -> object:
        raw = (self.cleaned_data.get("assignee") or "").strip()
        if not raw:
            return None
        match = next((u for u in self.agents if str(u.pk) == raw), None)
        if match is None:
            raise forms.ValidationError(_("Choose someone who works tickets."))
        return match


class PriorityForm(forms.Form):
    priority = forms.ChoiceField(choices=Priority.choices, label=_("Priority"))


class ClassifyForm(forms.Form):
    """Category, resolution code, tags and the active custom fields of one ticket."""

    category = forms.ModelChoiceField(queryset=None, required=False, empty_label="—",  # type: ignore[arg-type]
                                      label=_("Category"))
    resolution_code = forms.ModelChoiceField(queryset=None, required=False, empty_label="—",  # type: ignore[arg-type]
                                             label=_("Resolution code"))
    tags = forms.CharField(required=False, max_length=1000, label=_("Tags"), help_text=_("Separated by commas."))

    def __init__(self, *args, custom_fields=(), **kwargs) -> None:  # type: ignore[no-untyped-def]
        from tickets.choices import CustomFieldKind
        from tickets.models import Category, ResolutionCode

        super().__init__(*args, **kwargs)
        self.fields["category"].queryset = Category.objects.filter(is_active=True)
        self.fields["resolution_code"].queryset = ResolutionCode.objects.filter(is_active=True)
        self.custom_field_names = []
        for definition in custom_fields:
            name = f"cf_{definition.key}"
            if definition.kind == CustomFieldKind.CHOICE:
                field = forms.ChoiceField(choices=[("", "—"), *[(str(c), str(c)) for c in definition.choices]],
                                          required=False)
            else:
                field = forms.CharField(required=False, max_length=500)
            field.label = definition.label
            self.fields[name] = field
            self.custom_field_names.append((name, definition.key))

    def custom_values(self) -> dict[str, str]:
        return {key: self.cleaned_data.get(name) or "" for name, key in self.custom_field_names}

    def tag_names(self) -> list[str]:
        return [t for t in (self.cleaned_data.get("tags") or "").split(",") if t.strip()]

"""Forms of the builder pages. They parse input; the rules live in journeys.builder, goals and initiatives."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _

from cxhub.models import Team
from journeys.choices import Channel
from journeys.models import InitiativeStatus, Journey, Program, ScoreMetric, Stage, Touchpoint
from journeys.scoring import BLEND_KEYS

WEIGHT_LABELS = {"csat": _("CSAT weight"), "nps": _("NPS weight"), "ces": _("CES weight"),
                 "sla": _("SLA weight"), "fcr": _("FCR weight")}
DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class ProgramForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=150)
    purpose = forms.CharField(label=_("Purpose"), widget=forms.Textarea(attrs={"rows": 3}),
                              help_text=_("The purpose statement every team works towards."))
    min_sample_size = forms.IntegerField(
        label=_("Minimum sample"), min_value=1, max_value=10_000, initial=5,
        help_text=_("Below this many answers or tickets a component shows “not enough data”."))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for key in BLEND_KEYS:
            self.fields[f"weight_{key}"] = forms.FloatField(
                label=WEIGHT_LABELS[key], min_value=0, max_value=1000, initial=1.0,
                widget=forms.NumberInput(attrs={"step": "any"}))

    @property
    def weight_fields(self) -> list[forms.BoundField]:
        return [self[f"weight_{key}"] for key in BLEND_KEYS]

    @staticmethod
    def initial_for(program: Program) -> dict[str, Any]:
        initial = {"name": program.name, "purpose": program.purpose,
                   "min_sample_size": program.min_sample_size}
        weights = program.score_weights or {}
        initial.update({f"weight_{key}": weights.get(key, 0.0) for key in BLEND_KEYS})
        return initial

    def service_kwargs(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {"name": data["name"], "purpose": data["purpose"], "min_sample_size": data["min_sample_size"],
                "score_weights": {key: data[f"weight_{key}"] for key in BLEND_KEYS}}


class JourneyForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=150)
    description = forms.CharField(label=_("Description"), required=False,
                                  widget=forms.Textarea(attrs={"rows": 2}))


class StageForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=150)
    description = forms.CharField(label=_("Description"), required=False,
                                  widget=forms.Textarea(attrs={"rows": 2}))


class StageOrderForm(forms.Form):
    """A full new order: the journey's stage ids, first to last (posted by the drag-and-drop script)."""

    order = forms.CharField(label=_("Order"), max_length=4000)

    def clean_order(self) -> list[int]:
        raw = [part for part in self.cleaned_data["order"].replace(" ", "").split(",") if part]
        try:
            ids = [int(part) for part in raw]
        except ValueError:
            raise forms.ValidationError(_("The new order must list stage ids.")) from None
        if not ids or any(not 0 < pk < 2**31 for pk in ids):
            raise forms.ValidationError(_("The new order must list stage ids."))
        return ids


class MoveForm(forms.Form):
    direction = forms.ChoiceField(label=_("Direction"), choices=[("up", _("Up")), ("down", _("Down"))])


class TouchpointForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=150)
    description = forms.CharField(label=_("Description"), required=False,
                                  widget=forms.Textarea(attrs={"rows": 2}))
    channel = forms.ChoiceField(label=_("Channel"), choices=Channel.choices)
    owner_team = forms.ModelChoiceField(queryset=Team.objects.order_by("name"), required=False,
                                        label=_("Owning team"))
    target_score = forms.DecimalField(label=_("Target score"), min_value=Decimal(0), max_value=Decimal(100),
                                      decimal_places=2, initial=Decimal(75))
    weight = forms.DecimalField(label=_("Weight"), min_value=Decimal("0.01"), max_value=Decimal("9999.99"),
                                decimal_places=2, initial=Decimal(1),
                                help_text=_("How much it counts in its stage's and journey's score."))
    stage = forms.ModelChoiceField(label=_("Stage"), queryset=Stage.objects.none(), empty_label=None)
    position = forms.IntegerField(label=_("Position"), required=False, min_value=0, max_value=1000,
                                  help_text=_("Place among the stage's touchpoints, from 0; empty for the end."))

    def __init__(self, *args: Any, journey: Journey, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["stage"].queryset = Stage.objects.filter(journey=journey).order_by("position", "id")
        self.fields["stage"].label_from_instance = lambda stage: stage.name

    def details(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {key: data[key] for key in ("name", "description", "channel", "owner_team", "target_score",
                                           "weight")}


class PersonaForm(forms.Form):
    program = forms.ModelChoiceField(label=_("Program"), queryset=Program.objects.order_by("name"),
                                     empty_label=None)
    name = forms.CharField(label=_("Name"), max_length=120)
    description = forms.CharField(label=_("Description"), required=False,
                                  widget=forms.Textarea(attrs={"rows": 3}))
    needs = forms.CharField(label=_("Needs"), required=False, widget=forms.Textarea(attrs={"rows": 3}),
                            help_text=_("What this persona expects from us."))
    segment = forms.CharField(label=_("Segment"), required=False, max_length=60,
                              help_text=_("The customer segment this persona stands for, if any."))


class GoalForm(forms.Form):
    metric = forms.ChoiceField(label=_("Metric"), choices=ScoreMetric.choices)
    target = forms.FloatField(label=_("Target"),
                              help_text=_("NPS from −100 to 100; the other figures from 0 to 100."))
    due_date = forms.DateField(label=_("Due date"), widget=DATE)
    journey = forms.ModelChoiceField(label=_("Journey"), queryset=Journey.objects.none(), required=False,
                                     empty_label=_("The whole program"))
    description = forms.CharField(label=_("Description"), required=False, max_length=300)

    def __init__(self, *args: Any, program: Program, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["journey"].queryset = Journey.objects.filter(program=program).order_by("position", "id")


class InitiativeForm(forms.Form):
    program = forms.ModelChoiceField(label=_("Program"), queryset=Program.objects.order_by("name"),
                                     empty_label=None)
    name = forms.CharField(label=_("Name"), max_length=150)
    description = forms.CharField(label=_("Description"), required=False,
                                  widget=forms.Textarea(attrs={"rows": 3}))
    touchpoints = forms.ModelMultipleChoiceField(
        label=_("Touchpoints"), queryset=Touchpoint.objects.none(), required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Touchpoints of the chosen program whose figures this initiative should move."))
    owner = forms.ModelChoiceField(label=_("Owner"), queryset=get_user_model().objects.none(), required=False)
    status = forms.ChoiceField(label=_("Status"), choices=InitiativeStatus.choices,
                               initial=InitiativeStatus.PLANNED)
    start_date = forms.DateField(label=_("Start date"), widget=DATE)
    end_date = forms.DateField(label=_("End date"), required=False, widget=DATE)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["touchpoints"].queryset = (
            Touchpoint.objects.filter(is_active=True).select_related("stage__journey__program")
            .order_by("stage__journey__program__name", "stage__journey__position", "stage__position",
                      "position", "id"))
        self.fields["touchpoints"].label_from_instance = (
            lambda tp: f"{tp.stage.journey.program.name} › {tp.stage.journey.name} › {tp.name}")
        self.fields["owner"].queryset = get_user_model().objects.filter(is_active=True).order_by(
            "first_name", "last_name", "username")
        self.fields["owner"].label_from_instance = lambda u: u.get_full_name() or u.get_username()

    def include_touchpoints(self, extra: list[Touchpoint]) -> None:
        """Keep archived touchpoints an initiative is linked to selectable on its edit form."""
        ids = [tp.pk for tp in extra]
        if ids:
            field = self.fields["touchpoints"]
            field.queryset = (field.queryset | Touchpoint.objects.filter(pk__in=ids)).distinct()

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        start, end = data.get("start_date"), data.get("end_date")
        if start and end and end < start:
            self.add_error("end_date", _("The end date cannot be before the start date."))
        return data


class InitiativeFilterForm(forms.Form):
    status = forms.ChoiceField(label=_("Status"), choices=[("", _("Any status")), *InitiativeStatus.choices],
                               required=False)
    program = forms.ModelChoiceField(label=_("Program"), queryset=Program.objects.order_by("name"),
                                     required=False, empty_label=_("Any program"))

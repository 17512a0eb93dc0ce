"""FilterSets of the experience side, shared by the API lists and the pages."""

from __future__ import annotations

import django_filters
from django.db.models import Q, QuerySet

from cxhub.api import StableOrderingFilter, SyncFilterSet
from cxhub.models import Team
from journeys.choices import Channel, Language
from journeys.models import Customer, Journey, Program, Stage, Touchpoint


class CustomerFilterSet(SyncFilterSet):
    external_id = django_filters.CharFilter(help_text="The customer's id in the CRM (exact).")
    segment = django_filters.CharFilter(help_text="Exact segment, e.g. retail.")
    language = django_filters.ChoiceFilter(choices=Language.choices)
    search = django_filters.CharFilter(method="filter_search", help_text="Part of the name or e-mail.")
    ordering = StableOrderingFilter(fields=("name", "created_at", "updated_at"))

    class Meta:
        model = Customer
        fields = ["external_id", "segment", "language"]

    def filter_search(self, queryset: QuerySet[Customer], name: str, value: str) -> QuerySet[Customer]:
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(Q(name__icontains=value) | Q(email__icontains=value))


class ProgramFilterSet(SyncFilterSet):
    ordering = StableOrderingFilter(fields=("name", "created_at", "updated_at"))

    class Meta:
        model = Program
        fields: list[str] = []


class JourneyFilterSet(SyncFilterSet):
    program = django_filters.ModelChoiceFilter(queryset=Program.objects.all())
    ordering = StableOrderingFilter(fields=("name", "position", "created_at", "updated_at"))

    class Meta:
        model = Journey
        fields = ["program"]


class StageFilterSet(django_filters.FilterSet):
    journey = django_filters.ModelChoiceFilter(queryset=Journey.objects.all())

    class Meta:
        model = Stage
        fields = ["journey"]


class TouchpointFilterSet(SyncFilterSet):
    stage = django_filters.ModelChoiceFilter(queryset=Stage.objects.all())
    journey = django_filters.ModelChoiceFilter(field_name="stage__journey", queryset=Journey.objects.all())
    program = django_filters.ModelChoiceFilter(
        field_name="stage__journey__program", queryset=Program.objects.all()
    )
    owner_team = django_filters.ModelChoiceFilter(queryset=Team.objects.all())
    channel = django_filters.ChoiceFilter(choices=Channel.choices)
    is_active = django_filters.BooleanFilter()
    ordering = StableOrderingFilter(fields=("name", "position", "created_at", "updated_at"))

    class Meta:
        model = Touchpoint
        fields = ["stage", "journey", "program", "owner_team", "channel", "is_active"]

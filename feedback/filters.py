"""FilterSets of the feedback side, shared by the API lists and the pages."""

from __future__ import annotations

import django_filters

from cxhub.api import IdFilter, StableOrderingFilter
from feedback.choices import SurveyKind
from feedback.models import Response, Survey
from journeys.models import Touchpoint


class SurveyFilterSet(django_filters.FilterSet):
    kind = django_filters.ChoiceFilter(choices=SurveyKind.choices)
    touchpoint = django_filters.ModelChoiceFilter(queryset=Touchpoint.objects.all())
    is_active = django_filters.BooleanFilter()

    class Meta:
        model = Survey
        fields = ["kind", "touchpoint", "is_active"]


class ResponseFilterSet(django_filters.FilterSet):
    survey = django_filters.ModelChoiceFilter(queryset=Survey.objects.all())
    touchpoint = django_filters.ModelChoiceFilter(queryset=Touchpoint.objects.all())
    customer = IdFilter(field_name="customer")
    ticket = IdFilter(field_name="ticket")
    answered = django_filters.IsoDateTimeFromToRangeFilter(
        field_name="answered_at",
        help_text="answered_after / answered_before: ISO 8601 times, both ends included.",
    )
    ordering = StableOrderingFilter(fields=("answered_at", "created_at", "score"))

    class Meta:
        model = Response
        fields = ["survey", "touchpoint", "customer", "ticket"]

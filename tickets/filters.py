"""FilterSets of the service side, shared by the API lists and the pages."""

from __future__ import annotations

import django_filters
from django.contrib.auth import get_user_model
from django.db.models import Case, IntegerField, Value, When

from cxhub.api import IdFilter, StableOrderingFilter
from cxhub.models import Team
from journeys.models import Touchpoint
from tickets.choices import Priority, Status
from tickets.models import Ticket

# Ordering by priority means by urgency, not alphabetically: low < normal < high < urgent.
PRIORITY_RANK = Case(
    *(When(priority=value, then=Value(rank)) for rank, value in enumerate(Priority.values)),
    output_field=IntegerField(),
)


class TicketFilterSet(django_filters.FilterSet):
    status = django_filters.MultipleChoiceFilter(
        choices=Status.choices, help_text="One or more statuses: ?status=new&status=open"
    )
    priority = django_filters.MultipleChoiceFilter(choices=Priority.choices)
    team = django_filters.ModelChoiceFilter(queryset=Team.objects.all())
    assignee = django_filters.ModelChoiceFilter(queryset=get_user_model().objects.all())
    unassigned = django_filters.BooleanFilter(
        field_name="assignee", lookup_expr="isnull", help_text="true: only tickets nobody has."
    )
    touchpoint = django_filters.ModelChoiceFilter(queryset=Touchpoint.objects.all())
    customer = IdFilter(field_name="customer")
    external_id = django_filters.CharFilter(help_text="The ticket's id in the CRM (exact).")
    updated_since = django_filters.IsoDateTimeFilter(
        field_name="updated_at", lookup_expr="gte",
        help_text="Only tickets changed at or after this ISO 8601 time (incremental sync).",
    )
    ordering = StableOrderingFilter(
        fields=("created_at", "updated_at", "priority"), expressions={"priority": PRIORITY_RANK}
    )

    class Meta:
        model = Ticket
        fields = [
            "status", "priority", "team", "assignee", "unassigned", "touchpoint", "customer",
            "external_id", "updated_since",
        ]

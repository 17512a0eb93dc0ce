"""FilterSets of the API lists: invitations and touchpoint events (no page shows them yet), and the
API's versions of the survey and response filters.

The response and survey lists read feedback.filters, shared with the pages; the API adds the time filters
every API list has (`created_after`, `created_before`, and `updated_since` where rows have `updated_at`).
"""

from __future__ import annotations

import django_filters

from cxhub.api import CreatedRangeFilterSet, IdFilter, StableOrderingFilter, SyncFilterSet
from feedback.choices import InvitationStatus, InvitationTrigger
from feedback.filters import ResponseFilterSet, SurveyFilterSet
from feedback.models import Invitation, Survey, TicketSurveyRule, TouchpointEvent
from journeys.models import Touchpoint

# Ids are 64-bit: a larger number is a 400 on the filter, never a database error.
ID_RANGE = {"min_value": 1, "max_value": 2**63 - 1}


class SurveyApiFilterSet(SyncFilterSet, SurveyFilterSet):
    ordering = StableOrderingFilter(fields=("name", "created_at", "updated_at"))

    class Meta(SurveyFilterSet.Meta):
        pass


class ResponseApiFilterSet(CreatedRangeFilterSet, ResponseFilterSet):
    """A response is never changed after it is given, so `answered_*` and `created_*` are its times."""

    class Meta(ResponseFilterSet.Meta):
        pass


class InvitationFilterSet(CreatedRangeFilterSet):
    survey = django_filters.ModelChoiceFilter(queryset=Survey.objects.all())
    touchpoint = django_filters.ModelChoiceFilter(queryset=Touchpoint.objects.all())
    customer = IdFilter(field_name="customer", **ID_RANGE)
    ticket = IdFilter(field_name="ticket", **ID_RANGE)
    status = django_filters.ChoiceFilter(choices=InvitationStatus.choices)
    trigger = django_filters.ChoiceFilter(choices=InvitationTrigger.choices)
    ordering = StableOrderingFilter(fields=("created_at", "send_at", "sent_at", "answered_at"))

    class Meta:
        model = Invitation
        fields = ["survey", "touchpoint", "customer", "ticket", "status", "trigger"]


class TouchpointEventFilterSet(CreatedRangeFilterSet):
    touchpoint = django_filters.ModelChoiceFilter(queryset=Touchpoint.objects.all())
    customer = IdFilter(field_name="customer", **ID_RANGE)
    kind = django_filters.CharFilter(help_text="Exact kind, e.g. purchase.")
    external_id = django_filters.CharFilter(help_text="The event's id in the CRM.")
    occurred = django_filters.IsoDateTimeFromToRangeFilter(
        field_name="occurred_at",
        help_text="occurred_after / occurred_before: ISO 8601 times, both ends included.",
    )
    ordering = StableOrderingFilter(fields=("occurred_at", "created_at"))

    class Meta:
        model = TouchpointEvent
        fields = ["touchpoint", "customer", "kind", "external_id"]


class TicketSurveyRuleFilterSet(django_filters.FilterSet):
    survey = django_filters.ModelChoiceFilter(queryset=Survey.objects.all())
    is_active = django_filters.BooleanFilter()

    class Meta:
        model = TicketSurveyRule
        fields = ["survey", "is_active"]

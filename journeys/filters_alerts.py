"""The alert FilterSet, shared by the alerts page and the API list."""

from __future__ import annotations

import django_filters
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from cxhub.api import IdFilter, StableOrderingFilter
from journeys.alerts import LIVE_STATUSES, SEVERITY
from journeys.models import Alert, AlertKind, AlertStatus, ScoreMetric

LIVE = "live"
ALL = "all"
STATUS_CHOICES = [
    (LIVE, _("Open or acknowledged")),
    *AlertStatus.choices,
    (ALL, _("Any status")),
]


class AlertFilterSet(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(
        choices=STATUS_CHOICES, method="filter_status", empty_label=None,
        help_text="live (open or acknowledged; the default), open, acknowledged, resolved or all.",
    )
    kind = django_filters.ChoiceFilter(choices=AlertKind.choices, empty_label=_("Any kind"))
    metric = django_filters.ChoiceFilter(choices=ScoreMetric.choices, empty_label=_("Any figure"))
    program = IdFilter(field_name="program_id", help_text="A program's id.")
    journey = IdFilter(field_name="journey_id",
                       help_text="A journey's id: its own alerts and those of its touchpoints.")
    touchpoint = IdFilter(field_name="touchpoint_id", help_text="A touchpoint's id.")
    ordering = StableOrderingFilter(
        fields=(("opened_at", "opened_at"), ("last_seen_at", "last_seen_at"), ("severity", "severity")),
        expressions={"severity": SEVERITY},
        help_text="opened_at, last_seen_at or severity (how far below its target or baseline), "
                  "with - for descending; newest first without it.",
    )

    class Meta:
        model = Alert
        fields = ["status", "kind", "metric", "program", "journey", "touchpoint"]

    def filter_status(self, queryset: QuerySet[Alert], name: str, value: str) -> QuerySet[Alert]:
        if value == ALL:
            return queryset
        if value == LIVE:
            return queryset.filter(status__in=LIVE_STATUSES)
        return queryset.filter(status=value)

    def filter_queryset(self, queryset: QuerySet[Alert]) -> QuerySet[Alert]:
        # Without a status the live alerts are meant: what needs attention.
        if not self.form.cleaned_data.get("status"):
            queryset = queryset.filter(status__in=LIVE_STATUSES)
        return super().filter_queryset(queryset)

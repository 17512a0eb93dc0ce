"""FilterSets of the service side, shared by the API lists and the pages.

The agent's queue page and `/api/v1/tickets/` read the same query-string parameters, so a filtered
list, its CSV export and a report's drill-down link all mean the same tickets.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation
from typing import Any

import django_filters
from django.contrib.auth import get_user_model
from django.db.models import Case, Exists, IntegerField, OuterRef, Q, QuerySet, Value, When
from django.http import QueryDict
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cxhub.api import IdFilter, StableOrderingFilter, SyncFilterSet
from cxhub.models import Team
from journeys.choices import Channel
from journeys.models import Touchpoint
from tickets.choices import OPEN_STATUSES, CustomFieldKind, Priority, SlaStatus, Status
from tickets.models import Category, CustomField, Tag, Ticket, TicketMessage

# Ordering by priority means by urgency, not alphabetically: low < normal < high < urgent.
PRIORITY_RANK = Case(
    *(When(priority=value, then=Value(rank)) for rank, value in enumerate(Priority.values)),
    output_field=IntegerField(),
)

# The labels are for the pages; help_text below (English) is the API's documentation.
QUEUES = {
    "open": _("All open"),
    "mine": _("Mine"),
    "team": _("My team's"),
    "unassigned": _("Unassigned"),
    "breaching": _("Breaching soon"),
    "resolved": _("Recently resolved"),
    "all": _("All tickets"),
}
# "Breaching soon": at risk or breached by the SLA job, or due within this long (the job may lag).
BREACHING_HORIZON = dt.timedelta(hours=2)
# "Recently resolved": resolved within this many days.
RECENTLY_RESOLVED = dt.timedelta(days=7)


def queue_params(params: QueryDict) -> QueryDict:
    """The query string as the pages read it: a missing or unknown queue means "All open"."""
    data = params.copy()
    if data.get("queue") not in QUEUES:
        data["queue"] = "open"
    return data


def _start_of(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


class DateFromFilter(django_filters.DateFilter):
    """On or after the start of this day (in the reporting time zone)."""

    def filter(self, qs: QuerySet, value: dt.date | None) -> QuerySet:
        if value is None:
            return qs
        return qs.filter(**{f"{self.field_name}__gte": _start_of(value)})


class DateToFilter(django_filters.DateFilter):
    """On or before the end of this day (in the reporting time zone)."""

    def filter(self, qs: QuerySet, value: dt.date | None) -> QuerySet:
        if value is None:
            return qs
        return qs.filter(**{f"{self.field_name}__lt": _start_of(value + dt.timedelta(days=1))})


class TicketFilterSet(SyncFilterSet):
    """`created_after`, `created_before` (an ISO 8601 time with its zone, or a date as the pages send) and
    `updated_since` come from cxhub.api.SyncFilterSet, shared with every API list."""

    queue = django_filters.ChoiceFilter(
        choices=list(QUEUES.items()), method="filter_queue", empty_label=None,
        help_text="A ready-made list: open, mine, team, unassigned, breaching, resolved or all.",
    )
    q = django_filters.CharFilter(
        method="filter_text", label=_("Search"),
        help_text="Words in the subject, any message, or the customer's name, e-mail or CRM id.",
    )
    status = django_filters.MultipleChoiceFilter(
        choices=Status.choices, distinct=False, help_text="One or more statuses: ?status=new&status=open"
    )
    # distinct=False: a ticket's own column cannot repeat a row, and SELECT DISTINCT would stop the
    # database reading the newest-first index in order (a sort of every match instead).
    priority = django_filters.MultipleChoiceFilter(choices=Priority.choices, distinct=False)
    channel = django_filters.MultipleChoiceFilter(choices=Channel.choices, distinct=False)
    team = django_filters.ModelChoiceFilter(queryset=Team.objects.all(), null_label=_("No team"), empty_label=_("Any"),
                                            help_text="A team's id, or null for tickets without a team.")
    assignee = django_filters.ModelChoiceFilter(queryset=get_user_model().objects.all(), empty_label=_("Any"))
    unassigned = django_filters.BooleanFilter(
        field_name="assignee", lookup_expr="isnull", help_text="true: only tickets nobody has."
    )
    touchpoint = django_filters.ModelChoiceFilter(
        queryset=Touchpoint.objects.all(), null_label=_("No touchpoint"), empty_label=_("Any"),
        help_text="A touchpoint's id, or null for none.")
    category = django_filters.ModelChoiceFilter(queryset=Category.objects.all(), empty_label=_("Any"))
    tag = django_filters.ModelChoiceFilter(
        field_name="tags", queryset=Tag.objects.all(), to_field_name="name", empty_label=_("Any"),
        help_text="A tag's name."
    )
    customer = IdFilter(field_name="customer")
    external_id = django_filters.CharFilter(help_text="The ticket's id in the CRM (exact).")
    resolved_after = DateFromFilter(field_name="first_resolved_at",
                                    help_text="First resolved on or after this date.")
    resolved_before = DateToFilter(field_name="first_resolved_at",
                                   help_text="First resolved on or before this date.")
    responded_after = DateFromFilter(field_name="first_response_at",
                                     help_text="First answered on or after this date.")
    responded_before = DateToFilter(field_name="first_response_at",
                                    help_text="First answered on or before this date.")
    open_at = django_filters.DateFilter(method="filter_open_at",
                                        help_text="Open (not resolved or closed) at the end of this day.")
    sla = django_filters.ChoiceFilter(
        choices=[("met", _("Resolution SLA met")), ("breached", _("Resolution SLA breached"))],
        method="filter_sla", help_text="Resolved tickets whose first resolution met or breached its due time.",
    )
    fcr = django_filters.BooleanFilter(field_name="first_contact_resolution")
    reopened = django_filters.BooleanFilter(method="filter_reopened")
    ordering = StableOrderingFilter(
        fields=("created_at", "updated_at", "priority", "resolution_due_at"),
        expressions={"priority": PRIORITY_RANK},
    )

    class Meta:
        model = Ticket
        fields = [
            "queue", "q", "status", "priority", "channel", "team", "assignee", "unassigned", "touchpoint",
            "category", "tag", "customer", "external_id", "created_after", "created_before",
            "resolved_after", "resolved_before", "responded_after", "responded_before", "open_at", "sla",
            "fcr", "reopened", "updated_since",
        ]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Every active custom field can be filtered on as ?cf_<key>=value (text: contains, else exact).
        self._custom_fields: dict[str, CustomField] = {}
        for field in CustomField.objects.filter(is_active=True):
            name = f"cf_{field.key}"
            extra = django_filters.CharFilter(method="filter_custom_field", label=field.label,
                                              help_text=f"Custom field {field.label}.")
            extra.model, extra.parent, extra.field_name = Ticket, self, name
            self.filters[name] = extra
            self._custom_fields[name] = field

    @property
    def custom_field_filters(self) -> list[tuple[str, CustomField]]:
        """(parameter name, definition) of each custom field the list can filter on."""
        return list(self._custom_fields.items())

    def filter_custom_field(self, qs: QuerySet[Ticket], name: str, value: str) -> QuerySet[Ticket]:
        field = self._custom_fields[name]
        lookup = f"custom_fields__{field.key}"
        value = value.strip()
        if not value:
            return qs
        if field.kind == CustomFieldKind.NUMBER:
            try:
                number = Decimal(value)
            except InvalidOperation:
                return qs.none()
            if not number.is_finite():
                return qs.none()
            return qs.filter(**{lookup: int(number) if number == number.to_integral_value() else float(number)})
        if field.kind == CustomFieldKind.CHOICE:
            return qs.filter(**{lookup: value})
        return qs.filter(**{f"{lookup}__icontains": value})

    def filter_queue(self, qs: QuerySet[Ticket], name: str, value: str) -> QuerySet[Ticket]:
        user = getattr(self.request, "user", None)
        now = timezone.now()
        open_tickets = qs.filter(status__in=OPEN_STATUSES)
        if value == "open":
            return open_tickets
        if value == "mine":
            return open_tickets.filter(assignee=user) if user else qs.none()
        if value == "team":
            return open_tickets.filter(team__members=user) if user else qs.none()
        if value == "unassigned":
            return open_tickets.filter(assignee__isnull=True)
        if value == "breaching":
            return open_tickets.filter(
                Q(sla_status__in=[SlaStatus.AT_RISK, SlaStatus.BREACHED])
                | Q(resolution_due_at__lte=now + BREACHING_HORIZON)
            ).exclude(status=Status.PENDING)
        if value == "resolved":
            return qs.filter(status=Status.RESOLVED, resolved_at__gte=now - RECENTLY_RESOLVED)
        return qs

    def filter_text(self, qs: QuerySet[Ticket], name: str, value: str) -> QuerySet[Ticket]:
        words = value.split()[:8]  # bounded: each word is one more condition
        for word in words:
            in_messages = TicketMessage.objects.filter(ticket=OuterRef("pk"), body__icontains=word)
            qs = qs.filter(
                Q(subject__icontains=word) | Q(customer__name__icontains=word)
                | Q(customer__email__iexact=word) | Q(customer__external_id=word) | Q(external_id=word)
                | Exists(in_messages)
            )
        return qs

    def filter_sla(self, qs: QuerySet[Ticket], name: str, value: str) -> QuerySet[Ticket]:
        from django.db.models import F

        resolved = qs.filter(first_resolved_at__isnull=False)
        if value == "met":
            return resolved.filter(first_resolved_at__lte=F("resolution_due_at"))
        return resolved.filter(first_resolved_at__gt=F("resolution_due_at"))

    def filter_open_at(self, qs: QuerySet[Ticket], name: str, value: dt.date | None) -> QuerySet[Ticket]:
        if value is None:
            return qs
        from tickets.reports import open_at_q

        return qs.filter(open_at_q(_start_of(value + dt.timedelta(days=1))))

    def filter_reopened(self, qs: QuerySet[Ticket], name: str, value: bool | None) -> QuerySet[Ticket]:
        if value is None:
            return qs
        return qs.filter(reopen_count__gt=0) if value else qs.filter(reopen_count=0)


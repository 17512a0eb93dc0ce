"""API of the service reports: the figures of the report page (tickets.reports), as JSON."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.urls import reverse
from drf_spectacular.utils import extend_schema, extend_schema_field, extend_schema_serializer
from rest_framework import serializers, viewsets
from rest_framework.request import Request
from rest_framework.response import Response

from cxhub.api import ApiViewSetMixin, error_responses
from cxhub.api_schema import SingleObjectSchema
from tickets.api import examples
from tickets.reports import (
    COUNTS,
    DEFAULT_GROUPING,
    DEFAULT_WINDOW,
    GROUPINGS,
    MAX_CUSTOM_DAYS,
    WINDOWS,
    Grouping,
    ReportRow,
    ReportWindow,
    ServiceReport,
    figure_params,
    service_report,
)
from tickets.selectors import tickets_visible_to


class ReportQuerySerializer(serializers.Serializer):
    """`window` days ending today, or a `from`/`to` range of whole days; `by` names the rows."""

    window = serializers.ChoiceField(
        choices=WINDOWS, required=False,
        help_text=f"Days ending today: {', '.join(map(str, WINDOWS))}; {DEFAULT_WINDOW} without it or a range.",
    )
    by = serializers.ChoiceField(choices=list(GROUPINGS), required=False,
                                 help_text=f"One row per team, agent, channel or touchpoint ({DEFAULT_GROUPING} "
                                           "without it).")

    def get_fields(self) -> dict[str, serializers.Field]:
        fields = super().get_fields()
        # "from" is a Python keyword, so the range's ends are added here rather than declared above.
        fields["from"] = serializers.DateField(required=False, help_text="First day of a custom range.")
        fields["to"] = serializers.DateField(required=False, help_text="Last day of a custom range (included).")
        return fields

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        first, last = attrs.get("from"), attrs.get("to")
        if (first is None) != (last is None):
            raise serializers.ValidationError({"to" if last is None else "from": ["Give both ends of the range."]})
        if first is not None and last is not None:
            if "window" in attrs:
                raise serializers.ValidationError({"window": ["Give a window or a from/to range, not both."]})
            if first > last:
                raise serializers.ValidationError({"to": ["The range ends before it starts."]})
            if (last - first).days + 1 > MAX_CUSTOM_DAYS:
                raise serializers.ValidationError({"to": [f"Choose at most {MAX_CUSTOM_DAYS} days."]})
        return attrs


@extend_schema_field({"oneOf": [{"type": "integer"}, {"type": "string"}], "nullable": True})
class GroupValueField(serializers.ReadOnlyField):
    """The group's id (team, agent, touchpoint) or value (channel); null for "no team" and the total."""


HOURS = "Hours; null when nothing was measured."
RATE = "Percent of those resolved; null when none were."


class ReportRowSerializer(serializers.Serializer):
    label = serializers.CharField()
    group = GroupValueField(source="group_value")
    created = serializers.IntegerField()
    open_now = serializers.IntegerField()
    open_at_end = serializers.IntegerField(help_text="Open at the end of the window's last day.")
    responded = serializers.IntegerField(help_text="First public reply in the window.")
    resolved = serializers.IntegerField(help_text="First resolution in the window.")
    sla_met = serializers.IntegerField()
    fcr = serializers.IntegerField()
    reopened = serializers.IntegerField()
    first_response_median_hours = serializers.FloatField(source="frt_median", allow_null=True, help_text=HOURS)
    first_response_p90_hours = serializers.FloatField(source="frt_p90", allow_null=True, help_text=HOURS)
    resolution_median_hours = serializers.FloatField(source="resolution_median", allow_null=True, help_text=HOURS)
    resolution_p90_hours = serializers.FloatField(source="resolution_p90", allow_null=True, help_text=HOURS)
    sla_rate = serializers.FloatField(allow_null=True, help_text=RATE)
    fcr_rate = serializers.FloatField(allow_null=True, help_text=RATE)
    reopen_rate = serializers.FloatField(allow_null=True, help_text=RATE)
    tickets = serializers.SerializerMethodField(
        help_text="For each count, the API ticket list of exactly the tickets it counts.",
    )
    page_links = serializers.DictField(
        child=serializers.CharField(), source="links",
        help_text="For each count, the same list on the ticket queue page.",
    )

    @extend_schema_field(serializers.DictField(child=serializers.URLField()))
    def get_tickets(self, row: ReportRow) -> dict[str, str]:
        report: ServiceReport = self.context["report"]
        return api_links(self.context["request"], report.window, report.grouping, row)


class ReportWindowSerializer(serializers.Serializer):
    start = serializers.DateField()
    end = serializers.DateField(help_text="Included.")
    days = serializers.IntegerField(source="length")


@extend_schema_serializer(examples=examples.SERVICE_REPORT_EXAMPLES)
class ServiceReportSerializer(serializers.Serializer):
    window = ReportWindowSerializer()
    by = serializers.CharField(source="grouping.key")
    rows = ReportRowSerializer(many=True, help_text="One per group, ordered by name; the group-less row last.")
    total = ReportRowSerializer()


def api_links(request: Request, window: ReportWindow, grouping: Grouping, row: ReportRow) -> dict[str, str]:
    """The drill-down links of the page, pointing at the API's ticket list (same parameters)."""
    base = request.build_absolute_uri(reverse("ticket-list"))
    group: list[tuple[str, str]] = []
    if not row.is_total:
        group = [grouping.none_param if row.group_value is None else (grouping.param, str(row.group_value))]
    return {figure: f"{base}?{urlencode([('queue', 'all'), *group, *figure_params(figure, window=window)])}"
            for figure in COUNTS}


class TicketReportViewSet(ApiViewSetMixin, viewsets.GenericViewSet):
    """Service reports: the figures of the report page."""

    schema = SingleObjectSchema()  # one report object, not a list of rows

    required_permissions = ["tickets.view_ticket"]
    filter_backends: list = []
    pagination_class = None
    extra_query_params = tuple(ReportQuerySerializer().fields)

    @extend_schema(
        parameters=[ReportQuerySerializer],
        responses={200: ServiceReportSerializer, **error_responses(400)},
    )
    def list(self, request: Request) -> Response:
        """Volume, backlog, first-response and resolution times (median and 90th percentile), SLA
        attainment, first-contact resolution and reopen rate, one row per group and a total.

        The same figures, with the same definitions, as the report page (`/tickets/reports/`); every count
        links to the ticket list it counts. A bad parameter is a 400, never a silent default.
        Runs a constant number of queries however many tickets and groups there are.
        """
        params = self.validated_input(ReportQuerySerializer, data=request.query_params)
        if "from" in params:
            window = ReportWindow(params["from"], params["to"])
        else:
            window = ReportWindow.last(int(params.get("window", DEFAULT_WINDOW)))
        report = service_report(window=window, by=params.get("by", DEFAULT_GROUPING),
                                tickets=tickets_visible_to(request.user))
        context = {**self.get_serializer_context(), "report": report}
        return Response(ServiceReportSerializer(report, context=context).data)

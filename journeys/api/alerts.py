"""Alerts in the API: list and read them; a manager acknowledges or resolves one with a note."""

from __future__ import annotations

from django.db.models import QuerySet
from drf_spectacular.utils import (
    extend_schema,
    extend_schema_field,
    extend_schema_serializer,
    extend_schema_view,
)
from rest_framework import serializers, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from cxhub.api import ApiViewSetMixin, error_responses
from cxhub.serializers import ModelSerializer
from journeys import alerts
from journeys.api import examples
from journeys.filters_alerts import AlertFilterSet
from journeys.models import Alert

CHANGE = ["journeys.view_alert", "journeys.change_alert"]


# A plain string in the schema: as an enum its name would collide with the "status" enums of other
# components (tickets). The values are open, acknowledged and resolved.
@extend_schema_field({"type": "string", "description": "open, acknowledged or resolved"})
class AlertStatusField(serializers.CharField):
    pass


@extend_schema_serializer(examples=examples.ALERT_EXAMPLES)
class AlertSerializer(ModelSerializer):
    status = AlertStatusField(read_only=True)
    subject_type = serializers.SerializerMethodField(help_text="touchpoint or journey")
    acknowledged_by = serializers.SlugRelatedField(slug_field="username", read_only=True, allow_null=True)
    resolved_by = serializers.SlugRelatedField(slug_field="username", read_only=True, allow_null=True)
    allowed_actions = serializers.SerializerMethodField(
        help_text="The statuses this alert may move to: acknowledged and/or resolved, or none.")
    url = serializers.SerializerMethodField(help_text="The alert's page.")

    class Meta:
        model = Alert
        fields = [
            "id", "kind", "metric", "status", "subject_type", "program", "journey", "touchpoint",
            "window_days", "value", "reference", "low", "high", "sample", "message", "occurrences",
            "opened_at", "last_seen_at", "notified_at", "acknowledged_by", "acknowledged_at",
            "resolved_by", "resolved_at", "note", "allowed_actions", "url",
        ]
        read_only_fields = fields

    def get_subject_type(self, alert: Alert) -> str:
        return "touchpoint" if alert.touchpoint_id else "journey"

    def get_allowed_actions(self, alert: Alert) -> list[str]:
        return list(alerts.allowed_actions(alert))

    def get_url(self, alert: Alert) -> str:
        return alerts.alert_url(alert)


@extend_schema_serializer(examples=examples.ALERT_NOTE_EXAMPLES)
class AlertNoteSerializer(serializers.Serializer):
    note = serializers.CharField(
        max_length=alerts.NOTE_MAX_LENGTH, trim_whitespace=True,
        help_text="What is being done about it, or why it is resolved (required).",
    )


@extend_schema_view(
    list=extend_schema(description=(
        "Alerts, newest first. Without `status`, only live alerts (open or acknowledged); "
        "`status=all` lists every alert.")),
    retrieve=extend_schema(responses={200: AlertSerializer, **error_responses(404)}),
)
class AlertViewSet(ApiViewSetMixin, viewsets.ReadOnlyModelViewSet):
    """Touchpoints and journeys below their target or fallen from their baseline beyond noise."""

    queryset = Alert.objects.all()
    serializer_class = AlertSerializer
    filterset_class = AlertFilterSet
    action_permissions = {"acknowledge": CHANGE, "resolve": CHANGE}

    def get_queryset(self) -> QuerySet[Alert]:
        return super().get_queryset().select_related("acknowledged_by", "resolved_by")

    def filter_queryset(self, queryset: QuerySet[Alert]) -> QuerySet[Alert]:
        # The filters (live alerts by default) shape the list; one alert is found whatever its status.
        return super().filter_queryset(queryset) if self.action == "list" else queryset

    @extend_schema(request=AlertNoteSerializer,
                   responses={200: AlertSerializer, **error_responses(400, 404, 409)})
    @action(detail=True, methods=["post"])
    def acknowledge(self, request: Request, pk: str | None = None) -> Response:
        """open -> acknowledged, with a note. Any other status is a 409 naming what the alert may do."""
        alert = self.get_object()
        data = self.validated_input(AlertNoteSerializer)
        alerts.alert_acknowledge(alert=alert, by=request.user, note=data["note"])
        return Response(AlertSerializer(self.get_object()).data)

    @extend_schema(request=AlertNoteSerializer,
                   responses={200: AlertSerializer, **error_responses(400, 404, 409)})
    @action(detail=True, methods=["post"])
    def resolve(self, request: Request, pk: str | None = None) -> Response:
        """open or acknowledged -> resolved, with a note. A resolved alert cannot change (409)."""
        alert = self.get_object()
        data = self.validated_input(AlertNoteSerializer)
        alerts.alert_resolve(alert=alert, by=request.user, note=data["note"])
        return Response(AlertSerializer(self.get_object()).data)

"""Experience signals in the API: read the ledger the scores are computed from, and post a CRM's own
events against a touchpoint (a late delivery, an installation done on time ...)."""

from __future__ import annotations

import json
from typing import Any

import django_filters
from drf_spectacular.utils import (
    extend_schema,
    extend_schema_field,
    extend_schema_serializer,
    extend_schema_view,
)
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.request import Request
from rest_framework.response import Response

from cxhub.api import (
    ApiViewSetMixin,
    CreatedRangeFilterSet,
    IdFilter,
    MomentFilter,
    StableOrderingFilter,
    error_responses,
)
from cxhub.serializers import ModelSerializer
from journeys.api import examples
from journeys.choices import SignalKind
from journeys.models import Customer, ExperienceSignal, Touchpoint
from journeys.services import signal_post

ID = r"[0-9]{1,18}"  # a 64-bit id; anything else is a 404 from the router, never a database error
MAX_ID = 2**63 - 1
CONTEXT_MAX_CHARS = 4000  # the facts kept with a signal, as JSON: a few fields, not a document
VALUE_MAX = 10**9  # seconds are the largest values (about 31 years); a sum of many must still fit


# Documented inline: as a shared enum component "kind" would collide with other kinds in the schema.
@extend_schema_field({"allOf": [{"type": "string", "enum": list(SignalKind.values)}]})
class SignalKindField(serializers.ChoiceField):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__(choices=SignalKind.choices, **kwargs)


class RelatedIdField(serializers.PrimaryKeyRelatedField):
    """A related object by id; a number too large for an id is "does not exist", never a database error."""

    def to_internal_value(self, data: Any) -> Any:
        number = int(data) if isinstance(data, str) and data.strip().isdigit() else data
        if isinstance(number, int) and not isinstance(number, bool) and not 0 < number <= MAX_ID:
            self.fail("does_not_exist", pk_value=data)
        return super().to_internal_value(data)


class ZonedDateTimeField(serializers.DateTimeField):
    """An ISO 8601 time with its time zone; one without is refused rather than guessed."""

    default_error_messages = {
        "naive": "Give the time zone too: e.g. 2026-05-01T09:00:00Z or 2026-05-01T09:00:00+02:00.",
    }

    def enforce_timezone(self, value: Any) -> Any:
        if value.tzinfo is None or value.utcoffset() is None:
            self.fail("naive")
        return super().enforce_timezone(value)


@extend_schema_serializer(examples=examples.SIGNAL_EXAMPLES)
class ExperienceSignalSerializer(ModelSerializer):
    kind = SignalKindField(read_only=True)
    customer_external_id = serializers.SerializerMethodField(
        help_text="The customer's id in the CRM; null without a customer (or one the CRM did not name).")

    class Meta:
        model = ExperienceSignal
        fields = ["id", "touchpoint", "customer", "customer_external_id", "kind", "value", "segment",
                  "source", "source_id", "external_id", "occurred_at", "recorded_at", "context"]
        read_only_fields = fields
        extra_kwargs = {
            "source": {"help_text": "What recorded it: ticket, response, api (posted here) ..."},
            "source_id": {"help_text": "The id of what recorded it (a ticket's or a response's id)."},
            "value": {"help_text": "Seconds for time kinds, the answer for nps/csat/ces; else null."},
        }

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_customer_external_id(self, signal: ExperienceSignal) -> str | None:
        if signal.customer is None:
            return None
        return signal.customer.external_id or None


@extend_schema_serializer(examples=examples.SIGNAL_CREATE_EXAMPLES)
class ExperienceSignalCreateSerializer(serializers.Serializer):
    """Name the customer by `customer` (id) or `customer_external_id` (the CRM's id), or neither."""

    touchpoint = RelatedIdField(queryset=Touchpoint.objects.all(), help_text="Where it happened (an id).")
    customer = RelatedIdField(queryset=Customer.objects.all(), required=False, allow_null=True,
                              help_text="Who it happened to (an id).")
    customer_external_id = serializers.SlugRelatedField(
        slug_field="external_id", queryset=Customer.objects.exclude(external_id=""), required=False,
        help_text="The customer's id in the CRM, instead of `customer`.")
    kind = SignalKindField(help_text="What happened; a late delivery is an `sla_breached`, one on time "
                                     "an `sla_met`.")
    value = serializers.FloatField(
        required=False, allow_null=True, min_value=0, max_value=VALUE_MAX,
        help_text="Seconds for first_response, queue_wait and ticket_resolved; a whole answer for "
                  "nps_answer (0-10), csat_answer (1-5) and ces_answer (1-7); leave it out otherwise.")
    occurred_at = ZonedDateTimeField(help_text="When it happened, with its time zone; its day is scored.")
    external_id = serializers.CharField(
        max_length=100, required=False, allow_blank=True,
        help_text="The event's id in the CRM: posting it again answers 200 with the first signal.")
    context = serializers.DictField(
        required=False, help_text=f"Facts to keep with the signal (at most {CONTEXT_MAX_CHARS} characters "
                                  "as JSON), e.g. the order and the promised date.")

    def validate_context(self, value: dict[str, Any]) -> dict[str, Any]:
        if len(json.dumps(value, ensure_ascii=False)) > CONTEXT_MAX_CHARS:
            raise serializers.ValidationError(f"At most {CONTEXT_MAX_CHARS} characters as JSON.")
        return value

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        by_id = attrs.pop("customer", None)
        by_external_id = attrs.pop("customer_external_id", None)
        if by_id is not None and by_external_id is not None and by_id != by_external_id:
            raise serializers.ValidationError(
                {"customer_external_id": ["It names another customer than `customer`."]})
        attrs["customer"] = by_id or by_external_id
        return attrs


class SignalFilterSet(CreatedRangeFilterSet):
    """A signal never changes once recorded: `created_after` (when CX Hub recorded it) is the
    incremental sync of this list."""

    created_after = MomentFilter(
        field_name="recorded_at", lookup_expr="gte",
        help_text="Recorded at or after this ISO 8601 time with its time zone (a bare date: from its start).",
    )
    created_before = MomentFilter(
        field_name="recorded_at", lookup_expr="lte", end_of_day=True,
        help_text="Recorded at or before this ISO 8601 time with its time zone (a bare date: to its end).",
    )
    occurred_after = MomentFilter(
        field_name="occurred_at", lookup_expr="gte",
        help_text="Happened at or after this ISO 8601 time with its time zone (a bare date: from its start).",
    )
    occurred_before = MomentFilter(
        field_name="occurred_at", lookup_expr="lte", end_of_day=True,
        help_text="Happened at or before this ISO 8601 time with its time zone (a bare date: to its end).",
    )
    touchpoint = IdFilter(field_name="touchpoint", help_text="Signals of this touchpoint (an id).")
    journey = IdFilter(field_name="touchpoint__stage__journey", help_text="Signals of this journey's touchpoints.")
    customer = IdFilter(field_name="customer", help_text="Signals of this customer (an id).")
    customer_external_id = django_filters.CharFilter(
        field_name="customer__external_id", help_text="The customer's id in the CRM (exact).")
    kind = django_filters.ChoiceFilter(choices=SignalKind.choices)
    source = django_filters.CharFilter(help_text="What recorded it, exact: ticket, response, api ...")
    external_id = django_filters.CharFilter(help_text="The event's id in the CRM (exact).")
    ordering = StableOrderingFilter(fields=("occurred_at", "recorded_at"))

    class Meta:
        model = ExperienceSignal
        fields = ["touchpoint", "journey", "customer", "customer_external_id", "kind", "source",
                  "external_id"]


@extend_schema_view(
    list=extend_schema(description=(
        "The ledger the scores are computed from, oldest first (by id): signals from tickets, survey "
        "answers and those posted here. `created_after` (when recorded) is the incremental sync; a "
        "signal never changes.")),
    retrieve=extend_schema(responses={200: ExperienceSignalSerializer, **error_responses(404)}),
)
class ExperienceSignalViewSet(
    ApiViewSetMixin,
    mixins.ListModelMixin,
    mixins.CreateModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """Experience signals: facts about the experience at a touchpoint that its scores count.

    Append-only: a signal is never changed or deleted; a correction is a new signal.
    """

    queryset = ExperienceSignal.objects.select_related("customer")
    serializer_class = ExperienceSignalSerializer
    filterset_class = SignalFilterSet
    lookup_value_regex = ID

    @extend_schema(
        request=ExperienceSignalCreateSerializer,
        responses={201: ExperienceSignalSerializer, 200: ExperienceSignalSerializer,
                   **error_responses(400, 409)},
    )
    def create(self, request: Request) -> Response:
        """Post an event of your own against a touchpoint.

        It is recorded (201) and counts in the touchpoint's scores from the next rollup, seconds later.
        Posting an `external_id` recorded before answers 200 with the first signal and records nothing;
        the same `external_id` with another touchpoint, customer, kind, value or time is a 409. An
        archived touchpoint or a time in the future is a 400."""
        data = self.validated_input(ExperienceSignalCreateSerializer)
        signal, created = signal_post(**data)
        fresh = self.get_queryset().get(pk=signal.pk)
        return Response(ExperienceSignalSerializer(fresh).data,
                        status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)

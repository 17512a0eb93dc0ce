"""API of the experience side: customers, the journey structure, touchpoint targets and scores."""

from __future__ import annotations

from django.db import transaction
from django.db.models import Prefetch, QuerySet
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from cxhub.api import (
    ApiViewSetMixin,
    BulkUpsertRefusedSerializer,
    BulkUpsertResultSerializer,
    ConditionalRequestMixin,
    bulk_upsert_request,
    check_preconditions,
    conditional_read,
    error_responses,
    object_etag,
    request_body,
    run_bulk_upsert,
)
from journeys.api import examples
from journeys.api.serializers import (
    CustomerSerializer,
    CustomerUpsertItemSerializer,
    CustomerUpsertSerializer,
    JourneyDetailSerializer,
    JourneyScoresSerializer,
    JourneySerializer,
    ProgramSerializer,
    StageSerializer,
    TouchpointScorecardSerializer,
    TouchpointSerializer,
    TouchpointTargetSerializer,
    WindowQuerySerializer,
)
from journeys.filters import (
    CustomerFilterSet,
    JourneyFilterSet,
    ProgramFilterSet,
    StageFilterSet,
    TouchpointFilterSet,
)
from journeys.models import Customer, Journey, Program, Stage, Touchpoint
from journeys.selectors import DEFAULT_WINDOW, TouchpointCard, Window, journey_scorecard, touchpoint_scorecard
from journeys.services import customer_upsert, customers_upsert, touchpoint_set_target

SCORE_PERMISSIONS = ["journeys.view_scorecomponentdaily"]
CUSTOMER_UPSERT = ["journeys.view_customer", "journeys.add_customer", "journeys.change_customer"]
# The CRM's id in the address: anything but a slash (an id with one is upserted through bulk-upsert).
BY_EXTERNAL_ID = r"by-external-id/(?P<external_id>[^/]+)"


@extend_schema_view(
    create=extend_schema(responses={201: CustomerSerializer, **error_responses(400, 409)}),
    retrieve=extend_schema(responses={200: CustomerSerializer, 304: None, **error_responses(404)}),
    update=extend_schema(responses={200: CustomerSerializer, **error_responses(400, 404, 409, 412)}),
    partial_update=extend_schema(responses={200: CustomerSerializer, **error_responses(400, 404, 409, 412)}),
)
class CustomerViewSet(
    ConditionalRequestMixin,
    ApiViewSetMixin,
    mixins.ListModelMixin,
    mixins.CreateModelMixin,
    mixins.RetrieveModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """Customers as the CRM knows them. A customer is never deleted here: tickets and answers refer to it.

    A customer's reads carry an ETag; send it back in If-Match with PUT or PATCH and a change made
    meanwhile by someone else answers 412 instead of being overwritten.
    """

    queryset = Customer.objects.all()
    serializer_class = CustomerSerializer
    filterset_class = CustomerFilterSet
    action_permissions = {
        "by_external_id": ["journeys.view_customer"],
        "upsert_by_external_id": CUSTOMER_UPSERT,
        "bulk_upsert": CUSTOMER_UPSERT,
    }

    @extend_schema(responses={200: CustomerSerializer, 304: None, **error_responses(404)})
    @action(detail=False, methods=["get"], url_path=BY_EXTERNAL_ID, filterset_class=None, pagination_class=None)
    def by_external_id(self, request: Request, external_id: str) -> Response:
        """The customer with this CRM id, with its ETag."""
        customer = get_object_or_404(Customer, external_id=external_id.strip())
        return conditional_read(request, customer, lambda: CustomerSerializer(customer).data)

    @extend_schema(
        request=CustomerUpsertSerializer,
        responses={200: CustomerSerializer, 201: CustomerSerializer, **error_responses(400, 409, 412)},
    )
    @by_external_id.mapping.put
    def upsert_by_external_id(self, request: Request, external_id: str) -> Response:
        """Create (201) or update (200) the customer with this CRM id. Fields left out keep their value;
        a new customer needs `name`. The id in the address wins over one in the body.

        If-Match (an ETag) updates only that version, else 412; If-None-Match: * only creates, else 412.
        """
        data = self.validated_input(CustomerUpsertSerializer, data=request_body(request, external_id=external_id))
        key = data.pop("external_id")
        with transaction.atomic():
            check_preconditions(request, Customer.objects.select_for_update().filter(external_id=key).first())
            customer, created = customer_upsert(external_id=key, values=data)
        return Response(CustomerSerializer(customer).data, headers={"ETag": object_etag(customer)},
                        status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)

    @extend_schema(
        request=bulk_upsert_request("CustomerBulkUpsertRequest", CustomerUpsertItemSerializer),
        responses={200: BulkUpsertResultSerializer, 400: BulkUpsertRefusedSerializer},
        examples=examples.CUSTOMER_BULK_UPSERT_EXAMPLES,
    )
    @action(detail=False, methods=["post"], url_path="bulk-upsert", filterset_class=None)
    def bulk_upsert(self, request: Request) -> Response:
        """Create or update up to 500 customers by CRM id in one call, with a result per item in request
        order. A repeated external_id names one customer: the later item updates what the earlier one
        wrote. By default every valid item is written; with `atomic: true` any error writes nothing (400).
        Runs a handful of queries whatever the number of items."""
        return run_bulk_upsert(data=request.data, item_serializer=CustomerUpsertItemSerializer,
                               context=self.get_serializer_context(),
                               write=lambda items: customers_upsert(items=items))


class ProgramViewSet(ApiViewSetMixin, viewsets.ReadOnlyModelViewSet):
    queryset = Program.objects.all()
    serializer_class = ProgramSerializer
    filterset_class = ProgramFilterSet


class JourneyViewSet(ApiViewSetMixin, viewsets.ReadOnlyModelViewSet):
    """Journeys; the detail nests the stages, each with its touchpoints (inactive ones included)."""

    queryset = Journey.objects.all()
    serializer_class = JourneySerializer
    filterset_class = JourneyFilterSet
    action_permissions = {"scores": ["journeys.view_journey", *SCORE_PERMISSIONS]}

    def get_queryset(self) -> QuerySet[Journey]:
        queryset = super().get_queryset()
        if self.action == "retrieve":
            # The prefetch sets each touchpoint's stage, so `journey` needs no further query.
            touchpoints = Touchpoint.objects.order_by("position", "id")
            stages = Stage.objects.prefetch_related(Prefetch("touchpoints", queryset=touchpoints))
            queryset = queryset.prefetch_related(Prefetch("stages", queryset=stages.order_by("position", "id")))
        return queryset

    def get_serializer_class(self) -> type:
        return JourneyDetailSerializer if self.action == "retrieve" else JourneySerializer

    @extend_schema(
        parameters=[WindowQuerySerializer],
        responses={200: JourneyScoresSerializer, **error_responses(400, 404)},
    )
    @action(detail=True, methods=["get"])
    def scores(self, request: Request, pk: str | None = None) -> Response:
        """The journey's scorecard: the figures of the journey page, for the journey, each stage and
        each active touchpoint.

        `window` is 7, 30, 90 or 365 days ending today; without it, 30. Any other value is a 400 on
        `window` rather than a silent fallback, so a client never reads a window it did not ask for.
        Runs a constant number of queries whatever the journey's size.
        """
        journey = self.get_object()
        window = window_from(self)
        card = journey_scorecard(journey_id=journey.pk, window=window)
        return Response(JourneyScoresSerializer(card, context={"window": window}).data)


class StageViewSet(ApiViewSetMixin, viewsets.ReadOnlyModelViewSet):
    queryset = Stage.objects.all()
    serializer_class = StageSerializer
    filterset_class = StageFilterSet


@extend_schema_view(
    partial_update=extend_schema(
        request=TouchpointTargetSerializer,
        responses={200: TouchpointSerializer, **error_responses(400, 404)},
    ),
)
class TouchpointViewSet(
    ApiViewSetMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """Touchpoints. A manager may change a touchpoint's target and weight (PATCH); nothing else here."""

    queryset = Touchpoint.objects.select_related("stage")
    serializer_class = TouchpointSerializer
    filterset_class = TouchpointFilterSet
    http_method_names = ["get", "patch", "head", "options"]
    action_permissions = {"score": ["journeys.view_touchpoint", *SCORE_PERMISSIONS]}

    def get_queryset(self) -> QuerySet[Touchpoint]:
        queryset = super().get_queryset()
        if self.action == "score":
            queryset = queryset.select_related("stage__journey__program")
        return queryset

    def partial_update(self, request: Request, pk: str | None = None) -> Response:
        """Change target_score and/or weight; the one left out keeps its value."""
        touchpoint = self.get_object()
        data = self.validated_input(TouchpointTargetSerializer)
        touchpoint_set_target(
            touchpoint=touchpoint,
            target_score=data.get("target_score", touchpoint.target_score),
            weight=data.get("weight", touchpoint.weight),
        )
        return Response(TouchpointSerializer(touchpoint).data)

    @extend_schema(
        parameters=[WindowQuerySerializer],
        responses={200: TouchpointScorecardSerializer, **error_responses(400, 404)},
    )
    @action(detail=True, methods=["get"])
    def score(self, request: Request, pk: str | None = None) -> Response:
        """One touchpoint's score over `window` days (7, 30, 90 or 365; 30 without it; else a 400)."""
        touchpoint = self.get_object()
        window = window_from(self)
        card = TouchpointCard(touchpoint, touchpoint_scorecard(touchpoint=touchpoint, window=window))
        return Response(TouchpointScorecardSerializer(card, context={"window": window}).data)


def window_from(view: ApiViewSetMixin) -> Window:
    """The `window` query parameter as a Window; an empty value counts as absent."""
    raw = view.request.query_params.get("window") or DEFAULT_WINDOW  # type: ignore[attr-defined]
    return Window.last(view.validated_input(WindowQuerySerializer, data={"window": raw})["window"])

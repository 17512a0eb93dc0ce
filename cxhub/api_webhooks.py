"""API of outgoing webhooks: managers subscribe URLs, read deliveries and their attempts, redeliver.

The secret is returned when a subscription is created and when it is rotated, never otherwise.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Prefetch, QuerySet
from drf_spectacular.utils import (
    extend_schema,
    extend_schema_field,
    extend_schema_serializer,
    extend_schema_view,
)
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from cxhub import api_examples as examples
from cxhub.api import ApiViewSetMixin, error_responses
from cxhub.models import WebhookAttempt, WebhookDelivery, WebhookSubscription
from cxhub.serializers import ModelSerializer
from cxhub.webhooks import services
from cxhub.webhooks.choices import DeliveryStatus
from cxhub.webhooks.events import SUBSCRIBABLE
from cxhub.webhooks.filters import DeliveryFilterSet

ID = r"[0-9]{1,18}"  # a 64-bit id; anything else is a 404 from the router, never a database error
CHANGE = ["cxhub.change_webhooksubscription"]


@extend_schema_serializer(examples=examples.SUBSCRIPTION_EXAMPLES)
class WebhookSubscriptionSerializer(ModelSerializer):
    owner = serializers.PrimaryKeyRelatedField(read_only=True)
    event_types = serializers.ListField(child=serializers.CharField(), read_only=True)

    class Meta:
        model = WebhookSubscription
        fields = ["id", "url", "description", "event_types", "owner", "is_active", "disabled_reason",
                  "disabled_at", "consecutive_failures", "failing_since", "last_attempt_at",
                  "last_success_at", "created_at", "updated_at"]
        read_only_fields = fields


@extend_schema_serializer(examples=examples.SUBSCRIPTION_SECRET_EXAMPLES)
class WebhookSubscriptionSecretSerializer(WebhookSubscriptionSerializer):
    secret = serializers.CharField(
        read_only=True, help_text="whsec_ and base64: verify signatures with it. Shown only now.")

    class Meta(WebhookSubscriptionSerializer.Meta):
        fields = [*WebhookSubscriptionSerializer.Meta.fields, "secret"]
        read_only_fields = fields


class EventTypesField(serializers.ListField):
    """A list of event type names whose errors are a flat list of messages, as the error shape says
    (DRF would key them by list position)."""

    def run_child_validation(self, data: list[Any]) -> list[Any]:
        try:
            return super().run_child_validation(data)
        except serializers.ValidationError as exc:
            detail = exc.detail if isinstance(exc.detail, dict) else {}
            raise serializers.ValidationError(
                [f"Item {int(index) + 1}: {message}" for index, messages in detail.items()
                 for message in messages]) from None


@extend_schema_serializer(examples=examples.SUBSCRIPTION_INPUT_EXAMPLES)
class WebhookSubscriptionInputSerializer(serializers.Serializer):
    url = serializers.CharField(max_length=services.URL_MAX_LENGTH,
                                help_text="Where events are POSTed; http or https only.")
    description = serializers.CharField(max_length=200, required=False, allow_blank=True)
    event_types = EventTypesField(
        child=serializers.ChoiceField(choices=list(SUBSCRIBABLE)), allow_empty=False, max_length=50,
        help_text='Event types to send; ["*"] for all.',
    )


# Documented inline: as a shared enum component its name would collide with the tickets' "status".
@extend_schema_field({"allOf": [{"type": "string", "enum": list(DeliveryStatus.values)}]})
class DeliveryStatusField(serializers.ChoiceField):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__(choices=DeliveryStatus.choices, **kwargs)


class WebhookAttemptSerializer(ModelSerializer):
    class Meta:
        model = WebhookAttempt
        fields = ["number", "created_at", "status_code", "succeeded", "duration_ms", "error",
                  "response_excerpt", "manual", "retry_at"]
        read_only_fields = fields


@extend_schema_serializer(examples=examples.DELIVERY_EXAMPLES)
class WebhookDeliverySerializer(ModelSerializer):
    event_id = serializers.CharField(read_only=True)
    event_type = serializers.CharField(source="event.type", read_only=True)
    status = DeliveryStatusField(read_only=True)

    class Meta:
        model = WebhookDelivery
        fields = ["id", "subscription", "event_id", "event_type", "status", "attempts", "next_attempt_at",
                  "last_status_code", "last_error", "created_at", "updated_at"]
        read_only_fields = fields


@extend_schema_serializer(examples=examples.DELIVERY_DETAIL_EXAMPLES)
class WebhookDeliveryDetailSerializer(WebhookDeliverySerializer):
    payload = serializers.JSONField(source="event.payload", read_only=True)
    last_response = serializers.CharField(read_only=True)
    attempt_log = WebhookAttemptSerializer(many=True, read_only=True)

    class Meta(WebhookDeliverySerializer.Meta):
        fields = [*WebhookDeliverySerializer.Meta.fields, "payload", "last_response", "attempt_log"]
        read_only_fields = fields


@extend_schema_view(
    retrieve=extend_schema(responses={200: WebhookSubscriptionSerializer, **error_responses(404)}),
    destroy=extend_schema(responses={204: None, **error_responses(404)}),
)
class WebhookSubscriptionViewSet(ApiViewSetMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin,
                                 mixins.DestroyModelMixin, viewsets.GenericViewSet):
    """URLs that receive signed event deliveries (docs/webhooks.md)."""

    queryset = WebhookSubscription.objects.all()
    serializer_class = WebhookSubscriptionSerializer
    lookup_value_regex = ID
    action_permissions = {"enable": CHANGE, "disable": CHANGE, "rotate_secret": CHANGE, "test": CHANGE}

    def _answer(self, subscription: WebhookSubscription, *, code: int = status.HTTP_200_OK,
                secret: bool = False) -> Response:
        serializer = WebhookSubscriptionSecretSerializer if secret else WebhookSubscriptionSerializer
        return Response(serializer(subscription).data, status=code)

    @extend_schema(request=WebhookSubscriptionInputSerializer,
                   responses={201: WebhookSubscriptionSecretSerializer, **error_responses(400)})
    def create(self, request: Request) -> Response:
        """Subscribe a URL. The answer carries the secret, once: keep it to verify signatures."""
        subscription = services.subscription_create(
            owner=request.user, **self.validated_input(WebhookSubscriptionInputSerializer))
        return self._answer(subscription, code=status.HTTP_201_CREATED, secret=True)

    @extend_schema(request=WebhookSubscriptionInputSerializer,
                   responses={200: WebhookSubscriptionSerializer, **error_responses(400, 404)})
    def update(self, request: Request, pk: str | None = None) -> Response:
        subscription = self.get_object()
        data = self.validated_input(WebhookSubscriptionInputSerializer)
        return self._answer(services.subscription_update(subscription=subscription, **data))

    @extend_schema(request=WebhookSubscriptionInputSerializer(partial=True),
                   responses={200: WebhookSubscriptionSerializer, **error_responses(400, 404)})
    def partial_update(self, request: Request, pk: str | None = None) -> Response:
        subscription = self.get_object()
        serializer = WebhookSubscriptionInputSerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        return self._answer(services.subscription_update(subscription=subscription,
                                                         **serializer.validated_data))

    @extend_schema(request=None, responses={200: WebhookSubscriptionSerializer, **error_responses(404)})
    @action(detail=True, methods=["post"])
    def enable(self, request: Request, pk: str | None = None) -> Response:
        """Switch the subscription on and reset its failure count."""
        return self._answer(services.subscription_enable(subscription=self.get_object()))

    @extend_schema(request=None, responses={200: WebhookSubscriptionSerializer, **error_responses(404, 409)})
    @action(detail=True, methods=["post"])
    def disable(self, request: Request, pk: str | None = None) -> Response:
        """Switch the subscription off; events are still recorded, nothing is sent."""
        return self._answer(services.subscription_disable(subscription=self.get_object(),
                                                          actor=request.user))

    @extend_schema(request=None, responses={200: WebhookSubscriptionSecretSerializer, **error_responses(404)})
    @action(detail=True, methods=["post"], url_path="rotate-secret")
    def rotate_secret(self, request: Request, pk: str | None = None) -> Response:
        """A new secret, in force at once; the answer carries it, once."""
        return self._answer(services.subscription_rotate_secret(subscription=self.get_object()),
                            secret=True)

    @extend_schema(request=None, responses={202: WebhookDeliverySerializer, **error_responses(404)})
    @action(detail=True, methods=["post"])
    def test(self, request: Request, pk: str | None = None) -> Response:
        """Send a `webhook.test` event to this subscription now (tried once, never retried)."""
        delivery = services.subscription_send_test(subscription=self.get_object())
        delivery = WebhookDelivery.objects.select_related("event").get(pk=delivery.pk)
        return Response(WebhookDeliverySerializer(delivery).data, status=status.HTTP_202_ACCEPTED)


@extend_schema_view(
    list=extend_schema(responses={200: WebhookDeliverySerializer(many=True), **error_responses(400)}),
    retrieve=extend_schema(responses={200: WebhookDeliveryDetailSerializer, **error_responses(404)}),
)
class WebhookDeliveryViewSet(ApiViewSetMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin,
                             viewsets.GenericViewSet):
    """Each event on its way to each subscription; the detail lists every attempt."""

    serializer_class = WebhookDeliverySerializer
    filterset_class = DeliveryFilterSet
    lookup_value_regex = ID
    action_permissions = {"redeliver": CHANGE}

    def get_queryset(self) -> QuerySet[WebhookDelivery]:
        queryset = WebhookDelivery.objects.select_related("event").order_by("-created_at", "-id")
        if self.action == "retrieve":
            queryset = queryset.prefetch_related(
                Prefetch("attempt_log", queryset=WebhookAttempt.objects.order_by("number")))
        return queryset

    def get_serializer_class(self) -> Any:
        return WebhookDeliveryDetailSerializer if self.action == "retrieve" else WebhookDeliverySerializer

    @extend_schema(request=None, responses={202: WebhookDeliveryDetailSerializer, **error_responses(404, 409)})
    @action(detail=True, methods=["post"])
    def redeliver(self, request: Request, pk: str | None = None) -> Response:
        """Attempt the delivery again now (a new attempt in its log)."""
        delivery = services.delivery_redeliver(delivery=self.get_object())
        fresh = self.get_queryset().prefetch_related(
            Prefetch("attempt_log", queryset=WebhookAttempt.objects.order_by("number"))).get(pk=delivery.pk)
        return Response(WebhookDeliveryDetailSerializer(fresh).data, status=status.HTTP_202_ACCEPTED)

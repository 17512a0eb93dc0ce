"""The delivery filter, shared by the API list and a subscription's page."""

from __future__ import annotations

import django_filters
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field

from cxhub.api import IdFilter
from cxhub.models import WebhookDelivery
from cxhub.webhooks.choices import DeliveryStatus
from cxhub.webhooks.events import EVENT_TYPES, WEBHOOK_TEST


# Documented inline (allOf): as a shared enum its name would collide with the tickets' "status".
@extend_schema_field({"allOf": [{"type": "string", "enum": list(DeliveryStatus.values)}]})
class DeliveryStatusFilter(django_filters.ChoiceFilter):
    pass


class DeliveryFilterSet(django_filters.FilterSet):
    subscription = IdFilter(field_name="subscription_id", label=_("Subscription id"))
    status = DeliveryStatusFilter(label=_("Status"), choices=DeliveryStatus.choices)
    event_type = django_filters.ChoiceFilter(
        field_name="event__type", label=_("Event type"),
        choices=[(name, name) for name in (*EVENT_TYPES, WEBHOOK_TEST)],
    )

    class Meta:
        model = WebhookDelivery
        fields = ["subscription", "status", "event_type"]

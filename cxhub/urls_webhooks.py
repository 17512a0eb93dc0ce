"""/webhooks/: managers' pages for outgoing webhooks."""

from __future__ import annotations

from django.urls import path, register_converter

from cxhub import views_webhooks as views


class _IdConverter:
    """A 64-bit id: a longer number is a 404 here, never an overflow in the database."""

    regex = "[0-9]{1,18}"

    def to_python(self, value: str) -> int:
        return int(value)

    def to_url(self, value: int) -> str:
        return str(value)


register_converter(_IdConverter, "webhook_id")

app_name = "webhooks"

urlpatterns = [
    path("", views.subscription_list, name="list"),
    path("new/", views.subscription_create, name="create"),
    path("<webhook_id:pk>/", views.subscription_detail, name="detail"),
    path("<webhook_id:pk>/edit/", views.subscription_edit, name="edit"),
    path("<webhook_id:pk>/enable/", views.subscription_enable, name="enable"),
    path("<webhook_id:pk>/disable/", views.subscription_disable, name="disable"),
    path("<webhook_id:pk>/test/", views.subscription_test, name="test"),
    path("<webhook_id:pk>/rotate-secret/", views.subscription_rotate_secret, name="rotate-secret"),
    path("<webhook_id:pk>/delete/", views.subscription_delete, name="delete"),
    path("deliveries/<webhook_id:pk>/redeliver/", views.delivery_redeliver, name="redeliver"),
]

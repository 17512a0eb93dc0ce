"""/webhooks/: managers' pages for outgoing webhooks."""

from __future__ import annotations

from django.urls import path

import cxhub.converters  # noqa: F401 (registers the id64 converter)
from cxhub import views_webhooks as views

app_name = "webhooks"

urlpatterns = [
    path("", views.subscription_list, name="list"),
    path("new/", views.subscription_create, name="create"),
    path("<id64:pk>/", views.subscription_detail, name="detail"),
    path("<id64:pk>/edit/", views.subscription_edit, name="edit"),
    path("<id64:pk>/enable/", views.subscription_enable, name="enable"),
    path("<id64:pk>/disable/", views.subscription_disable, name="disable"),
    path("<id64:pk>/test/", views.subscription_test, name="test"),
    path("<id64:pk>/rotate-secret/", views.subscription_rotate_secret, name="rotate-secret"),
    path("<id64:pk>/delete/", views.subscription_delete, name="delete"),
    path("deliveries/<id64:pk>/redeliver/", views.delivery_redeliver, name="redeliver"),
]

"""Alerts: the list, acknowledging and resolving."""

from __future__ import annotations

from django.urls import path

from journeys import views_alerts

urlpatterns = [
    path("alerts/", views_alerts.alert_list, name="alerts"),
    path("alerts/<int:pk>/", views_alerts.alert_detail, name="alert_detail"),
    path("alerts/<int:pk>/acknowledge/", views_alerts.alert_acknowledge, name="alert_acknowledge"),
    path("alerts/<int:pk>/resolve/", views_alerts.alert_resolve, name="alert_resolve"),
]

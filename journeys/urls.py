"""The experience pages. Each area has its own module of views and urls."""

from __future__ import annotations

from django.urls import include, path

from journeys import views, views_touchpoint

app_name = "journeys"
urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("<int:pk>/", views.journey_detail, name="detail"),
    path("touchpoints/<int:pk>/", views_touchpoint.touchpoint_detail, name="touchpoint"),
    path("", include("journeys.urls_alerts")),
    path("", include("journeys.urls_builder")),
    path("", include("journeys.urls_insights")),
    path("", include("journeys.urls_health")),
]

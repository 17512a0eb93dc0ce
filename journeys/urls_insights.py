"""Insights: customer health, service impact and key drivers."""

from __future__ import annotations

from django.urls import path

from journeys import views_insights

urlpatterns = [
    path("insights/impact/", views_insights.impact, name="impact"),
    path("insights/drivers/", views_insights.drivers, name="drivers"),
]

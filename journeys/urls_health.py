"""Customer health: the at-risk list and a customer's health card."""

from __future__ import annotations

from django.urls import path

from journeys import views_health

urlpatterns = [
    path("health/", views_health.health_list, name="health_list"),
    path("health/customers/<int:pk>/", views_health.customer_health, name="customer_health"),
    path("health/customers/<int:pk>/recompute/", views_health.customer_health_recompute,
         name="customer_health_recompute"),
]

from __future__ import annotations

from django.urls import path

from journeys import views

app_name = "journeys"
urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("<int:pk>/", views.journey_detail, name="detail"),
    path("touchpoints/<int:pk>/", views.touchpoint_detail, name="touchpoint"),
]

from __future__ import annotations

from django.urls import path

from feedback import loop_views

app_name = "feedback_loop"
urlpatterns = [
    path("", loop_views.loop_overview, name="overview"),
    path("responses/<int:pk>/themes/", loop_views.response_themes, name="response-themes"),
]

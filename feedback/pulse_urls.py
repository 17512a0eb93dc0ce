from __future__ import annotations

from django.urls import path

from feedback import pulse_views

app_name = "pulse"
urlpatterns = [
    path("", pulse_views.pulse_list, name="list"),
    path("surveys/<int:pk>/", pulse_views.pulse_report, name="report"),
    path("surveys/<int:pk>/invite/", pulse_views.pulse_invite, name="invite"),
    path("<str:token>/", pulse_views.pulse_answer, name="answer"),
]

"""The customer's survey pages, mounted at /s/ (short links fit in any e-mail client)."""

from __future__ import annotations

from django.urls import path

from feedback import public_views

app_name = "feedback_public"
urlpatterns = [
    path("<str:token>/", public_views.answer, name="answer"),
    path("<str:token>/thanks/", public_views.thanks, name="thanks"),
]

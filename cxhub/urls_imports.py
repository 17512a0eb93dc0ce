"""/imports/: CSV imports, for CX managers (docs/import.md)."""

from __future__ import annotations

from django.urls import path

import cxhub.converters  # noqa: F401 (registers the id64 converter)
from cxhub.imports import views

app_name = "imports"

urlpatterns = [
    path("", views.job_list, name="list"),
    path("new/", views.job_create, name="create"),
    path("templates/<slug:kind>.csv", views.kind_template, name="template"),
    path("<id64:pk>/", views.job_detail, name="detail"),
    path("<id64:pk>/progress/", views.job_progress, name="progress"),
    path("<id64:pk>/rejected-rows.csv", views.job_rejects, name="rejects"),
    path("<id64:pk>/run-again/", views.job_rerun, name="rerun"),
]

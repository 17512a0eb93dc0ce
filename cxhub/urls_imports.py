"""/imports/: CSV imports, for CX managers (docs/import.md)."""

from __future__ import annotations

from django.urls import path, register_converter

from cxhub.imports import views


class _IdConverter:
    """A 64-bit id: a longer number is a 404 here, never an overflow in the database."""

    regex = "[0-9]{1,18}"

    def to_python(self, value: str) -> int:
        return int(value)

    def to_url(self, value: int) -> str:
        return str(value)


register_converter(_IdConverter, "import_id")

app_name = "imports"

urlpatterns = [
    path("", views.job_list, name="list"),
    path("new/", views.job_create, name="create"),
    path("templates/<slug:kind>.csv", views.kind_template, name="template"),
    path("<import_id:pk>/", views.job_detail, name="detail"),
    path("<import_id:pk>/progress/", views.job_progress, name="progress"),
    path("<import_id:pk>/rejected-rows.csv", views.job_rejects, name="rejects"),
    path("<import_id:pk>/run-again/", views.job_rerun, name="rerun"),
]

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from feedback.models import Response, Survey


@admin.register(Survey)
class SurveyAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "touchpoint", "scale_min", "scale_max", "version", "is_active"]
    list_filter = ["kind", "is_active"]
    search_fields = ["name", "question"]


@admin.register(Response)
class ResponseAdmin(admin.ModelAdmin):
    """Answers are the customer's words: readable here, never edited."""

    list_display = ["id", "survey", "score", "customer", "touchpoint", "ticket", "language",
                    "answered_at"]
    list_filter = ["survey__kind", "language", "touchpoint__stage__journey"]
    list_select_related = ["survey", "customer", "touchpoint"]
    search_fields = ["comment", "customer__name"]
    date_hierarchy = "answered_at"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

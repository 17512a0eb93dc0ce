from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from feedback.models import (
    FeedbackSettings,
    Invitation,
    PulseInvitation,
    Response,
    Survey,
    SurveyVersion,
    Theme,
    TicketSurveyRule,
    TouchpointEvent,
)


class ReadOnlyAdmin(admin.ModelAdmin):
    """Records written by the app's rules: readable here, changed only through them."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class SurveyVersionInline(admin.TabularInline):
    model = SurveyVersion
    fields = ["number", "created_by", "created_at"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Survey)
class SurveyAdmin(admin.ModelAdmin):
    """Questions are edited on the survey editor page, where each save becomes a frozen version."""

    list_display = ["name", "kind", "audience", "touchpoint", "scale_min", "scale_max", "version", "is_active"]
    list_filter = ["kind", "audience", "is_active"]
    search_fields = ["name", "question"]
    readonly_fields = ["kind", "question", "scale_min", "scale_max", "version"]
    inlines = [SurveyVersionInline]


@admin.register(Theme)
class ThemeAdmin(admin.ModelAdmin):
    search_fields = ["name"]


@admin.register(FeedbackSettings)
class FeedbackSettingsAdmin(admin.ModelAdmin):
    list_display = ["__str__", "contact_fatigue_days", "invitation_expiry_days"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return not FeedbackSettings.objects.exists()


@admin.register(TicketSurveyRule)
class TicketSurveyRuleAdmin(admin.ModelAdmin):
    list_display = ["survey", "team", "touchpoint", "delay_minutes", "position", "is_active"]
    list_editable = ["position", "is_active"]
    list_select_related = ["survey", "team", "touchpoint"]


@admin.register(Invitation)
class InvitationAdmin(ReadOnlyAdmin):
    list_display = ["id", "survey", "customer", "touchpoint", "trigger", "status", "send_at", "sent_at",
                    "answered_at", "skip_reason"]
    list_filter = ["status", "trigger", "survey"]
    list_select_related = ["survey", "customer", "touchpoint"]
    search_fields = ["customer__name", "customer__email"]
    exclude = ["token_hash"]
    date_hierarchy = "send_at"


@admin.register(TouchpointEvent)
class TouchpointEventAdmin(ReadOnlyAdmin):
    list_display = ["id", "kind", "touchpoint", "customer", "external_id", "occurred_at", "invitation"]
    list_filter = ["kind"]
    list_select_related = ["touchpoint", "customer"]
    search_fields = ["external_id", "customer__name"]


@admin.register(PulseInvitation)
class PulseInvitationAdmin(ReadOnlyAdmin):
    """Who was asked, and whether they used their link; never what they answered."""

    list_display = ["survey", "user", "used", "created_at"]
    list_filter = ["survey", "used"]
    exclude = ["token_hash"]


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

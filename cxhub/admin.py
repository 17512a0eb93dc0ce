from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest

from cxhub.models import Team, WebhookAttempt, WebhookDelivery, WebhookEvent, WebhookSubscription


@admin.register(Team)
class TeamAdmin(admin.ModelAdmin):
    list_display = ["name", "email", "created_at"]
    search_fields = ["name", "email"]
    filter_horizontal = ["members"]


# --- Outgoing webhooks: subscriptions are edited in the app (the secret never shows here); events,
# deliveries and attempts are a log, read-only.


class _ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(WebhookSubscription)
class WebhookSubscriptionAdmin(admin.ModelAdmin):
    list_display = ["url", "owner", "is_active", "consecutive_failures", "last_success_at", "created_at"]
    list_filter = ["is_active"]
    search_fields = ["url", "description", "owner__username"]
    list_select_related = ["owner"]
    raw_id_fields = ["owner"]
    exclude = ["secret"]
    readonly_fields = ["disabled_at", "consecutive_failures", "failing_since", "last_attempt_at",
                       "last_success_at", "created_at", "updated_at"]


class WebhookAttemptInline(admin.TabularInline):
    model = WebhookAttempt
    extra = 0
    can_delete = False
    fields = ["number", "created_at", "status_code", "duration_ms", "error", "response_excerpt", "retry_at"]
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(WebhookEvent)
class WebhookEventAdmin(_ReadOnlyAdmin):
    list_display = ["id", "type", "created_at"]
    list_filter = ["type"]
    search_fields = ["id"]
    date_hierarchy = "created_at"


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(_ReadOnlyAdmin):
    list_display = ["id", "event", "subscription", "status", "attempts", "last_status_code", "next_attempt_at"]
    list_filter = ["status"]
    list_select_related = ["event", "subscription"]
    search_fields = ["event__id", "subscription__url"]
    raw_id_fields = ["event", "subscription"]
    inlines = [WebhookAttemptInline]


@admin.register(WebhookAttempt)
class WebhookAttemptAdmin(_ReadOnlyAdmin):
    list_display = ["delivery", "number", "created_at", "status_code", "succeeded", "duration_ms"]
    list_filter = ["succeeded"]
    list_select_related = ["delivery"]
    raw_id_fields = ["delivery"]

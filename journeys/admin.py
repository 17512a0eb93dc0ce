from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from journeys.models import (
    Alert,
    AnalysisSnapshot,
    Customer,
    CustomerHealth,
    ExperienceSignal,
    Goal,
    Initiative,
    Journey,
    Persona,
    Program,
    RollupWatermark,
    ScoreComponentDaily,
    Stage,
    Touchpoint,
)


@admin.register(Customer)
class CustomerAdmin(admin.ModelAdmin):
    list_display = ["name", "email", "external_id", "segment", "language", "updated_at"]
    list_filter = ["segment", "language"]
    search_fields = ["name", "email", "external_id"]


class JourneyInline(admin.TabularInline):
    model = Journey
    fields = ["name", "position"]
    extra = 0
    show_change_link = True


@admin.register(Program)
class ProgramAdmin(admin.ModelAdmin):
    list_display = ["name", "min_sample_size", "updated_at"]
    search_fields = ["name", "purpose"]
    inlines = [JourneyInline]


class StageInline(admin.TabularInline):
    model = Stage
    fields = ["name", "position"]
    extra = 0
    show_change_link = True


@admin.register(Journey)
class JourneyAdmin(admin.ModelAdmin):
    list_display = ["name", "program", "position"]
    list_filter = ["program"]
    search_fields = ["name"]
    inlines = [StageInline]


class TouchpointInline(admin.TabularInline):
    model = Touchpoint
    fields = ["name", "channel", "owner_team", "target_score", "weight", "position", "is_active"]
    extra = 0
    show_change_link = True


@admin.register(Stage)
class StageAdmin(admin.ModelAdmin):
    list_display = ["name", "journey", "position"]
    list_filter = ["journey__program", "journey"]
    list_select_related = ["journey"]
    inlines = [TouchpointInline]


@admin.register(Touchpoint)
class TouchpointAdmin(admin.ModelAdmin):
    list_display = ["name", "stage", "channel", "owner_team", "target_score", "weight", "is_active"]
    list_filter = ["channel", "owner_team", "stage__journey", "is_active"]
    list_select_related = ["stage__journey", "owner_team"]
    search_fields = ["name", "stage__name", "stage__journey__name"]


class ReadOnlyAdmin(admin.ModelAdmin):
    """Derived or append-only data: visible, never edited by hand."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(ExperienceSignal)
class ExperienceSignalAdmin(ReadOnlyAdmin):
    list_display = ["id", "kind", "value", "touchpoint", "customer", "segment", "source",
                    "source_id", "occurred_at"]
    list_filter = ["kind", "source", "segment"]
    list_select_related = ["touchpoint", "customer"]
    search_fields = ["source_id", "customer__name"]
    date_hierarchy = "occurred_at"


@admin.register(ScoreComponentDaily)
class ScoreComponentDailyAdmin(ReadOnlyAdmin):
    list_display = ["touchpoint", "day", "segment", "signals", "nps_responses", "csat_responses",
                    "ces_responses", "tickets_resolved", "sla_met", "sla_breached", "fcr", "reopens"]
    list_filter = ["touchpoint__stage__journey"]
    list_select_related = ["touchpoint"]
    date_hierarchy = "day"


@admin.register(RollupWatermark)
class RollupWatermarkAdmin(ReadOnlyAdmin):
    list_display = ["name", "last_signal_id", "updated_at"]


@admin.register(Persona)
class PersonaAdmin(admin.ModelAdmin):
    list_display = ["name", "program", "segment"]
    list_filter = ["program"]
    search_fields = ["name", "description"]


@admin.register(Goal)
class GoalAdmin(admin.ModelAdmin):
    list_display = ["program", "journey", "metric", "target", "baseline", "due_date"]
    list_filter = ["program", "metric"]
    list_select_related = ["program", "journey"]


@admin.register(Initiative)
class InitiativeAdmin(admin.ModelAdmin):
    list_display = ["name", "program", "owner", "status", "start_date", "end_date"]
    list_filter = ["program", "status"]
    list_select_related = ["program", "owner"]
    search_fields = ["name", "description"]
    filter_horizontal = ["touchpoints"]


@admin.register(Alert)
class AlertAdmin(admin.ModelAdmin):
    list_display = ["message", "kind", "metric", "status", "opened_at", "last_seen_at", "occurrences"]
    list_filter = ["status", "kind", "metric", "program"]
    list_select_related = ["program"]
    readonly_fields = ["dedupe_key", "value", "reference", "low", "high", "sample", "opened_at",
                       "last_seen_at", "occurrences", "notified_at"]


@admin.register(CustomerHealth)
class CustomerHealthAdmin(ReadOnlyAdmin):
    list_display = ["customer", "score", "band", "latest_nps", "open_tickets", "breaches",
                    "computed_at"]
    list_filter = ["band"]
    list_select_related = ["customer"]
    search_fields = ["customer__name", "customer__external_id"]


@admin.register(AnalysisSnapshot)
class AnalysisSnapshotAdmin(ReadOnlyAdmin):
    list_display = ["kind", "scope_type", "scope_id", "window_days", "computed_at"]
    list_filter = ["kind", "scope_type"]

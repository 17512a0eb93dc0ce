from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from journeys.models import (
    Customer,
    ExperienceSignal,
    Journey,
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
    list_display = ["id", "kind", "value", "touchpoint", "customer", "source", "source_id",
                    "occurred_at"]
    list_filter = ["kind", "source"]
    list_select_related = ["touchpoint", "customer"]
    search_fields = ["source_id", "customer__name"]
    date_hierarchy = "occurred_at"


@admin.register(ScoreComponentDaily)
class ScoreComponentDailyAdmin(ReadOnlyAdmin):
    list_display = ["touchpoint", "day", "signals", "nps_responses", "csat_responses",
                    "ces_responses", "tickets_resolved", "sla_met", "sla_breached", "fcr", "reopens"]
    list_filter = ["touchpoint__stage__journey"]
    list_select_related = ["touchpoint"]
    date_hierarchy = "day"


@admin.register(RollupWatermark)
class RollupWatermarkAdmin(ReadOnlyAdmin):
    list_display = ["name", "last_signal_id", "updated_at"]

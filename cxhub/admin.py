from __future__ import annotations

from django.contrib import admin

from cxhub.models import Team


@admin.register(Team)
class TeamAdmin(admin.ModelAdmin):
    list_display = ["name", "email", "created_at"]
    search_fields = ["name", "email"]
    filter_horizontal = ["members"]

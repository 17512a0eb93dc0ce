from __future__ import annotations

from django import forms
from django.contrib import admin

from cxhub.exceptions import DomainError
from tickets.models import (
    AgentAvailability,
    BusinessCalendar,
    BusinessHours,
    CannedResponse,
    Category,
    CustomField,
    Holiday,
    ResolutionCode,
    RoutingRule,
    SlaPolicy,
    Tag,
    TeamRouting,
    Ticket,
    TicketEvent,
    TicketMessage,
)
from tickets.services.classify import clean_tag_names


class MessageInline(admin.TabularInline):
    model = TicketMessage
    fields = ["created_at", "kind", "author", "body"]
    readonly_fields = fields
    extra = 0
    can_delete = False


class EventInline(admin.TabularInline):
    model = TicketEvent
    fields = ["created_at", "kind", "actor", "data"]
    readonly_fields = fields
    extra = 0
    can_delete = False


@admin.register(Ticket)
class TicketAdmin(admin.ModelAdmin):
    """Browse and inspect; status, replies and assignment change through the agent pages and API,
    where the workflow rules and outcome signals live."""

    list_display = ["id", "subject", "customer", "status", "priority", "team", "assignee",
                    "touchpoint", "created_at", "reopen_count"]
    list_filter = ["status", "priority", "channel", "team"]
    list_select_related = ["customer", "team", "assignee", "touchpoint"]
    search_fields = ["subject", "external_id", "customer__name"]
    date_hierarchy = "created_at"
    readonly_fields = ["status", "created_at", "first_response_at", "first_resolved_at",
                       "resolved_at", "closed_at", "reopen_count", "first_contact_resolution",
                       "first_response_due_at", "resolution_due_at", "created_by"]
    raw_id_fields = ["customer"]
    inlines = [MessageInline, EventInline]


@admin.register(Category, ResolutionCode)
class LabelAdmin(admin.ModelAdmin):
    search_fields = ["name"]


class TagForm(forms.ModelForm):
    class Meta:
        model = Tag
        fields = ["name"]

    def clean_name(self) -> str:
        try:
            names = clean_tag_names([self.cleaned_data["name"]])
        except DomainError as exc:
            raise forms.ValidationError(exc.message) from None
        if not names:
            raise forms.ValidationError("A tag needs a name.")
        return names[0]


@admin.register(Tag)
class TagAdmin(admin.ModelAdmin):
    """Tags are kept in the same tidy form agents' pages and the API produce (lower case, trimmed)."""

    form = TagForm
    search_fields = ["name"]


@admin.register(CustomField)
class CustomFieldAdmin(admin.ModelAdmin):
    list_display = ["label", "key", "kind", "position", "is_active"]
    list_editable = ["position", "is_active"]


class BusinessHoursInline(admin.TabularInline):
    model = BusinessHours
    extra = 0


class HolidayInline(admin.TabularInline):
    model = Holiday
    extra = 0


@admin.register(BusinessCalendar)
class BusinessCalendarAdmin(admin.ModelAdmin):
    list_display = ["name", "time_zone", "around_the_clock"]
    inlines = [BusinessHoursInline, HolidayInline]


@admin.register(SlaPolicy)
class SlaPolicyAdmin(admin.ModelAdmin):
    list_display = ["name", "position", "priority", "team", "channel", "calendar", "first_response_minutes",
                    "next_response_minutes", "resolution_minutes", "is_active"]
    list_filter = ["priority", "team", "is_active"]
    list_editable = ["position", "is_active"]
    list_select_related = ["team", "calendar"]


@admin.register(RoutingRule)
class RoutingRuleAdmin(admin.ModelAdmin):
    list_display = ["name", "position", "channel", "category", "touchpoint", "segment", "priority", "keywords",
                    "team", "set_priority", "is_active"]
    list_editable = ["position", "is_active"]
    list_select_related = ["category", "touchpoint", "team"]


@admin.register(TeamRouting)
class TeamRoutingAdmin(admin.ModelAdmin):
    list_display = ["team", "mode"]


@admin.register(AgentAvailability)
class AgentAvailabilityAdmin(admin.ModelAdmin):
    list_display = ["user", "is_available", "last_assigned_at"]
    list_filter = ["is_available"]


@admin.register(CannedResponse)
class CannedResponseAdmin(admin.ModelAdmin):
    list_display = ["title", "team", "updated_at"]
    list_filter = ["team"]
    search_fields = ["title", "body"]

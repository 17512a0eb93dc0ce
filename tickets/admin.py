from __future__ import annotations

from django.contrib import admin

from tickets.models import Ticket, TicketEvent, TicketMessage


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

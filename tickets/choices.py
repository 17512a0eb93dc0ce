from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class Status(models.TextChoices):
    NEW = "new", pgettext_lazy("ticket status", "New")
    OPEN = "open", pgettext_lazy("ticket status", "Open")
    PENDING = "pending", pgettext_lazy("ticket status", "Pending (waiting on customer)")
    RESOLVED = "resolved", pgettext_lazy("ticket status", "Resolved")
    CLOSED = "closed", pgettext_lazy("ticket status", "Closed")


# The only status changes a ticket may make. Resolved -> open is a reopen and is counted.
TRANSITIONS: dict[str, frozenset[str]] = {
    Status.NEW: frozenset({Status.OPEN, Status.PENDING, Status.RESOLVED}),
    Status.OPEN: frozenset({Status.PENDING, Status.RESOLVED}),
    Status.PENDING: frozenset({Status.OPEN, Status.RESOLVED}),
    Status.RESOLVED: frozenset({Status.OPEN, Status.CLOSED}),
    Status.CLOSED: frozenset(),
}

OPEN_STATUSES = (Status.NEW, Status.OPEN, Status.PENDING)


class Priority(models.TextChoices):
    LOW = "low", pgettext_lazy("ticket priority", "Low")
    NORMAL = "normal", pgettext_lazy("ticket priority", "Normal")
    HIGH = "high", pgettext_lazy("ticket priority", "High")
    URGENT = "urgent", pgettext_lazy("ticket priority", "Urgent")


class MessageKind(models.TextChoices):
    CUSTOMER = "customer", _("Customer message")
    REPLY = "reply", _("Public reply")
    NOTE = "note", _("Internal note")


class EventKind(models.TextChoices):
    CREATED = "created", _("Created")
    STATUS = "status", _("Status changed")
    ASSIGNED = "assigned", _("Assigned")
    PRIORITY = "priority", _("Priority changed")
    MESSAGE = "message", _("Message added")
    ROUTED = "routed", _("Routed")
    TAGS = "tags", _("Tags changed")
    CATEGORY = "category", _("Category changed")
    RESOLUTION_CODE = "resolution_code", _("Resolution code set")
    FIELDS = "fields", _("Custom fields changed")
    SLA = "sla", _("SLA status changed")
    LINKED = "linked", _("Linked")
    MERGED = "merged", _("Merged")
    REMINDER = "reminder", _("Reminder sent to the customer")


class SlaStatus(models.TextChoices):
    """Where a ticket stands against its SLA targets; set by the SLA job, shown on queues."""

    NONE = "none", pgettext_lazy("SLA status", "No SLA")
    OK = "ok", pgettext_lazy("SLA status", "On track")
    AT_RISK = "at_risk", pgettext_lazy("SLA status", "At risk")
    BREACHED = "breached", pgettext_lazy("SLA status", "Breached")


class LinkKind(models.TextChoices):
    RELATED = "related", pgettext_lazy("ticket link", "Related")
    DUPLICATE = "duplicate", pgettext_lazy("ticket link", "Duplicate merged into")


class AssignmentMode(models.TextChoices):
    MANUAL = "manual", _("Manual (agents take tickets)")
    ROUND_ROBIN = "round_robin", _("Round robin among available agents")
    LEAST_OPEN = "least_open", _("Fewest open tickets among available agents")


class CustomFieldKind(models.TextChoices):
    TEXT = "text", _("Text")
    NUMBER = "number", _("Number")
    CHOICE = "choice", _("Choice")

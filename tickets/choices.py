from __future__ import annotations

from django.db import models


class Status(models.TextChoices):
    NEW = "new", "New"
    OPEN = "open", "Open"
    PENDING = "pending", "Pending (waiting on customer)"
    RESOLVED = "resolved", "Resolved"
    CLOSED = "closed", "Closed"


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
    LOW = "low", "Low"
    NORMAL = "normal", "Normal"
    HIGH = "high", "High"
    URGENT = "urgent", "Urgent"


class MessageKind(models.TextChoices):
    CUSTOMER = "customer", "Customer message"
    REPLY = "reply", "Public reply"
    NOTE = "note", "Internal note"


class EventKind(models.TextChoices):
    CREATED = "created", "Created"
    STATUS = "status", "Status changed"
    ASSIGNED = "assigned", "Assigned"
    PRIORITY = "priority", "Priority changed"
    MESSAGE = "message", "Message added"
    ROUTED = "routed", "Routed"
    TAGS = "tags", "Tags changed"
    CATEGORY = "category", "Category changed"
    RESOLUTION_CODE = "resolution_code", "Resolution code set"
    FIELDS = "fields", "Custom fields changed"
    SLA = "sla", "SLA status changed"
    LINKED = "linked", "Linked"
    MERGED = "merged", "Merged"
    REMINDER = "reminder", "Reminder sent to the customer"


class SlaStatus(models.TextChoices):
    """Where a ticket stands against its SLA targets; set by the SLA job, shown on queues."""

    NONE = "none", "No SLA"
    OK = "ok", "On track"
    AT_RISK = "at_risk", "At risk"
    BREACHED = "breached", "Breached"


class LinkKind(models.TextChoices):
    RELATED = "related", "Related"
    DUPLICATE = "duplicate", "Duplicate merged into"


class AssignmentMode(models.TextChoices):
    MANUAL = "manual", "Manual (agents take tickets)"
    ROUND_ROBIN = "round_robin", "Round robin among available agents"
    LEAST_OPEN = "least_open", "Fewest open tickets among available agents"


class CustomFieldKind(models.TextChoices):
    TEXT = "text", "Text"
    NUMBER = "number", "Number"
    CHOICE = "choice", "Choice"

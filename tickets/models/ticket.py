"""Tickets, their conversation, history, classification and links."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from journeys.choices import Channel
from tickets.choices import CustomFieldKind, EventKind, LinkKind, MessageKind, Priority, SlaStatus, Status


class Tag(models.Model):
    """A free label agents put on tickets (e.g. "vip", "recall-2026")."""

    name = models.CharField(max_length=50, unique=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Category(models.Model):
    """What a ticket is about (billing, delivery, repair ...); routing rules and reports use it."""

    name = models.CharField(max_length=80, unique=True)
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "categories"

    def __str__(self) -> str:
        return self.name


class ResolutionCode(models.Model):
    """How a ticket was resolved (fixed, workaround, no fault found, duplicate ...)."""

    name = models.CharField(max_length=80, unique=True)
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class CustomField(models.Model):
    """A ticket field a team defines (text, number or choice); values live in Ticket.custom_fields."""

    key = models.SlugField(max_length=40, unique=True, help_text="The name in Ticket.custom_fields and filters.")
    label = models.CharField(max_length=80)
    kind = models.CharField(max_length=10, choices=CustomFieldKind.choices, default=CustomFieldKind.TEXT)
    choices = models.JSONField(default=list, blank=True, help_text="For choice fields: the allowed values.")
    position = models.PositiveSmallIntegerField(default=0)
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return self.label


class Ticket(models.Model):
    """One customer request, handled by a team. Status changes only through tickets.services."""

    subject = models.CharField(max_length=200)
    customer = models.ForeignKey(
        "journeys.Customer", on_delete=models.PROTECT, related_name="tickets"
    )
    touchpoint = models.ForeignKey(
        "journeys.Touchpoint", null=True, blank=True, on_delete=models.SET_NULL,
        related_name="tickets",
        help_text="Where in the journey the customer's need arose; outcomes are scored there.",
    )
    channel = models.CharField(max_length=20, choices=Channel.choices, default=Channel.EMAIL)
    priority = models.CharField(max_length=10, choices=Priority.choices, default=Priority.NORMAL)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.NEW)
    team = models.ForeignKey(
        "cxhub.Team", null=True, blank=True, on_delete=models.SET_NULL, related_name="tickets"
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
        related_name="assigned_tickets",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
        related_name="created_tickets",
    )
    external_id = models.CharField(
        max_length=100, blank=True, default="", help_text="The ticket's id in the CRM."
    )
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField(auto_now=True, db_index=True)  # API sync: updated_since
    first_response_due_at = models.DateTimeField()
    resolution_due_at = models.DateTimeField()
    first_response_at = models.DateTimeField(null=True, blank=True)
    first_resolved_at = models.DateTimeField(
        null=True, blank=True, help_text="The first resolution: the outcome that is scored."
    )
    resolved_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    reopen_count = models.PositiveIntegerField(default=0)
    first_contact_resolution = models.BooleanField(
        default=False, help_text="First resolved with at most one public reply and not reopened since."
    )
    category = models.ForeignKey(Category, null=True, blank=True, on_delete=models.SET_NULL,
                                 related_name="tickets")
    resolution_code = models.ForeignKey(ResolutionCode, null=True, blank=True, on_delete=models.SET_NULL,
                                        related_name="tickets")
    tags = models.ManyToManyField(Tag, blank=True, related_name="tickets")
    custom_fields = models.JSONField(default=dict, blank=True)
    # Service level: the policy chosen at creation and the due times computed in business hours.
    sla_policy = models.ForeignKey("tickets.SlaPolicy", null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="tickets")
    next_response_due_at = models.DateTimeField(null=True, blank=True)
    sla_status = models.CharField(max_length=10, choices=SlaStatus.choices, default=SlaStatus.NONE)
    # Routing: which rule placed the ticket, and when an agent first touched it (queue wait ends).
    routing_rule = models.ForeignKey("tickets.RoutingRule", null=True, blank=True, on_delete=models.SET_NULL,
                                     related_name="tickets")
    first_touched_at = models.DateTimeField(null=True, blank=True)
    merged_into = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="merged_tickets")

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["external_id"],
                condition=~Q(external_id=""),
                name="tickets_ticket_external_id_unique",
            ),
            models.CheckConstraint(
                condition=Q(status__in=Status.values), name="tickets_ticket_status_valid"
            ),
        ]
        indexes = [
            # The queue: tickets in a status, newest first.
            models.Index(fields=["status", "-created_at"], name="tickets_status_created"),
            # Every ticket newest first: the API's default order and its cursor pages (a seek on this key).
            models.Index(fields=["-created_at", "-id"], name="tickets_newest"),
            # "All open", the default queue: the open tickets newest first, read in order and stopped at
            # the page's end (with three statuses the index above needs a sort of every open ticket).
            models.Index(fields=["-created_at", "-id"], name="tickets_open_newest",
                         condition=Q(status__in=["new", "open", "pending"])),
            # "Mine": an agent's tickets in a status.
            models.Index(fields=["assignee", "status"], name="tickets_assignee_status"),
            # The customer panel: a customer's tickets, newest first.
            models.Index(fields=["customer", "-created_at"], name="tickets_customer_created"),
            # "Breaching soon" and the SLA job: open tickets by SLA status and resolution due time.
            models.Index(fields=["sla_status", "resolution_due_at"], name="tickets_sla_due"),
            # "My team's": a team's tickets in a status.
            models.Index(fields=["team", "status"], name="tickets_team_status"),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.subject}"

    @property
    def is_open(self) -> bool:
        return self.status in (Status.NEW, Status.OPEN, Status.PENDING)


class TicketMessage(models.Model):
    """A message on a ticket: from the customer, a public reply, or an internal note."""

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="messages")
    kind = models.CharField(max_length=10, choices=MessageKind.choices)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
        related_name="ticket_messages",
    )
    body = models.TextField()
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [
            # The conversation of one ticket, oldest first.
            models.Index(fields=["ticket", "created_at"], name="tickets_message_ticket_time"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} on #{self.ticket_id}"


class TicketEvent(models.Model):
    """One change to a ticket: who, what, when. Written by the services, never edited."""

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=20, choices=EventKind.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )
    data = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [
            # The history of one ticket.
            models.Index(fields=["ticket", "created_at"], name="tickets_event_ticket_time"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} on #{self.ticket_id}"


class Attachment(models.Model):
    """A file on a message, validated by type and size when it is added."""

    message = models.ForeignKey(TicketMessage, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(upload_to="attachments/%Y/%m/")
    original_name = models.CharField(max_length=200)
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return self.original_name


class TicketLink(models.Model):
    """Two tickets that belong together: related, or a duplicate merged into the kept ticket."""

    from_ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="links_out")
    to_ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="links_in")
    kind = models.CharField(max_length=10, choices=LinkKind.choices)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["from_ticket", "to_ticket", "kind"], name="tickets_link_unique"),
            models.CheckConstraint(condition=~Q(from_ticket=models.F("to_ticket")), name="tickets_link_not_self"),
        ]

    def __str__(self) -> str:
        return f"#{self.from_ticket_id} {self.kind} #{self.to_ticket_id}"

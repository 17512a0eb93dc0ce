"""Routing: ordered rules that send a new ticket to a team, and which agents are available."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from journeys.choices import Channel
from tickets.choices import AssignmentMode, Priority


class RoutingRule(models.Model):
    """If a new ticket matches every condition set here, it goes to `team` (and may get a priority).

    Rules are tried by position; the first match wins. Empty conditions match anything.
    """

    name = models.CharField(max_length=100)
    position = models.PositiveSmallIntegerField(default=0)
    is_active = models.BooleanField(default=True)
    channel = models.CharField(max_length=20, choices=Channel.choices, blank=True)
    category = models.ForeignKey("tickets.Category", null=True, blank=True, on_delete=models.CASCADE,
                                 related_name="routing_rules")
    touchpoint = models.ForeignKey("journeys.Touchpoint", null=True, blank=True, on_delete=models.CASCADE,
                                   related_name="routing_rules")
    segment = models.CharField(max_length=60, blank=True, help_text="Customer segment, exact.")
    priority = models.CharField(max_length=10, choices=Priority.choices, blank=True)
    keywords = models.CharField(max_length=300, blank=True,
                                help_text="Comma-separated; any one found in the subject or message matches.")
    team = models.ForeignKey("cxhub.Team", on_delete=models.CASCADE, related_name="routing_rules")
    set_priority = models.CharField(max_length=10, choices=Priority.choices, blank=True)

    class Meta:
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return self.name


class TeamRouting(models.Model):
    """How a team hands its new tickets to its agents."""

    team = models.OneToOneField("cxhub.Team", on_delete=models.CASCADE, related_name="routing")
    mode = models.CharField(max_length=12, choices=AssignmentMode.choices, default=AssignmentMode.MANUAL)

    def __str__(self) -> str:
        return f"{self.team}: {self.get_mode_display()}"


class AgentAvailability(models.Model):
    """Whether an agent takes new tickets now, and when they last got one (round robin order)."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="availability")
    is_available = models.BooleanField(default=True)
    last_assigned_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name_plural = "agent availability"

    def __str__(self) -> str:
        return f"{self.user}: {'available' if self.is_available else 'away'}"


class ConfigStamp(models.Model):
    """One row whose token changes, in the same transaction, with every change to the service desk's
    configuration (tickets.services.desk_config): a server process compares it with the token of the
    configuration it holds instead of reading the configuration again for every new ticket."""

    token = models.CharField(max_length=32)

    def __str__(self) -> str:
        return self.token

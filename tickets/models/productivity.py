"""Helpers for agents' everyday work."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class CannedResponse(models.Model):
    """A reusable reply. Placeholders: {customer_name}, {ticket_number}, {agent_name}."""

    title = models.CharField(max_length=100)
    body = models.TextField()
    team = models.ForeignKey("cxhub.Team", null=True, blank=True, on_delete=models.CASCADE,
                             related_name="canned_responses", help_text="Empty: every team.")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["title", "id"]

    def __str__(self) -> str:
        return self.title

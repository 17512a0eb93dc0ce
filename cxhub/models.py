"""Shared organisation: teams. Both the experience side (a touchpoint's owning team) and the service side
(a ticket's team) refer to them, so they live here rather than in either app."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class Team(models.Model):
    """A group of people who own touchpoints and work tickets."""

    name = models.CharField(max_length=120, unique=True)
    email = models.EmailField(blank=True, help_text="Where alerts for this team's touchpoints go.")
    members = models.ManyToManyField(settings.AUTH_USER_MODEL, related_name="teams", blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

"""Service-level policies and the business calendars their clocks run on."""

from __future__ import annotations

import zoneinfo

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q

from journeys.choices import Channel
from tickets.choices import Priority

WEEKDAYS = [(0, "Monday"), (1, "Tuesday"), (2, "Wednesday"), (3, "Thursday"), (4, "Friday"),
            (5, "Saturday"), (6, "Sunday")]


def validate_time_zone(value: str) -> None:
    try:
        zoneinfo.ZoneInfo(value)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError, OSError):  # OSError: a name too long for a file
        raise ValidationError(f"{value!r} is not a time zone name such as Europe/Athens.") from None


class BusinessCalendar(models.Model):
    """When the clock runs: weekly opening hours and holidays in one time zone (or around the clock)."""

    name = models.CharField(max_length=100, unique=True)
    time_zone = models.CharField(max_length=64, default="UTC", validators=[validate_time_zone])
    around_the_clock = models.BooleanField(default=False, help_text="24x7: hours and holidays are ignored.")

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class BusinessHours(models.Model):
    """One opening interval on a weekday, in the calendar's time zone; a day may have several."""

    calendar = models.ForeignKey(BusinessCalendar, on_delete=models.CASCADE, related_name="hours")
    weekday = models.PositiveSmallIntegerField(choices=WEEKDAYS)
    opens = models.TimeField()
    closes = models.TimeField()

    class Meta:
        ordering = ["calendar_id", "weekday", "opens"]
        verbose_name_plural = "business hours"
        constraints = [
            models.CheckConstraint(condition=Q(opens__lt=F("closes")), name="tickets_hours_open_before_close"),
        ]

    def __str__(self) -> str:
        return f"{self.get_weekday_display()} {self.opens:%H:%M}-{self.closes:%H:%M}"


class Holiday(models.Model):
    """A whole day the calendar is closed."""

    calendar = models.ForeignKey(BusinessCalendar, on_delete=models.CASCADE, related_name="holidays")
    date = models.DateField()
    name = models.CharField(max_length=100)

    class Meta:
        ordering = ["calendar_id", "date"]
        constraints = [
            models.UniqueConstraint(fields=["calendar", "date"], name="tickets_holiday_unique_date"),
        ]

    def __str__(self) -> str:
        return f"{self.date} {self.name}"


class SlaPolicy(models.Model):
    """Targets for a priority, optionally narrowed to a team or a channel, in business minutes.

    The first active policy by position that matches a ticket applies to it.
    """

    name = models.CharField(max_length=100, unique=True)
    position = models.PositiveSmallIntegerField(default=0)
    priority = models.CharField(max_length=10, choices=Priority.choices)
    team = models.ForeignKey("cxhub.Team", null=True, blank=True, on_delete=models.CASCADE,
                             related_name="sla_policies", help_text="Empty: any team.")
    channel = models.CharField(max_length=20, choices=Channel.choices, blank=True, help_text="Empty: any channel.")
    calendar = models.ForeignKey(BusinessCalendar, on_delete=models.PROTECT, related_name="policies")
    first_response_minutes = models.PositiveIntegerField(validators=[MinValueValidator(1)])
    next_response_minutes = models.PositiveIntegerField(validators=[MinValueValidator(1)])
    resolution_minutes = models.PositiveIntegerField(validators=[MinValueValidator(1)])
    at_risk_percent = models.PositiveSmallIntegerField(
        default=80, validators=[MinValueValidator(1), MaxValueValidator(99)],
        help_text="A target is at risk once this share of its time has elapsed.",
    )
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["position", "id"]
        verbose_name = "SLA policy"
        verbose_name_plural = "SLA policies"

    def __str__(self) -> str:
        return self.name

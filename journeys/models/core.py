"""The experience side: customers, programs, journeys, stages, touchpoints, the signal ledger and the
daily score components rolled up from it."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q

from journeys.choices import Channel, Language, SignalKind


def default_score_weights() -> dict[str, float]:
    # Equal weights over the components of the experience score; see docs/metrics.md.
    return {"csat": 1.0, "nps": 1.0, "ces": 1.0, "sla": 1.0, "fcr": 1.0}


class Customer(models.Model):
    """A person or account whose experience we measure; `external_id` is the CRM's key."""

    name = models.CharField(max_length=200)
    email = models.EmailField(blank=True)
    external_id = models.CharField(
        max_length=100, blank=True, default="", help_text="The customer's id in the CRM."
    )
    segment = models.CharField(max_length=60, blank=True, help_text="e.g. retail, fleet, premium")
    language = models.CharField(max_length=8, choices=Language.choices, default=Language.EN)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True, db_index=True)  # API sync: updated_since

    class Meta:
        ordering = ["name", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["external_id"],
                condition=~Q(external_id=""),
                name="journeys_customer_external_id_unique",
            )
        ]

    def __str__(self) -> str:
        return self.name


class Program(models.Model):
    """A CX program: the shared purpose every team works towards, and how its scores are blended."""

    name = models.CharField(max_length=150, unique=True)
    purpose = models.TextField(help_text="The purpose statement the whole program works towards.")
    score_weights = models.JSONField(
        default=default_score_weights,
        help_text="Weight of each component (csat, nps, ces, sla, fcr) in the experience score.",
    )
    min_sample_size = models.PositiveIntegerField(
        default=5, help_text="Below this many answers or tickets a component shows 'not enough data'."
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        from django.core.exceptions import ValidationError

        from journeys.scoring import validate_weights

        try:
            validate_weights(self.score_weights)
        except ValueError as exc:
            raise ValidationError({"score_weights": str(exc)}) from None


class Journey(models.Model):
    """A customer journey within a program, e.g. buying a car or an online subscription."""

    program = models.ForeignKey(Program, on_delete=models.CASCADE, related_name="journeys")
    name = models.CharField(max_length=150)
    description = models.TextField(blank=True)
    position = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["program_id", "position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["program", "name"], name="journeys_journey_unique_name")
        ]

    def __str__(self) -> str:
        return self.name


class Stage(models.Model):
    """An ordered stage of a journey (discovery, purchase, delivery ...)."""

    journey = models.ForeignKey(Journey, on_delete=models.CASCADE, related_name="stages")
    name = models.CharField(max_length=150)
    position = models.PositiveSmallIntegerField(default=0)
    description = models.TextField(blank=True)

    class Meta:
        ordering = ["journey_id", "position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["journey", "name"], name="journeys_stage_unique_name")
        ]

    def __str__(self) -> str:
        return f"{self.journey.name} / {self.name}"


class Touchpoint(models.Model):
    """A moment where the customer meets the company; the unit experience is measured at."""

    stage = models.ForeignKey(Stage, on_delete=models.CASCADE, related_name="touchpoints")
    name = models.CharField(max_length=150)
    description = models.TextField(blank=True)
    channel = models.CharField(max_length=20, choices=Channel.choices, default=Channel.IN_PERSON)
    owner_team = models.ForeignKey(
        "cxhub.Team", null=True, blank=True, on_delete=models.SET_NULL, related_name="touchpoints"
    )
    target_score = models.DecimalField(
        max_digits=5,
        decimal_places=2,
        default=Decimal("75"),
        validators=[MinValueValidator(0), MaxValueValidator(100)],
        help_text="Experience score (0-100) this touchpoint should reach.",
    )
    weight = models.DecimalField(
        max_digits=6,
        decimal_places=2,
        default=Decimal("1"),
        validators=[MinValueValidator(Decimal("0.01"))],
        help_text="Relative weight of this touchpoint in its stage's and journey's score.",
    )
    position = models.PositiveSmallIntegerField(default=0)
    is_active = models.BooleanField(
        default=True, help_text="Archived touchpoints keep their history but leave the map."
    )
    archived_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["stage_id", "position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["stage", "name"], name="journeys_touchpoint_unique_name"),
            models.CheckConstraint(
                condition=Q(target_score__gte=0) & Q(target_score__lte=100),
                name="journeys_touchpoint_target_0_100",
            ),
            models.CheckConstraint(condition=Q(weight__gt=0), name="journeys_touchpoint_weight_pos"),
        ]

    def __str__(self) -> str:
        return self.name


class ExperienceSignal(models.Model):
    """One fact about the experience at a touchpoint. Append-only; unique by its natural key.

    Tickets and feedback never compute scores: they record signals here through
    `journeys.services.signal_record`, and the rollup reads only this ledger.
    """

    id = models.BigAutoField(primary_key=True)
    touchpoint = models.ForeignKey(Touchpoint, on_delete=models.PROTECT, related_name="signals")
    customer = models.ForeignKey(
        Customer, null=True, blank=True, on_delete=models.SET_NULL, related_name="signals"
    )
    kind = models.CharField(max_length=40, choices=SignalKind.choices)
    value = models.FloatField(null=True, blank=True)
    segment = models.CharField(
        max_length=60, blank=True, default="",
        help_text="The customer's segment when the signal was recorded (frozen, like context).",
    )
    source = models.CharField(max_length=30, help_text="What recorded it: ticket, response, api ...")
    source_id = models.CharField(max_length=64)
    occurred_at = models.DateTimeField(help_text="When the outcome happened (its day is scored).")
    recorded_at = models.DateTimeField(auto_now_add=True)
    context = models.JSONField(default=dict, blank=True, help_text="Facts frozen at the time.")
    external_id = models.CharField(
        max_length=100, blank=True, default="",
        help_text="The event's id in the CRM, for a signal posted through the API (unique when set).",
    )

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(
                fields=["source", "source_id", "kind"], name="journeys_signal_natural_key"
            ),
            # A CRM re-sending an event by its id finds the first signal instead of counting it twice.
            models.UniqueConstraint(
                fields=["external_id"],
                condition=~Q(external_id=""),
                name="journeys_signal_external_id_unique",
            ),
        ]
        indexes = [
            # The rollup recomputes one touchpoint-day at a time from this range.
            models.Index(fields=["touchpoint", "occurred_at"], name="journeys_signal_tp_time"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} @ {self.touchpoint_id} ({self.source}:{self.source_id})"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise TypeError("Experience signals are append-only: record a new signal instead.")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        raise TypeError("Experience signals are append-only and cannot be deleted.")


class ScoreComponentDaily(models.Model):
    """Additive score components of one touchpoint on one day: counts and sums, never averages."""

    touchpoint = models.ForeignKey(Touchpoint, on_delete=models.CASCADE, related_name="daily")
    day = models.DateField()
    segment = models.CharField(max_length=60, blank=True, default="")
    signals = models.PositiveIntegerField(default=0)
    nps_responses = models.PositiveIntegerField(default=0)
    nps_promoters = models.PositiveIntegerField(default=0)
    nps_passives = models.PositiveIntegerField(default=0)
    nps_detractors = models.PositiveIntegerField(default=0)
    csat_responses = models.PositiveIntegerField(default=0)
    csat_satisfied = models.PositiveIntegerField(default=0)
    csat_score_sum = models.PositiveIntegerField(default=0)
    ces_responses = models.PositiveIntegerField(default=0)
    ces_easy = models.PositiveIntegerField(default=0)
    ces_score_sum = models.PositiveIntegerField(default=0)
    tickets_resolved = models.PositiveIntegerField(default=0)
    resolution_seconds_sum = models.BigIntegerField(default=0)
    first_responses = models.PositiveIntegerField(default=0)
    first_response_seconds_sum = models.BigIntegerField(default=0)
    queue_waits = models.PositiveIntegerField(default=0)
    queue_wait_seconds_sum = models.BigIntegerField(default=0)
    sla_met = models.PositiveIntegerField(default=0)
    sla_breached = models.PositiveIntegerField(default=0)
    fcr = models.IntegerField(default=0)
    reopens = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["touchpoint_id", "day"]
        verbose_name = "daily score component"
        constraints = [
            # Also the index for every window query: touchpoints IN (...) AND day >= start.
            models.UniqueConstraint(
                fields=["touchpoint", "day", "segment"], name="journeys_component_tp_day_segment"
            )
        ]
        indexes = [
            # The segment filter's choices: trends.segment_choices hops from one segment to the next
            # on it (a few index probes) instead of reading the whole table for DISTINCT.
            models.Index(fields=["segment"], name="journeys_component_segment"),
        ]

    def __str__(self) -> str:
        return f"{self.touchpoint_id} {self.day} {self.segment}".rstrip()


class RollupWatermark(models.Model):
    """How far through the ledger (by signal id) the incremental rollup has gone."""

    name = models.CharField(max_length=40, primary_key=True)
    last_signal_id = models.BigIntegerField(default=0)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"{self.name}: {self.last_signal_id}"

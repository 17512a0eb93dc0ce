"""What the CX manager works with on top of the scores: personas, goals, improvement initiatives,
alerts, customer health and stored analyses (service impact, key drivers)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from journeys.models.core import Customer, Journey, Program, Touchpoint


class ScoreMetric(models.TextChoices):
    """Figures a goal or an alert can be about; `experience` is the blended 0-100 score."""

    EXPERIENCE = "experience", _("Experience score")
    NPS = "nps", _("NPS")
    CSAT = "csat", _("CSAT")
    CES = "ces", _("CES (easy)")
    SLA = "sla", _("SLA attainment")
    FCR = "fcr", _("First-contact resolution")


class Persona(models.Model):
    """A kind of customer the program designs journeys for, optionally tied to a customer segment."""

    program = models.ForeignKey(Program, on_delete=models.CASCADE, related_name="personas")
    name = models.CharField(max_length=120)
    description = models.TextField(blank=True)
    needs = models.TextField(blank=True, help_text="What this persona expects from us.")
    segment = models.CharField(
        max_length=60, blank=True, help_text="Customer segment this persona stands for, if any."
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["program_id", "name"]
        constraints = [
            models.UniqueConstraint(fields=["program", "name"], name="journeys_persona_unique_name")
        ]

    def __str__(self) -> str:
        return self.name


class Goal(models.Model):
    """A measurable goal of a program (or one of its journeys): a metric, a target and a due date."""

    program = models.ForeignKey(Program, on_delete=models.CASCADE, related_name="goals")
    journey = models.ForeignKey(
        Journey, null=True, blank=True, on_delete=models.CASCADE, related_name="goals",
        help_text="Leave empty for a goal of the whole program.",
    )
    metric = models.CharField(max_length=20, choices=ScoreMetric.choices)
    target = models.FloatField()
    baseline = models.FloatField(null=True, blank=True, help_text="The figure when the goal was set.")
    due_date = models.DateField()
    description = models.CharField(max_length=300, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["program_id", "due_date", "id"]

    def __str__(self) -> str:
        return f"{self.get_metric_display()} {self.target:g} by {self.due_date}"


class InitiativeStatus(models.TextChoices):
    PLANNED = "planned", _("Planned")
    ACTIVE = "active", _("In progress")
    DONE = "done", _("Done")
    CANCELLED = "cancelled", _("Cancelled")


class Initiative(models.Model):
    """An improvement project at one or more touchpoints, judged by their figures before and after."""

    program = models.ForeignKey(Program, on_delete=models.CASCADE, related_name="initiatives")
    name = models.CharField(max_length=150)
    description = models.TextField(blank=True)
    touchpoints = models.ManyToManyField(Touchpoint, related_name="initiatives", blank=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
        related_name="initiatives",
    )
    status = models.CharField(
        max_length=12, choices=InitiativeStatus.choices, default=InitiativeStatus.PLANNED
    )
    start_date = models.DateField()
    end_date = models.DateField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-start_date", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | Q(end_date__gte=models.F("start_date")),
                name="journeys_initiative_dates_in_order",
            )
        ]

    def __str__(self) -> str:
        return self.name


class AlertKind(models.TextChoices):
    BELOW_TARGET = "below_target", _("Below target")
    DROP = "drop", _("Drop against baseline")


class AlertStatus(models.TextChoices):
    OPEN = "open", _("Open")
    ACKNOWLEDGED = "acknowledged", _("Acknowledged")
    RESOLVED = "resolved", _("Resolved")


class Alert(models.Model):
    """A touchpoint or journey that misses its target or has dropped beyond noise.

    At most one alert per `dedupe_key` is open or acknowledged at a time: a rule that keeps firing
    updates that alert (`last_seen_at`, `occurrences`) instead of raising a new one.
    """

    program = models.ForeignKey(Program, on_delete=models.CASCADE, related_name="alerts")
    journey = models.ForeignKey(
        Journey, null=True, blank=True, on_delete=models.CASCADE, related_name="alerts"
    )
    touchpoint = models.ForeignKey(
        Touchpoint, null=True, blank=True, on_delete=models.CASCADE, related_name="alerts"
    )
    kind = models.CharField(max_length=20, choices=AlertKind.choices)
    metric = models.CharField(max_length=20, choices=ScoreMetric.choices)
    status = models.CharField(max_length=14, choices=AlertStatus.choices, default=AlertStatus.OPEN)
    dedupe_key = models.CharField(max_length=200)
    window_days = models.PositiveSmallIntegerField()
    value = models.FloatField(help_text="The figure over the window when the alert was last seen.")
    reference = models.FloatField(help_text="The target, or the baseline the figure dropped from.")
    low = models.FloatField(null=True, blank=True, help_text="Lower end of the figure's interval.")
    high = models.FloatField(null=True, blank=True, help_text="Upper end of the figure's interval.")
    sample = models.PositiveIntegerField(default=0)
    message = models.TextField()
    opened_at = models.DateTimeField(auto_now_add=True)
    last_seen_at = models.DateTimeField()
    occurrences = models.PositiveIntegerField(default=1)
    notified_at = models.DateTimeField(null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    resolved_at = models.DateTimeField(null=True, blank=True)
    note = models.TextField(blank=True)

    class Meta:
        ordering = ["-opened_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["dedupe_key"],
                condition=~Q(status="resolved"),
                name="journeys_alert_one_live_per_key",
            ),
            models.CheckConstraint(
                condition=Q(touchpoint__isnull=False) | Q(journey__isnull=False),
                name="journeys_alert_has_subject",
            ),
        ]
        indexes = [models.Index(fields=["status", "program"], name="journeys_alert_status_prog")]

    def __str__(self) -> str:
        return self.message


class HealthBand(models.TextChoices):
    HEALTHY = "healthy", _("Healthy")
    WATCH = "watch", _("Watch")
    AT_RISK = "at_risk", _("At risk")


class CustomerHealth(models.Model):
    """A customer's health from recent signals, recomputed by a job; the reasons say why."""

    customer = models.OneToOneField(
        Customer, primary_key=True, on_delete=models.CASCADE, related_name="health"
    )
    score = models.FloatField(help_text="0 (lost) to 100 (delighted).")
    band = models.CharField(max_length=10, choices=HealthBand.choices)
    latest_nps = models.FloatField(null=True, blank=True)
    open_tickets = models.PositiveIntegerField(default=0)
    breaches = models.PositiveIntegerField(default=0)
    reopens = models.PositiveIntegerField(default=0)
    last_signal_at = models.DateTimeField(null=True, blank=True)
    reasons = models.JSONField(default=list, blank=True)
    computed_at = models.DateTimeField()

    class Meta:
        ordering = ["score", "customer_id"]
        verbose_name_plural = "customer health"
        indexes = [models.Index(fields=["band", "score"], name="journeys_health_band_score")]

    def __str__(self) -> str:
        return f"{self.customer_id}: {self.score:.0f} ({self.band})"


class AnalysisKind(models.TextChoices):
    SERVICE_IMPACT = "service_impact", _("Service impact")
    KEY_DRIVERS = "key_drivers", _("Key drivers")
    PUBLISHED_SCORES = "published_scores", _("Scores last published to webhooks")


class AnalysisSnapshot(models.Model):
    """The stored result of an analysis too heavy for a page view (computed by a job, read by pages)."""

    kind = models.CharField(max_length=20, choices=AnalysisKind.choices)
    scope_type = models.CharField(max_length=12, help_text="program, journey or touchpoint")
    scope_id = models.PositiveBigIntegerField()
    window_days = models.PositiveSmallIntegerField()
    data = models.JSONField(default=dict)
    computed_at = models.DateTimeField()

    class Meta:
        ordering = ["kind", "scope_type", "scope_id", "window_days"]
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "scope_type", "scope_id", "window_days"],
                name="journeys_snapshot_unique",
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.scope_type}:{self.scope_id} {self.window_days}d"

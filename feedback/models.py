"""Surveys and the answers customers give."""

from __future__ import annotations

from django.db import models
from django.db.models import F, Q

from feedback.choices import SurveyKind
from journeys.choices import Language


class Survey(models.Model):
    """A one-question survey (NPS, CSAT or CES) asked at a touchpoint. Its scale is stored."""

    name = models.CharField(max_length=150)
    kind = models.CharField(max_length=10, choices=SurveyKind.choices)
    question = models.TextField()
    touchpoint = models.ForeignKey(
        "journeys.Touchpoint", null=True, blank=True, on_delete=models.SET_NULL,
        related_name="surveys", help_text="Where answers are scored unless a response says otherwise.",
    )
    scale_min = models.SmallIntegerField()
    scale_max = models.SmallIntegerField()
    version = models.PositiveIntegerField(default=1)
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(scale_min__lt=F("scale_max")),
                                   name="feedback_survey_scale_order"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def scale(self) -> range:
        return range(self.scale_min, self.scale_max + 1)


class Response(models.Model):
    """One customer's answer. Scale, survey version and formula version are frozen with it."""

    survey = models.ForeignKey(Survey, on_delete=models.PROTECT, related_name="responses")
    customer = models.ForeignKey(
        "journeys.Customer", on_delete=models.PROTECT, related_name="responses"
    )
    touchpoint = models.ForeignKey(
        "journeys.Touchpoint", on_delete=models.PROTECT, related_name="responses"
    )
    ticket = models.ForeignKey(
        "tickets.Ticket", null=True, blank=True, on_delete=models.SET_NULL, related_name="responses"
    )
    score = models.SmallIntegerField()
    comment = models.TextField(blank=True)
    language = models.CharField(max_length=8, choices=Language.choices, default=Language.EN)
    scale_min = models.SmallIntegerField()
    scale_max = models.SmallIntegerField()
    survey_version = models.PositiveIntegerField()
    formula_version = models.CharField(max_length=20)
    answered_at = models.DateTimeField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-answered_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(score__gte=F("scale_min")) & Q(score__lte=F("scale_max")),
                name="feedback_response_score_in_scale",
            ),
        ]
        indexes = [
            # The customer panel and a touchpoint's recent answers, newest first.
            models.Index(fields=["customer", "-answered_at"], name="feedback_resp_customer_time"),
            models.Index(fields=["touchpoint", "-answered_at"], name="feedback_resp_tp_time"),
        ]

    def __str__(self) -> str:
        return f"{self.survey.kind.upper()} {self.score} from {self.customer_id}"

"""Surveys, their versions, invitations, the answers customers give, and the employee pulse."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import F, Q

from feedback.choices import Audience, InvitationStatus, InvitationTrigger, Sentiment, SurveyKind
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
    version = models.PositiveIntegerField(default=1, help_text="The number of the current SurveyVersion.")
    audience = models.CharField(max_length=10, choices=Audience.choices, default=Audience.CUSTOMERS)
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


class SurveyVersion(models.Model):
    """What a survey asked, frozen: editing a live survey makes a new version, never changes this one.

    `definition` holds the questions in order, each {"key", "kind" (QuestionKind), "text": {lang: text},
    "required", "choices": [{"key", "text": {lang: text}}], "scale_min", "scale_max", "primary"}; exactly
    one question is `primary`: the metric question (NPS, CSAT or CES) whose answer is the score.
    Also "title" and "intro" as {lang: text}.
    """

    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    definition = models.JSONField()
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["survey_id", "number"]
        constraints = [
            models.UniqueConstraint(fields=["survey", "number"], name="feedback_version_unique_number"),
        ]

    def __str__(self) -> str:
        return f"{self.survey} v{self.number}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise TypeError("A survey version is frozen: make a new version instead.")
        super().save(*args, **kwargs)


class Theme(models.Model):
    """A subject managers tag comments with (price, waiting time, staff friendliness ...)."""

    name = models.CharField(max_length=60, unique=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class FeedbackSettings(models.Model):
    """Program-wide feedback rules a manager can change; one row (pk=1)."""

    contact_fatigue_days = models.PositiveSmallIntegerField(
        default=14, help_text="A customer is invited at most once in this many days, across all surveys.")
    invitation_expiry_days = models.PositiveSmallIntegerField(default=14)

    class Meta:
        verbose_name_plural = "feedback settings"

    def __str__(self) -> str:
        return "Feedback settings"

    @classmethod
    def current(cls) -> FeedbackSettings:
        return cls.objects.get_or_create(pk=1)[0]


class TicketSurveyRule(models.Model):
    """After a ticket is resolved, invite its customer to this survey (narrowed to a team or touchpoint)."""

    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="ticket_rules")
    team = models.ForeignKey("cxhub.Team", null=True, blank=True, on_delete=models.CASCADE,
                             related_name="+", help_text="Empty: any team.")
    touchpoint = models.ForeignKey("journeys.Touchpoint", null=True, blank=True, on_delete=models.CASCADE,
                                   related_name="+", help_text="Empty: any touchpoint.")
    delay_minutes = models.PositiveIntegerField(default=60)
    position = models.PositiveSmallIntegerField(default=0)
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return f"{self.survey} after resolution"


class Invitation(models.Model):
    """One customer asked to answer one survey, by a link with an unguessable token (stored hashed)."""

    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="invitations")
    customer = models.ForeignKey("journeys.Customer", on_delete=models.CASCADE, related_name="invitations")
    touchpoint = models.ForeignKey("journeys.Touchpoint", on_delete=models.PROTECT, related_name="invitations")
    ticket = models.ForeignKey("tickets.Ticket", null=True, blank=True, on_delete=models.SET_NULL,
                               related_name="invitations")
    trigger = models.CharField(max_length=20, choices=InvitationTrigger.choices)
    status = models.CharField(max_length=10, choices=InvitationStatus.choices, default=InvitationStatus.SCHEDULED)
    token_hash = models.CharField(max_length=64, unique=True, help_text="SHA-256 of the link's token.")
    language = models.CharField(max_length=8, choices=Language.choices, default=Language.EN)
    send_at = models.DateTimeField()
    sent_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField()
    answered_at = models.DateTimeField(null=True, blank=True)
    skip_reason = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            # The sender job: scheduled invitations that are due.
            models.Index(fields=["status", "send_at"], name="feedback_invite_due"),
            # Contact fatigue: a customer's latest invitations.
            models.Index(fields=["customer", "-sent_at"], name="feedback_invite_customer"),
        ]

    def __str__(self) -> str:
        return f"{self.survey} to {self.customer_id} ({self.status})"


class TouchpointEvent(models.Model):
    """Something that happened to a customer at a touchpoint, posted by a CRM (e.g. a purchase)."""

    touchpoint = models.ForeignKey("journeys.Touchpoint", on_delete=models.PROTECT, related_name="events")
    customer = models.ForeignKey("journeys.Customer", on_delete=models.CASCADE, related_name="touchpoint_events")
    kind = models.CharField(max_length=60, help_text="e.g. purchase, delivery, service_visit")
    external_id = models.CharField(max_length=100, blank=True, default="")
    occurred_at = models.DateTimeField()
    data = models.JSONField(default=dict, blank=True)
    invitation = models.ForeignKey(Invitation, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-occurred_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["external_id"], condition=~Q(external_id=""),
                                    name="feedback_event_external_id_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} at {self.touchpoint_id}"


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
    version = models.ForeignKey(SurveyVersion, null=True, blank=True, on_delete=models.PROTECT,
                                related_name="responses", help_text="What was asked, frozen.")
    answers = models.JSONField(default=dict, blank=True, help_text="Answers to the other questions, by key.")
    formula_version = models.CharField(max_length=20)
    invitation = models.OneToOneField(Invitation, null=True, blank=True, on_delete=models.SET_NULL,
                                      related_name="response")
    sentiment = models.CharField(max_length=10, choices=Sentiment.choices, default=Sentiment.UNKNOWN)
    themes = models.ManyToManyField(Theme, blank=True, related_name="responses")
    follow_up_ticket = models.ForeignKey("tickets.Ticket", null=True, blank=True, on_delete=models.SET_NULL,
                                         related_name="follow_up_of")
    loop_closed_at = models.DateTimeField(null=True, blank=True)
    answered_at = models.DateTimeField()
    created_at = models.DateTimeField(auto_now_add=True)
    external_id = models.CharField(max_length=100, blank=True, default="",
                                   help_text="The answer's id in the system it came from (CSV imports).")

    class Meta:
        ordering = ["-answered_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(score__gte=F("scale_min")) & Q(score__lte=F("scale_max")),
                name="feedback_response_score_in_scale",
            ),
            models.UniqueConstraint(fields=["external_id"], condition=~Q(external_id=""),
                                    name="feedback_response_external_id_unique"),
        ]
        indexes = [
            # The customer panel and a touchpoint's recent answers, newest first.
            models.Index(fields=["customer", "-answered_at"], name="feedback_resp_customer_time"),
            models.Index(fields=["touchpoint", "-answered_at"], name="feedback_resp_tp_time"),
        ]

    def __str__(self) -> str:
        return f"{self.survey.kind.upper()} {self.score} from {self.customer_id}"


class PulseInvitation(models.Model):
    """A staff member's one-time right to answer a pulse survey. Kept apart from the answer, which
    names nobody: reports can say who was asked and how many answered, never who said what."""

    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="pulse_invitations")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    token_hash = models.CharField(max_length=64, unique=True)
    used = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["survey", "user"], name="feedback_pulse_once_per_user"),
        ]

    def __str__(self) -> str:
        return f"{self.survey} for {self.user_id}"


class PulseAnswer(models.Model):
    """An anonymous employee answer (eNPS and a comment). Deliberately no user and no exact time."""

    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="pulse_answers")
    score = models.SmallIntegerField()
    comment = models.TextField(blank=True)
    week = models.DateField(help_text="Monday of the week answered: enough for trends, too coarse to identify.")

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(score__gte=0) & Q(score__lte=10), name="feedback_pulse_score_0_10"),
        ]

    def __str__(self) -> str:
        return f"{self.survey}: {self.score}"

"""Shared infrastructure: teams, people's profiles, webhooks, API tokens, idempotent POSTs and CSV imports.

Both the experience side (a touchpoint's owning team) and the service side (a ticket's team) refer to teams,
so they live here rather than in either app."""

from __future__ import annotations

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.core.validators import URLValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cxhub.webhooks.choices import DeliveryStatus
from cxhub.webhooks.signing import new_event_id, new_secret


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


# --- Outgoing webhooks -----------------------------------------------------------------------------
# The rules live in cxhub/webhooks/services.py; these hold the fields and constraints.


class WebhookSubscription(models.Model):
    """A URL that receives signed POSTs for the event types it lists ("*" for all)."""

    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                              related_name="webhook_subscriptions")
    url = models.URLField(max_length=2000, validators=[URLValidator(schemes=["http", "https"])],
                          help_text="Where events are POSTed; http or https only.")
    description = models.CharField(max_length=200, blank=True)
    event_types = models.JSONField(default=list, help_text='Event types to send; ["*"] for all.')
    secret = models.CharField(max_length=120, default=new_secret, editable=False)
    is_active = models.BooleanField(default=True)
    disabled_reason = models.CharField(max_length=300, blank=True)
    disabled_at = models.DateTimeField(null=True, blank=True)
    # Failed automatic attempts since the last success, and when that run of failures began: together
    # they decide when a dead endpoint is switched off.
    consecutive_failures = models.PositiveIntegerField(default=0)
    failing_since = models.DateTimeField(null=True, blank=True)
    last_attempt_at = models.DateTimeField(null=True, blank=True)
    last_success_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            # event_emit reads every active subscription on each event.
            models.Index(fields=["is_active"], name="cxhub_whsub_active_idx"),
        ]

    def __str__(self) -> str:
        return self.url

    def wants(self, event_type: str) -> bool:
        return "*" in self.event_types or event_type in self.event_types


class WebhookEvent(models.Model):
    """Something that happened, as sent to subscribers: the id is public and the same on every retry."""

    id = models.CharField(primary_key=True, max_length=40, default=new_event_id, editable=False)
    type = models.CharField(max_length=64)
    payload = models.JSONField(default=dict, encoder=DjangoJSONEncoder)  # times as ISO 8601 strings
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            # The retention purge deletes the oldest events first.
            models.Index(fields=["created_at"], name="cxhub_whevent_created_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.type} {self.id}"


class WebhookDelivery(models.Model):
    """One event on its way to one subscription, across all its attempts."""

    event = models.ForeignKey(WebhookEvent, on_delete=models.CASCADE, related_name="deliveries")
    subscription = models.ForeignKey(WebhookSubscription, on_delete=models.CASCADE,
                                     related_name="deliveries")
    status = models.CharField(max_length=16, choices=DeliveryStatus.choices,
                              default=DeliveryStatus.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    # When the next attempt is due; while an attempt runs it is pushed out as a lease, so no other
    # worker claims the same delivery (see services.delivery_attempt).
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    last_status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    last_response = models.TextField(blank=True)
    last_error = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name_plural = "webhook deliveries"
        constraints = [
            models.UniqueConstraint(fields=["event", "subscription"], name="cxhub_whdelivery_once"),
        ]
        indexes = [
            # The sweep: open deliveries whose next attempt is due.
            models.Index(fields=["status", "next_attempt_at"], name="cxhub_whdelivery_due_idx"),
            # A subscription's deliveries, newest first (its page and the API filter).
            models.Index(fields=["subscription", "-created_at"], name="cxhub_whdelivery_sub_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.event_id} -> {self.subscription_id} ({self.status})"


class WebhookAttempt(models.Model):
    """One HTTP request of a delivery and what came back."""

    delivery = models.ForeignKey(WebhookDelivery, on_delete=models.CASCADE, related_name="attempt_log")
    number = models.PositiveIntegerField()
    created_at = models.DateTimeField(default=timezone.now)
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    response_excerpt = models.TextField(blank=True)
    duration_ms = models.PositiveIntegerField(default=0)
    error = models.CharField(max_length=500, blank=True)
    succeeded = models.BooleanField(default=False)
    manual = models.BooleanField(default=False, help_text="Asked for by a person (redeliver or test).")
    # When the attempt after this one was scheduled for, if any: the backoff schedule as it happened.
    retry_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["delivery", "number"]
        constraints = [
            models.UniqueConstraint(fields=["delivery", "number"], name="cxhub_whattempt_number_once"),
        ]

    def __str__(self) -> str:
        return f"#{self.number} of delivery {self.delivery_id}"


class ApiToken(models.Model):
    """An API key for scripts and CRM integrations. Only a SHA-256 hash of the key is stored, so a
    copy of the database does not reveal working keys; the key itself is shown once, when made."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=100, help_text="What uses it, e.g. 'CRM sync'.")
    prefix = models.CharField(max_length=12, help_text="The key's first characters, to recognise it.")
    key_hash = models.CharField(max_length=64, unique=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = "API token"

    def __str__(self) -> str:
        return f"{self.prefix}… ({self.name})"

    @property
    def is_usable(self) -> bool:
        return self.revoked_at is None and (self.expires_at is None or self.expires_at > timezone.now())


class Profile(models.Model):
    """Per-person settings kept beside Django's user: the interface language and how widely a support
    agent sees tickets."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="profile")
    language = models.CharField(
        max_length=8, choices=settings.LANGUAGES, blank=True,
        help_text="The interface language; blank follows the browser.",
    )
    sees_all_teams = models.BooleanField(
        default=False, help_text="Work tickets of every team, not only of the teams this person belongs to.",
    )
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"Profile of {self.user}"


# --- Idempotent POSTs --------------------------------------------------------------------------------


class IdempotencyRecord(models.Model):
    """The first answer to a POST sent with an Idempotency-Key, replayed to repeats for 24 hours.

    A record without a status code is a request still being handled: a concurrent repeat waits for it or
    is told to retry, so one key has one effect."""

    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=255)
    method = models.CharField(max_length=10)
    path = models.CharField(max_length=2000)
    request_hash = models.CharField(max_length=64, help_text="SHA-256 of method, path and body.")
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    response_body = models.BinaryField(blank=True, default=b"")
    response_headers = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    completed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["owner", "key"], name="cxhub_idempotency_owner_key_uniq"),
        ]
        indexes = [
            # The nightly purge deletes by age.
            models.Index(fields=["created_at"], name="cxhub_idem_created_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.method} {self.path} ({self.key})"


# --- CSV import ------------------------------------------------------------------------------------


class ImportJob(models.Model):
    """One uploaded CSV file and its run: counts as it goes, and a rejection per row that failed."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    kind = models.CharField(max_length=40, help_text="Which importer reads the file, e.g. 'customers'.")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    file = models.FileField(upload_to="imports/%Y/%m/")
    original_name = models.CharField(max_length=255)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    total_rows = models.PositiveIntegerField(default=0)
    processed_rows = models.PositiveIntegerField(default=0)
    created_count = models.PositiveIntegerField(default=0)
    updated_count = models.PositiveIntegerField(default=0)
    unchanged_count = models.PositiveIntegerField(default=0)
    rejected_count = models.PositiveIntegerField(default=0)
    error = models.TextField(blank=True, help_text="Why the whole file failed, when it did.")

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.kind} import of {self.original_name}"


class ImportRejection(models.Model):
    """A row of an import that was not written, with the reasons per field."""

    job = models.ForeignKey(ImportJob, on_delete=models.CASCADE, related_name="rejections")
    row_number = models.PositiveIntegerField(help_text="The line in the file, counting the header as 1.")
    external_id = models.CharField(max_length=255, blank=True)
    errors = models.JSONField(default=dict, help_text="Field name to a list of messages.")
    raw = models.JSONField(default=dict, help_text="The row as read.")

    class Meta:
        ordering = ["job", "row_number"]
        constraints = [
            models.UniqueConstraint(fields=["job", "row_number"], name="cxhub_import_rejection_row_uniq"),
        ]

    def __str__(self) -> str:
        return f"row {self.row_number} of import {self.job_id}"

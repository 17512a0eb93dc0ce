"""Thin Celery wrappers around the invitation services. Beat runs the sender; each run handles one
bounded batch and queues itself again when the batch was full."""

from __future__ import annotations

import datetime as dt

from celery import shared_task
from django.conf import settings
from django.utils import timezone

from feedback.invitations import due_invitations, invitation_send, invitations_expire, invite_segment
from feedback.models import Survey
from journeys.models import Touchpoint

RETRY = {"autoretry_for": (Exception,), "retry_backoff": True, "retry_backoff_max": 300, "max_retries": 5}


def _when(at: str | None) -> dt.datetime:
    """The moment a run acts as of: now, or an ISO time (so tests and back-fills are exact)."""
    return dt.datetime.fromisoformat(at) if at else timezone.now()


@shared_task(**RETRY)
def send_due_invitations(at: str | None = None) -> dict[str, int]:
    """E-mail scheduled invitations whose time has come, and expire the stale ones.

    Safe to run twice at once: each invitation is claimed by a conditional update, so a run that
    loses the race for it sends nothing. Sent or skipped invitations leave the due list, so the next
    batch is simply the next query.
    """
    now = _when(at)
    expired = invitations_expire(at=now, limit=settings.INVITATION_BATCH_SIZE)
    ids = list(due_invitations(at=now).values_list("pk", flat=True)[: settings.INVITATION_BATCH_SIZE])
    outcomes: dict[str, int] = {"due": len(ids), "sent": 0, "skipped": 0, "expired": expired, "nothing": 0}
    for invitation_id in ids:
        outcome = invitation_send(invitation_id=invitation_id, at=now)
        outcomes[outcome] = outcomes.get(outcome, 0) + 1
    if len(ids) == settings.INVITATION_BATCH_SIZE and outcomes["nothing"] < len(ids):
        send_due_invitations.delay(at=at)
    return outcomes


@shared_task(**RETRY)
def invite_segment_task(survey_id: int, segment: str, touchpoint_id: int | None = None) -> dict[str, object]:
    """A manager's batch to a segment, off the request; the service commits batch by batch."""
    survey = Survey.objects.filter(pk=survey_id).first()
    if survey is None:
        return {"invited": 0, "skipped": {}}
    touchpoint = Touchpoint.objects.filter(pk=touchpoint_id).first() if touchpoint_id else None
    return invite_segment(survey=survey, segment=segment, touchpoint=touchpoint)

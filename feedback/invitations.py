"""Invitations to answer a survey: who is asked, when, by which link, and who is left alone.

Tokens. The link's token (`secrets.token_urlsafe(32)`, 256 random bits) is made when the e-mail is
sent: `invitation_send` claims the invitation and stores only the token's SHA-256 in the same
conditional update, then puts the token into the e-mail. It exists nowhere else, so the database alone
cannot answer for anyone. A new invitation holds the hash of a token nobody ever sees (the column is
unique and required), so a scheduled or skipped invitation has no working link.

Contact fatigue. A customer is invited at most once per `FeedbackSettings.contact_fatigue_days`,
across all surveys. It is decided twice, with the settings of the moment:
- at creation, against every invitation of the customer that is scheduled, sent or answered whose
  time (sent, else planned) lies within that many days of the new one's send time, before or after;
- at send time, against invitations actually sent or answered in the days before now (a manager may
  have lengthened the window since, or two invitations may have been scheduled under a shorter one).
An invitation refused either time is SKIPPED with a reason a manager can read, and is never sent. So is
one for a customer without an e-mail address. Each decision locks the customer's row first, so two
workers deciding for the same customer at once take turns.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import secrets
from dataclasses import dataclass, field
from functools import partial

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet
from django.db.models.functions import Coalesce
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext

from cxhub.exceptions import ConflictError, DomainError
from feedback.choices import Audience, InvitationStatus, InvitationTrigger
from feedback.models import FeedbackSettings, Invitation, Response, Survey, TicketSurveyRule, TouchpointEvent
from feedback.services import response_submit
from journeys.choices import Language
from journeys.models import Customer, Touchpoint
from tickets.models import Ticket

logger = logging.getLogger(__name__)

# Invitations that occupy a customer's contact window: planned, delivered, or answered.
COUNTING_STATUSES = (InvitationStatus.SCHEDULED, InvitationStatus.SENT, InvitationStatus.ANSWERED)
DELIVERED_STATUSES = (InvitationStatus.SENT, InvitationStatus.ANSWERED)
SKIP_NO_EMAIL = "no_email"
SKIP_FATIGUE = "fatigue"
SKIP_SURVEY_CLOSED = "survey_closed"


def token_hash(token: str) -> str:
    """What the database keeps of a link's token. The same work for any input, valid or not."""
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def _new_token() -> tuple[str, str]:
    token = secrets.token_urlsafe(32)
    return token, token_hash(token)


def invitation_link(token: str) -> str:
    """The public answer page of a token, on the site's public address (SITE_URL)."""
    return f"{settings.SITE_URL.rstrip('/')}/s/{token}/"


def localized(texts: object, language: str, default: str = "") -> str:
    """A {lang: text} of a survey definition in `language`, falling back to English, then to anything."""
    if isinstance(texts, str):
        return texts
    if not isinstance(texts, dict) or not texts:
        return default
    return str(texts.get(language) or texts.get(Language.EN) or next(iter(texts.values()), default) or default)


@dataclass(frozen=True)
class Skip:
    code: str  # SKIP_* (counted by invite_segment)
    reason: str  # for the manager, stored on the invitation


def _fatigue_skip(*, customer: Customer, at: dt.datetime, days: int, exclude_id: int | None,
                  statuses: tuple[str, ...], both_sides: bool) -> Skip | None:
    if days <= 0:
        return None
    window = dt.timedelta(days=days)
    others = (Invitation.objects.filter(customer=customer, status__in=statuses)
              .annotate(moment=Coalesce("sent_at", "send_at"))
              .filter(moment__gt=at - window))
    others = others.filter(moment__lt=at + window) if both_sides else others.filter(moment__lte=at)
    if exclude_id is not None:
        others = others.exclude(pk=exclude_id)
    other = others.order_by("-moment").values_list("moment", flat=True).first()
    if other is None:
        return None
    rule = f"at most once every {days} days"
    if other > at:
        return Skip(SKIP_FATIGUE, f"Another invitation is planned for {other:%Y-%m-%d} ({rule})")
    ago = (at - other).days
    when = "today" if ago == 0 else ("1 day ago" if ago == 1 else f"{ago} days ago")
    return Skip(SKIP_FATIGUE, f"Invited {when} ({rule})")


def _no_email_skip(customer: Customer) -> Skip | None:
    if (customer.email or "").strip():
        return None
    return Skip(SKIP_NO_EMAIL, "The customer has no e-mail address")


@dataclass
class InviteCounts:
    """What a batch did: invitations scheduled, and skipped ones by reason code."""

    invited: int = 0
    skipped: dict[str, int] = field(default_factory=dict)

    def add(self, skip: Skip | None) -> None:
        if skip is None:
            self.invited += 1
        else:
            self.skipped[skip.code] = self.skipped.get(skip.code, 0) + 1

    def as_dict(self) -> dict[str, object]:
        return {"invited": self.invited, "skipped": dict(self.skipped)}


def _create(*, survey: Survey, customer: Customer, touchpoint: Touchpoint, trigger: str,
            send_at: dt.datetime, ticket: Ticket | None) -> tuple[Invitation, Skip | None]:
    if trigger not in InvitationTrigger.values:
        raise DomainError(f"Unknown trigger {trigger!r}.", field="trigger")
    if survey.audience != Audience.CUSTOMERS:
        raise DomainError("Staff pulse surveys are not sent to customers.", field="survey")
    if ticket is not None and ticket.customer_id != customer.pk:
        raise DomainError("That ticket belongs to another customer.", field="ticket")
    Customer.objects.select_for_update().filter(pk=customer.pk).first()  # one decision at a time
    rules = FeedbackSettings.current()
    skip = _no_email_skip(customer) or _fatigue_skip(
        customer=customer, at=send_at, days=rules.contact_fatigue_days, exclude_id=None,
        statuses=COUNTING_STATUSES, both_sides=True)
    if skip is None and not survey.is_active:
        skip = Skip(SKIP_SURVEY_CLOSED, "The survey is closed")
    invitation = Invitation.objects.create(
        survey=survey, customer=customer, touchpoint=touchpoint, ticket=ticket, trigger=trigger,
        status=InvitationStatus.SKIPPED if skip else InvitationStatus.SCHEDULED,
        token_hash=_new_token()[1], language=customer.language if customer.language in Language.values
        else Language.EN, send_at=send_at,
        expires_at=send_at + dt.timedelta(days=rules.invitation_expiry_days),
        skip_reason=skip.reason if skip else "",
    )
    return invitation, skip


@transaction.atomic
def invitation_create(
    *,
    survey: Survey,
    customer: Customer,
    touchpoint: Touchpoint,
    trigger: str,
    send_at: dt.datetime | None = None,
    ticket: Ticket | None = None,
) -> Invitation:
    """Plan asking `customer` to answer `survey` at `send_at` (default now); expires after the
    configured number of days. A customer within the contact-fatigue window or without an e-mail
    address gets a SKIPPED invitation with the reason instead. Locks the customer's row."""
    return _create(survey=survey, customer=customer, touchpoint=touchpoint, trigger=trigger,
                   send_at=send_at or timezone.now(), ticket=ticket)[0]


# --- Triggers --------------------------------------------------------------------------------------


def ticket_rule_for(ticket: Ticket) -> TicketSurveyRule | None:
    """The first active rule by position whose team and touchpoint (empty: any) fit the ticket."""
    return (TicketSurveyRule.objects.filter(is_active=True, survey__is_active=True,
                                            survey__audience=Audience.CUSTOMERS)
            .filter(Q(team__isnull=True) | Q(team_id=ticket.team_id))
            .filter(Q(touchpoint__isnull=True) | Q(touchpoint_id=ticket.touchpoint_id))
            .select_related("survey__touchpoint", "touchpoint")
            .order_by("position", "id").first())


@transaction.atomic
def invitation_for_resolved_ticket(*, ticket: Ticket, at: dt.datetime) -> Invitation | None:
    """After a ticket's first resolution: invite its customer through the first matching rule, after
    the rule's delay. At most one invitation per ticket, however often it is resolved."""
    rule = ticket_rule_for(ticket)
    if rule is None:
        return None
    touchpoint = ticket.touchpoint or rule.touchpoint or rule.survey.touchpoint
    if touchpoint is None:
        return None  # an answer must be scored somewhere; neither the ticket nor the survey says where
    if Invitation.objects.filter(ticket=ticket, trigger=InvitationTrigger.TICKET_RESOLVED).exists():
        return None
    return invitation_create(survey=rule.survey, customer=ticket.customer, touchpoint=touchpoint,
                             trigger=InvitationTrigger.TICKET_RESOLVED, ticket=ticket,
                             send_at=at + dt.timedelta(minutes=rule.delay_minutes))


def on_ticket_resolved(sender: object, *, ticket: Ticket, at: dt.datetime, **kwargs: object) -> None:
    """Receiver of tickets.signals.ticket_resolved (connected in FeedbackConfig.ready)."""
    invitation_for_resolved_ticket(ticket=ticket, at=at)


def touchpoint_survey(touchpoint: Touchpoint) -> Survey | None:
    """The survey a touchpoint asks its customers: the newest active customer survey attached to it."""
    return (Survey.objects.filter(touchpoint=touchpoint, is_active=True, audience=Audience.CUSTOMERS)
            .order_by("-created_at", "-id").first())


@transaction.atomic
def touchpoint_event_record(
    *,
    touchpoint: Touchpoint,
    customer: Customer,
    kind: str,
    occurred_at: dt.datetime | None = None,
    external_id: str = "",
    data: dict[str, object] | None = None,
) -> TouchpointEvent:
    """Record something that happened to a customer at a touchpoint (a purchase, a delivery) and invite
    them to the touchpoint's survey. Idempotent by `external_id`: a replay returns the first event and
    invites nobody again."""
    kind = (kind or "").strip()
    if not kind:
        raise DomainError("Say what happened (kind).", field="kind")
    if len(kind) > 60:
        raise DomainError("The kind is too long (at most 60 characters).", field="kind")
    external_id = (external_id or "").strip()
    if len(external_id) > 100:
        raise DomainError("The external_id is too long (at most 100 characters).", field="external_id")
    if not touchpoint.is_active:
        raise DomainError("That touchpoint is no longer active.", field="touchpoint")
    if external_id:
        existing = TouchpointEvent.objects.filter(external_id=external_id).first()
        if existing is not None:
            return existing
    now = timezone.now()
    try:
        with transaction.atomic():
            event = TouchpointEvent.objects.create(
                touchpoint=touchpoint, customer=customer, kind=kind, external_id=external_id,
                occurred_at=occurred_at or now, data=data or {},
            )
    except IntegrityError:
        existing = TouchpointEvent.objects.filter(external_id=external_id).first() if external_id else None
        if existing is None:
            raise
        return existing  # a concurrent post of the same event won
    survey = touchpoint_survey(touchpoint)
    if survey is not None:
        event.invitation = invitation_create(survey=survey, customer=customer, touchpoint=touchpoint,
                                             trigger=InvitationTrigger.TOUCHPOINT_EVENT, send_at=now)
        event.save(update_fields=["invitation"])
    return event


@transaction.atomic
def invite_segment_batch(*, survey: Survey, segment: str, touchpoint: Touchpoint, after_id: int,
                         limit: int, send_at: dt.datetime) -> tuple[InviteCounts, int | None]:
    """Invite the next `limit` customers of a segment after `after_id`, in one transaction.
    Returns the counts and the last customer id seen (None when the segment is done)."""
    counts = InviteCounts()
    customers = list(Customer.objects.filter(segment=segment, pk__gt=after_id).order_by("pk")[:limit])
    for customer in customers:
        counts.add(_create(survey=survey, customer=customer, touchpoint=touchpoint,
                           trigger=InvitationTrigger.BATCH, send_at=send_at, ticket=None)[1])
    return counts, customers[-1].pk if len(customers) == limit else None


def invite_segment(
    *, survey: Survey, segment: str, touchpoint: Touchpoint | None = None, send_at: dt.datetime | None = None,
) -> dict[str, object]:
    """A manager's batch: invite every customer of `segment` to `survey` at `touchpoint` (default: the
    survey's). Returns {"invited": n, "skipped": {reason code: n}}.

    Not one transaction on purpose: each batch of INVITE_BATCH_SIZE customers commits on its own, so a
    large segment never holds thousands of customer locks; a batch that fails leaves the ones before it.
    """
    touchpoint = touchpoint or survey.touchpoint
    if touchpoint is None:
        raise DomainError("Say at which touchpoint the answers count.", field="touchpoint")
    segment = (segment or "").strip()
    if not segment:
        raise DomainError("Choose a segment.", field="segment")
    if not survey.is_active:
        raise DomainError("This survey is closed.", field="survey")
    send_at = send_at or timezone.now()
    total = InviteCounts()
    after_id: int | None = 0
    while after_id is not None:
        counts, after_id = invite_segment_batch(survey=survey, segment=segment, touchpoint=touchpoint,
                                                after_id=after_id, limit=settings.INVITE_BATCH_SIZE,
                                                send_at=send_at)
        total.invited += counts.invited
        for code, n in counts.skipped.items():
            total.skipped[code] = total.skipped.get(code, 0) + n
    return total.as_dict()


# --- Sending ---------------------------------------------------------------------------------------


def due_invitations(*, at: dt.datetime) -> QuerySet[Invitation]:
    """Scheduled invitations whose time has come, oldest first (index feedback_invite_due)."""
    return Invitation.objects.filter(status=InvitationStatus.SCHEDULED, send_at__lte=at).order_by("send_at", "id")


def invitation_email(*, invitation: Invitation, token: str) -> EmailMessage:
    """The invitation e-mail, written in the invitation's language."""
    with translation.override(invitation.language):
        version = invitation.survey.versions.filter(number=invitation.survey.version).first()
        title = localized((version.definition or {}).get("title") if version else None,
                          invitation.language, invitation.survey.name)
        context = {"customer": invitation.customer, "title": title, "link": invitation_link(token),
                   "expires_on": invitation.expires_at.date(), "touchpoint": invitation.touchpoint}
        subject = gettext("A quick question about your experience")
        body = render_to_string("feedback/public/invitation_email.txt", context)
    return EmailMessage(subject=subject, body=body, from_email=settings.DEFAULT_FROM_EMAIL,
                        to=[invitation.customer.email])


def _deliver(invitation_id: int, token: str) -> None:
    """Send the e-mail of a claimed invitation; a failure marks it FAILED (the link is then unknown)."""
    invitation = Invitation.objects.select_related("survey", "customer", "touchpoint").get(pk=invitation_id)
    try:
        invitation_email(invitation=invitation, token=token).send()
    except Exception as exc:  # any backend error: the invitation must not stay 'sent'
        logger.warning("Invitation %s could not be sent: %s", invitation_id, exc)
        Invitation.objects.filter(pk=invitation_id, status=InvitationStatus.SENT).update(
            status=InvitationStatus.FAILED, skip_reason=f"Sending failed: {exc}"[:200])


def invitation_send(*, invitation_id: int, at: dt.datetime | None = None) -> str:
    """Send one due invitation, at most once. Returns what happened: "sent", "skipped", "expired" or
    "nothing" (not due, gone, or claimed by another worker).

    The decision runs in a transaction that locks the customer's row, checks fatigue and the e-mail
    address again, and claims the invitation with a conditional update (status still SCHEDULED), which
    also stores the new token's hash; only the worker whose update changed the row sends. The e-mail
    leaves after that commits, so a rolled-back claim sends nothing; if it fails the invitation
    becomes FAILED.
    """
    at = at or timezone.now()
    with transaction.atomic():
        invitation = (Invitation.objects.select_related("survey", "customer")
                      .filter(pk=invitation_id, status=InvitationStatus.SCHEDULED, send_at__lte=at).first())
        if invitation is None:
            return "nothing"
        Customer.objects.select_for_update().filter(pk=invitation.customer_id).first()
        pending = Invitation.objects.filter(pk=invitation_id, status=InvitationStatus.SCHEDULED)
        if invitation.expires_at <= at:
            return "expired" if pending.update(status=InvitationStatus.EXPIRED) else "nothing"
        skip = _no_email_skip(invitation.customer) or _fatigue_skip(
            customer=invitation.customer, at=at, days=FeedbackSettings.current().contact_fatigue_days,
            exclude_id=invitation_id, statuses=DELIVERED_STATUSES, both_sides=False)
        if skip is None and not invitation.survey.is_active:
            skip = Skip(SKIP_SURVEY_CLOSED, "The survey is closed")
        if skip is not None:
            claimed = pending.update(status=InvitationStatus.SKIPPED, skip_reason=skip.reason)
            return "skipped" if claimed else "nothing"
        token, hashed = _new_token()
        if not pending.update(status=InvitationStatus.SENT, sent_at=at, token_hash=hashed):
            return "nothing"  # another worker claimed it between our read and our update
        transaction.on_commit(partial(_deliver, invitation_id, token))
    return "sent"


def invitations_expire(*, at: dt.datetime, limit: int) -> int:
    """Mark up to `limit` sent or scheduled invitations past their expiry as EXPIRED; returns how many."""
    ids = list(Invitation.objects.filter(status__in=(InvitationStatus.SCHEDULED, InvitationStatus.SENT),
                                         expires_at__lte=at).order_by("expires_at", "id")
               .values_list("pk", flat=True)[:limit])
    return Invitation.objects.filter(
        pk__in=ids, status__in=(InvitationStatus.SCHEDULED, InvitationStatus.SENT)
    ).update(status=InvitationStatus.EXPIRED)


# --- Answering -------------------------------------------------------------------------------------


def invitation_by_token(token: str) -> Invitation | None:
    """The invitation a link's token opens, or None. One hash and one indexed lookup for any token, so
    a wrong guess costs and tells the same as a near miss."""
    return (Invitation.objects.select_related("survey", "customer", "touchpoint", "ticket")
            .filter(token_hash=token_hash(token)).first())


def invitation_state(invitation: Invitation, *, at: dt.datetime) -> str:
    """What the public page should do: "open", "answered", "expired" or "closed"."""
    if invitation.status == InvitationStatus.ANSWERED or invitation.answered_at is not None:
        return "answered"
    if invitation.status == InvitationStatus.EXPIRED or invitation.expires_at <= at:
        return "expired"
    if invitation.status != InvitationStatus.SENT or not invitation.survey.is_active:
        return "closed"
    return "open"


@transaction.atomic
def invitation_answer(
    *,
    invitation: Invitation,
    score: int,
    comment: str = "",
    answers: dict[str, object] | None = None,
    at: dt.datetime | None = None,
) -> Response:
    """Record the answer given through an invitation's link, once.

    Locks the invitation row, so a double submit (or two tabs) waits for the first and then finds it
    answered (ConflictError); the one-to-one Response.invitation is the last guard. The response, its
    experience signal and the invitation's ANSWERED state commit together.
    """
    at = at or timezone.now()
    invitation = Invitation.objects.select_for_update(of=("self",)).select_related(
        "survey", "customer", "touchpoint", "ticket").get(pk=invitation.pk)
    state = invitation_state(invitation, at=at)
    if state == "answered" or Response.objects.filter(invitation=invitation).exists():
        raise ConflictError("This invitation has been answered already.", code="answered")
    if state != "open":
        raise ConflictError("This invitation can no longer be answered.", code=state)
    response = response_submit(
        survey=invitation.survey, customer=invitation.customer, score=score, comment=comment,
        touchpoint=invitation.touchpoint, ticket=invitation.ticket, language=invitation.language,
        answered_at=at, answers=answers or {},
    )
    response.invitation = invitation
    response.save(update_fields=["invitation"])
    invitation.status = InvitationStatus.ANSWERED
    invitation.answered_at = at
    invitation.save(update_fields=["status", "answered_at"])
    return response

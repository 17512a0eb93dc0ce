"""The closed loop: a low answer becomes a follow-up ticket, and its resolution closes the loop.

Services: `loop_open` (called at the end of response_submit), `loop_close` (called when tickets sends
`ticket_resolved`, wired in FeedbackConfig.ready). Also the ticket facts frozen into a response's
signal (`frozen_ticket_context`). Selectors: `loop_measures` per touchpoint or journey over a window.
"""

from __future__ import annotations

import datetime as dt
import logging
import statistics
from dataclasses import dataclass
from functools import partial
from typing import Any

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet, Subquery
from django.urls import reverse
from django.utils import timezone

from feedback.choices import Audience, SurveyKind
from feedback.models import Response
from journeys.models import Journey, Touchpoint
from journeys.selectors import Window
from tickets.choices import Priority, SlaStatus
from tickets.models import Category, Ticket
from tickets.services import ticket_create, ticket_reply
from tickets.services.sla import ticket_sla_state

logger = logging.getLogger(__name__)

# An answer at or below this opens a follow-up: NPS detractors (0-6), CSAT 1-2, CES 1-2.
LOW_ANSWER_MAX: dict[str, int] = {SurveyKind.NPS: 6, SurveyKind.CSAT: 2, SurveyKind.CES: 2}

# Follow-up tickets carry this category, so queues can filter them and routing rules can send them to
# a team of their own. Created on first use; a manager who deactivates it opts out of the category.
FOLLOW_UP_CATEGORY = "Feedback follow-up"

BY_TOUCHPOINT = "touchpoint"
BY_JOURNEY = "journey"
_GROUP_KEYS = {BY_TOUCHPOINT: "touchpoint_id", BY_JOURNEY: "touchpoint__stage__journey_id"}


def is_low_answer(*, kind: str, score: int) -> bool:
    """Whether an answer of this kind and score asks for a follow-up."""
    limit = LOW_ANSWER_MAX.get(kind)
    return limit is not None and score <= limit


def low_answer_q(prefix: str = "") -> Q:
    """The low answers as a filter (on Response, or through `prefix` on a related model)."""
    q = Q()
    for kind, limit in LOW_ANSWER_MAX.items():
        q |= Q(**{f"{prefix}survey__kind": kind, f"{prefix}score__lte": limit})
    return q


# --- Frozen context ----------------------------------------------------------------------------------

SLA_MET = "met"
SLA_BREACHED = "breached"
SLA_AT_RISK = "at_risk"
SLA_ON_TRACK = "on_track"


def ticket_sla_word(*, ticket: Ticket, at: dt.datetime) -> str:
    """The ticket's SLA standing at `at`: met or breached once resolved, else at risk or on track.

    Replayed from the ticket's history up to `at` (tickets.services.sla), so an answer recorded late or
    backdated still sees the SLA as it stood when the customer answered.
    """
    state = ticket_sla_state(ticket=ticket, at=max(at, ticket.created_at))
    if state.status == SlaStatus.BREACHED:
        return SLA_BREACHED
    if state.resolution.done_at is not None:
        return SLA_MET
    if state.status == SlaStatus.AT_RISK:
        return SLA_AT_RISK
    return SLA_ON_TRACK


def frozen_ticket_context(*, ticket: Ticket | None, touchpoint: Touchpoint, at: dt.datetime) -> dict[str, Any]:
    """What a response's signal keeps about where and with whom the experience happened, at answer time.

    Later reassignment, re-resolution or a move to another touchpoint do not change it: the signal is
    written once (keyed by the response) and never updated.
    """
    context: dict[str, Any] = {
        "touchpoint_id": touchpoint.pk,
        "ticket_id": None, "ticket_team_id": None, "ticket_assignee_id": None,
        "ticket_touchpoint_id": None, "ticket_status": None, "ticket_sla": None,
    }
    if ticket is not None:
        context.update({
            "ticket_id": ticket.pk, "ticket_team_id": ticket.team_id, "ticket_assignee_id": ticket.assignee_id,
            "ticket_touchpoint_id": ticket.touchpoint_id, "ticket_status": ticket.status,
            "ticket_sla": ticket_sla_word(ticket=ticket, at=at),
        })
    return context


# --- Opening and closing -----------------------------------------------------------------------------


def _send_alert(subject: str, body: str, to: str, response_id: int) -> None:
    # Runs after commit: a mail server that refuses must not undo or fail the customer's answer.
    try:
        send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [to])
    except Exception:  # any backend error: log it, the ticket is the durable record
        logger.exception("Closed loop: the alert for response %s to %s was not sent", response_id, to)


def _alert_owner(response: Response, ticket: Ticket) -> None:
    touchpoint = response.touchpoint
    team = touchpoint.owner_team
    if team is None or not team.email:
        reason = "has no owning team" if team is None else f"is owned by {team.name}, which has no e-mail"
        logger.info("Closed loop: no alert for response %s: touchpoint %r %s", response.pk, touchpoint.name,
                    reason)
        return
    kind = response.survey.kind.upper()
    subject = f"Low {kind} answer at {touchpoint.name}: follow-up ticket #{ticket.pk}"
    body = (f"{response.customer.name} answered {response.score} (scale {response.scale_min}-"
            f"{response.scale_max}) to \"{response.survey.name}\" at {touchpoint.name}.\n\n"
            f"Comment: {response.comment or '(none)'}\n\n"
            f"Follow-up ticket #{ticket.pk} is open with high priority, routed to "
            f"{ticket.team.name if ticket.team else 'no team yet'}:\n"
            f"{settings.SITE_URL.rstrip('/')}{reverse('tickets:detail', args=[ticket.pk])}\n")
    transaction.on_commit(partial(_send_alert, subject, body, team.email, response.pk))


@transaction.atomic
def loop_open(*, response: Response) -> Ticket | None:
    """Open the follow-up of a low customer answer; None when the answer does not need one.

    The ticket goes through the normal routing rules (no team or assignee is chosen here) with high
    priority at the response's touchpoint, dated at the answer (an answer imported late is owed a
    follow-up since it was given); an internal note points back to the response; the
    touchpoint's owning team is e-mailed after commit. A response is followed up at most once.
    """
    survey = response.survey
    if (survey.audience != Audience.CUSTOMERS or response.follow_up_ticket_id is not None
            or not is_low_answer(kind=survey.kind, score=response.score)):
        return None
    touchpoint = response.touchpoint
    kind = survey.kind.upper()
    body = (f"{kind} answer {response.score} (scale {response.scale_min}-{response.scale_max}) to "
            f"\"{survey.name}\".\n\n{response.comment or '(The customer left no comment.)'}")
    category, _ = Category.objects.get_or_create(name=FOLLOW_UP_CATEGORY)
    ticket = ticket_create(
        customer=response.customer, subject=f"Follow up: {kind} {response.score} at {touchpoint.name}"[:200],
        category=category if category.is_active else None,
        body=body, actor=None, touchpoint=touchpoint, priority=Priority.HIGH,
        at=response.answered_at,  # the follow-up is owed from the moment the customer answered
    )
    response.follow_up_ticket = ticket
    response.save(update_fields=["follow_up_ticket"])
    ticket_reply(
        ticket=ticket, author=None, internal=True,  # type: ignore[arg-type]  # written by the system
        at=response.answered_at,
        body=(f"Closed-loop follow-up of feedback response #{response.pk} ({kind} {response.score}, "
              f"answered {timezone.localtime(response.answered_at):%Y-%m-%d %H:%M}): "
              f"{reverse('feedback:response', args=[response.pk])}. Resolving this ticket closes the loop."),
    )
    _alert_owner(response, ticket)
    return ticket


@transaction.atomic
def loop_close(*, ticket: Ticket) -> int:
    """Mark the loops this follow-up ticket opened as closed, at its first resolution. Returns how many.

    Idempotent: a loop is closed once; resolving the ticket again does not move the time.
    """
    closed_at = ticket.first_resolved_at or timezone.now()
    return Response.objects.filter(follow_up_ticket_id=ticket.pk, loop_closed_at__isnull=True).update(
        loop_closed_at=closed_at)


def on_ticket_resolved(sender: object, *, ticket: Ticket, **kwargs: object) -> None:
    """Receiver of tickets.signals.ticket_resolved: re-fetch (the sender's copy may be stale), close."""
    fresh = Ticket.objects.filter(pk=ticket.pk, first_resolved_at__isnull=False).first()
    if fresh is not None:
        loop_close(ticket=fresh)


# --- Measures ----------------------------------------------------------------------------------------


def window_bounds(window: Window) -> tuple[dt.datetime, dt.datetime]:
    """[start, end) of a window of whole local days."""
    tz = timezone.get_current_timezone()
    start = dt.datetime.combine(window.start, dt.time.min, tzinfo=tz)
    end = dt.datetime.combine(window.end + dt.timedelta(days=1), dt.time.min, tzinfo=tz)
    return start, end


@dataclass
class LoopFigures:
    """The closed loop of one touchpoint or journey over a window."""

    key: int
    label: str
    journey: str
    detractors: int = 0  # low answers in the window
    opened: int = 0
    closed: int = 0
    median_hours: float | None = None
    low_customers: int = 0  # customers with a low answer in the window
    recovered: int = 0  # ... whose next answer of the same kind in the same place is better

    @property
    def recovery_rate(self) -> float | None:
        """Share (0-100) of customers with a low answer whose next answer is better."""
        return round(100 * self.recovered / self.low_customers, 1) if self.low_customers else None

    @property
    def still_open(self) -> int:
        return self.opened - self.closed


def _customer_answers() -> QuerySet[Response]:
    return Response.objects.filter(survey__audience=Audience.CUSTOMERS)


def _same_place(by: str) -> Q:
    if by == BY_TOUCHPOINT:
        return Q(touchpoint_id=OuterRef("touchpoint_id"))
    return Q(touchpoint__stage__journey_id=OuterRef("touchpoint__stage__journey_id"))


def loop_measures(*, window: Window, by: str = BY_TOUCHPOINT) -> list[LoopFigures]:
    """Detractors, loops opened and closed, median hours to close and recovery, per touchpoint or journey.

    Counts and recovery are computed in the database (one grouped query each). The median runs in
    Python over the closed loops' durations, because SQLite has no percentile aggregate; it reads two
    timestamps per closed loop in the window.

    Recovery: for each customer, their first low answer in the window at that touchpoint (or in that
    journey) is compared with their next answer to a survey of the same kind in the same place (at any
    later time); the customer recovered when that answer is higher. Customers who have not answered
    again count as not recovered.
    """
    if by not in _GROUP_KEYS:
        raise ValueError(f"Group by {BY_TOUCHPOINT!r} or {BY_JOURNEY!r}, not {by!r}.")
    key = _GROUP_KEYS[by]
    start, end = window_bounds(window)
    low = _customer_answers().filter(low_answer_q(), answered_at__gte=start, answered_at__lt=end)

    figures: dict[int, dict[str, Any]] = {}
    counts = (low.values(key).annotate(
        detractors=Count("id"),
        opened=Count("id", filter=Q(follow_up_ticket__isnull=False)),
        closed=Count("id", filter=Q(loop_closed_at__isnull=False)),
    ).order_by())
    for row in counts:
        figures[row.pop(key)] = row

    durations: dict[int, list[float]] = {}
    for group, answered, closed in low.filter(loop_closed_at__isnull=False).values_list(
            key, "answered_at", "loop_closed_at"):
        durations.setdefault(group, []).append((closed - answered).total_seconds() / 3600)

    place = _same_place(by)
    later = (_customer_answers().filter(place, customer_id=OuterRef("customer_id"),
                                        survey__kind=OuterRef("survey__kind"))
             .filter(Q(answered_at__gt=OuterRef("answered_at"))
                     | Q(answered_at=OuterRef("answered_at"), id__gt=OuterRef("id")))
             .order_by("answered_at", "id"))
    earlier_low = (low.filter(place, customer_id=OuterRef("customer_id"))
                   .filter(Q(answered_at__lt=OuterRef("answered_at"))
                           | Q(answered_at=OuterRef("answered_at"), id__lt=OuterRef("id"))))
    recovery = (low.annotate(next_score=Subquery(later.values("score")[:1]))
                .filter(~Exists(earlier_low))
                .values(key)
                .annotate(low_customers=Count("customer_id", distinct=True),
                          recovered=Count("customer_id", distinct=True, filter=Q(next_score__gt=F("score"))))
                .order_by())
    for row in recovery:
        figures.setdefault(row[key], {}).update(low_customers=row["low_customers"], recovered=row["recovered"])

    if by == BY_TOUCHPOINT:
        places = {tp.pk: (tp.name, tp.stage.journey.name) for tp in
                  Touchpoint.objects.filter(pk__in=figures).select_related("stage__journey")}
    else:
        places = {j.pk: (j.name, j.name) for j in Journey.objects.filter(pk__in=figures)}
    result = []
    for group, row in figures.items():
        label, journey = places.get(group, ("(removed)", ""))
        hours = durations.get(group)
        result.append(LoopFigures(key=group, label=label, journey=journey,
                                  median_hours=round(statistics.median(hours), 1) if hours else None, **row))
    return sorted(result, key=lambda f: (f.journey, f.label, f.key))


def loop_open_tickets() -> QuerySet[Ticket]:
    """Follow-up tickets whose loop is still open, oldest first (the loop page lists them)."""
    return (Ticket.objects.filter(follow_up_of__isnull=False, follow_up_of__loop_closed_at__isnull=True)
            .select_related("customer", "touchpoint", "team", "assignee").distinct().order_by("created_at", "id"))

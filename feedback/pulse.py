"""Employee pulse: an anonymous staff eNPS survey, its invitations and its report.

Anonymity by construction. A PulseInvitation says who was asked and whether they have answered; a
PulseAnswer holds the score, the comment and the Monday of the week, and nothing that links it to a
person or an invitation: no user, no invitation id, no exact time. Answering marks the invitation
used and creates the answer in one transaction, so an answer exists exactly when a right was spent,
but the two rows cannot be joined. The report shows nothing while fewer than MIN_ANSWERS_SHOWN have
answered, and lists comments in alphabetical order, not in the order they came in. Staff answers
record no experience signals: the ledger is about customers.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import secrets
from dataclasses import dataclass, field
from functools import partial

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.db.models import Count, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_noop

from cxhub.exceptions import ConflictError, DomainError
from cxhub.models import Team
from feedback.choices import Audience, SurveyKind
from feedback.models import PulseAnswer, PulseInvitation, Survey
from feedback.services import survey_create

logger = logging.getLogger(__name__)

# Stored in English in the survey (gettext_noop leaves it as it is); the answer page translates it.
PULSE_QUESTION = gettext_noop("How likely are you to recommend working here?")
MIN_ANSWERS_SHOWN = 5  # below this, figures and comments could point at a person
COMMENT_MAX = 2000


def pulse_token_hash(token: str) -> str:
    """What the database keeps of a pulse link's token."""
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def pulse_link(token: str) -> str:
    return f"{settings.SITE_URL.rstrip('/')}/pulse/{token}/"


def week_of(day: dt.date) -> dt.date:
    """The Monday of the day's week."""
    return day - dt.timedelta(days=day.weekday())


@transaction.atomic
def pulse_survey_create(*, name: str) -> Survey:
    """A staff pulse: an NPS survey asking how likely staff are to recommend working here."""
    if not (name or "").strip():
        raise DomainError("Give the pulse a name.", field="name")
    survey = survey_create(name=name, kind=SurveyKind.NPS, question=PULSE_QUESTION)
    survey.audience = Audience.STAFF
    survey.save(update_fields=["audience"])
    return survey


def _send_invitation(to: str, subject: str, body: str) -> None:
    # After commit: a refusing mail server must not undo the other invitations of the batch.
    try:
        send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [to])
    except Exception:  # any backend error: log it; the manager can see who has not answered
        logger.exception("Pulse: an invitation e-mail to %s was not sent", to)


@dataclass
class PulseInviteResult:
    invited: int = 0
    already_invited: int = 0
    without_email: list[str] = field(default_factory=list)


@transaction.atomic
def pulse_invite(*, survey: Survey, team: Team | None = None) -> PulseInviteResult:
    """Invite every active user (of `team`, when given) not invited yet; each gets a one-time link by
    e-mail after commit. The token exists only in the e-mail; the database keeps its SHA-256.

    People without an e-mail address are not invited (they could not receive the link) and are listed.
    """
    if survey.audience != Audience.STAFF:
        raise DomainError("Only a staff pulse survey invites staff.", field="survey")
    if not survey.is_active:
        raise ConflictError("This pulse is closed.", field="survey")
    people = get_user_model().objects.filter(is_active=True)
    if team is not None:
        people = people.filter(teams=team)
    invited = set(PulseInvitation.objects.filter(survey=survey).values_list("user_id", flat=True))
    result = PulseInviteResult()
    for person in people.order_by("pk"):
        if person.pk in invited:
            result.already_invited += 1
            continue
        if not person.email:
            result.without_email.append(person.get_username())
            continue
        token = secrets.token_urlsafe(32)
        try:
            with transaction.atomic():
                PulseInvitation.objects.create(survey=survey, user=person, token_hash=pulse_token_hash(token))
        except IntegrityError:  # invited by a concurrent run
            result.already_invited += 1
            continue
        body = (f"Hello,\n\nHow likely are you to recommend working here? Tell us in one click:\n\n"
                f"{pulse_link(token)}\n\nYour answer is anonymous: it is stored without your name or the "
                "time you answered, and results are shown only once at least "
                f"{MIN_ANSWERS_SHOWN} colleagues have answered. The link works once.\n")
        transaction.on_commit(partial(_send_invitation, person.email, survey.name, body))
        result.invited += 1
    return result


def pulse_invitation_for_token(*, token: str) -> PulseInvitation | None:
    """The unused invitation of a token, or None (unknown, used, or its survey closed)."""
    return (PulseInvitation.objects.select_related("survey")
            .filter(token_hash=pulse_token_hash(token or ""), used=False, survey__is_active=True,
                    survey__audience=Audience.STAFF).first())


@transaction.atomic
def pulse_answer(*, token: str, score: int, comment: str = "", today: dt.date | None = None) -> PulseAnswer:
    """Spend a pulse link on one anonymous answer. A link answers once; reuse raises ConflictError.

    The invitation is claimed with a conditional update (used=False -> True) in the same transaction
    that creates the answer: two submissions racing on one link cannot both succeed, and a failure
    leaves the link unused. The answer keeps no reference to the invitation or the person.
    """
    if isinstance(score, bool) or not isinstance(score, int) or not 0 <= score <= 10:
        raise DomainError("Choose a score from 0 to 10.", field="score")
    comment = (comment or "").strip()
    if len(comment) > COMMENT_MAX:
        raise DomainError(f"Keep the comment under {COMMENT_MAX} characters.", field="comment")
    digest = pulse_token_hash(token or "")
    invitation = (PulseInvitation.objects.filter(token_hash=digest, survey__audience=Audience.STAFF)
                  .select_related("survey").first())
    if invitation is None:
        raise DomainError("This link is not valid.", field="token")
    if not invitation.survey.is_active:
        raise ConflictError("This pulse is closed.", field="token")
    claimed = PulseInvitation.objects.filter(pk=invitation.pk, used=False).update(used=True)
    if not claimed:
        raise ConflictError("This link has been used already: each person answers once.", field="token")
    return PulseAnswer.objects.create(survey=invitation.survey, score=score, comment=comment,
                                      week=week_of(today or timezone.localdate()))


def pulse_survey_list() -> QuerySet[Survey]:
    """Staff pulse surveys with their invited and answered counts, newest first."""
    return (Survey.objects.filter(audience=Audience.STAFF)
            .annotate(invited=Count("pulse_invitations", distinct=True),
                      answered=Count("pulse_answers", distinct=True))
            .order_by("-created_at", "-id"))


@dataclass(frozen=True)
class PulseReport:
    """A pulse's results; `shown` is False (and the figures empty) below MIN_ANSWERS_SHOWN answers."""

    survey: Survey
    invited: int
    answered: int | None  # None while hidden: even the count is held back until there are enough
    shown: bool
    promoters: int = 0
    passives: int = 0
    detractors: int = 0
    comments: tuple[str, ...] = ()

    @property
    def enps(self) -> int | None:
        """Promoters (9-10) minus detractors (0-6), as whole percentage points of all answers."""
        if not self.shown or not self.answered:  # shown implies answered >= MIN_ANSWERS_SHOWN
            return None
        return round(100 * (self.promoters - self.detractors) / self.answered)

    @property
    def response_rate(self) -> int | None:
        return round(100 * self.answered / self.invited) if self.invited and self.answered else None


def pulse_report(*, survey: Survey) -> PulseReport:
    """eNPS, answered vs invited, and the comments with nothing that identifies anyone."""
    invited = PulseInvitation.objects.filter(survey=survey).count()
    counts = PulseAnswer.objects.filter(survey=survey).aggregate(
        answered=Count("id"), promoters=Count("id", filter=Q(score__gte=9)),
        passives=Count("id", filter=Q(score__in=(7, 8))), detractors=Count("id", filter=Q(score__lte=6)))
    answered = counts["answered"]
    if answered < MIN_ANSWERS_SHOWN:
        return PulseReport(survey=survey, invited=invited, answered=None, shown=False)
    comments = tuple(PulseAnswer.objects.filter(survey=survey).exclude(comment="")
                     .order_by("comment").values_list("comment", flat=True))
    return PulseReport(survey=survey, invited=invited, answered=answered, shown=True,
                       promoters=counts["promoters"], passives=counts["passives"],
                       detractors=counts["detractors"], comments=comments)


def pulse_survey_get(*, pk: int) -> Survey:
    """A staff pulse survey. Raises Survey.DoesNotExist for any other survey."""
    return Survey.objects.get(pk=pk, audience=Audience.STAFF)


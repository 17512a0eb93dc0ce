"""Demo data: a CX program with two journeys, customers, tickets and survey answers over the last N days.

Everything that carries a rule is written through the services the app itself uses (tickets.services,
feedback.services, journeys.services.signal_record), backdated with their `at=` / `answered_at=`
arguments, so the demo exercises the same rules as real use. Teams, users, customers and the program
structure have no write services and are created with the ORM. Signals are recorded with rollups
deferred and the daily score components are recomputed once at the end.

Deterministic: every random draw comes from `random.Random` seeded with the seed and a phase name, the
structure is read from tuples, and all times hang off an anchor (today's midnight in the current time
zone), so two runs with the same seed on the same day give identical data.
"""

from __future__ import annotations

import datetime as dt
import math
import random
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Protocol, TypeVar

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import AbstractUser, Group
from django.db import transaction
from django.db.models import Count, ProtectedError, Q
from django.utils import timezone

from cxhub import roles
from cxhub.demo import texts
from cxhub.demo.plans import build_plans
from cxhub.exceptions import DomainError
from cxhub.models import Team
from feedback.choices import SCALES, SurveyKind
from feedback.models import Response, Survey
from feedback.services import response_submit, survey_create
from journeys.alerts import alerts_evaluate
from journeys.analysis import analysis_refresh
from journeys.choices import Channel
from journeys.health import health_recompute
from journeys.models import (
    Customer,
    ExperienceSignal,
    Journey,
    Program,
    ScoreComponentDaily,
    Stage,
    Touchpoint,
)
from journeys.rollup import recompute_all
from journeys.services import rollups_deferred
from tickets import sla
from tickets.choices import CustomFieldKind, Priority, Status
from tickets.models import (
    BusinessCalendar,
    BusinessHours,
    CannedResponse,
    Category,
    CustomField,
    Holiday,
    ResolutionCode,
    RoutingRule,
    SlaPolicy,
    Ticket,
)
from tickets.services import (
    ticket_add_customer_message,
    ticket_assign,
    ticket_change_status,
    ticket_create,
    ticket_reply,
    ticket_resolve,
    ticket_set_resolution_code,
)

DEMO_PROGRAM = "Customers for life"
DEMO_PURPOSE = (
    "Excellent service is an investment in lifetime relationships, not a cost. Every team, from the "
    "showroom to billing, works so that customers leave every touchpoint trusting us more than when "
    "they arrived, and we measure each touchpoint to see at once where expectations are met and where not."
)
CUSTOMER_ID_PREFIX = "DEMO-"  # external_id of demo customers; also how --reset finds them
TICKET_ID_PREFIX = "DEMO-T"
SUPPORT_SURVEY = "CSAT after support"
PASSWORD = "cxhub-demo"
URL = "http://127.0.0.1:8000/"

T = TypeVar("T")

DEFAULT_DAYS = 90
DEFAULT_CUSTOMERS = 250

ANSWER_RATE = 0.6  # chance a visit's survey is answered
COMMENT_RATE = 0.35  # chance an answer carries a comment
SUPPORT_CSAT_RATE = 0.5  # chance a resolved ticket's customer answers the support survey


class DemoError(DomainError):
    """The demo cannot be built as asked (e.g. it exists already)."""


# --- The program, as data ----------------------------------------------------------------------------


@dataclass(frozen=True)
class TouchpointSpec:
    name: str
    channel: str
    team: str
    quality: float  # how good the experience is at the start of the period, 0..1
    trend: float = 0.0  # how much the quality changes over the period (+ improving, - worsening)
    surveys: tuple[str, ...] = (SurveyKind.CSAT,)
    ticket_rate: float = 0.05  # chance a visit turns into a ticket, scaled up as quality drops
    visit_chance: float = 1.0  # chance a customer in this stage meets this touchpoint
    target: int = 75
    weight: str = "1"
    urgent: bool = False  # tickets here are mostly high or urgent priority
    subjects: tuple[str, ...] = ("Question about my visit",)
    description: str = ""


@dataclass(frozen=True)
class StageSpec:
    name: str
    description: str
    after: tuple[int, int]  # days after the previous stage the customer reached
    touchpoints: tuple[TouchpointSpec, ...]
    reach: float = 1.0  # chance a customer gets this far (the funnel); below it, the journey ends
    optional: bool = False  # an optional stage is skipped, not the end of the journey
    repeat: tuple[int, int] | None = None  # recurring stage: days between visits
    entry: float = 0.0  # chance a customer joins the journey here (e.g. an existing car owner)


@dataclass(frozen=True)
class JourneySpec:
    name: str
    description: str
    lead_days: int  # customers may have started this many days before the period
    segments: tuple[tuple[str, float], ...]
    stages: tuple[StageSpec, ...]


@dataclass(frozen=True)
class UserSpec:
    username: str
    first_name: str
    last_name: str
    role: str
    teams: tuple[str, ...] = ()
    is_staff: bool = False


TEAMS: tuple[tuple[str, str], ...] = (
    ("Showroom", "showroom@example.com"),
    ("Service centre", "service@example.com"),
    ("Customer care", "care@example.com"),
    ("Billing", "billing@example.com"),
    ("Digital", "digital@example.com"),
)

# What each team's tickets are usually about (routing rules and reports group by it).
TEAM_CATEGORIES: dict[str, str] = {
    "Showroom": "Sales and offers",
    "Service centre": "Repair and maintenance",
    "Customer care": "Delivery and orders",
    "Billing": "Billing and payment",
    "Digital": "Account and access",
}
RESOLUTION_CODES = ("Fixed", "Explained", "Goodwill gesture", "Refund", "No fault found")
# Business-hour calendars (Athens time) and the SLA targets per priority, in business minutes:
# (first response, next response, resolution).
SLA_TARGETS: dict[str, tuple[int, int, int]] = {
    Priority.URGENT: (30, 60, 240),
    Priority.HIGH: (120, 240, 720),
    Priority.NORMAL: (240, 480, 1440),
    Priority.LOW: (480, 960, 2880),
}
HOLIDAYS = ((12, 25, "Christmas Day"), (12, 26, "Synaxis of the Mother of God"), (1, 1, "New Year's Day"),
            (1, 6, "Epiphany"), (3, 25, "Independence Day"), (8, 15, "Assumption"), (10, 28, "Ochi Day"))
CANNED = (
    ("Thanks for your patience",
     "Dear {customer_name},\n\nthank you for your patience while we looked into {ticket_number}. "
     "Here is what we found:\n\n\nKind regards,\n{agent_name}"),
    ("Asking for details",
     "Dear {customer_name},\n\nto help you with {ticket_number} we need a little more information: "
     "\n\nThank you,\n{agent_name}"),
    ("Solved, please confirm",
     "Dear {customer_name},\n\nwe believe {ticket_number} is solved. If anything is still not right, "
     "just reply to this message and we will pick it up again.\n\n{agent_name}"),
)

USERS: tuple[UserSpec, ...] = (
    UserSpec("manager", "Alex", "Morgan", roles.CX_MANAGER, is_staff=True),
    UserSpec("agent", "Eleni", "Georgiou", roles.SUPPORT_AGENT, ("Customer care", "Billing")),
    UserSpec("minh", "Minh", "Trần", roles.SUPPORT_AGENT, ("Showroom", "Service centre")),
    UserSpec("sara", "Sara", "Ahmadi", roles.SUPPORT_AGENT, ("Customer care", "Digital")),
    UserSpec("lead", "Nikos", "Pappas", roles.TEAM_LEAD, ("Customer care", "Billing")),
    UserSpec("admin", "Ava", "Karimi", roles.ADMINISTRATOR),
)

NPS, CSAT, CES = SurveyKind.NPS, SurveyKind.CSAT, SurveyKind.CES

CAR_JOURNEY = JourneySpec(
    name="Buying a car",
    description="From the first look at the brand to years of service visits: the dealership journey.",
    lead_days=60,
    segments=(("retail", 0.7), ("fleet", 0.15), ("premium", 0.15)),
    stages=(
        StageSpec("Discovery", "The customer finds the brand and the car: website, reviews, a first visit.",
                  after=(0, 0), touchpoints=(
            TouchpointSpec("Website and configurator", Channel.WEB, "Digital", 0.72, surveys=(CES,),
                           ticket_rate=0.04, target=75,
                           subjects=("Configurator price differs from the showroom offer",
                                     "Brochure download does not work")),
            TouchpointSpec("Showroom welcome", Channel.IN_PERSON, "Showroom", 0.74, visit_chance=0.8,
                           ticket_rate=0.04, target=80,
                           subjects=("Nobody greeted us at the showroom",)),
        )),
        StageSpec("Test drive", "Booking and taking a test drive.", after=(1, 10), reach=0.75,
                  touchpoints=(
            TouchpointSpec("Test drive booking", Channel.PHONE, "Customer care", 0.8, surveys=(CES,),
                           ticket_rate=0.07, subjects=("Test drive booking not confirmed",
                                                       "Need to move my test drive")),
            TouchpointSpec("Test drive", Channel.IN_PERSON, "Showroom", 0.96, surveys=(CSAT, NPS),
                           ticket_rate=0.04, target=85, weight="2",
                           subjects=("Question about the car I test drove",)),
        )),
        StageSpec("Purchase", "The offer, the trade-in, financing and the contract.", after=(1, 14),
                  reach=0.65, touchpoints=(
            TouchpointSpec("Offer and trade-in valuation", Channel.IN_PERSON, "Showroom", 0.68,
                           ticket_rate=0.09, subjects=("Trade-in valuation lower than agreed",
                                                       "Offer expired before I could sign")),
            TouchpointSpec("Financing and contract", Channel.IN_PERSON, "Billing", 0.6, surveys=(CES, CSAT),
                           ticket_rate=0.14, subjects=("Loan documents missing a signature",
                                                       "Question about the financing terms")),
        )),
        StageSpec("Delivery", "Agreeing a delivery date and handing over the car.", after=(7, 28),
                  touchpoints=(
            TouchpointSpec("Delivery date confirmation", Channel.PHONE, "Customer care", 0.46,
                           ticket_rate=0.45, target=75,
                           subjects=("Delivery date moved again", "No news about my delivery date")),
            TouchpointSpec("Car handover", Channel.IN_PERSON, "Showroom", 0.42, surveys=(CSAT, NPS),
                           ticket_rate=0.54, target=85, weight="2",
                           subjects=("Car delivered without the second key",
                                     "Scratch on the door at handover",
                                     "Number plates not fitted at delivery")),
        )),
        StageSpec("Service visits", "Booking service, the workshop visit, help on the road.",
                  after=(30, 90), repeat=(30, 90), reach=0.9, entry=0.45, touchpoints=(
            TouchpointSpec("Service booking", Channel.WEB, "Service centre", 0.55, trend=0.25,
                           surveys=(CES,), ticket_rate=0.11,
                           subjects=("Online booking shows no free slots",
                                     "Booking confirmation never arrived")),
            TouchpointSpec("Workshop visit", Channel.IN_PERSON, "Service centre", 0.38, trend=0.5,
                           surveys=(CSAT, NPS), ticket_rate=0.4, weight="2",
                           description="Improving: the workshop changed its hand-over process.",
                           subjects=("Car not ready at the promised time",
                                     "Rattle still there after the service", "Invoice higher than the quote")),
            TouchpointSpec("Roadside assistance", Channel.PHONE, "Customer care", 0.72, visit_chance=0.2,
                           ticket_rate=0.8, urgent=True,
                           subjects=("Breakdown on the motorway", "Flat battery, need assistance")),
        )),
    ),
)

SUBSCRIPTION_JOURNEY = JourneySpec(
    name="Online subscription",
    description="A digital service: signing up, getting started, paying, getting help and renewing.",
    lead_days=120,
    segments=(("online", 0.8), ("business", 0.2)),
    stages=(
        StageSpec("Sign-up", "Choosing a plan and creating an account.", after=(0, 0), touchpoints=(
            TouchpointSpec("Plan selection", Channel.WEB, "Digital", 0.78, surveys=(CES,), ticket_rate=0.05,
                           subjects=("Which plan includes family sharing?",)),
            TouchpointSpec("Account creation", Channel.WEB, "Digital", 0.82, surveys=(CES,), ticket_rate=0.05,
                           subjects=("Verification e-mail never arrived",)),
        )),
        StageSpec("Onboarding", "The welcome and the first setup.", after=(0, 2), reach=0.95, touchpoints=(
            TouchpointSpec("Welcome e-mail", Channel.EMAIL, "Digital", 0.76, ticket_rate=0.04,
                           subjects=("Welcome e-mail in the wrong language",)),
            TouchpointSpec("First setup in the app", Channel.APP, "Digital", 0.62, trend=0.1,
                           surveys=(CES, CSAT), ticket_rate=0.14,
                           subjects=("App will not sync after setup", "Cannot add a second device")),
        )),
        StageSpec("Billing", "Monthly invoices and card payments.", after=(0, 3), repeat=(29, 31),
                  entry=0.4, touchpoints=(
            TouchpointSpec("Monthly invoice", Channel.EMAIL, "Billing", 0.42, visit_chance=0.5,
                           ticket_rate=0.13, subjects=("Charged twice this month", "VAT number missing on invoice")),
            TouchpointSpec("Card payment", Channel.WEB, "Billing", 0.38, visit_chance=0.5, surveys=(CES,),
                           ticket_rate=0.14, subjects=("Card payment declined", "Payment page times out")),
        )),
        StageSpec("Support", "Getting help by chat or e-mail.", after=(3, 40), repeat=(20, 70), reach=0.55,
                  optional=True, touchpoints=(
            TouchpointSpec("Help chat", Channel.CHAT, "Customer care", 0.9, trend=-0.6, visit_chance=0.7,
                           ticket_rate=0.7, target=80,
                           description="Getting worse: queue waits grew after the price change.",
                           subjects=("Waited too long in the chat queue", "Chat closed before I got an answer")),
            TouchpointSpec("Support e-mail", Channel.EMAIL, "Customer care", 0.64, visit_chance=0.4,
                           ticket_rate=0.7, subjects=("No answer to my e-mail",
                                                      "Cannot change my delivery address")),
        )),
        StageSpec("Renewal", "The renewal reminder and changing plan.", after=(60, 95), repeat=(85, 95),
                  reach=0.85, touchpoints=(
            TouchpointSpec("Renewal reminder", Channel.EMAIL, "Billing", 0.6, ticket_rate=0.09,
                           subjects=("Renewal price higher than expected",)),
            TouchpointSpec("Plan change", Channel.WEB, "Digital", 0.7, surveys=(CES, NPS), ticket_rate=0.11,
                           visit_chance=0.6, subjects=("Downgrade not applied", "Cancel my subscription at renewal")),
        )),
    ),
)

JOURNEYS: tuple[JourneySpec, ...] = (CAR_JOURNEY, SUBSCRIPTION_JOURNEY)
# Which journeys a customer is on: car only, subscription only, or both.
JOURNEY_MIX: tuple[tuple[tuple[int, ...], float], ...] = (((0,), 0.45), ((1,), 0.4), ((0, 1), 0.15))


# --- Options, progress and result --------------------------------------------------------------------


@dataclass(frozen=True)
class DemoOptions:
    seed: int = 1
    days: int = DEFAULT_DAYS
    customers: int = DEFAULT_CUSTOMERS
    today: dt.date | None = None  # the anchor's day; today in the current time zone by default

    def anchor(self) -> dt.datetime:
        """Midnight at the start of `today`: all demo activity happens before it."""
        day = self.today or timezone.localdate()
        return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


class Reporter(Protocol):
    def phase(self, title: str) -> None: ...

    def progress(self, done: int, total: int) -> None: ...


class SilentReporter:
    def phase(self, title: str) -> None:
        pass

    def progress(self, done: int, total: int) -> None:
        pass


@dataclass
class DemoSummary:
    teams: int = 0
    users: list[str] = field(default_factory=list)
    journeys: int = 0
    stages: int = 0
    touchpoints: int = 0
    customers: int = 0
    surveys: int = 0
    tickets: int = 0
    tickets_by_status: list[tuple[str, int]] = field(default_factory=list)
    responses: int = 0
    signals: int = 0
    components: int = 0

    def lines(self) -> list[str]:
        statuses = ", ".join(f"{count} {status}" for status, count in self.tickets_by_status)
        return [
            f"{self.teams} teams, {self.journeys} journeys, {self.stages} stages, "
            f"{self.touchpoints} touchpoints, {self.surveys} surveys",
            f"{self.customers} customers, {self.tickets} tickets ({statuses}), {self.responses} survey answers",
            f"{self.signals} experience signals rolled into {self.components} daily score rows",
        ]


# --- Entry points ------------------------------------------------------------------------------------


def program_exists() -> bool:
    """Any program at all: `--if-empty` leaves a database with a program alone."""
    return Program.objects.exists()


def demo_exists() -> bool:
    return (
        Program.objects.filter(name=DEMO_PROGRAM).exists()
        or Customer.objects.filter(external_id__startswith=CUSTOMER_ID_PREFIX).exists()
    )


@transaction.atomic
def demo_reset() -> int:
    """Delete the demo program, its customers and everything recorded about them. Returns rows deleted.

    Teams and demo users stay (the build updates them in place), as does anything not part of the demo.
    The signal ledger is append-only for the app: `ExperienceSignal.delete()` refuses. Removing a whole
    demo is the one sanctioned exception, done with a queryset delete, which goes through Django's
    deletion collector and never calls the model's `delete()`. The order matters: signals, answers and
    tickets protect the touchpoints, surveys and customers they point to.
    """
    touchpoints = Touchpoint.objects.filter(stage__journey__program__name=DEMO_PROGRAM)
    customers = Customer.objects.filter(external_id__startswith=CUSTOMER_ID_PREFIX)
    surveys = Survey.objects.filter(Q(touchpoint__in=touchpoints) | Q(name=SUPPORT_SURVEY))
    tickets = Ticket.objects.filter(Q(customer__in=customers) | Q(external_id__startswith=TICKET_ID_PREFIX))
    steps = (
        ExperienceSignal.objects.filter(Q(touchpoint__in=touchpoints) | Q(customer__in=customers)),
        Response.objects.filter(
            Q(touchpoint__in=touchpoints) | Q(customer__in=customers) | Q(survey__in=surveys)
            | Q(ticket__in=tickets)
        ),
        surveys,
        tickets,
        customers,
        Program.objects.filter(name=DEMO_PROGRAM),  # cascades to journeys, stages, touchpoints, components
    )
    deleted = 0
    try:
        for queryset in steps:
            deleted += queryset.delete()[0]
    except ProtectedError as exc:
        names = sorted({obj._meta.verbose_name for obj in exc.protected_objects})
        raise DemoError(f"Demo data is still referenced by other data ({', '.join(names)}); "
                        "delete that first.") from None
    return deleted


def demo_build(*, options: DemoOptions, reset: bool = False, report: Reporter | None = None) -> DemoSummary:
    """Build the whole demo and recompute the score components, in one transaction.

    With `reset`, an existing demo is deleted first (in the same transaction, so a failed build leaves
    the old demo in place); without it, an existing demo is an error.
    """
    report = report or SilentReporter()
    if options.days < 1 or options.customers < 1:
        raise DemoError("The demo needs at least one day and one customer.")
    with transaction.atomic():
        if reset:
            report.phase("Deleting the existing demo data")
            demo_reset()
        if demo_exists():
            raise DemoError("Demo data exists already.", code="exists")
        builder = _Builder(options, report)
        with rollups_deferred():
            builder.build()
        report.phase("Scores: recomputing daily components from the ledger")
        recompute_all(progress=report.progress)
        report.phase("Personas, goals and improvement initiatives")
        build_plans(program=Program.objects.get(name=DEMO_PROGRAM), anchor=options.anchor(),
                    days=options.days, owner_username=USERS[0].username)
        report.phase("Service impact and key drivers")
        analysis_refresh(progress=report.progress)
        report.phase("Customer health")
        health_recompute(progress=report.progress)
        report.phase("Alerts")
        alerts_evaluate(notify=False)
    return summarize()


def summarize() -> DemoSummary:
    program = Program.objects.get(name=DEMO_PROGRAM)
    touchpoints = Touchpoint.objects.filter(stage__journey__program=program)
    customers = Customer.objects.filter(external_id__startswith=CUSTOMER_ID_PREFIX)
    tickets = Ticket.objects.filter(customer__in=customers)
    by_status = dict(tickets.values_list("status").annotate(n=Count("id")).order_by())
    return DemoSummary(
        teams=Team.objects.filter(name__in=[name for name, _ in TEAMS]).count(),
        users=[spec.username for spec in USERS],
        journeys=Journey.objects.filter(program=program).count(),
        stages=Stage.objects.filter(journey__program=program).count(),
        touchpoints=touchpoints.count(),
        customers=customers.count(),
        surveys=Survey.objects.filter(Q(touchpoint__in=touchpoints) | Q(name=SUPPORT_SURVEY)).count(),
        tickets=tickets.count(),
        tickets_by_status=[(s.label.split(" (")[0].lower(), by_status[s.value])
                           for s in Status if by_status.get(s.value)],
        responses=Response.objects.filter(customer__in=customers).count(),
        signals=ExperienceSignal.objects.filter(touchpoint__in=touchpoints).count(),
        components=ScoreComponentDaily.objects.filter(touchpoint__in=touchpoints).count(),
    )


# --- The builder -------------------------------------------------------------------------------------


@dataclass
class _Point:
    """A touchpoint in the database with its spec and its surveys."""

    spec: TouchpointSpec
    touchpoint: Touchpoint
    position: int  # order of creation, a stable sort key (database ids differ between builds)
    surveys: list[Survey] = field(default_factory=list)


@dataclass
class _Visit:
    at: dt.datetime
    customer: int  # index into the customer list
    point: _Point


@dataclass
class _AnswerPlan:
    at: dt.datetime
    order: int  # tie-breaker that keeps the order fixed when two answers share a time
    customer: int
    survey: Survey
    score: int
    comment: str = ""
    point: _Point | None = None
    ticket: Ticket | None = None


@dataclass
class _TicketPlan:
    at: dt.datetime
    order: int
    customer: int
    point: _Point


def _weighted(rng: random.Random, options: Sequence[tuple[T, float]]) -> T:
    values = [value for value, _ in options]
    weights = [weight for _, weight in options]
    return rng.choices(values, weights=weights, k=1)[0]


def _hours(value: float) -> dt.timedelta:
    return dt.timedelta(seconds=round(value * 3600))


class _Builder:
    def __init__(self, options: DemoOptions, report: Reporter) -> None:
        self.options = options
        self.report = report
        self.anchor = options.anchor()
        self.start = self.anchor - dt.timedelta(days=options.days)
        self.points: list[_Point] = []
        self.teams: dict[str, Team] = {}
        self.users: dict[str, AbstractUser] = {}
        self.customers: list[Customer] = []
        self.moods: list[float] = []  # each customer's own leaning, added to the touchpoint's quality
        self.journeys_of: list[tuple[int, ...]] = []  # the journeys each customer is on
        self.support_survey: Survey | None = None
        self.categories: dict[str, Category] = {}
        self.codes: list[ResolutionCode] = []

    def rng(self, phase: str) -> random.Random:
        # A string seed is hashed with SHA-512, so this does not depend on PYTHONHASHSEED.
        return random.Random(f"{self.options.seed}:{phase}")

    # The experience at a touchpoint at a time: its quality moves linearly over the period.
    def quality(self, point: _Point, at: dt.datetime, customer: int | None = None) -> float:
        frac = (at - self.start) / (self.anchor - self.start)
        q = point.spec.quality + point.spec.trend * min(max(frac, 0.0), 1.0)
        if customer is not None:
            q += self.moods[customer]
        return min(max(q, 0.03), 0.98)

    def build(self) -> None:
        self.report.phase("Teams and users")
        self._teams_and_users()
        self.report.phase("Program, journeys, stages and touchpoints")
        self._structure()
        self.report.phase("Customers")
        self._customers()
        self.report.phase("Surveys")
        self._surveys()
        self.report.phase("Service desk: categories, SLA calendars and policies, routing, canned replies")
        self._service_desk()
        visits = self._plan_visits()
        answers, tickets = self._plan_outcomes(visits)
        self.report.phase(f"Tickets: {len(tickets)} created, answered and resolved through the services")
        answers += self._tickets(tickets)
        self.report.phase(f"Survey answers: {len(answers)}")
        self._answers(answers)

    # --- structure ---

    def _teams_and_users(self) -> None:
        for name, email in TEAMS:
            team, _ = Team.objects.get_or_create(name=name, defaults={"email": email})
            self.teams[name] = team
        roles.sync_role_groups()
        groups = {role: Group.objects.get(name=role) for role in {spec.role for spec in USERS}}
        # One hash for all demo users: they share the published demo password, and hashing is slow.
        password = make_password(PASSWORD)
        user_model = get_user_model()
        for spec in USERS:
            user, _ = user_model.objects.get_or_create(username=spec.username)
            user.first_name, user.last_name = spec.first_name, spec.last_name
            user.email = f"{spec.username}@example.com"
            user.is_staff = spec.is_staff
            user.is_active = True
            user.password = password
            user.save()
            user.groups.set([groups[spec.role]])
            user.teams.set([self.teams[name] for name in spec.teams])
            self.users[spec.username] = user

    def _service_desk(self) -> None:
        for team, name in TEAM_CATEGORIES.items():
            self.categories[team], _ = Category.objects.get_or_create(name=name)
        self.codes = [ResolutionCode.objects.get_or_create(name=name)[0] for name in RESOLUTION_CODES]
        CustomField.objects.get_or_create(key="vehicle_model", defaults={
            "label": "Vehicle model", "kind": CustomFieldKind.CHOICE,
            "choices": ["City EV", "Family hybrid", "SUV", "Van"]})
        office, _ = BusinessCalendar.objects.get_or_create(name="Athens office hours",
                                                           defaults={"time_zone": "Europe/Athens"})
        if not office.hours.exists():
            BusinessHours.objects.bulk_create(
                BusinessHours(calendar=office, weekday=day, opens=dt.time(9), closes=dt.time(18)) for day in range(5))
            BusinessHours.objects.create(calendar=office, weekday=5, opens=dt.time(10), closes=dt.time(14))
        for year in sorted({self.anchor.year - 1, self.anchor.year}):
            for month, day, name in HOLIDAYS:
                Holiday.objects.get_or_create(calendar=office, date=dt.date(year, month, day), defaults={"name": name})
        always, _ = BusinessCalendar.objects.get_or_create(name="Around the clock",
                                                           defaults={"around_the_clock": True})
        position = 0
        for team, calendar in ((self.teams["Customer care"], always), (None, office)):
            for priority, (first, nxt, resolution) in SLA_TARGETS.items():
                label = f"{team.name if team else 'Office hours'}: {Priority(priority).label}"
                SlaPolicy.objects.get_or_create(name=label, defaults={
                    "position": position, "priority": priority, "team": team, "calendar": calendar,
                    "first_response_minutes": first, "next_response_minutes": nxt,
                    "resolution_minutes": resolution})
                position += 1
        RoutingRule.objects.get_or_create(name="Invoices and payments go to Billing", defaults={
            "position": 1, "keywords": "invoice, charged, payment, refund, VAT", "team": self.teams["Billing"]})
        RoutingRule.objects.get_or_create(name="Breakdowns are urgent", defaults={
            "position": 2, "keywords": "breakdown, roadside, tow", "team": self.teams["Customer care"],
            "set_priority": Priority.URGENT})
        for title, body in CANNED:
            CannedResponse.objects.get_or_create(title=title, defaults={"body": body})

    def _structure(self) -> None:
        program = Program.objects.create(name=DEMO_PROGRAM, purpose=DEMO_PURPOSE, min_sample_size=5)
        for j, jspec in enumerate(JOURNEYS):
            journey = Journey.objects.create(program=program, name=jspec.name,
                                             description=jspec.description, position=j)
            for s, sspec in enumerate(jspec.stages):
                stage = Stage.objects.create(journey=journey, name=sspec.name,
                                             description=sspec.description, position=s)
                for t, tspec in enumerate(sspec.touchpoints):
                    touchpoint = Touchpoint.objects.create(
                        stage=stage, name=tspec.name, description=tspec.description,
                        channel=tspec.channel, owner_team=self.teams[tspec.team],
                        target_score=Decimal(tspec.target), weight=Decimal(tspec.weight), position=t,
                    )
                    self.points.append(_Point(tspec, touchpoint, len(self.points)))

    def _customers(self) -> None:
        rng = self.rng("customers")
        rows = []
        for n in range(1, self.options.customers + 1):
            language = _weighted(rng, texts.LANGUAGE_MIX)
            journeys = _weighted(rng, JOURNEY_MIX)
            segment = _weighted(rng, JOURNEYS[journeys[0]].segments)
            rows.append(Customer(
                name=_name(rng, language), email=f"customer{n:04d}@example.com",
                external_id=f"{CUSTOMER_ID_PREFIX}{n:04d}", segment=segment, language=language,
            ))
            self.moods.append(rng.gauss(0.0, 0.06))
            self.journeys_of.append(journeys)
        self.customers = Customer.objects.bulk_create(rows)

    def _surveys(self) -> None:
        for point in self.points:
            for kind in point.spec.surveys:
                point.surveys.append(survey_create(
                    name=f"{kind.upper()}: {point.touchpoint.name}", kind=kind, touchpoint=point.touchpoint))
        self.support_survey = survey_create(
            name=SUPPORT_SURVEY, kind=CSAT, question="How satisfied were you with the help you got?")

    # --- planning: pure Python, no database ---

    def _plan_visits(self) -> list[_Visit]:
        rng = self.rng("visits")
        visits: list[_Visit] = []
        by_stage: list[list[list[_Point]]] = []
        index = 0
        for jspec in JOURNEYS:
            stages = []
            for sspec in jspec.stages:
                stages.append(self.points[index:index + len(sspec.touchpoints)])
                index += len(sspec.touchpoints)
            by_stage.append(stages)
        since: list[dt.datetime] = []
        for c in range(len(self.customers)):
            first_seen = self.anchor
            for j in self.journeys_of[c]:
                jspec = JOURNEYS[j]
                day = -rng.randint(1, self.options.days + jspec.lead_days)
                first_seen = min(first_seen, self.anchor + dt.timedelta(days=day))
                entry = next((i for i, sspec in enumerate(jspec.stages) if rng.random() < sspec.entry), 0)
                for i, (sspec, points) in enumerate(zip(jspec.stages, by_stage[j], strict=True)):
                    if i < entry:
                        continue
                    if i > entry and rng.random() > sspec.reach:
                        if sspec.optional:
                            continue
                        break
                    if i > entry:
                        day += rng.randint(*sspec.after)
                    occurrence = day
                    for _ in range(24):  # a recurring stage comes back until the anchor
                        if occurrence >= 0:
                            break
                        at = self.anchor + dt.timedelta(days=occurrence, hours=8 + rng.uniform(0, 10))
                        for point in points:
                            if rng.random() < point.spec.visit_chance:
                                if self.start <= at < self.anchor:
                                    visits.append(_Visit(at, c, point))
                                at += _hours(rng.uniform(0.2, 1.5))
                        if sspec.repeat is None:
                            break
                        occurrence += rng.randint(*sspec.repeat)
            since.append(first_seen)
        for customer, first_seen in zip(self.customers, since, strict=True):
            customer.created_at = first_seen
        Customer.objects.bulk_update(self.customers, ["created_at"])  # "customer since", backdated
        visits.sort(key=lambda v: (v.at, v.customer, v.point.position))
        return visits

    def _plan_outcomes(self, visits: list[_Visit]) -> tuple[list[_AnswerPlan], list[_TicketPlan]]:
        rng = self.rng("outcomes")
        answers: list[_AnswerPlan] = []
        tickets: list[_TicketPlan] = []
        for visit in visits:
            q = self.quality(visit.point, visit.at, visit.customer)
            for survey in visit.point.surveys:
                if rng.random() >= ANSWER_RATE:
                    continue
                at = visit.at + _hours(rng.uniform(0.5, 48))
                score = _score(rng, survey.kind, q)
                comment = self._comment(rng, visit.customer, survey.kind, score)
                if at < self.anchor:
                    answers.append(_AnswerPlan(at, len(answers), visit.customer, survey, score, comment,
                                               point=visit.point))
            if rng.random() < visit.point.spec.ticket_rate * (1.6 - q):
                at = visit.at + _hours(rng.uniform(0.1, 30))
                if at < self.anchor:
                    tickets.append(_TicketPlan(at, len(tickets), visit.customer, visit.point))
        tickets.sort(key=lambda t: (t.at, t.order))
        return answers, tickets

    def _comment(self, rng: random.Random, customer: int, kind: str, score: int) -> str:
        if rng.random() >= COMMENT_RATE:
            return ""
        low, high = SCALES[kind]
        share = (score - low) / (high - low)
        tone = texts.PRAISE if share >= 0.75 else texts.COMPLAINT if share <= 0.45 else texts.NEUTRAL
        if rng.random() < 0.25:
            tone = texts.NEUTRAL
        return _sentence(rng, self.customers[customer].language, tone)

    # --- writing through the services ---

    def _agents_for(self, team_name: str) -> list[AbstractUser]:
        """The agents of a team, in the fixed order of USERS; every agent if the team has none."""
        agents = [spec for spec in USERS if spec.role == roles.SUPPORT_AGENT]
        mine = [spec for spec in agents if team_name in spec.teams] or agents
        return [self.users[spec.username] for spec in mine]

    def _tickets(self, plans: list[_TicketPlan]) -> list[_AnswerPlan]:
        rng = self.rng("tickets")
        answers: list[_AnswerPlan] = []
        for n, plan in enumerate(plans, start=1):
            answer = self._ticket(rng, n, plan)
            if answer is not None:
                answer.order = 1_000_000 + n
                answers.append(answer)
            self.report.progress(n, len(plans))
        return answers

    def _ticket(self, rng: random.Random, n: int, plan: _TicketPlan) -> _AnswerPlan | None:
        """One ticket's life. It stops wherever the next step would fall after the anchor (today)."""
        anchor = self.anchor
        customer = self.customers[plan.customer]
        point = plan.point
        q = self.quality(point, plan.at)
        if point.spec.urgent:
            priority = _weighted(rng, ((Priority.URGENT, 0.6), (Priority.HIGH, 0.4)))
        else:
            priority = _weighted(rng, ((Priority.LOW, 0.15), (Priority.NORMAL, 0.6),
                                       (Priority.HIGH, 0.2), (Priority.URGENT, 0.05)))
        if point.spec.channel in (Channel.PHONE, Channel.CHAT, Channel.EMAIL):
            channel = point.spec.channel
        else:  # met in person or online: the customer gets in touch by e-mail, phone or the web form
            channel = _weighted(rng, ((Channel.EMAIL, 0.5), (Channel.PHONE, 0.3), (Channel.WEB, 0.2)))
        agents = self._agents_for(point.spec.team)
        agent = agents[rng.randrange(len(agents))]
        language = customer.language
        ticket = ticket_create(
            customer=customer, subject=rng.choice(point.spec.subjects),
            body=_sentence(rng, language, texts.COMPLAINT if rng.random() < 0.7 else texts.NEUTRAL),
            actor=agent if channel == Channel.PHONE else None, touchpoint=point.touchpoint,
            channel=channel, priority=priority, external_id=f"{TICKET_ID_PREFIX}{n:05d}", at=plan.at,
            category=self.categories.get(point.spec.team),
        )
        first_due = sla.FIRST_RESPONSE_HOURS[Priority(priority)]
        resolution_due = sla.RESOLUTION_HOURS[Priority(priority)]

        # The last days leave a queue behind: some recent tickets are untouched, some are still in work.
        age_days = (anchor - plan.at) / dt.timedelta(days=1)
        untouched = age_days < 2 and rng.random() < 0.5
        in_work = age_days < 14 and rng.random() < 0.3

        t = plan.at + _hours(rng.uniform(0.03, 0.7))
        if t >= anchor or (untouched and rng.random() < 0.5):
            return None  # not even assigned yet
        ticket_assign(ticket=ticket, assignee=agent, actor=agent, at=t)
        if untouched:
            return None

        # Weaker touchpoints answer later and resolve later: the wait is part of the experience.
        first = plan.at + _hours(first_due * rng.lognormvariate(math.log(0.12 + 1.1 * (1 - q)), 0.6))
        t = max(t + _hours(0.02), first)
        waits_on_customer = rng.random() < 0.3
        if t >= anchor:
            return None
        ticket_reply(ticket=ticket, author=agent, at=t,
                     body=self._reply(rng, language, texts.ASK_CUSTOMER if waits_on_customer
                                      else texts.FIRST_REPLIES))
        if rng.random() < 0.25 + 0.5 * q and not waits_on_customer and not in_work:
            t += _hours(rng.uniform(0.1, 3))  # solved on first contact
        else:
            resolve_at = plan.at + _hours(
                resolution_due * rng.lognormvariate(math.log(0.2 + 1.4 * (1 - q)), 0.45))
            if in_work:
                resolve_at = anchor + _hours(rng.uniform(1, 72))
            if waits_on_customer:
                t += _hours(0.01)
                if t >= anchor:
                    return None
                ticket_change_status(ticket=ticket, status=Status.PENDING, actor=agent, at=t)
                if rng.random() < 0.1:
                    return None  # the customer never came back: it stays pending
                t += _hours(rng.uniform(1, 30))
                if t >= anchor:
                    return None
                ticket_add_customer_message(ticket=ticket, body=rng.choice(texts.CUSTOMER_FOLLOW_UPS), at=t)
            if rng.random() < 0.4:
                t += _hours(rng.uniform(0.5, 12))
                if t >= anchor:
                    return None
                ticket_reply(ticket=ticket, author=agent, body=rng.choice(texts.INTERNAL_NOTES),
                             internal=True, at=t)
            t = max(t + _hours(rng.uniform(0.5, 4)), resolve_at - _hours(rng.uniform(0.2, 2)))
            if t >= anchor:
                return None
            ticket_reply(ticket=ticket, author=agent, body=rng.choice(texts.RESOLUTIONS), at=t)
            t += _hours(rng.uniform(0.05, 1))
        if t >= anchor:
            return None
        ticket_set_resolution_code(ticket=ticket, code=self.codes[rng.randrange(len(self.codes))], actor=agent, at=t)
        ticket_resolve(ticket=ticket, actor=agent, at=t)
        resolved_at = t
        met = ticket.first_resolved_at is not None and ticket.first_resolved_at <= ticket.resolution_due_at

        answer = None
        if rng.random() < SUPPORT_CSAT_RATE:
            at = resolved_at + _hours(rng.uniform(0.5, 30))
            felt = q - (0.3 if not met else 0.0) + self.moods[plan.customer]
            score = _score(rng, CSAT, min(max(felt, 0.03), 0.98))
            if at < anchor:
                assert self.support_survey is not None
                answer = _AnswerPlan(at, 0, plan.customer, self.support_survey, score,
                                     self._comment(rng, plan.customer, CSAT, score), ticket=ticket)

        if rng.random() < 0.04 + 0.22 * (1 - q):
            t += _hours(rng.uniform(4, 72))
            if t >= anchor:
                return answer
            # The customer writing back on a resolved ticket reopens it.
            ticket_add_customer_message(ticket=ticket, body=rng.choice(texts.REOPEN_MESSAGES), at=t)
            t += _hours(first_due * rng.uniform(0.1, 1.2))
            if t >= anchor:
                return answer
            ticket_reply(ticket=ticket, author=agent, body=rng.choice(texts.RESOLUTIONS), at=t)
            t += _hours(rng.uniform(1, 24))
            if t >= anchor:
                return answer
            ticket_resolve(ticket=ticket, actor=agent, at=t)
        t += dt.timedelta(days=rng.uniform(4, 7))
        if t < anchor:
            ticket_change_status(ticket=ticket, status=Status.CLOSED, actor=None, at=t)
        return answer

    def _reply(self, rng: random.Random, language: str, choices: tuple[str, ...]) -> str:
        own = [s.text for s in texts.AGENT_SENTENCES if s.language == language]
        if own and rng.random() < 0.3:
            return rng.choice(own)
        return rng.choice(choices)

    def _answers(self, plans: list[_AnswerPlan]) -> None:
        plans.sort(key=lambda a: (a.at, a.order))
        for n, plan in enumerate(plans, start=1):
            response_submit(
                survey=plan.survey, customer=self.customers[plan.customer], score=plan.score,
                comment=plan.comment, touchpoint=plan.point.touchpoint if plan.point else None,
                ticket=plan.ticket, answered_at=plan.at,
            )
            self.report.progress(n, len(plans))


# --- Small pure helpers -------------------------------------------------------------------------------


def _score(rng: random.Random, kind: str, quality: float) -> int:
    """An answer on the kind's scale whose expected value follows the experience's quality."""
    low, high = SCALES[kind]
    spread = {NPS: 1.5, CSAT: 0.75, CES: 1.0}[kind]
    value = round(rng.gauss(low + quality * (high - low), spread))
    return min(max(value, low), high)


def _sentence(rng: random.Random, language: str, tone: str) -> str:
    pool = [s.text for s in texts.SENTENCES if s.language == language and s.tone == tone]
    pool = pool or [s.text for s in texts.SENTENCES if s.language == language]
    return rng.choice(pool)


def _name(rng: random.Random, language: str) -> str:
    female = rng.random() < 0.5
    if language == "el":
        if female:
            return f"{rng.choice(texts.GREEK_GIVEN_FEMALE)} {rng.choice(texts.GREEK_FAMILY_FEMALE)}"
        return f"{rng.choice(texts.GREEK_GIVEN_MALE)} {rng.choice(texts.GREEK_FAMILY_MALE)}"
    if language == "vi":
        middle, given = ((texts.VIETNAMESE_MIDDLE_FEMALE, texts.VIETNAMESE_GIVEN_FEMALE) if female
                         else (texts.VIETNAMESE_MIDDLE_MALE, texts.VIETNAMESE_GIVEN_MALE))
        return f"{rng.choice(texts.VIETNAMESE_FAMILY)} {rng.choice(middle)} {rng.choice(given)}"
    if language == "fa":
        return f"{rng.choice(texts.PERSIAN_GIVEN)} {rng.choice(texts.PERSIAN_FAMILY)}"
    return f"{rng.choice(texts.ENGLISH_GIVEN)} {rng.choice(texts.ENGLISH_FAMILY)}"


def login_help() -> list[str]:
    """What to tell a person who just seeded the demo."""
    agents = ", ".join(spec.username for spec in USERS if spec.role == roles.SUPPORT_AGENT)
    return [
        f"Open {URL} and log in with password {PASSWORD!r} as:",
        "  manager  (CX manager: dashboards, journeys, surveys; also the admin at /admin/)",
        f"  {agents}  (support agents: the ticket queue)",
        "  lead  (team lead: assigns the tickets of Customer care and Billing)",
        "  admin  (administrator: people, roles, teams, API tokens, the audit log)",
    ]


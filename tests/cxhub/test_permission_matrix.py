"""Every URL pattern of the project, as anonymous and as each role, against cxhub/permissions_matrix.py.

The walk resolves the whole URL tree (the Django admin aside: it has its own staff-only permissions), fills
each pattern's arguments from a small data set, and sends GET and POST to every page, and to every API route
each method it routes (a format-suffixed copy of an API route is read with GET only: same view, same
checks). Writing requests carry an empty body and run inside a savepoint that is rolled back, so one
request never changes what the next one sees. The answer's class is compared with the matrix:

- login: a page redirects to the sign-in page, the API answers 401
- no: 403; hidden: 404; yes: anything else below 500 (a 400 for the empty body is fine: the role got in)
- a method the matrix does not list must be refused or answer 405

Ticket routes are also walked with another team's ticket, where "team" expects a 404.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings as project_settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.shortcuts import resolve_url
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from cxhub import permissions_matrix as matrix
from cxhub.roles import (
    ADMINISTRATOR,
    API_CLIENT_READ,
    API_CLIENT_WRITE,
    CX_MANAGER,
    SUPPORT_AGENT,
    TEAM_LEAD,
)

# Not walked: the Django admin, which checks is_staff and model permissions on its own (and has hundreds of
# generated addresses). Static and media files are not URL patterns here (whitenoise serves them).
SKIPPED_NAMESPACES = {"admin"}

ROLE_GROUPS = {"agent": SUPPORT_AGENT, "lead": TEAM_LEAD, "manager": CX_MANAGER, "admin": ADMINISTRATOR,
               "api_read": API_CLIENT_READ, "api_write": API_CLIENT_WRITE}
UNSAFE = ("POST", "PUT", "PATCH", "DELETE")


@dataclass(frozen=True)
class Route:
    name: str
    pattern: URLPattern
    prefix: str
    methods: tuple[str, ...] | None  # what an API route accepts; None for a page (the matrix says)
    suffixed: bool  # an API route's format-suffix copy

    @property
    def is_api(self) -> bool:
        return self.prefix.startswith("api/")


def _api_methods(callback: Any) -> tuple[str, ...] | None:
    actions = getattr(callback, "actions", None)
    if actions:  # a viewset route: the methods the router maps
        return tuple(sorted(m.upper() for m in actions if m not in ("head", "options")))
    cls = getattr(callback, "cls", None)
    if cls is not None:  # a plain API view: the handlers it defines
        return tuple(sorted(m.upper() for m in cls.http_method_names
                            if m not in ("head", "options", "trace") and hasattr(cls, m)))
    return None


def routes() -> Iterator[Route]:
    def walk(patterns: list, prefix: str, namespace: str) -> Iterator[Route]:
        for item in patterns:
            if isinstance(item, URLResolver):
                ns = ":".join(filter(None, [namespace, item.namespace]))
                if item.namespace in SKIPPED_NAMESPACES:
                    continue
                yield from walk(item.url_patterns, prefix + str(item.pattern), ns)
            else:
                name = ":".join(filter(None, [namespace, item.name]))
                full = prefix + str(item.pattern)
                api = full.startswith("api/")
                yield Route(name, item, full, _api_methods(item.callback) if api else None,
                            suffixed="(?P<format>" in str(item.pattern) or "<drf_format_suffix:format>" in full)

    yield from walk(get_resolver().url_patterns, "", "")


# --- the data set -------------------------------------------------------------------------------------


@pytest.fixture
def world(db, team, other_team, customer, touchpoint, settings, tmp_path) -> dict[str, Any]:
    """One of everything a URL can name, the people of each role, and their API tokens."""
    from auditlog.models import LogEntry  # noqa: F401  (registered models write entries as we go)

    from cxhub.models import ApiToken, ImportJob, WebhookDelivery, WebhookEvent, WebhookSubscription
    from cxhub.tokens import api_token_create
    from feedback.choices import InvitationTrigger, SurveyKind
    from feedback.invitations import invitation_create
    from feedback.models import Theme, TicketSurveyRule, TouchpointEvent
    from feedback.pulse import pulse_survey_create
    from feedback.services import response_submit
    from journeys.models import CustomerHealth, ExperienceSignal
    from tests.cxhub.factories import UserFactory
    from tests.feedback.factories import make_survey
    from tests.journeys.alerts_data import make_alert
    from tests.journeys.factories_builder import GoalFactory, InitiativeFactory, PersonaFactory
    from tests.tickets.factories import make_ticket
    from tickets.models import (
        BusinessCalendar,
        CannedResponse,
        Category,
        CustomField,
        ResolutionCode,
        RoutingRule,
        SlaPolicy,
        Tag,
        TeamRouting,
    )
    from tickets.services import ticket_link
    from tickets.services.productivity import ticket_reply_with_attachments

    settings.MEDIA_ROOT = str(tmp_path)
    # Every role's walk sends hundreds of API calls in a minute: the throttles are tested elsewhere.
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {"user": None, "anon": None}}
    people = {role: UserFactory(username=f"walk-{role}", role=group, teams=[team])
              for role, group in ROLE_GROUPS.items()}
    tokens = {role: api_token_create(user=user, name="Walk")[1] for role, user in people.items()}
    stage = touchpoint.stage
    journey = stage.journey
    program = journey.program
    other_customer = customer.__class__.objects.create(name="Lan Phạm", external_id="CRM-VN-1",
                                                       email="lan@example.com")

    ticket = make_ticket(team=team, customer=customer, touchpoint=touchpoint, external_id="ZD-OWN")
    related = make_ticket(team=team, customer=customer, external_id="ZD-OWN-2")
    ticket_link(ticket=ticket, other=related, actor=None)
    other_ticket = make_ticket(team=other_team, customer=other_customer, external_id="ZD-OTHER")
    ticket_link(ticket=other_ticket, other=related, actor=None)  # so unlinking it is a real request
    files = [SimpleUploadedFile("note.txt", b"Seen")]
    attachment = ticket_reply_with_attachments(ticket=ticket, author=None, body="File", files=files).attachments.get()
    files = [SimpleUploadedFile("note.txt", b"Seen")]
    other_attachment = ticket_reply_with_attachments(ticket=other_ticket, author=None, body="File",
                                                     files=files).attachments.get()

    survey = make_survey(kind=SurveyKind.CSAT, touchpoint=touchpoint)
    response = response_submit(survey=survey, customer=customer, score=4, comment="Fine", touchpoint=touchpoint)
    theme = Theme.objects.create(name="Waiting")
    response.themes.add(theme)
    invitation = invitation_create(survey=survey, customer=other_customer, touchpoint=touchpoint,
                                   trigger=InvitationTrigger.MANUAL)
    event = TouchpointEvent.objects.create(touchpoint=touchpoint, customer=customer, kind="purchase",
                                           occurred_at=timezone.now())
    rule = TicketSurveyRule.objects.create(survey=survey, team=team)
    pulse = pulse_survey_create(name="November pulse")
    calendar = BusinessCalendar.objects.create(name="Office hours")
    webhook = WebhookSubscription.objects.create(owner=people["manager"], url="http://127.0.0.1:9/hook",
                                                 event_types=["*"])
    delivery = WebhookDelivery.objects.create(event=WebhookEvent.objects.create(type="ticket.created"),
                                              subscription=webhook)
    upload = SimpleUploadedFile("customers.csv", b"external_id,name\nX-1,Anna\n")
    job = ImportJob.objects.create(kind="customers", file=upload, original_name="customers.csv",
                                   created_by=people["manager"])
    CustomerHealth.objects.create(customer=customer, score=70, band="good", computed_at=timezone.now())
    values = {
        "ticket": ticket.pk, "other_ticket": other_ticket.pk, "related": related.pk,
        "attachment": attachment.pk, "other_attachment": other_attachment.pk,
        "ticket_external_id": "ZD-OWN", "other_ticket_external_id": "ZD-OTHER",
        "customer": customer.pk, "customer_external_id": customer.external_id,
        "program": program.pk, "journey": journey.pk, "stage": stage.pk, "touchpoint": touchpoint.pk,
        "persona": PersonaFactory(program=program).pk, "goal": GoalFactory(program=program).pk,
        "initiative": InitiativeFactory(program=program).pk, "alert": make_alert(touchpoint).pk,
        "survey": survey.pk, "survey_version": survey.version, "response": response.pk, "theme": theme.pk,
        "invitation": invitation.pk, "touchpoint_event": event.pk, "ticket_survey_rule": rule.pk,
        "pulse": pulse.pk, "token": "not-a-real-token",
        "category": Category.objects.create(name="Delivery").pk,
        "resolution_code": ResolutionCode.objects.create(name="Fixed").pk,
        "tag": Tag.objects.create(name="vip").pk,
        "custom_field": CustomField.objects.create(key="vin", label="VIN").pk,
        "calendar": calendar.pk,
        "sla_policy": SlaPolicy.objects.create(name="Normal", priority="normal", calendar=calendar,
                                               first_response_minutes=60, next_response_minutes=60,
                                               resolution_minutes=600).pk,
        "routing_rule": RoutingRule.objects.create(name="Billing words", team=other_team).pk,
        "team": TeamRouting.objects.create(team=team).team_id,
        "canned": CannedResponse.objects.create(title="Hello", body="Dear {customer_name}", team=team).pk,
        "agent_user": people["agent"].pk, "person": people["agent"].pk,
        "api_token": ApiToken.objects.filter(user=people["api_read"]).first().pk,
        "webhook": webhook.pk, "delivery": delivery.pk, "import": job.pk, "import_kind": "customers",
        "signal": ExperienceSignal.objects.order_by("pk").first().pk,
        "uidb64": "MQ", "reset_token": "set-password",
        "format": "json",
    }
    return {"people": people, "tokens": tokens, "values": values}


# --- the walk ---------------------------------------------------------------------------------------------


# What fills `pk` in each URL: page names exactly, API names by their router basename (longest first).
PAGE_PK = {
    "api-token-revoke": "api_token", "people:edit": "person", "people:password-link": "person",
    "webhooks:redeliver": "delivery", "journeys:detail": "journey", "journeys:touchpoint": "touchpoint",
    "journeys:alert_detail": "alert", "journeys:alert_acknowledge": "alert", "journeys:alert_resolve": "alert",
    "journeys:program_edit": "program", "journeys:goals": "program", "journeys:goal_create": "program",
    "journeys:journey_create": "program", "journeys:goal_edit": "goal", "journeys:goal_delete": "goal",
    "journeys:persona_edit": "persona", "journeys:persona_delete": "persona", "journeys:journey_edit": "journey",
    "journeys:stage_add": "journey", "journeys:stage_reorder": "journey", "journeys:stage_edit": "stage",
    "journeys:stage_move": "stage", "journeys:stage_delete": "stage", "journeys:touchpoint_create": "stage",
    "journeys:touchpoint_edit": "touchpoint", "journeys:touchpoint_move": "touchpoint",
    "journeys:touchpoint_archive": "touchpoint", "journeys:touchpoint_restore": "touchpoint",
    "journeys:touchpoint_delete": "touchpoint", "journeys:initiative_detail": "initiative",
    "journeys:initiative_edit": "initiative", "journeys:customer_health": "customer",
    "journeys:customer_health_recompute": "customer", "feedback_loop:response-themes": "response",
    "feedback:response": "response", "pulse:report": "pulse", "pulse:invite": "pulse",
}
PAGE_PK_BY_NAMESPACE = {"webhooks": "webhook", "imports": "import", "tickets": "ticket", "feedback": "survey"}
API_PK = {
    "customer": "customer", "program": "program", "journey": "journey", "stage": "stage",
    "touchpoint-event": "touchpoint_event", "touchpoint": "touchpoint", "alert": "alert", "signal": "signal",
    "ticket-survey-rule": "ticket_survey_rule", "ticket": "ticket", "category": "category",
    "resolution-code": "resolution_code", "tag": "tag", "custom-field": "custom_field",
    "business-calendar": "calendar", "sla-policy": "sla_policy", "routing-rule": "routing_rule",
    "canned-response": "canned", "agent-availability": "self", "survey": "survey", "response": "response",
    "theme": "theme", "invitation": "invitation", "webhook-subscription": "webhook",
    "webhook-delivery": "delivery",
}
# Other arguments, by their name (an API's external_id by basename).
ARGS = {"attachment_id": "attachment", "other": "related", "number": "survey_version", "kind": "import_kind",
        "team": "team", "theme": "theme", "token": "token", "uidb64": "uidb64", "format": "format"}
TICKET_KEYS = {"ticket": "other_ticket", "attachment": "other_attachment",
               "ticket_external_id": "other_ticket_external_id"}


def _arg_key(route: Route, arg: str) -> str:
    if arg == "external_id":
        return "ticket_external_id" if route.name.startswith("ticket-") else "customer_external_id"
    if arg != "pk":
        return ARGS[arg]
    if route.is_api:
        basename = max((b for b in API_PK if route.name.startswith(b + "-")), key=len)
        return API_PK[basename]
    return PAGE_PK.get(route.name) or PAGE_PK_BY_NAMESPACE[route.name.split(":")[0]]


def _args(route: Route) -> list[str]:
    return list(dict.fromkeys([*route.pattern.pattern.regex.groupindex,
                               *re.findall(r"<(?:\w+:)?(\w+)>", route.prefix)]))


def _kwargs(route: Route, values: dict[str, Any], *, user_id: int, other_team: bool) -> dict[str, Any]:
    kwargs = {}
    for arg in _args(route):
        key = _arg_key(route, arg)
        if other_team:
            key = TICKET_KEYS.get(key, key)
        kwargs[arg] = user_id if key == "self" else values[key]
    return kwargs


def _reaches_a_ticket(route: Route) -> bool:
    return any(_arg_key(route, arg) in TICKET_KEYS for arg in _args(route))


def outcome(response: Any, *, api: bool) -> str:
    status = response.status_code
    if status >= 500:
        return "error"
    location = response.get("Location", "")
    if status == 401 or (status == 302 and not api and location.startswith(resolve_url(project_settings.LOGIN_URL))
                         and "next=" in location):  # sent to sign in, to come back here (not a sign-out)
        return "login"
    return {403: "no", 404: "hidden", 405: "method"}.get(status, "yes")


def fits(expected: str, got: str, *, other_team: bool) -> bool:
    if expected == "open":
        return got in ("yes", "hidden")  # a made-up link token is a "no such link" page, open to all
    if expected == "team":
        return got == ("hidden" if other_team else "yes")
    return got == expected


def _client(role: str, world: dict[str, Any], *, api: bool) -> Client:
    client = Client(raise_request_exception=False)
    if role == "anonymous":
        return client
    if api:
        client.defaults["HTTP_AUTHORIZATION"] = f"Token {world['tokens'][role]}"
    else:
        client.force_login(world["people"][role])
    return client


def _send(client: Client, method: str, url: str, *, api: bool) -> Any:
    if method == "GET":
        return client.get(url)
    call = getattr(client, method.lower())
    with transaction.atomic():  # whatever the request writes is undone before the next one
        response = call(url, data="{}", content_type="application/json") if api else call(url)
        transaction.set_rollback(True)
    return response


def walk(role: str, world: dict[str, Any]) -> tuple[list[str], int]:
    """What differs from the matrix for `role`, and how many requests were sent."""
    problems: list[str] = []
    sent = 0
    values = world["values"]
    user = world["people"].get(role) or world["people"]["agent"]
    clients = {api: _client(role, world, api=api) for api in (False, True)}
    for route in routes():
        items = matrix.entries_for(route.name)
        if not items:
            problems.append(f"{route.name} (/{route.prefix}): no entry in cxhub/permissions_matrix.py")
            continue
        declared = {m for item in items for m in item.methods}
        if route.methods is not None and not route.suffixed and set(route.methods) - declared:
            problems.append(f"{route.name}: routes {sorted(set(route.methods) - declared)}, which the matrix "
                            "does not list")
        # Pages: GET and POST (a method the matrix does not list must be refused); API routes: what they route.
        methods = list(route.methods or ("GET", "POST"))
        if route.suffixed:
            methods = ["GET"]
        for method in methods:
            access = matrix.expected(route.name, method)
            if access is None and method == "POST" and not route.is_api:
                # A page that does not restrict its methods answers POST as it answers GET: no way around.
                access = matrix.expected(route.name, "GET")
            for other_team in (False, True) if _reaches_a_ticket(route) else (False,):
                url = reverse(route.name, kwargs=_kwargs(route, values, user_id=user.pk, other_team=other_team))
                client = clients[route.is_api]
                response = _send(client, method, url, api=route.is_api)
                sent += 1
                got = outcome(response, api=route.is_api)
                if got == "method" and access is not None and method not in matrix.expected_methods(route.name):
                    continue  # refused by method, before or after the role check: either way no way in
                if access is None:
                    if got not in ("method", "login", "no", "hidden"):
                        problems.append(f"{method} {url}: {got} ({response.status_code}), but the matrix does "
                                        f"not list {method} for {route.name}")
                elif not fits(access[role], got, other_team=other_team):
                    problems.append(f"{method} {url}{' (another team)' if other_team else ''}: expected "
                                    f"{access[role]}, got {got} ({response.status_code})")
                if role != "anonymous" and not route.is_api and "_auth_user_id" not in client.session:
                    client.force_login(user)  # the walk signed out (logout)
    return problems, sent


@pytest.mark.parametrize("role", matrix.ROLES)
def test_every_url_answers_each_role_as_the_matrix_says(role, world):
    problems, sent = walk(role, world)

    assert sent > 300, "the walk reached too few URLs"
    assert not problems, f"{len(problems)} answers differ from cxhub/permissions_matrix.py for {role}:\n" + \
        "\n".join(problems)


def test_the_documentation_shows_the_matrix():
    doc = (Path(project_settings.BASE_DIR) / "docs" / "permissions.md").read_text(encoding="utf-8")
    start, end = "<!-- matrix:start -->\n", "<!-- matrix:end -->"
    assert start in doc and end in doc
    shown = doc.split(start, 1)[1].split(end, 1)[0]
    assert shown.strip() == matrix.markdown_table().strip(), (
        "docs/permissions.md is out of date: replace the table between the matrix markers with the output "
        "of `python -m cxhub.permissions_matrix`")


def test_every_matrix_entry_names_a_url_that_exists():
    names = {route.name for route in routes()}

    assert [n for item in matrix.ENTRIES for n in item.names if n not in names] == []

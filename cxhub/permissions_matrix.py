"""Who may reach which page and API endpoint: the one table behind docs/permissions.md and the test that
walks every URL of the project as each role (tests/cxhub/test_permission_matrix.py).

Each entry names URL patterns (by URL name), the HTTP methods it covers and, for each role, what happens:

- open:  anyone, signed in or not (public survey links, sign-in, health checks)
- login: an anonymous visitor is sent to sign in (pages) or answered 401 (API)
- yes:   allowed
- team:  allowed for the tickets of the person's own teams (tickets.selectors.tickets_visible_to); another
         team's ticket answers 404, exactly as a ticket that does not exist
- no:    refused with 403

A URL pattern that no entry names fails the test, so a new page or endpoint needs its row here (and
docs/permissions.md is regenerated from this table: `python -m cxhub.permissions_matrix`).
Plain Python on purpose: no Django import, so the documentation can be printed anywhere.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

ROLES = ("anonymous", "agent", "lead", "manager", "admin", "api_read", "api_write")
ROLE_TITLES = {
    "anonymous": "Anonymous", "agent": "Support agent", "lead": "Team lead", "manager": "CX manager",
    "admin": "Administrator", "api_read": "API client (read-only)", "api_write": "API client (read-write)",
}
OUTCOMES = {"open": "anyone", "login": "sign in", "yes": "yes", "team": "own teams", "no": "—"}
SAFE = ("GET",)


@dataclass(frozen=True)
class Entry:
    area: str
    what: str
    where: str  # the address(es) as a reader sees them
    names: tuple[str, ...]  # URL names: "namespace:name" for pages, the router's names under /api/v1/
    methods: tuple[str, ...]
    access: Mapping[str, str]


def entry(area: str, what: str, where: str, names: str, methods: str, access: str) -> Entry:
    values = access.split()
    if len(values) != len(ROLES) or any(v not in OUTCOMES for v in values):
        raise ValueError(f"{what}: give one of {sorted(OUTCOMES)} for each of {ROLES}, not {access!r}")
    return Entry(area, what, where, tuple(names.split()), tuple(methods.split()), dict(zip(ROLES, values, strict=True)))


# Roles, in this order:                            anonymous agent lead manager admin api_read api_write
ALL = "open open open open open open open"
SIGNED_IN = "login yes yes yes yes yes yes"
MANAGER = "login no no yes no no no"
LEAD = "login no yes yes no no no"  # a team lead for their own teams, a manager for all
ADMIN = "login no no no yes no no"
PEOPLE_ADMIN = "login no no yes yes no no"  # managers keep API tokens and the audit log they had
READ_EXPERIENCE = "login yes yes yes no yes yes"
READ_PEOPLE_SIDE = "login yes yes yes no no no"  # the app's own pages and data, not for integrations
TEAM_READ = "login team team yes no yes yes"
TEAM_WORK = "login team team yes no no yes"
WORK = "login yes yes yes no no yes"
CRM_WRITE = "login no no yes no no yes"

ACCOUNT = "Signing in and one's own account"
PEOPLE = "People, tokens and the audit log"
EXPERIENCE = "Experience: dashboard, journeys, alerts, insights, health"
BUILDER = "Journey builder: programs, journeys, stages, touchpoints, targets, weights, goals, personas"
SERVICE = "Service desk pages: queue, tickets, reports"
FEEDBACK = "Feedback pages: responses, surveys, closed loop, employee pulse"
PUBLIC = "Public links (no account)"
INTEGRATION = "Webhooks and CSV imports"
API_EXPERIENCE = "API: customers, journeys, scores, alerts, signals"
API_TICKETS = "API: tickets"
API_DESK = "API: service desk configuration"
API_FEEDBACK = "API: surveys, responses, invitations, events"
API_HOOKS = "API: webhooks, schema"

ENTRIES: list[Entry] = [
    entry(ACCOUNT, "Start page (sends each role to its first page)", "/", "home", "GET", SIGNED_IN),
    entry(ACCOUNT, "Health checks", "/healthz, /readyz", "healthz readyz", "GET", ALL),
    entry(ACCOUNT, "Sign in", "/accounts/login/", "login", "GET POST", ALL),
    entry(ACCOUNT, "Sign out", "/accounts/logout/", "logout", "POST", ALL),
    entry(ACCOUNT, "Reset a forgotten password by e-mail", "/accounts/password_reset/, /accounts/reset/…",
          "password_reset password_reset_confirm", "GET POST", ALL),
    entry(ACCOUNT, "Password reset: the notices", "/accounts/password_reset/done/, /accounts/reset/done/",
          "password_reset_done password_reset_complete", "GET", ALL),
    entry(ACCOUNT, "Change one's own password", "/accounts/password_change/", "password_change", "GET POST",
          SIGNED_IN),
    entry(ACCOUNT, "Password changed notice", "/accounts/password_change/done/", "password_change_done", "GET",
          SIGNED_IN),
    entry(ACCOUNT, "One's own account and interface language", "/account/", "account", "GET POST", SIGNED_IN),
    entry(ACCOUNT, "Switch the interface language", "/i18n/setlang/", "set_language", "GET POST", ALL),

    entry(PEOPLE, "People: list, add, change roles, teams, flags, status; password links; new teams",
          "/people/…", "people:list people:create people:edit", "GET POST", ADMIN),
    entry(PEOPLE, "People: send a password link, make a team", "/people/<id>/password-link/, /people/teams/new/",
          "people:password-link people:team-create", "POST", ADMIN),
    entry(PEOPLE, "API tokens: list and make", "/api-tokens/", "api-tokens", "GET POST", PEOPLE_ADMIN),
    entry(PEOPLE, "API tokens: revoke", "/api-tokens/<id>/revoke/", "api-token-revoke", "POST", PEOPLE_ADMIN),
    entry(PEOPLE, "Audit log of configuration changes", "/audit/", "audit-log", "GET", PEOPLE_ADMIN),

    entry(EXPERIENCE, "Experience dashboard, journey map, touchpoint page", "/journeys/, /journeys/<id>/, "
          "/journeys/touchpoints/<id>/", "journeys:dashboard journeys:detail journeys:touchpoint", "GET",
          READ_EXPERIENCE),
    entry(EXPERIENCE, "Touchpoint page: set the target", "/journeys/touchpoints/<id>/", "journeys:touchpoint", "POST",
          MANAGER),
    entry(EXPERIENCE, "Alerts: list and detail", "/journeys/alerts/…", "journeys:alerts journeys:alert_detail",
          "GET", READ_EXPERIENCE),
    entry(EXPERIENCE, "Alerts: acknowledge, resolve", "/journeys/alerts/<id>/acknowledge/, …/resolve/",
          "journeys:alert_acknowledge journeys:alert_resolve", "POST", MANAGER),
    entry(EXPERIENCE, "Insights: service impact, drivers", "/journeys/insights/…", "journeys:impact journeys:drivers",
          "GET", MANAGER),
    entry(EXPERIENCE, "Customer health: list and customer", "/journeys/health/…",
          "journeys:health_list journeys:customer_health", "GET", READ_PEOPLE_SIDE),
    entry(EXPERIENCE, "Customer health: recompute one customer's", "/journeys/health/customers/<id>/recompute/",
          "journeys:customer_health_recompute", "POST", READ_PEOPLE_SIDE),
    entry(EXPERIENCE, "Improvement initiatives: list and detail", "/journeys/initiatives/…",
          "journeys:initiatives journeys:initiative_detail", "GET", READ_PEOPLE_SIDE),
    entry(EXPERIENCE, "Improvement initiatives: add and change", "/journeys/initiatives/new/, …/<id>/edit/",
          "journeys:initiative_create journeys:initiative_edit", "GET POST", MANAGER),

    entry(BUILDER, "Builder overview, read only without the right to change", "/journeys/builder/",
          "journeys:builder", "GET", READ_EXPERIENCE),
    entry(BUILDER, "Personas and a program's goals, read only without the right to change",
          "/journeys/builder/personas/, …/programs/<id>/goals/", "journeys:personas journeys:goals", "GET",
          READ_PEOPLE_SIDE),
    entry(BUILDER, "Programs: add, change", "/journeys/builder/programs/…",
          "journeys:program_create journeys:program_edit", "GET POST", MANAGER),
    entry(BUILDER, "Goals: add, change, delete", "/journeys/builder/programs/<id>/goals/new/, …/goals/<id>/…",
          "journeys:goal_create journeys:goal_edit journeys:goal_delete", "GET POST", MANAGER),
    entry(BUILDER, "Personas: add, change, delete", "/journeys/builder/personas/…",
          "journeys:persona_create journeys:persona_edit journeys:persona_delete", "GET POST", MANAGER),
    entry(BUILDER, "Journeys: add, change", "/journeys/builder/programs/<id>/journeys/new/, …/journeys/<id>/",
          "journeys:journey_create journeys:journey_edit", "GET POST", MANAGER),
    entry(BUILDER, "Stages: add, reorder, move, delete", "/journeys/builder/journeys/<id>/stages/…, "
          "…/stages/<id>/move/, …/delete/",
          "journeys:stage_add journeys:stage_reorder journeys:stage_move journeys:stage_delete", "POST", MANAGER),
    entry(BUILDER, "Stages: change; touchpoints: add", "/journeys/builder/stages/<id>/edit/, …/touchpoints/new/",
          "journeys:stage_edit journeys:touchpoint_create", "GET POST", MANAGER),
    entry(BUILDER, "Touchpoints: change, with targets and weights", "/journeys/builder/touchpoints/<id>/edit/",
          "journeys:touchpoint_edit", "GET POST", MANAGER),
    entry(BUILDER, "Touchpoints: move, archive, restore, delete", "/journeys/builder/touchpoints/<id>/…",
          "journeys:touchpoint_move journeys:touchpoint_archive journeys:touchpoint_restore journeys:touchpoint_delete",
          "POST", MANAGER),

    entry(SERVICE, "Ticket queue (and its filters and search)", "/tickets/", "tickets:list", "GET", TEAM_READ),
    entry(SERVICE, "Log a ticket", "/tickets/new/", "tickets:create", "GET POST", WORK),
    entry(SERVICE, "Change many tickets at once; one's own availability", "/tickets/bulk/, /tickets/availability/",
          "tickets:bulk tickets:availability", "POST", WORK),
    entry(SERVICE, "A ticket, its conversation and attachments", "/tickets/<id>/, …/attachments/<id>/",
          "tickets:detail tickets:attachment", "GET", TEAM_READ),
    entry(SERVICE, "Work a ticket: reply, status, take, assign, priority, classify, merge, link",
          "/tickets/<id>/reply/, …/status/, …",
          "tickets:reply tickets:status tickets:take tickets:assign tickets:priority tickets:classify "
          "tickets:merge tickets:link tickets:unlink", "POST", TEAM_WORK),
    entry(SERVICE, "Service reports and the CSV export of the queue", "/tickets/reports/, /tickets/export.csv",
          "tickets:reports tickets:export", "GET", TEAM_READ),

    entry(FEEDBACK, "Survey responses: list, one, CSV", "/feedback/responses/…",
          "feedback:responses feedback:response feedback:response-export", "GET", READ_EXPERIENCE),
    entry(FEEDBACK, "Record a response (e.g. from a phone call)", "/feedback/responses/new/",
          "feedback:response-create", "GET POST", WORK),
    entry(FEEDBACK, "Surveys: list, one, preview", "/feedback/surveys/…",
          "feedback:surveys feedback:survey feedback:survey-preview", "GET", MANAGER),
    entry(FEEDBACK, "Surveys: add, change, preview answers", "/feedback/surveys/new/, …/<id>/edit/, …/preview/page/",
          "feedback:survey-create feedback:survey-edit feedback:survey-preview-page", "GET POST", MANAGER),
    entry(FEEDBACK, "Surveys: switch on and off", "/feedback/surveys/<id>/active/", "feedback:survey-active", "POST",
          MANAGER),
    entry(FEEDBACK, "Closed loop overview", "/feedback/loop/", "feedback_loop:overview", "GET", READ_EXPERIENCE),
    entry(FEEDBACK, "Closed loop: tag a response's themes", "/feedback/loop/responses/<id>/themes/",
          "feedback_loop:response-themes", "POST", MANAGER),
    entry(FEEDBACK, "Employee pulse: list and report", "/pulse/, /pulse/surveys/<id>/", "pulse:list pulse:report",
          "GET", MANAGER),
    entry(FEEDBACK, "Employee pulse: invite staff", "/pulse/surveys/<id>/invite/", "pulse:invite", "POST",
          MANAGER),

    entry(PUBLIC, "Answer a survey or an employee pulse from the e-mailed link", "/s/<token>/, /pulse/<token>/",
          "feedback_public:answer pulse:answer", "GET POST", ALL),
    entry(PUBLIC, "Survey thank-you page", "/s/<token>/thanks/", "feedback_public:thanks", "GET", ALL),

    entry(INTEGRATION, "Webhooks: list, one, add, change, delete", "/webhooks/…",
          "webhooks:list webhooks:create webhooks:detail webhooks:edit webhooks:delete", "GET POST", MANAGER),
    entry(INTEGRATION, "Webhooks: enable, disable, test, rotate the secret, redeliver", "/webhooks/<id>/…",
          "webhooks:enable webhooks:disable webhooks:test webhooks:rotate-secret", "POST", MANAGER),
    entry(INTEGRATION, "Webhooks: redeliver", "/webhooks/deliveries/<id>/redeliver/", "webhooks:redeliver", "POST",
          MANAGER),
    entry(INTEGRATION, "CSV imports: list, one, progress, rejected rows, templates",
          "/imports/…", "imports:list imports:detail imports:progress imports:rejects imports:template", "GET",
          MANAGER),
    entry(INTEGRATION, "CSV imports: upload", "/imports/new/", "imports:create", "GET POST", MANAGER),
    entry(INTEGRATION, "CSV imports: run again", "/imports/<id>/run-again/", "imports:rerun", "POST", MANAGER),

    entry(API_EXPERIENCE, "Customers: read", "/api/v1/customers/…",
          "customer-list customer-detail customer-by-external-id", "GET", READ_EXPERIENCE),
    entry(API_EXPERIENCE, "Customers: create", "/api/v1/customers/", "customer-list", "POST", WORK),
    entry(API_EXPERIENCE, "Customers: change, upsert by CRM id, bulk upsert", "/api/v1/customers/<id>/, …",
          "customer-detail customer-by-external-id customer-bulk-upsert", "PUT PATCH POST", WORK),
    entry(API_EXPERIENCE, "Programs, journeys, stages, touchpoints, scores", "/api/v1/programs/, …",
          "program-list program-detail journey-list journey-detail journey-scores stage-list stage-detail "
          "touchpoint-list touchpoint-detail touchpoint-score score-list", "GET", READ_EXPERIENCE),
    entry(API_EXPERIENCE, "Touchpoints: change targets and weights", "/api/v1/touchpoints/<id>/", "touchpoint-detail",
          "PATCH", MANAGER),
    entry(API_EXPERIENCE, "Alerts: read", "/api/v1/alerts/…", "alert-list alert-detail", "GET", READ_EXPERIENCE),
    entry(API_EXPERIENCE, "Alerts: acknowledge, resolve", "/api/v1/alerts/<id>/…",
          "alert-acknowledge alert-resolve", "POST", MANAGER),
    entry(API_EXPERIENCE, "Experience signals: read", "/api/v1/signals/…", "signal-list signal-detail", "GET",
          "login no no yes no yes yes"),
    entry(API_EXPERIENCE, "Experience signals: record", "/api/v1/signals/", "signal-list", "POST", CRM_WRITE),

    entry(API_TICKETS, "Tickets: list, one (by id or CRM id), service reports", "/api/v1/tickets/…, "
          "/api/v1/reports/tickets/", "ticket-list ticket-detail ticket-by-external-id ticket-report-list", "GET",
          TEAM_READ),
    entry(API_TICKETS, "Tickets: create", "/api/v1/tickets/", "ticket-list", "POST", WORK),
    entry(API_TICKETS, "Tickets: reply, resolve, reopen, status, assign, priority, classify, unlink, bulk changes, "
          "upsert by CRM id", "/api/v1/tickets/<id>/…, /api/v1/tickets/bulk/, …/bulk-upsert/, …/by-external-id/<id>/",
          "ticket-replies ticket-resolve ticket-reopen ticket-change-status ticket-assign ticket-priority "
          "ticket-classify ticket-unlink ticket-bulk ticket-bulk-upsert ticket-by-external-id", "POST PUT DELETE",
          TEAM_WORK),
    entry(API_TICKETS, "Tickets: merge duplicates, link related tickets", "/api/v1/tickets/<id>/merge/, …/links/",
          "ticket-merge ticket-links", "POST", "login team team yes no no no"),

    entry(API_DESK, "Categories, resolution codes, custom fields, calendars, SLA policies: read",
          "/api/v1/categories/, …", "category-list category-detail resolution-code-list resolution-code-detail "
          "custom-field-list custom-field-detail business-calendar-list business-calendar-detail sla-policy-list "
          "sla-policy-detail", "GET", READ_EXPERIENCE),
    entry(API_DESK, "Tags: read", "/api/v1/tags/…", "tag-list tag-detail", "GET", READ_EXPERIENCE),
    entry(API_DESK, "Tags: add", "/api/v1/tags/", "tag-list", "POST", READ_PEOPLE_SIDE),
    entry(API_DESK, "Routing rules: read", "/api/v1/routing-rules/…", "routing-rule-list routing-rule-detail", "GET",
          READ_PEOPLE_SIDE),
    entry(API_DESK, "Canned responses: read, fill in for a ticket", "/api/v1/canned-responses/…",
          "canned-response-list canned-response-detail canned-response-render-for-ticket", "GET", READ_PEOPLE_SIDE),
    entry(API_DESK, "Canned responses: add", "/api/v1/canned-responses/", "canned-response-list", "POST",
          READ_PEOPLE_SIDE),
    entry(API_DESK, "Canned responses: change, delete (a team lead: their teams' only)",
          "/api/v1/canned-responses/<id>/", "canned-response-detail", "PUT PATCH DELETE", LEAD),
    entry(API_DESK, "Agent availability: read; change one's own (managers: anyone's)", "/api/v1/agent-availability/…",
          "agent-availability-list agent-availability-detail", "GET PUT PATCH", READ_PEOPLE_SIDE),
    entry(API_DESK, "Teams' routing modes: read, set (a team lead: their teams' only)", "/api/v1/team-routing/…",
          "team-routing-list team-routing-detail", "GET POST PUT PATCH DELETE", LEAD),
    entry(API_DESK, "Service desk configuration: create, change, delete", "/api/v1/categories/, …",
          "category-list category-detail resolution-code-list resolution-code-detail tag-detail custom-field-list "
          "custom-field-detail business-calendar-list business-calendar-detail sla-policy-list sla-policy-detail "
          "routing-rule-list routing-rule-detail", "POST PUT PATCH DELETE", MANAGER),

    entry(API_FEEDBACK, "Surveys, responses, themes, invitations: read", "/api/v1/surveys/, …",
          "survey-list survey-detail survey-version survey-versions response-list response-detail theme-list "
          "theme-detail invitation-list invitation-detail", "GET", READ_EXPERIENCE),
    entry(API_FEEDBACK, "Responses: record", "/api/v1/responses/", "response-list", "POST", WORK),
    entry(API_FEEDBACK, "Invitations and touchpoint events: create", "/api/v1/invitations/, …",
          "invitation-list invitation-batch touchpoint-event-list", "POST", CRM_WRITE),
    entry(API_FEEDBACK, "Touchpoint events: read", "/api/v1/touchpoint-events/…",
          "touchpoint-event-list touchpoint-event-detail", "GET", "login no no yes no yes yes"),
    entry(API_FEEDBACK, "Surveys, versions, themes: create, close, reopen; tag responses", "/api/v1/surveys/, …",
          "survey-list survey-close survey-reopen survey-versions theme-list response-themes response-untag",
          "POST DELETE", MANAGER),
    entry(API_FEEDBACK, "Feedback settings and ticket survey rules", "/api/v1/feedback-settings/, "
          "/api/v1/ticket-survey-rules/…", "feedback-settings ticket-survey-rule-list ticket-survey-rule-detail",
          "GET POST PUT PATCH DELETE", MANAGER),

    entry(API_HOOKS, "Webhook subscriptions and deliveries", "/api/v1/webhook-subscriptions/, …",
          "webhook-subscription-list webhook-subscription-detail webhook-subscription-disable "
          "webhook-subscription-enable webhook-subscription-rotate-secret webhook-subscription-test "
          "webhook-delivery-list webhook-delivery-detail webhook-delivery-redeliver",
          "GET POST PUT PATCH DELETE", MANAGER),
    entry(API_HOOKS, "API root", "/api/v1/", "api-root", "GET", SIGNED_IN),
    entry(API_HOOKS, "OpenAPI schema and interactive documentation", "/api/schema/, /api/docs/",
          "api-schema api-docs", "GET", ALL),
]


def entries_for(name: str) -> list[Entry]:
    return [e for e in ENTRIES if name in e.names]


def expected_methods(name: str) -> set[str]:
    return {m for item in ENTRIES if name in item.names for m in item.methods}


def expected(name: str, method: str) -> Mapping[str, str] | None:
    """What each role gets for `method` on the URL named `name`, or None when no entry covers it."""
    for item in ENTRIES:
        if name in item.names and method in item.methods:
            return item.access
    return None


def markdown_table() -> str:
    """The matrix as the Markdown tables of docs/permissions.md, one per area."""
    out: list[str] = []
    header = "| What | Where | Method | " + " | ".join(ROLE_TITLES[r] for r in ROLES) + " |"
    rule = "|" + " --- |" * (3 + len(ROLES))
    area = None
    for item in ENTRIES:
        if item.area != area:
            if area is not None:
                out.append("")
            area = item.area
            out += [f"### {area}", "", header, rule]
        cells = [OUTCOMES[item.access[r]] for r in ROLES]
        out.append(f"| {item.what} | {item.where} | {' '.join(item.methods)} | " + " | ".join(cells) + " |")
    return "\n".join(out) + "\n"


if __name__ == "__main__":
    print(markdown_table(), end="")

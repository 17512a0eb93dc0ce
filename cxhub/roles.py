"""Roles are Django groups; this module is the single source of what each role may do.

`sync_role_groups` runs after every migrate, so the groups in the database always match this table.
Pages and API views check ordinary Django permissions (`user.has_perm`), never group names.
docs/permissions.md shows what each role may do, page by page and endpoint by endpoint.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType
from django.utils.translation import gettext_lazy as _

CX_MANAGER = "CX manager"
TEAM_LEAD = "Team lead"
SUPPORT_AGENT = "Support agent"
ADMINISTRATOR = "Administrator"
API_CLIENT_READ = "API client (read-only)"
API_CLIENT_WRITE = "API client (read-write)"

# Capabilities that no model permission expresses: (app label, model, codename, name). They are made by
# sync_role_groups on the model's content type, like Meta.permissions but without a migration.
VIEW_ALL_TEAMS = "tickets.view_all_teams"
ASSIGN_TICKETS = "tickets.assign_ticket"
MANAGE_PEOPLE = "cxhub.manage_people"
CUSTOM_PERMISSIONS: list[tuple[str, str, str, str]] = [
    ("tickets", "ticket", "view_all_teams", "Can see and work the tickets of every team"),
    ("tickets", "ticket", "assign_ticket", "Can assign and reassign tickets to other people"),
    ("cxhub", "profile", "manage_people", "Can manage people: accounts, roles, teams and profile flags"),
]

_CRUD = ("add", "change", "delete", "view")


def _perms(app_model: str, actions: tuple[str, ...] = _CRUD) -> list[str]:
    app, model = app_model.split(".")
    return [f"{app}.{action}_{model}" for action in actions]


_API_READ = [
    *_perms("cxhub.team", ("view",)),
    *_perms("journeys.customer", ("view",)),
    *_perms("journeys.program", ("view",)),
    *_perms("journeys.journey", ("view",)),
    *_perms("journeys.stage", ("view",)),
    *_perms("journeys.touchpoint", ("view",)),
    *_perms("journeys.scorecomponentdaily", ("view",)),
    *_perms("journeys.alert", ("view",)),
    *_perms("journeys.experiencesignal", ("view",)),
    *_perms("tickets.ticket", ("view",)),
    VIEW_ALL_TEAMS,  # a CRM syncs every ticket, whichever team works it
    *_perms("tickets.ticketmessage", ("view",)),
    *_perms("tickets.category", ("view",)),
    *_perms("tickets.resolutioncode", ("view",)),
    *_perms("tickets.tag", ("view",)),
    *_perms("tickets.customfield", ("view",)),
    *_perms("tickets.businesscalendar", ("view",)),
    *_perms("tickets.slapolicy", ("view",)),
    *_perms("feedback.survey", ("view",)),
    *_perms("feedback.surveyversion", ("view",)),
    *_perms("feedback.response", ("view",)),
    *_perms("feedback.invitation", ("view",)),
    *_perms("feedback.touchpointevent", ("view",)),
    *_perms("feedback.theme", ("view",)),
]
# What a CRM writes: customers, tickets and their messages, answers, touchpoint events, signals.
_API_WRITE = [
    *_perms("journeys.customer", ("add", "change")),
    *_perms("journeys.experiencesignal", ("add",)),
    *_perms("tickets.ticket", ("add", "change")),
    ASSIGN_TICKETS,
    *_perms("tickets.ticketmessage", ("add",)),
    *_perms("feedback.response", ("add",)),
    *_perms("feedback.touchpointevent", ("add",)),
    *_perms("feedback.invitation", ("add",)),
]

# Works the tickets of their own teams (tickets.selectors.tickets_visible_to), takes and gives back.
_AGENT = [
    *_perms("cxhub.team", ("view",)),
    *_perms("journeys.customer", ("add", "change", "view")),
    *_perms("journeys.program", ("view",)),
    *_perms("journeys.journey", ("view",)),
    *_perms("journeys.stage", ("view",)),
    *_perms("journeys.touchpoint", ("view",)),
    *_perms("journeys.scorecomponentdaily", ("view",)),
    *_perms("journeys.persona", ("view",)),
    *_perms("journeys.goal", ("view",)),
    *_perms("journeys.initiative", ("view",)),
    *_perms("journeys.alert", ("view",)),
    *_perms("journeys.customerhealth", ("view",)),
    *_perms("tickets.ticket", ("add", "change", "view")),
    *_perms("tickets.ticketmessage", ("add", "view")),
    *_perms("feedback.survey", ("view",)),
    *_perms("feedback.response", ("add", "view")),
    *_perms("feedback.surveyversion", ("view",)),
    *_perms("feedback.theme", ("view",)),
    *_perms("feedback.invitation", ("view",)),
    *_perms("tickets.tag", ("add", "view")),
    *_perms("tickets.category", ("view",)),
    *_perms("tickets.resolutioncode", ("view",)),
    *_perms("tickets.customfield", ("view",)),
    *_perms("tickets.businesscalendar", ("view",)),
    *_perms("tickets.slapolicy", ("view",)),
    *_perms("tickets.routingrule", ("view",)),
    *_perms("tickets.agentavailability", ("view",)),
    *_perms("tickets.cannedresponse", ("add", "view")),
    *_perms("tickets.attachment", ("add", "view")),
    *_perms("tickets.ticketlink", ("add", "view")),
]

ROLE_PERMISSIONS: dict[str, list[str]] = {
    CX_MANAGER: [
        *_perms("auditlog.logentry", ("view",)),
        *_perms("cxhub.apitoken", ("add", "change", "view")),
        *_perms("cxhub.team"),
        *_perms("cxhub.webhooksubscription"),
        *_perms("cxhub.webhookevent", ("view",)),
        *_perms("cxhub.webhookdelivery", ("view",)),
        *_perms("cxhub.webhookattempt", ("view",)),
        *_perms("cxhub.importjob", ("add", "view")),  # CSV imports (docs/import.md)
        *_perms("journeys.customer"),
        *_perms("journeys.program"),
        *_perms("journeys.journey"),
        *_perms("journeys.stage"),
        *_perms("journeys.touchpoint"),
        *_perms("journeys.experiencesignal", ("add", "view")),
        *_perms("journeys.scorecomponentdaily", ("view",)),
        *_perms("journeys.persona"),
        *_perms("journeys.goal"),
        *_perms("journeys.initiative"),
        *_perms("journeys.alert", ("change", "view")),
        *_perms("journeys.customerhealth", ("view",)),
        *_perms("journeys.analysissnapshot", ("view",)),
        *_perms("tickets.ticket", ("add", "change", "view")),
        VIEW_ALL_TEAMS,
        ASSIGN_TICKETS,
        *_perms("tickets.ticketmessage", ("add", "view")),
        *_perms("feedback.survey"),
        *_perms("feedback.response", ("add", "change", "view")),
        *_perms("feedback.surveyversion", ("add", "view")),
        *_perms("feedback.theme"),
        *_perms("feedback.feedbacksettings", ("change", "view")),
        *_perms("feedback.ticketsurveyrule"),
        *_perms("feedback.invitation", ("add", "view")),
        *_perms("feedback.touchpointevent", ("add", "view")),
        *_perms("feedback.pulseanswer", ("view",)),
        *_perms("tickets.tag"),
        *_perms("tickets.category"),
        *_perms("tickets.resolutioncode"),
        *_perms("tickets.customfield"),
        *_perms("tickets.businesscalendar"),
        *_perms("tickets.businesshours"),
        *_perms("tickets.holiday"),
        *_perms("tickets.slapolicy"),
        *_perms("tickets.routingrule"),
        *_perms("tickets.teamrouting"),
        *_perms("tickets.agentavailability", ("change", "view")),
        *_perms("tickets.cannedresponse"),
        *_perms("tickets.attachment", ("add", "view")),
        *_perms("tickets.ticketlink", ("add", "view")),
    ],
    SUPPORT_AGENT: _AGENT,
    # An agent who also leads: assigns and reassigns the tickets of the teams they belong to, sets their
    # teams' routing modes and keeps their canned responses (tickets.selectors.check_team_configuration).
    # Routing rules stay with managers: one ordered list decides between all teams.
    TEAM_LEAD: [
        *_AGENT,
        ASSIGN_TICKETS,
        *_perms("tickets.teamrouting"),
        *_perms("tickets.cannedresponse", ("change", "delete")),
    ],
    # Looks after people and access, not business data: accounts, their roles and teams, integration
    # accounts' tokens, and the audit log of who changed what. Give a second role for more.
    ADMINISTRATOR: [
        MANAGE_PEOPLE,
        *_perms("cxhub.team"),
        *_perms("cxhub.apitoken", ("add", "change", "view")),
        *_perms("auditlog.logentry", ("view",)),
    ],
    # Integration accounts: they hold API tokens, never log in to pages they have no use for.
    API_CLIENT_READ: _API_READ,
    API_CLIENT_WRITE: [*_API_READ, *_API_WRITE],
}


# The roles' names as people read them (the group names above are identifiers and stay in English).
ROLE_LABELS: dict[str, Any] = {
    CX_MANAGER: _("CX manager"),
    TEAM_LEAD: _("Team lead"),
    SUPPORT_AGENT: _("Support agent"),
    ADMINISTRATOR: _("Administrator"),
    API_CLIENT_READ: _("API client (read-only)"),
    API_CLIENT_WRITE: _("API client (read-write)"),
}
# What each role is for, in a sentence, where people are given roles (the People page).
ROLE_DESCRIPTIONS: dict[str, Any] = {
    CX_MANAGER: _("Designs journeys, targets and surveys; sees every team's tickets and all scores."),
    TEAM_LEAD: _("A support agent who also assigns and reassigns the tickets of their teams."),
    SUPPORT_AGENT: _("Works the tickets of their own teams; takes tickets and gives them back."),
    ADMINISTRATOR: _("Manages people, their roles and teams, API tokens; reads the audit log."),
    API_CLIENT_READ: _("An integration account that reads through the API."),
    API_CLIENT_WRITE: _("An integration account that reads and writes through the API."),
}


def _sync_custom_permissions() -> None:
    """Make the permissions of CUSTOM_PERMISSIONS whose model's content type exists by now."""
    for app_label, model, codename, name in CUSTOM_PERMISSIONS:
        content_type = ContentType.objects.filter(app_label=app_label, model=model).first()
        if content_type is None:  # that app's post_migrate has not run yet; a later call makes it
            continue
        Permission.objects.update_or_create(content_type=content_type, codename=codename,
                                            defaults={"name": name})


def sync_role_groups(**kwargs: Any) -> None:
    """Create the role groups and set their permissions exactly as ROLE_PERMISSIONS says."""
    _sync_custom_permissions()
    for role, codes in ROLE_PERMISSIONS.items():
        group, _ = Group.objects.get_or_create(name=role)
        wanted = set(codes)
        perms = [
            perm
            for perm in Permission.objects.select_related("content_type").filter(
                content_type__app_label__in={code.split(".")[0] for code in wanted}
            )
            if f"{perm.content_type.app_label}.{perm.codename}" in wanted
        ]
        group.permissions.set(perms)


# The order in which the page header names a person's main role.
_HEADER_ORDER = (ADMINISTRATOR, CX_MANAGER, TEAM_LEAD, SUPPORT_AGENT, API_CLIENT_WRITE, API_CLIENT_READ)
SESSION_ROLES = "cxhub_roles"


def remember_role_names(sender: object, request: Any = None, user: Any = None, **kwargs: object) -> None:
    """On login (user_logged_in): keep the person's role names in the session for the page header."""
    if request is not None and user is not None:
        request.session[SESSION_ROLES] = sorted(user.groups.values_list("name", flat=True))


def session_role_label(request: Any) -> Any:
    """The signed-in person's main role as the page header names it, or "".

    The role names are read at sign-in and kept in the session, so a page does not spend a query on a
    label; a role given or taken away meanwhile shows from the next sign-in. Permissions themselves are
    always checked afresh. A session from before sign-ins kept them reads them, without writing.
    """
    user = request.user
    if not user.is_authenticated:
        return ""
    names = request.session.get(SESSION_ROLES)
    if names is None:
        names = list(user.groups.values_list("name", flat=True))
    return next((ROLE_LABELS[role] for role in _HEADER_ORDER if role in names), "")

"""Reads on the service side, and who may see and work which tickets.

Team scoping (docs/permissions.md): a person who works every team (the `tickets.view_all_teams`
permission of their role, or the "sees all teams" flag of their profile) sees every ticket. Everyone else
who may view tickets sees those of the teams they belong to, those without a team yet (the shared triage
pool: no routing rule and no owning team matched), and those assigned to them or logged by them. Every
page and API operation reaches tickets through `tickets_visible_to`, so another team's ticket opened by
its number is "not found" (404), exactly like a number that does not exist.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser, Permission
from django.db.models import Exists, Prefetch, Q, QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext as _

from cxhub.exceptions import DomainError, ForbiddenError
from cxhub.models import Profile, Team
from cxhub.roles import ASSIGN_TICKETS, VIEW_ALL_TEAMS
from tickets.filters import TicketFilterSet, queue_params
from tickets.forms import agents_queryset
from tickets.models import Ticket, TicketEvent, TicketMessage

AnyUser = AbstractBaseUser | AnonymousUser


def tickets_visible_to(user: AnyUser, queryset: QuerySet[Ticket] | None = None) -> QuerySet[Ticket]:
    """The tickets (of `queryset`, by default all) that the user may see and work; see the module doc.

    One condition on the same query (subqueries for the user's teams and profile), so it adds no query.
    """
    tickets = Ticket.objects.all() if queryset is None else queryset
    if not user.is_authenticated or not user.is_active or not user.has_perm("tickets.view_ticket"):
        return tickets.none()
    if user.has_perm(VIEW_ALL_TEAMS):
        return tickets
    my_teams = Team.members.through.objects.filter(user_id=user.pk).values("team_id")
    # The profile's flag is read in the same statement (a constant subquery), not by a query of its own.
    flag = Exists(Profile.objects.filter(user_id=user.pk, sees_all_teams=True))
    return tickets.filter(
        flag | Q(team__isnull=True) | Q(team_id__in=my_teams) | Q(assignee_id=user.pk)
        | Q(created_by_id=user.pk)
    )


def ticket_queue(*, request: HttpRequest) -> TicketFilterSet:
    """The agent's queue: the shared ticket filters over the query string, "All open" by default, over the
    tickets the user may see.

    An invalid value drops only its own filter (the page says which); the list joins in everything it
    shows, so it runs a constant number of queries per page.
    """
    data = queue_params(request.GET)
    tickets = (
        tickets_visible_to(request.user)
        .select_related("customer", "team", "assignee", "touchpoint__stage", "category")
        .prefetch_related("tags")
        .order_by("-created_at", "-id")
    )
    return TicketFilterSet(data, queryset=tickets, request=request)


def check_team_configuration(*, user: AnyUser, team_id: int | None) -> None:
    """A team lead changes the configuration of their own teams only (the team's canned responses, its
    routing mode); that of every team, or of none in particular, is for those who work all teams
    (CX managers). Raises ForbiddenError (403)."""
    if user.has_perm(VIEW_ALL_TEAMS):
        return
    if team_id is None:
        raise ForbiddenError(_("Only a CX manager changes what belongs to every team."), field="team")
    if not Team.members.through.objects.filter(team_id=team_id, user_id=user.pk).exists():
        raise ForbiddenError(_("You may change this only for the teams you belong to."), field="team")


def ticket_get(*, pk: int, user: AnyUser) -> Ticket:
    """One ticket the user may see, with its conversation and history. Raises Ticket.DoesNotExist, also
    for another team's ticket."""
    return (
        tickets_visible_to(user).select_related("customer", "team", "assignee", "touchpoint__stage__journey",
                                      "category", "resolution_code", "sla_policy", "merged_into")
        .prefetch_related(
            Prefetch("messages", queryset=TicketMessage.objects.select_related("author")
                     .prefetch_related("attachments")),
            Prefetch("events", queryset=TicketEvent.objects.select_related("actor")),
            "tags", "links_out__to_ticket", "links_in__from_ticket",
        )
        .get(pk=pk)
    )


def customer_recent_tickets(*, ticket: Ticket, user: AnyUser, limit: int = 5) -> list[Ticket]:
    """The customer's other recent tickets that the user may see."""
    return list(
        tickets_visible_to(user).filter(customer_id=ticket.customer_id).exclude(pk=ticket.pk)
        .order_by("-created_at")[:limit]
    )


# --- Assignment ---------------------------------------------------------------------------------------


def _works_all_teams_q() -> Q:
    perm = Permission.objects.filter(content_type__app_label="tickets", codename=VIEW_ALL_TEAMS.split(".")[1])
    return (Q(groups__permissions__in=perm) | Q(user_permissions__in=perm) | Q(is_superuser=True)
            | Q(profile__sees_all_teams=True))


def ticket_assignable_people(*, ticket: Ticket) -> QuerySet[AbstractBaseUser]:
    """Who the ticket may be given to: active people who work tickets and are in the ticket's team, or
    who work every team. A ticket without a team may go to anyone who works tickets."""
    people = agents_queryset()
    if ticket.team_id is None:
        return people
    ids = get_user_model().objects.filter(Q(teams=ticket.team_id) | _works_all_teams_q()).values("pk")
    return people.filter(pk__in=ids)


def _assignment_refusal(*, actor: AnyUser, ticket: Ticket, assignee: AbstractBaseUser | None,
                        eligible: set[int] | None = None) -> DomainError | None:
    if not actor.has_perm(ASSIGN_TICKETS):
        if assignee is not None and assignee.pk != actor.pk:
            return ForbiddenError(_("Your role may take tickets and give them back, not assign them to "
                                    "others: a team lead can."), field="assignee")
        if ticket.assignee_id is not None and ticket.assignee_id != actor.pk:
            return ForbiddenError(_("Someone else has this ticket: a team lead can reassign it."),
                                  field="assignee")
    if assignee is not None and assignee.pk != ticket.assignee_id:
        if eligible is None:
            eligible_now = ticket_assignable_people(ticket=ticket).filter(pk=assignee.pk).exists()
        else:
            eligible_now = assignee.pk in eligible
        if not eligible_now:
            who = assignee.get_full_name() or assignee.get_username()
            return DomainError(_("%(person)s does not work the tickets of this ticket's team.") % {"person": who},
                               field="assignee")
    return None


def check_ticket_assign(*, actor: AnyUser, ticket: Ticket, assignee: AbstractBaseUser | None) -> None:
    """Check that `actor` may give `ticket` to `assignee` (None: nobody), before tickets.services does it.

    Anyone who works a ticket may take it when nobody has it and give back their own; giving it to
    someone else, or taking it from someone, needs `tickets.assign_ticket` (team leads, managers). The
    assignee must work the ticket's team. Raises ForbiddenError (403) or DomainError (400).
    """
    refusal = _assignment_refusal(actor=actor, ticket=ticket, assignee=assignee)
    if refusal is not None:
        raise refusal


@dataclass
class BulkAccess:
    """The tickets of a bulk change that the user may change, and the others with the reason."""

    allowed: list[int] = field(default_factory=list)
    refused: list[tuple[int, str]] = field(default_factory=list)


def tickets_bulk_access(*, user: AnyUser, ticket_ids: Iterable[int], assignee: AbstractBaseUser | None,
                        unassign: bool) -> BulkAccess:
    """Sort the tickets of a bulk change: another team's ticket is refused as "No such ticket.", as one
    that does not exist; an assignment the user may not make is refused with its reason. Two queries,
    three when assigning to someone."""
    ids = list(dict.fromkeys(int(i) for i in ticket_ids))
    tickets = {t.pk: t for t in tickets_visible_to(user).filter(pk__in=ids).only("pk", "team_id", "assignee_id")}
    eligible_by_team: dict[int | None, set[int]] = {}
    if assignee is not None:
        teams = {t.team_id for t in tickets.values()}
        members = set(Team.members.through.objects.filter(
            team_id__in=[t for t in teams if t is not None], user_id=assignee.pk).values_list("team_id", flat=True))
        works_all = agents_queryset().filter(pk=assignee.pk).filter(_works_all_teams_q()).exists()
        for team_id in teams:
            allowed = team_id is None or works_all or team_id in members
            eligible_by_team[team_id] = {assignee.pk} if allowed else set()
    access = BulkAccess()
    for ticket_id in ids:
        ticket = tickets.get(ticket_id)
        if ticket is None:
            access.refused.append((ticket_id, _("No such ticket.")))
            continue
        refusal = None
        if assignee is not None or unassign:
            refusal = _assignment_refusal(actor=user, ticket=ticket, assignee=assignee,
                                          eligible=eligible_by_team.get(ticket.team_id))
        if refusal is None:
            access.allowed.append(ticket_id)
        else:
            access.refused.append((ticket_id, refusal.message))
    return access

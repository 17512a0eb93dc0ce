"""Routing: which team a new ticket goes to (ordered rules) and which agent in it (the team's mode).

Called by ticket_create inside its transaction; the rule is chosen before the SLA policy, because a
rule may change the team and the priority the policy depends on.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser, Permission
from django.db import transaction
from django.db.models import Count, Exists, F, OuterRef, Q

from cxhub.exceptions import DomainError, ForbiddenError
from cxhub.models import Team
from journeys.models import Customer, Touchpoint
from tickets.choices import OPEN_STATUSES, AssignmentMode
from tickets.models import AgentAvailability, Category, RoutingRule, TeamRouting
from tickets.services.desk_config import DeskConfig, desk_config


@dataclass
class RoutingDecision:
    """The outcome of routing one new ticket, and what the ROUTED event records about it."""

    team: Team | None
    priority: str
    assignee: AbstractBaseUser | None = None
    rule: RoutingRule | None = None
    data: dict[str, Any] = field(default_factory=dict)

    @property
    def decided(self) -> bool:
        """Whether routing did more than the default: a rule, an override, or an agent picked."""
        return bool(self.rule is not None or self.data.get("override") or self.assignee is not None)


def _keywords(rule: RoutingRule) -> list[str]:
    return [word.strip().casefold() for word in rule.keywords.split(",") if word.strip()]


def _mentions(text: str, word: str) -> bool:
    """A whole-word (or whole-phrase) match, so "car" does not match "card"; casefolded, any script."""
    return re.search(rf"(?<!\w){re.escape(word)}(?!\w)", text) is not None


def routing_rule_match(
    *, channel: str, category: Category | None, touchpoint: Touchpoint | None, segment: str, priority: str,
    text: str, config: DeskConfig | None = None,
) -> RoutingRule | None:
    """The first active rule by position whose every set condition matches; None if none does."""
    folded = text.casefold()
    rules = (config or desk_config()).rules_for(
        channel=channel, category_id=category.pk if category else None,
        touchpoint_id=touchpoint.pk if touchpoint else None, segment=segment, priority=priority,
    )
    for rule in rules:
        words = _keywords(rule)
        if not words or any(_mentions(folded, word) for word in words):
            return rule
    return None


def _works_tickets() -> Q:
    """Users holding tickets.change_ticket, in SQL: what has_perm answers with the model backend (roles
    are groups), without two permission queries per team member on every new ticket."""
    User = get_user_model()
    perm = Permission.objects.filter(codename="change_ticket", content_type__app_label="tickets")
    direct = User.user_permissions.through.objects.filter(user=OuterRef("pk"), permission__in=perm)
    via_group = User.groups.through.objects.filter(user=OuterRef("pk"), group__permissions__in=perm)
    return Q(is_superuser=True) | Q(Exists(direct)) | Q(Exists(via_group))


def _candidates(team: Team) -> list[Any]:
    """Members who may work tickets and are available (no availability row means available), in round
    robin order: never assigned first, then the longest since their last assignment, ties by id."""
    return list(
        get_user_model().objects.filter(teams=team, is_active=True)
        .filter(_works_tickets())
        .exclude(availability__is_available=False)
        .annotate(last_assigned=F("availability__last_assigned_at"))
        .order_by(F("last_assigned").asc(nulls_first=True), "id")
    )


def routing_pick_agent(*, team: Team, config: DeskConfig | None = None) -> tuple[AbstractBaseUser | None, str]:
    """The agent the team's mode hands the next ticket to, and the mode; the caller records the pick.

    Locks the team's TeamRouting row: two tickets created at once for the same team are routed one
    after the other, so the second sees the first's pick (its last_assigned_at, its new open ticket).
    A team the configuration shows as manual hands out nobody, and nothing is locked.
    """
    if (config or desk_config()).mode_of(team.pk) == AssignmentMode.MANUAL:
        return None, AssignmentMode.MANUAL
    routing = TeamRouting.objects.select_for_update().filter(team=team).first()
    mode = routing.mode if routing else AssignmentMode.MANUAL
    if mode == AssignmentMode.MANUAL:
        return None, mode
    candidates = _candidates(team)
    if not candidates:
        return None, mode
    if mode == AssignmentMode.LEAST_OPEN:
        ids = [user.pk for user in candidates]
        counts = dict(
            get_user_model().objects.filter(pk__in=ids)
            .annotate(n=Count("assigned_tickets", filter=Q(assigned_tickets__status__in=OPEN_STATUSES)))
            .values_list("pk", "n")
        )
        # min() keeps the first of equals, and candidates are in round robin order: that breaks ties.
        return min(candidates, key=lambda user: counts[user.pk]), mode
    return candidates[0], mode


def routing_record_pick(*, agent: AbstractBaseUser, at: dt.datetime) -> None:
    """Move the agent to the back of the round robin order."""
    AgentAvailability.objects.update_or_create(user=agent, defaults={"last_assigned_at": at})


def routing_decide(
    *, customer: Customer, channel: str, category: Category | None, touchpoint: Touchpoint | None,
    priority: str, subject: str, body: str, team: Team | None, assignee: AbstractBaseUser | None,
    config: DeskConfig | None = None,
) -> RoutingDecision:
    """Route a new ticket. An explicit team or assignee is a manual override: the rules are skipped (an
    explicit team without an assignee is still handed out by that team's mode)."""
    config = config or desk_config()
    if team is not None or assignee is not None:
        decision = RoutingDecision(team=team, priority=priority, assignee=assignee,
                                   data={"override": True, "rule_id": None})
    else:
        rule = routing_rule_match(channel=channel, category=category, touchpoint=touchpoint,
                                  segment=customer.segment, priority=priority, text=f"{subject}\n{body}",
                                  config=config)
        if rule is not None:
            decision = RoutingDecision(team=rule.team, priority=rule.set_priority or priority, rule=rule,
                                       data={"override": False, "rule_id": rule.pk, "rule": rule.name})
            if rule.set_priority and rule.set_priority != priority:
                decision.data["priority"] = {"old": priority, "new": rule.set_priority}
        else:
            owner_id = touchpoint.owner_team_id if touchpoint is not None else None
            default = config.teams.get(owner_id) if owner_id is not None else None
            decision = RoutingDecision(team=default, priority=priority,
                                       data={"override": False, "rule_id": None,
                                             "default": "touchpoint_owner" if default else "none"})
    if decision.assignee is None and decision.team is not None:
        decision.assignee, mode = routing_pick_agent(team=decision.team, config=config)
        decision.data["mode"] = mode
    decision.data["team_id"] = decision.team.pk if decision.team else None
    decision.data["assignee_id"] = decision.assignee.pk if decision.assignee else None
    return decision


def check_can_set_availability(*, actor: AbstractBaseUser, agent: AbstractBaseUser) -> None:
    """Agents set their own availability; setting someone else's needs the change permission."""
    if actor.pk != agent.pk and not actor.has_perm("tickets.change_agentavailability"):
        raise ForbiddenError("You may only change your own availability.", field="agent", code="forbidden")


@transaction.atomic
def agent_set_availability(*, agent: AbstractBaseUser, is_available: bool) -> AgentAvailability:
    """Whether routing hands the agent new tickets. Keeps their place in the round robin order.

    The caller has run check_can_set_availability.
    """
    if not agent.has_perm("tickets.change_ticket"):
        raise DomainError("That person does not work tickets.", field="agent")
    availability, _ = AgentAvailability.objects.select_for_update().get_or_create(user=agent)
    if availability.is_available != is_available:
        availability.is_available = is_available
        availability.save(update_fields=["is_available"])
    return availability

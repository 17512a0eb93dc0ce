"""The service desk's configuration as one read-only snapshot per server process, read again only when
it changes: routing rules, teams and their routing modes, SLA policies and their business calendars.

Every new ticket is routed and given SLA due times. Read from the database each time, that was six
queries per ticket (the rules, the default team, its mode, the policy, its hours and its holidays). With
the snapshot it is one query of one row: ConfigStamp's token, which every save or delete of those
models replaces in its own transaction. A change rolled back takes its token with it, and a token is
never reused, so a process holding a snapshot under another token than the committed one reads the
configuration again, and one holding the current token has exactly what is committed.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from django.db.models.signals import post_delete, post_save

from cxhub.lookups import RowLookup
from cxhub.models import Team
from tickets.choices import AssignmentMode
from tickets.models import (
    BusinessCalendar,
    BusinessHours,
    ConfigStamp,
    Holiday,
    RoutingRule,
    SlaPolicy,
    TeamRouting,
)
from tickets.sla.calendar import Calendar

STAMP_ID = 1
# Saving or deleting any of these changes what routing and the SLA clock decide.
WATCHED = (RoutingRule, TeamRouting, SlaPolicy, BusinessCalendar, BusinessHours, Holiday, Team)


@dataclass(frozen=True)
class DeskConfig:
    """What routing and the SLA clock read for a new ticket. Shared by the requests of one process:
    never change the objects it holds."""

    token: str
    rules: tuple[RoutingRule, ...]  # active, by position then id, each with its team
    teams: dict[int, Team]
    modes: dict[int, str]  # team id -> assignment mode; a team without a row is manual
    policies: tuple[SlaPolicy, ...]  # active, by position then id, each with its calendar
    calendars: dict[int, Calendar]

    def rules_for(self, *, channel: str, category_id: int | None, touchpoint_id: int | None, segment: str,
                  priority: str) -> Iterator[RoutingRule]:
        """The active rules, in order, whose every set condition but the keywords matches."""
        for rule in self.rules:
            if (rule.channel in ("", channel) and rule.category_id in (None, category_id)
                    and rule.touchpoint_id in (None, touchpoint_id) and rule.segment in ("", segment)
                    and rule.priority in ("", priority)):
                yield rule

    def policy_for(self, *, priority: str, team_id: int | None, channel: str) -> SlaPolicy | None:
        """The first active policy for this priority whose team and channel (when set) match."""
        return next((policy for policy in self.policies
                     if policy.priority == priority and policy.team_id in (None, team_id)
                     and policy.channel in ("", channel)), None)

    def mode_of(self, team_id: int) -> str:
        return self.modes.get(team_id, AssignmentMode.MANUAL)


_held: DeskConfig | None = None
_STAMP = RowLookup(ConfigStamp)  # read on every ticket created: its statement is written once


def desk_config() -> DeskConfig:
    """The configuration as committed (or as changed by the caller's own transaction): one query when the
    process holds it already, a handful when it must read it again."""
    global _held
    stamp = _STAMP.get(STAMP_ID)
    token = stamp.token if stamp is not None else None
    held = _held
    if token is not None and held is not None and held.token == token:
        return held
    config = _load(token or "")
    if token is not None:  # without a stamp (a database flushed by tests) nothing is kept
        _held = config
    return config


def _load(token: str) -> DeskConfig:
    weekly: dict[int, dict[int, list[Any]]] = {}
    for calendar_id, weekday, opens, closes in BusinessHours.objects.values_list(
            "calendar_id", "weekday", "opens", "closes"):
        weekly.setdefault(calendar_id, {}).setdefault(weekday, []).append((opens, closes))
    holidays: dict[int, set[Any]] = {}
    for calendar_id, date in Holiday.objects.values_list("calendar_id", "date"):
        holidays.setdefault(calendar_id, set()).add(date)
    calendars = {
        calendar.pk: calendar_of(calendar, weekly.get(calendar.pk, {}), holidays.get(calendar.pk, set()))
        for calendar in BusinessCalendar.objects.all()
    }
    return DeskConfig(
        token=token,
        rules=tuple(RoutingRule.objects.filter(is_active=True).select_related("team").order_by("position", "id")),
        teams={team.pk: team for team in Team.objects.all()},
        modes=dict(TeamRouting.objects.values_list("team_id", "mode")),
        policies=tuple(SlaPolicy.objects.filter(is_active=True).select_related("calendar")
                       .order_by("position", "id")),
        calendars=calendars,
    )


def calendar_of(calendar: BusinessCalendar, weekly: dict[int, list[Any]], holidays: set[Any]) -> Calendar:
    """The pure calendar of a stored one, given its opening hours by weekday and its holidays."""
    if calendar.around_the_clock or not weekly:
        # A calendar saved without hours would never run a clock; treat it as around the clock rather
        # than leave tickets without due times. The admin shows the calendar so this can be fixed.
        return Calendar(time_zone=calendar.time_zone, around_the_clock=True)
    return Calendar(time_zone=calendar.time_zone, weekly=weekly, holidays=frozenset(holidays))


def desk_config_changed(**_: Any) -> None:
    """Give the configuration a new token, in the caller's transaction. A receiver of every save and
    delete of the WATCHED models; call it after a bulk write of them (which sends no signal)."""
    ConfigStamp.objects.update_or_create(pk=STAMP_ID, defaults={"token": uuid.uuid4().hex})


def connect_signals() -> None:
    for model in WATCHED:
        uid = f"desk_config:{model._meta.label_lower}"
        post_save.connect(desk_config_changed, sender=model, dispatch_uid=f"{uid}:save")
        post_delete.connect(desk_config_changed, sender=model, dispatch_uid=f"{uid}:delete")


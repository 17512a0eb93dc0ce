"""Routing at ticket creation: ordered rules pick the team (and may set the priority), the team's mode
picks the agent, an explicit team or assignee overrides, and everything lands in the history."""

from __future__ import annotations

import datetime as dt

import pytest

from cxhub.exceptions import DomainError
from journeys.choices import Channel
from tests.cxhub.factories import UserFactory, agent_user
from tests.journeys.factories import CustomerFactory
from tests.tickets.factories import make_ticket
from tickets.choices import AssignmentMode, EventKind, Priority, Status
from tickets.models import AgentAvailability, Category, RoutingRule, SlaPolicy, TeamRouting
from tickets.services import ticket_change_status
from tickets.services.routing import (
    agent_set_availability,
    check_can_set_availability,
    routing_rule_match,
)

pytestmark = pytest.mark.django_db

T0 = dt.datetime(2026, 11, 23, 9, 0, tzinfo=dt.UTC)


def rule(team, **kwargs) -> RoutingRule:
    values = {"name": f"Rule {RoutingRule.objects.count() + 1}", "team": team}
    values.update(kwargs)
    return RoutingRule.objects.create(**values)


def routed_event(ticket):
    return ticket.events.get(kind=EventKind.ROUTED)


def test_the_first_matching_rule_by_position_sets_the_team_and_priority(touchpoint, other_team, team):
    billing = Category.objects.create(name="Billing")
    rule(team, name="later catch-all", position=9)
    rule(other_team, name="refunds", position=1, category=billing, keywords="refund, money back",
         set_priority=Priority.HIGH)
    rule(team, name="inactive", position=0, is_active=False, category=billing)

    ticket = make_ticket(touchpoint=touchpoint, category=billing, subject="Please give my MONEY BACK",
                         body="The invoice was wrong.", at=T0)

    assert ticket.team == other_team
    assert ticket.priority == Priority.HIGH
    assert ticket.routing_rule.name == "refunds"
    data = routed_event(ticket).data
    assert data["rule"] == "refunds" and data["override"] is False
    assert data["priority"] == {"old": Priority.NORMAL, "new": Priority.HIGH}


@pytest.mark.parametrize("condition, ticket_kwargs, matches", [
    ({"channel": Channel.CHAT}, {"channel": Channel.CHAT}, True),
    ({"channel": Channel.CHAT}, {"channel": Channel.EMAIL}, False),
    ({"segment": "fleet"}, {"segment": "fleet"}, True),
    ({"segment": "fleet"}, {"segment": "retail"}, False),
    ({"priority": Priority.URGENT}, {"priority": Priority.URGENT}, True),
    ({"priority": Priority.URGENT}, {"priority": Priority.LOW}, False),
    ({"keywords": "brake"}, {"text": "My BRAKES squeal; the brake pedal is soft"}, True),
    ({"keywords": "car"}, {"text": "My card was charged twice"}, False),  # whole words only
    ({"keywords": "φρένα, brake"}, {"text": "Τα ΦΡΈΝΑ δεν πιάνουν"}, True),  # any script, any case
])
def test_each_condition_must_match(other_team, condition, ticket_kwargs, matches):
    rule(other_team, **condition)
    kwargs = {"channel": Channel.EMAIL, "category": None, "touchpoint": None, "segment": "",
              "priority": Priority.NORMAL, "text": "hello"} | ticket_kwargs

    assert (routing_rule_match(**kwargs) is not None) is matches


def test_the_touchpoint_rule_and_customer_segment_route_and_nothing_else_keeps_the_owner_team(
        touchpoint, team, other_team):
    rule(other_team, touchpoint=touchpoint, segment="fleet")

    fleet = make_ticket(touchpoint=touchpoint, customer=CustomerFactory(segment="fleet"), at=T0)
    retail = make_ticket(touchpoint=touchpoint, customer=CustomerFactory(segment="retail"), at=T0)

    assert fleet.team == other_team
    assert retail.team == team  # the touchpoint's owner
    assert not retail.events.filter(kind=EventKind.ROUTED).exists()  # the plain default needs no entry


def test_an_explicit_team_or_assignee_is_a_manual_override_and_skips_the_rules(touchpoint, team, other_team,
                                                                                 agent, manager):
    rule(other_team, name="everything")

    ticket = make_ticket(touchpoint=touchpoint, team=team, assignee=agent, actor=manager, at=T0)

    assert (ticket.team, ticket.assignee) == (team, agent)
    event = routed_event(ticket)
    assert event.actor == manager
    assert event.data["override"] is True and event.data["rule_id"] is None
    assert event.data["assignee_id"] == agent.pk


def test_the_sla_policy_is_chosen_after_routing_changed_the_priority(touchpoint, other_team):
    from tickets.models import BusinessCalendar

    calendar = BusinessCalendar.objects.create(name="24x7", around_the_clock=True)
    urgent = SlaPolicy.objects.create(name="urgent", priority=Priority.URGENT, calendar=calendar,
                                      first_response_minutes=15, next_response_minutes=30,
                                      resolution_minutes=120)
    rule(other_team, keywords="fire", set_priority=Priority.URGENT)

    ticket = make_ticket(touchpoint=touchpoint, subject="Fire in the engine bay", at=T0)

    assert ticket.sla_policy == urgent
    assert ticket.first_response_due_at == T0 + dt.timedelta(minutes=15)


@pytest.fixture
def desk(team):
    """Three agents on the team, created in order (so by id): ann, ben, cat."""
    return [agent_user(username=name, teams=[team]) for name in ("ann", "ben", "cat")]


def test_round_robin_hands_tickets_out_in_turn_never_assigned_first(touchpoint, team, desk):
    ann, ben, cat = desk
    TeamRouting.objects.create(team=team, mode=AssignmentMode.ROUND_ROBIN)
    AgentAvailability.objects.create(user=ann, last_assigned_at=T0 - dt.timedelta(days=1))

    picks = [make_ticket(touchpoint=touchpoint, at=T0 + dt.timedelta(minutes=i)).assignee for i in range(5)]

    assert picks == [ben, cat, ann, ben, cat]
    assert routed_event(make_ticket(touchpoint=touchpoint, at=T0 + dt.timedelta(hours=1))).data["mode"] == (
        AssignmentMode.ROUND_ROBIN)


def test_round_robin_skips_unavailable_agents_and_people_who_do_not_work_tickets(touchpoint, team, desk):
    ann, ben, cat = desk
    TeamRouting.objects.create(team=team, mode=AssignmentMode.ROUND_ROBIN)
    UserFactory(username="viewer", teams=[team])  # a team member without the ticket permissions
    agent_set_availability(agent=ann, is_available=False)
    inactive = agent_user(username="dan", teams=[team])
    inactive.is_active = False
    inactive.save()

    picks = {make_ticket(touchpoint=touchpoint, at=T0 + dt.timedelta(minutes=i)).assignee for i in range(4)}

    assert picks == {ben, cat}


def test_least_open_tickets_picks_the_least_loaded_agent_ties_in_round_robin_order(touchpoint, team, desk):
    ann, ben, cat = desk
    TeamRouting.objects.create(team=team, mode=AssignmentMode.LEAST_OPEN)
    for assignee in (ann, ann, ben):
        make_ticket(touchpoint=touchpoint, team=team, assignee=assignee, at=T0)
    resolved = make_ticket(touchpoint=touchpoint, team=team, assignee=cat, at=T0)
    ticket_change_status(ticket=resolved, status=Status.RESOLVED, actor=cat, at=T0)  # not open: not counted

    first = make_ticket(touchpoint=touchpoint, at=T0 + dt.timedelta(minutes=1)).assignee
    second = make_ticket(touchpoint=touchpoint, at=T0 + dt.timedelta(minutes=2)).assignee
    third = make_ticket(touchpoint=touchpoint, at=T0 + dt.timedelta(minutes=3)).assignee

    assert first == cat  # open: ann 2, ben 1, cat 0
    assert second == ben  # ann 2, ben 1, cat 1: the tie goes to ben, who waited longest (never routed one)
    assert third == cat  # ann 2, ben 2, cat 1


def test_manual_mode_and_a_team_without_available_agents_leave_the_ticket_unassigned(touchpoint, team, desk):
    assert make_ticket(touchpoint=touchpoint, at=T0).assignee is None  # no TeamRouting: manual
    TeamRouting.objects.create(team=team, mode=AssignmentMode.ROUND_ROBIN)
    for person in desk:
        agent_set_availability(agent=person, is_available=False)

    assert make_ticket(touchpoint=touchpoint, at=T0).assignee is None


def test_only_the_agent_or_someone_allowed_may_change_availability(agent, other_agent, manager):
    check_can_set_availability(actor=agent, agent=agent)
    check_can_set_availability(actor=manager, agent=agent)
    with pytest.raises(DomainError, match="your own"):
        check_can_set_availability(actor=other_agent, agent=agent)
    with pytest.raises(DomainError, match="does not work tickets"):
        agent_set_availability(agent=UserFactory(username="outsider"), is_available=False)

    availability = agent_set_availability(agent=agent, is_available=False)
    assert AgentAvailability.objects.get(user=agent).is_available is False and availability.pk


def test_routing_does_not_count_as_the_first_touch(touchpoint, team, desk):
    TeamRouting.objects.create(team=team, mode=AssignmentMode.ROUND_ROBIN)

    ticket = make_ticket(touchpoint=touchpoint, at=T0)

    assert ticket.assignee is not None and ticket.first_touched_at is None


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_tickets_created_at_once_go_to_different_agents(touchpoint, team, desk):
    import threading

    from django.db import connection, transaction

    TeamRouting.objects.create(team=team, mode=AssignmentMode.ROUND_ROBIN)
    created_first = threading.Event()
    may_commit = threading.Event()
    picks: dict[str, object] = {}

    def first() -> None:
        try:
            with transaction.atomic():
                picks["first"] = make_ticket(touchpoint=touchpoint, at=T0).assignee
                created_first.set()
                may_commit.wait(10)  # hold the transaction (and its locks) open
        finally:
            connection.close()

    def second() -> None:
        try:
            picks["second"] = make_ticket(touchpoint=touchpoint, at=T0).assignee
        finally:
            connection.close()

    # given a first create that has picked an agent but not committed yet
    one = threading.Thread(target=first)
    one.start()
    assert created_first.wait(10)

    # when a second create for the same team starts, it waits for the first to commit
    two = threading.Thread(target=second)
    two.start()
    two.join(0.5)
    assert two.is_alive(), "the second create did not wait for the team's routing lock"
    may_commit.set()
    one.join(10)
    two.join(10)

    # then the two tickets went to two different agents
    assert picks["first"] != picks["second"]
    assert {picks["first"], picks["second"]} <= set(desk)


def test_an_explicit_assignee_must_work_tickets(touchpoint):
    with pytest.raises(DomainError, match="does not work tickets"):
        make_ticket(touchpoint=touchpoint, assignee=UserFactory(username="outsider"), at=T0)


def test_moving_a_ticket_to_another_team_chooses_that_teams_policy(touchpoint, team, other_team, manager):
    from tickets.models import BusinessCalendar
    from tickets.services import ticket_assign

    calendar = BusinessCalendar.objects.create(name="24x7", around_the_clock=True)
    billing = SlaPolicy.objects.create(name="billing", priority=Priority.NORMAL, team=other_team, calendar=calendar,
                                       first_response_minutes=30, next_response_minutes=30, resolution_minutes=240)
    ticket = make_ticket(touchpoint=touchpoint, at=T0)
    assert ticket.sla_policy is None

    ticket_assign(ticket=ticket, assignee=None, team=other_team, actor=manager, at=T0 + dt.timedelta(minutes=5))

    ticket.refresh_from_db()
    assert ticket.sla_policy == billing
    assert ticket.resolution_due_at == T0 + dt.timedelta(hours=4)


def test_a_retired_category_is_refused_at_creation(touchpoint):
    retired = Category.objects.create(name="Old recall", is_active=False)

    with pytest.raises(DomainError, match="no longer in use"):
        make_ticket(touchpoint=touchpoint, category=retired, at=T0)

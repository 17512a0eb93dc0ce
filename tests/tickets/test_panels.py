"""The tickets panel on a touchpoint's page: top categories, each linked to exactly its tickets."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from journeys.panels import panel_providers, touchpoint_panels
from journeys.selectors import Window
from tests.journeys.factories import TouchpointFactory
from tests.tickets.factories import make_ticket
from tickets.models import Category
from tickets.panels import touchpoint_categories_panel

pytestmark = pytest.mark.django_db


def ago(days: int) -> dt.datetime:
    return timezone.now() - dt.timedelta(days=days)


@pytest.fixture
def categorised(touchpoint):
    """At the touchpoint in the last 30 days: 3 billing tickets, 1 delivery, 1 without a category; one
    billing ticket 40 days ago and one at another touchpoint, neither counted."""
    billing, delivery = Category.objects.create(name="Billing"), Category.objects.create(name="Delivery")
    for _ in range(3):
        make_ticket(touchpoint=touchpoint, category=billing, at=ago(2))
    make_ticket(touchpoint=touchpoint, category=delivery, at=ago(3))
    make_ticket(touchpoint=touchpoint, at=ago(4))
    make_ticket(touchpoint=touchpoint, category=billing, at=ago(40))
    make_ticket(touchpoint=TouchpointFactory(), category=billing, at=ago(1))
    return touchpoint


def test_it_is_registered_for_those_who_see_tickets():
    keys = {key: permission for key, _, permission in panel_providers()}

    assert keys["tickets.categories"] == "tickets.view_ticket"


def test_it_ranks_the_categories_of_the_window(categorised):
    panel = touchpoint_categories_panel(categorised, Window.last(30))

    rows = [(c["name"], c["count"]) for c in panel.context["categories"]]
    assert rows == [("Billing", 3), ("Delivery", 1), ("No category", 1)]
    assert panel.context["total"] == 5
    assert panel.context["categories"][0]["share"] == pytest.approx(60)
    assert panel.context["categories"][2]["url"] is None  # the list has no "no category" filter


def test_each_link_lists_exactly_the_counted_tickets(agent_client, categorised):
    panel = touchpoint_categories_panel(categorised, Window.last(30))

    for row in panel.context["categories"][:2]:
        page = agent_client.get(row["url"])
        assert page.context["page_obj"].paginator.count == row["count"], row["name"]
        assert {t.category.name for t in page.context["page_obj"].object_list} == {row["name"]}
    everything = agent_client.get(panel.context["all_url"])
    assert everything.context["page_obj"].paginator.count == 5


def test_without_tickets_it_says_so(agent_client, touchpoint):
    panel = touchpoint_categories_panel(touchpoint, Window.last(7))

    assert panel.context["total"] == 0 and panel.context["categories"] == []


def test_users_without_the_permission_are_not_asked(touchpoint, django_assert_num_queries):
    from django.contrib.auth.models import AnonymousUser

    with django_assert_num_queries(0):
        panels = touchpoint_panels(touchpoint=touchpoint, window=Window.last(30), user=AnonymousUser())

    assert panels == []


def test_it_costs_the_same_queries_for_few_or_many_tickets(categorised, django_assert_max_num_queries):
    for _ in range(10):
        make_ticket(touchpoint=categorised, category=Category.objects.create(name=f"C{_}"), at=ago(1))

    with django_assert_max_num_queries(3):
        touchpoint_categories_panel(categorised, Window.last(30))

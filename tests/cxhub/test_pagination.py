"""CappedPaginator: long lists count only as far as their pages reach."""

from __future__ import annotations

import pytest

from cxhub.pagination import CappedPaginator
from journeys.models import Customer
from tests.journeys.factories import CustomerFactory
from tests.tickets.factories import make_ticket

pytestmark = pytest.mark.django_db


@pytest.fixture
def customers():
    CustomerFactory.create_batch(12)
    return Customer.objects.order_by("id")


def test_below_the_cap_it_counts_exactly(customers):
    paginator = CappedPaginator(customers, 5, cap=20)

    assert (paginator.count, paginator.capped, paginator.num_pages) == (12, False, 3)


def test_at_exactly_the_cap_nothing_is_hidden(customers):
    paginator = CappedPaginator(customers, 5, cap=12)

    assert (paginator.count, paginator.capped) == (12, False)


def test_above_the_cap_it_stops_counting_and_says_more_match(customers, django_assert_num_queries):
    paginator = CappedPaginator(customers, 5, cap=10)

    with django_assert_num_queries(1):
        assert (paginator.count, paginator.capped, paginator.num_pages) == (10, True, 2)
    assert [c.pk for c in paginator.page(2)] == list(customers.values_list("pk", flat=True)[5:10])


def test_the_ticket_queue_says_more_than_the_cap_and_how_to_reach_the_rest(agent_client, settings):
    settings.LIST_COUNT_CAP = 3
    for _ in range(5):
        make_ticket()

    first = agent_client.get("/tickets/").content.decode()
    last = agent_client.get("/tickets/?page=99").content.decode()

    assert "More than 3 tickets" in first
    assert "Narrow the filters to reach the rest" in last

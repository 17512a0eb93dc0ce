"""The quick check of bulk items agrees with the serializer it stands in for, or declines."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rest_framework import serializers

from cxhub.bulk_check import plain_checker
from journeys.api.serializers import CustomerUpsertItemSerializer
from journeys.choices import Language
from tickets.api.serializers import TicketUpsertItemSerializer

# Text that tries every rule: whitespace around, blanks, NUL, lone surrogates, four scripts, e-mail shapes,
# and lengths around the limits (name 200, segment 60, external_id 100).
PIECES = st.sampled_from([
    "", " ", "\t", "\u00a0", "\x00", "\ud800", "a", "Ελένη", "Nguyễn", "مریم", "@", "x@example.com",
    "ana@παράδειγμα.gr", "no-at-sign", ".", "en", "el", "vi", "fa", "EN", "klingon",
])
TEXT = st.one_of(
    st.lists(PIECES, max_size=6).map("".join),
    st.integers(min_value=55, max_value=205).map(lambda n: "x" * n),
    st.integers(min_value=55, max_value=205).map(lambda n: " " + "é" * n + " "),
    st.text(max_size=12),
)
VALUE = st.one_of(TEXT, TEXT, TEXT, TEXT, TEXT, TEXT, st.none(), st.integers(), st.booleans(),
                  st.floats(allow_nan=False), st.lists(st.integers(), max_size=2))
ITEM = st.fixed_dictionaries(
    {"external_id": st.one_of(st.just("CRM-1"), VALUE)},
    optional={name: VALUE for name in ("name", "email", "segment", "language", "unknown")},
)


def serializer_answer(serializer: serializers.Serializer, item: dict[str, Any]) -> dict[str, Any] | None:
    try:
        return dict(serializer.run_validation(item))
    except serializers.ValidationError:
        return None


@settings(max_examples=600, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(item=ITEM)
def test_the_quick_check_of_a_customer_item_is_the_serializers_answer_or_none(item):
    serializer = CustomerUpsertItemSerializer()
    quick = plain_checker(serializer)

    answer = quick(item)

    if answer is not None:
        assert answer == serializer_answer(serializer, item)


def test_it_accepts_an_ordinary_item_as_the_serializer_does():
    serializer = CustomerUpsertItemSerializer()
    item = {"external_id": " CRM-7 ", "name": " Ελένη Παπαδοπούλου ", "email": "eleni@example.gr",
            "segment": "", "language": Language.EL.value, "ignored": 1}

    answer = plain_checker(serializer)(item)

    assert answer == serializer_answer(serializer, item) == {
        "external_id": "CRM-7", "name": "Ελένη Παπαδοπούλου", "email": "eleni@example.gr", "segment": "",
        "language": "el"}


@pytest.mark.parametrize("item", [
    {"name": "No key"},
    {"external_id": "   ", "name": "Blank key"},
    {"external_id": "K", "name": "x" * 201},
    {"external_id": "K", "name": "Bad\x00byte"},
    {"external_id": "K", "email": "not-an-address"},
    {"external_id": "K", "language": "klingon"},
    {"external_id": 7, "name": "A number for a key"},
])
def test_it_leaves_every_doubtful_item_to_the_serializer(item):
    assert plain_checker(CustomerUpsertItemSerializer())(item) is None


def test_a_serializer_with_relations_or_its_own_rules_gets_no_quick_check():
    assert plain_checker(TicketUpsertItemSerializer()) is None

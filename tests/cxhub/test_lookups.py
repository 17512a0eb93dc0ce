"""cxhub.lookups.RowLookup reads a row as the ORM does; PrimaryKeyLookupField answers as DRF's field does."""

from __future__ import annotations

import pytest
from rest_framework import serializers

from cxhub.lookups import RowLookup
from cxhub.models import ApiToken
from cxhub.serializers import PrimaryKeyLookupField
from cxhub.tokens import api_token_create, key_hash
from journeys.models import Customer, Program, Touchpoint
from tests.cxhub.factories import UserFactory
from tests.journeys.factories import CustomerFactory, ProgramFactory, TouchpointFactory
from tickets.models import ConfigStamp
from tickets.services.desk_config import STAMP_ID

pytestmark = pytest.mark.django_db


def assert_same(ours, theirs):
    assert type(ours) is type(theirs) and ours.pk == theirs.pk
    for field in type(theirs)._meta.concrete_fields:
        mine, orm = getattr(ours, field.attname), getattr(theirs, field.attname)
        assert mine == orm and type(mine) is type(orm), field.name
    assert ours._state.db == theirs._state.db and not ours._state.adding


def test_it_reads_rows_of_every_kind_of_column_as_the_orm_does():
    program = ProgramFactory(score_weights={"tickets": 0.4, "feedback": 0.6})  # JSON
    touchpoint = TouchpointFactory(description="Η παράδοση · Giao hàng · تحویل")
    customer = CustomerFactory(name="Nguyễn Thị Lan", external_id="CRM-7")
    stamp = ConfigStamp.objects.get(pk=STAMP_ID)

    for model, pk in ((Program, program.pk), (Touchpoint, touchpoint.pk), (Customer, customer.pk),
                      (ConfigStamp, stamp.pk)):
        assert_same(RowLookup(model).get(pk), model.objects.get(pk=pk))
        assert_same(RowLookup(model).get(str(pk)), model.objects.get(pk=pk))  # as the ORM takes "12"


def test_it_joins_to_one_relations_as_select_related_does_and_a_null_one_is_none():
    user = UserFactory(first_name="Ελένη", is_staff=True)
    token, key = api_token_create(user=user, name="CRM")  # created_by: null
    lookup = RowLookup(ApiToken, by="key_hash", related=["user", "created_by"])

    ours = lookup.get(key_hash(key))
    orm = ApiToken.objects.select_related("user", "created_by").get(pk=token.pk)

    assert_same(ours, orm)
    assert_same(ours.user, orm.user)
    assert ours.created_by is None and ours.created_by_id is None


def test_no_row_an_id_beyond_the_column_and_a_malformed_one_answer_as_the_orm_does():
    lookup = RowLookup(Customer)

    assert lookup.get(987654) is None
    assert lookup.get(2**70) is None and lookup.get(-(2**70)) is None
    with pytest.raises(ValueError):
        lookup.get("twelve")
    with pytest.raises(TypeError):
        lookup.get([1])


def test_a_lookup_by_a_column_that_is_not_unique_is_refused():
    with pytest.raises(ValueError, match="not unique"):
        RowLookup(Customer, by="name")


@pytest.mark.parametrize("data", ["mine", "other", 987654, "abc", True, 2**70, -3, 1.0, [], {}, ""])
def test_the_lookup_field_answers_every_input_as_drfs_field_does(data):
    customer = CustomerFactory()
    value = {"mine": customer.pk, "other": str(customer.pk)}.get(data, data) if isinstance(data, str) else data

    def outcome(field):
        try:
            return ("ok", field.run_validation(value).pk)
        except serializers.ValidationError as error:
            return ("error", error.detail)

    ours = outcome(PrimaryKeyLookupField(Customer))
    theirs = outcome(serializers.PrimaryKeyRelatedField(queryset=Customer.objects.all()))

    assert ours == theirs

"""cxhub.serializers.ModelSerializer: DRF's fields, worked out once per class, fresh for every instance."""

from __future__ import annotations

import pytest
from django.urls import get_resolver
from rest_framework import serializers

from cxhub.serializers import ModelSerializer, Serializer
from tests.tickets.factories import make_ticket
from tickets.api.serializers import TicketDetailSerializer, TicketSerializer
from tickets.api.views import TicketViewSet, with_summary
from tickets.models import Category, Ticket
from tickets.services import ticket_assign, ticket_classify, ticket_reply

pytestmark = pytest.mark.django_db  # a related field's repr shows its queryset's rows

def every_subclass(cls: type) -> list[type]:
    found = []
    for sub in cls.__subclasses__():
        found += [sub, *every_subclass(sub)]
    return found


def project_serializers(base: type) -> list[type]:
    get_resolver().url_patterns  # noqa: B018  (imports every API module, and so every serializer)
    return [cls for cls in every_subclass(base) if not cls.__module__.startswith("tests.")]


OURS = [pytest.param(cls, drf_base, id=f"{cls.__module__}.{cls.__name__}")
        for base, drf_base in ((ModelSerializer, serializers.ModelSerializer), (Serializer, serializers.Serializer))
        for cls in project_serializers(base)]


def test_the_api_uses_them():
    assert len(project_serializers(ModelSerializer)) > 30 and len(project_serializers(Serializer)) > 10


@pytest.mark.parametrize(("cls", "drf_base"), OURS)
def test_every_serializer_of_ours_has_the_fields_drf_builds(cls, drf_base):
    for _ in range(2):  # the first instance builds the pattern, the second is made from it
        ours = cls().get_fields()
        drf = drf_base.get_fields(cls())

        assert list(ours) == list(drf)
        assert {name: repr(field) for name, field in ours.items()} == {
            name: repr(field) for name, field in drf.items()}


def test_each_instance_has_fields_of_its_own_bound_to_it():
    first, second = TicketSerializer(), TicketSerializer()

    for name, field in first.fields.items():
        assert field is not second.fields[name]
        assert field.parent is first and second.fields[name].parent is second
    # Nested serializers too: the customer's own fields belong to each ticket serializer's customer.
    assert first.fields["customer"].fields["name"] is not second.fields["customer"].fields["name"]
    assert first.fields["tags"].child_relation is not second.fields["tags"].child_relation


def test_a_subclass_builds_its_own_fields_and_leaves_its_parents_alone():
    TicketSerializer().fields  # noqa: B018  (the parent's pattern first)

    assert {"messages", "events", "links"} <= set(TicketDetailSerializer().fields)
    assert "messages" not in TicketSerializer().fields


def test_a_ticket_in_full_reads_the_same_as_with_drfs_own_fields(customer, touchpoint, agent):
    ticket = make_ticket(customer=customer, touchpoint=touchpoint, external_id="ZD-9")
    ticket_assign(ticket=ticket, assignee=agent, actor=agent)
    ticket_reply(ticket=ticket, author=agent, body="Σας ευχαριστούμε, το εξετάζουμε.")
    ticket_classify(ticket=ticket, actor=agent, category=Category.objects.create(name="Παράδοση"),
                    resolution_code=None, tags=["late", "χαμένο"])
    fresh = TicketViewSet._with_conversation(with_summary(Ticket.objects.all())).get(pk=ticket.pk)

    class DrfBuilt(TicketDetailSerializer):
        get_fields = serializers.ModelSerializer.get_fields

    ours = TicketDetailSerializer(fresh).data
    assert ours == DrfBuilt(fresh).data
    assert ours["tags"] == ["late", "χαμένο"] and ours["assignee"]["id"] == agent.pk
    assert [m["body"] for m in ours["messages"]][-1] == "Σας ευχαριστούμε, το εξετάζουμε."

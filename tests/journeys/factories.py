from __future__ import annotations

from decimal import Decimal

import factory

from journeys.choices import Channel
from journeys.models import Customer, Journey, Program, Stage, Touchpoint


class CustomerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Customer

    name = factory.Faker("name")
    email = factory.LazyAttribute(lambda c: f"{c.name.split()[0].lower()}@example.com")
    external_id = factory.Sequence(lambda n: f"CRM-{n:05d}")


class ProgramFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Program

    name = factory.Sequence(lambda n: f"Program {n}")
    purpose = "Every customer leaves trusting us more than when they arrived."
    min_sample_size = 1


class JourneyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Journey

    program = factory.SubFactory(ProgramFactory)
    name = factory.Sequence(lambda n: f"Journey {n}")


class StageFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Stage

    journey = factory.SubFactory(JourneyFactory)
    name = factory.Sequence(lambda n: f"Stage {n}")
    position = factory.Sequence(lambda n: n)


class TouchpointFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Touchpoint

    stage = factory.SubFactory(StageFactory)
    name = factory.Sequence(lambda n: f"Touchpoint {n}")
    channel = Channel.IN_PERSON
    target_score = Decimal("75")
    weight = Decimal("1")

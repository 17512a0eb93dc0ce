"""Shapes of the experience side in the API: customers, the journey structure and scores."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from drf_spectacular.utils import extend_schema_field, extend_schema_serializer
from rest_framework import serializers

from cxhub.serializers import ModelSerializer
from journeys.api import examples
from journeys.models import Customer, Journey, Program, Stage, Touchpoint
from journeys.scoring import Components, Score
from journeys.selectors import DEFAULT_WINDOW, WINDOWS, Window


@extend_schema_serializer(examples=examples.CUSTOMER_EXAMPLES)
class CustomerSerializer(ModelSerializer):
    class Meta:
        model = Customer
        fields = ["id", "name", "email", "external_id", "segment", "language", "created_at", "updated_at"]
        read_only_fields = ["id", "created_at", "updated_at"]
        # DRF turns the model's unique constraint on non-blank external ids into a validator on the
        # field, so a duplicate is a 400 on `external_id`; a lost race is a 409 (cxhub.api).


@extend_schema_serializer(examples=examples.CUSTOMER_UPSERT_EXAMPLES)
class CustomerUpsertSerializer(ModelSerializer):
    """A customer as a CRM sends it to `by-external-id/`: every field optional; what is left out keeps
    its value (a new customer needs `name`). The external id in the address wins over one in the body."""

    class Meta:
        model = Customer
        fields = ["name", "email", "segment", "language", "external_id"]
        extra_kwargs = {
            "name": {"required": False},
            # the key of an upsert, not a new value: the model's uniqueness is what the upsert relies on
            "external_id": {"required": False, "validators": []},
        }


class CustomerUpsertItemSerializer(CustomerUpsertSerializer):
    """One item of a bulk upsert: the same, with `external_id` required and not blank."""

    class Meta(CustomerUpsertSerializer.Meta):
        extra_kwargs = {
            "name": {"required": False},
            "external_id": {"required": True, "allow_blank": False, "validators": []},
        }


@extend_schema_serializer(examples=examples.PROGRAM_EXAMPLES)
class ProgramSerializer(ModelSerializer):
    score_weights = serializers.DictField(
        child=serializers.FloatField(), read_only=True,
        help_text="Weight of each component (csat, nps, ces, sla, fcr) in the experience score.",
    )

    class Meta:
        model = Program
        fields = ["id", "name", "purpose", "score_weights", "min_sample_size", "created_at", "updated_at"]
        read_only_fields = fields


@extend_schema_serializer(examples=examples.TOUCHPOINT_EXAMPLES)
class TouchpointSerializer(ModelSerializer):
    journey = serializers.IntegerField(source="stage.journey_id", read_only=True)

    class Meta:
        model = Touchpoint
        fields = [
            "id", "stage", "journey", "name", "description", "channel", "owner_team", "target_score",
            "weight", "position", "is_active", "created_at", "updated_at",
        ]
        read_only_fields = fields


@extend_schema_serializer(examples=examples.TOUCHPOINT_TARGET_EXAMPLES)
class TouchpointTargetSerializer(serializers.Serializer):
    """The only part of a touchpoint the API changes: what it should reach and how much it counts."""

    target_score = serializers.DecimalField(
        max_digits=5, decimal_places=2, min_value=Decimal(0), max_value=Decimal(100), required=False,
        help_text="Experience score (0-100) this touchpoint should reach.",
    )
    weight = serializers.DecimalField(
        max_digits=6, decimal_places=2, min_value=Decimal("0.01"), required=False,
        help_text="Relative weight of this touchpoint in its stage's and journey's score.",
    )

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if not attrs:
            raise serializers.ValidationError("Send target_score, weight or both.")
        return attrs


@extend_schema_serializer(examples=examples.STAGE_EXAMPLES)
class StageSerializer(ModelSerializer):
    class Meta:
        model = Stage
        fields = ["id", "journey", "name", "position", "description"]
        read_only_fields = fields


class StageWithTouchpointsSerializer(StageSerializer):
    touchpoints = TouchpointSerializer(many=True, read_only=True)

    class Meta(StageSerializer.Meta):
        fields = [*StageSerializer.Meta.fields, "touchpoints"]
        read_only_fields = fields


@extend_schema_serializer(examples=examples.JOURNEY_EXAMPLES)
class JourneySerializer(ModelSerializer):
    class Meta:
        model = Journey
        fields = ["id", "program", "name", "description", "position", "created_at", "updated_at"]
        read_only_fields = fields


@extend_schema_serializer(examples=examples.JOURNEY_DETAIL_EXAMPLES)
class JourneyDetailSerializer(JourneySerializer):
    stages = StageWithTouchpointsSerializer(many=True, read_only=True)

    class Meta(JourneySerializer.Meta):
        fields = [*JourneySerializer.Meta.fields, "stages"]
        read_only_fields = fields


# --- Scores ------------------------------------------------------------------------------------------


class WindowQuerySerializer(serializers.Serializer):
    window = serializers.ChoiceField(
        choices=WINDOWS, default=DEFAULT_WINDOW, help_text="Days ending today, both ends included."
    )


class WindowSerializer(serializers.Serializer):
    days = serializers.IntegerField()
    start = serializers.DateField()
    end = serializers.DateField()


class MetricSerializer(serializers.Serializer):
    key = serializers.CharField()
    label = serializers.CharField()
    value = serializers.FloatField(
        allow_null=True, help_text="On the metric's own scale (NPS -100..100, CES mean 1..7, else %)."
    )
    low = serializers.FloatField(
        allow_null=True, help_text="Lower end of the 95% interval (Wilson for shares, NPS interval)."
    )
    high = serializers.FloatField(allow_null=True, help_text="Upper end of the 95% interval.")
    sample = serializers.IntegerField(help_text="Answers or tickets behind the value.")
    enough = serializers.BooleanField(help_text="Whether the sample reaches the program's minimum.")
    unit = serializers.CharField()


# One integer per additive component, built from the dataclass so the two cannot drift apart.
ComponentsSerializer = type(
    "ComponentsSerializer",
    (serializers.Serializer,),
    {
        "__doc__": "Summed additive components (counts and sums) over the window.",
        **{name: serializers.IntegerField() for name in Components.names()},
    },
)


class ScoredSerializer(serializers.Serializer):
    """The figures shown for anything scored: the blended score beside what it was blended from.

    Serialises an object with a `score` attribute (the selectors' cards).
    """

    score = serializers.FloatField(
        source="score.value", allow_null=True,
        help_text="Experience score 0-100; null when no component has enough data.",
    )
    enough_data = serializers.BooleanField(source="score.enough_data")
    sample_size = serializers.IntegerField(
        source="score.sample_size", help_text="Answers plus resolved tickets behind the score."
    )
    metrics = serializers.SerializerMethodField()
    components = ComponentsSerializer(source="score.components")

    @extend_schema_field(MetricSerializer(many=True))
    def get_metrics(self, obj: Any) -> list[dict[str, Any]]:
        score: Score = obj.score
        return MetricSerializer(list(score.metrics.values()), many=True).data


class TouchpointScoreSerializer(ScoredSerializer):
    id = serializers.IntegerField(source="touchpoint.id")
    name = serializers.CharField(source="touchpoint.name")
    target_score = serializers.DecimalField(
        source="touchpoint.target_score", max_digits=5, decimal_places=2
    )
    weight = serializers.DecimalField(source="touchpoint.weight", max_digits=6, decimal_places=2)
    meets_target = serializers.BooleanField(
        allow_null=True, help_text="Null when there is not enough data to say."
    )


class StageScoreSerializer(ScoredSerializer):
    id = serializers.IntegerField(source="stage.id")
    name = serializers.CharField(source="stage.name")
    position = serializers.IntegerField(source="stage.position")
    touchpoints = TouchpointScoreSerializer(many=True)


class WindowedMixin(serializers.Serializer):
    window = serializers.SerializerMethodField()

    @extend_schema_field(WindowSerializer)
    def get_window(self, obj: Any) -> dict[str, Any]:
        window: Window = self.context["window"]
        return WindowSerializer(window).data


@extend_schema_serializer(examples=examples.JOURNEY_SCORES_EXAMPLES)
class JourneyScoresSerializer(WindowedMixin, ScoredSerializer):
    """A journey's scorecard: the journey, each stage and each active touchpoint over the window."""

    id = serializers.IntegerField(source="journey.id")
    name = serializers.CharField(source="journey.name")
    program = serializers.IntegerField(source="journey.program_id")
    min_sample_size = serializers.IntegerField(source="score.min_sample")
    stages = StageScoreSerializer(many=True)


@extend_schema_serializer(examples=examples.TOUCHPOINT_SCORECARD_EXAMPLES)
class TouchpointScorecardSerializer(WindowedMixin, TouchpointScoreSerializer):
    """One touchpoint's score over the window."""

    stage = serializers.IntegerField(source="touchpoint.stage_id")
    min_sample_size = serializers.IntegerField(source="score.min_sample")

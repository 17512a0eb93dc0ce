"""API of scores over time: any touchpoint, stage, journey or program over any window, with its
metrics, components, previous period and series by day, week or month (journeys.trends)."""

from __future__ import annotations

from typing import Any

from django.utils import timezone
from drf_spectacular.utils import extend_schema, extend_schema_serializer
from rest_framework import serializers, viewsets
from rest_framework.request import Request
from rest_framework.response import Response

from cxhub.api import ApiViewSetMixin, error_responses
from cxhub.api_schema import SingleObjectSchema
from journeys import trends
from journeys.api import examples
from journeys.api.serializers import ComponentsSerializer
from journeys.choices import Channel
from journeys.scoring import BLEND_KEYS, Score
from journeys.selectors import SCOPES, ScoreQuery, scope_scorecard
from journeys.trends import ScoreFilter, Window


class ScoreQuerySerializer(serializers.Serializer):
    """What to score, over which days, within which segment and channel, and by which bucket."""

    scope = serializers.ChoiceField(choices=SCOPES, help_text="What `id` names.")
    id = serializers.IntegerField(min_value=1, max_value=2**63 - 1)
    window = serializers.ChoiceField(
        choices=trends.WINDOWS, required=False,
        help_text=f"Days ending today; {trends.DEFAULT_WINDOW} without it (or use start and end).",
    )
    start = serializers.DateField(required=False, help_text="First day of a custom window.")
    end = serializers.DateField(
        required=False,
        help_text="Last day of a custom window (included); not in the future, at most three years "
                  "after start.",
    )
    granularity = serializers.ChoiceField(
        choices=trends.GRANULARITIES, required=False,
        help_text="Bucket of the series; without it days up to 14 days, weeks up to 120, else months.",
    )
    segment = serializers.CharField(
        required=False, allow_blank=True, max_length=60,
        help_text=f"Only signals of customers in this segment (`{trends.NO_SEGMENT}`: without one).",
    )
    channel = serializers.ChoiceField(
        choices=Channel.choices, required=False, allow_blank=True,
        help_text="Only touchpoints on this channel.",
    )

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        start, end = attrs.get("start"), attrs.get("end")
        if start is None and end is None:
            return attrs
        if "window" in attrs:
            raise serializers.ValidationError({"window": ["Give a window or start and end, not both."]})
        if (start is None) != (end is None):
            raise serializers.ValidationError(
                {"end" if end is None else "start": ["Give both a start and an end date."]})
        errors: dict[str, list[str]] = {}
        if end > timezone.localdate():
            errors.setdefault("end", []).append("The end date cannot be in the future.")
        if end < start:
            errors.setdefault("end", []).append("The end date must be on or after the start date.")
        elif (end - start).days + 1 > trends.MAX_CUSTOM_DAYS:
            errors.setdefault("start", []).append("A window can span at most three years.")
        if errors:
            raise serializers.ValidationError(errors)
        return attrs


class ScoreWindowSerializer(serializers.Serializer):
    days = serializers.IntegerField()
    start = serializers.DateField()
    end = serializers.DateField(help_text="Included.")
    custom = serializers.BooleanField(help_text="Chosen by dates rather than a preset length.")


class ScoreMetricSerializer(serializers.Serializer):
    key = serializers.CharField()
    label = serializers.CharField()
    value = serializers.FloatField(
        allow_null=True, help_text="On the metric's own scale (NPS -100..100, CES mean 1..7, else %)."
    )
    low = serializers.FloatField(allow_null=True, help_text="95% interval, lower end; null without one.")
    high = serializers.FloatField(allow_null=True, help_text="95% interval, upper end; null without one.")
    sample = serializers.IntegerField(help_text="Answers or tickets behind the value.")
    enough = serializers.BooleanField(help_text="Whether the sample reaches the program's minimum.")
    unit = serializers.CharField()


class ScoreFiguresSerializer(serializers.Serializer):
    score = serializers.FloatField(
        allow_null=True, help_text="Experience score 0-100; null when no component has enough data."
    )
    enough_data = serializers.BooleanField()
    sample_size = serializers.IntegerField(help_text="Answers plus resolved tickets behind the score.")
    metrics = ScoreMetricSerializer(many=True)
    components = ComponentsSerializer()


class SeriesPointSerializer(serializers.Serializer):
    start = serializers.DateField(help_text="First day of the bucket inside the window.")
    end = serializers.DateField(help_text="Last day of the bucket inside the window (included).")
    score = serializers.FloatField(allow_null=True)
    sample_size = serializers.IntegerField()
    metrics = serializers.DictField(
        child=serializers.FloatField(allow_null=True),
        help_text="csat, nps, ces, sla and fcr of the bucket; null below the minimum sample.",
    )


@extend_schema_serializer(examples=examples.SCORE_REPORT_EXAMPLES)
class ScoreReportSerializer(serializers.Serializer):
    scope = serializers.CharField()
    id = serializers.IntegerField()
    name = serializers.CharField()
    window = ScoreWindowSerializer()
    previous_window = ScoreWindowSerializer(help_text="The same number of days just before.")
    granularity = serializers.CharField()
    segment = serializers.CharField(allow_null=True, help_text="Null: every segment.")
    channel = serializers.CharField(allow_null=True, help_text="Null: every channel.")
    current = ScoreFiguresSerializer()
    previous = ScoreFiguresSerializer()
    delta = serializers.FloatField(
        allow_null=True, help_text="Score change against the previous period; null without enough data."
    )
    series = SeriesPointSerializer(many=True)


def _figures(score: Score) -> dict[str, Any]:
    return {
        "score": score.value,
        "enough_data": score.enough_data,
        "sample_size": score.sample_size,
        "metrics": [
            {"key": m.key, "label": m.label, "value": m.value, "low": getattr(m, "low", None),
             "high": getattr(m, "high", None), "sample": m.sample, "enough": m.enough,
             "unit": m.unit}
            for m in score.metrics.values()
        ],
        "components": ComponentsSerializer(score.components).data,
    }


def _window(window: Window) -> dict[str, Any]:
    return {"days": window.days, "start": window.start, "end": window.end, "custom": window.custom}


class ScoreViewSet(ApiViewSetMixin, viewsets.GenericViewSet):
    """Scores over time."""

    schema = SingleObjectSchema()  # one report object, not a list of rows

    required_permissions = ["journeys.view_journey"]
    filter_backends: list = []
    pagination_class = None
    extra_query_params = tuple(ScoreQuerySerializer().fields)

    @extend_schema(
        parameters=[ScoreQuerySerializer],
        responses={200: ScoreReportSerializer, **error_responses(400, 404)},
    )
    def list(self, request: Request) -> Response:
        """The experience score of one touchpoint, stage, journey or program over a window, beside
        its metrics (with 95% intervals where known) and components, the same figures for the
        previous period of the same length, and the series by bucket.

        A bad parameter is a 400 naming the field, never a silent default. Scores count an archived
        touchpoint in windows that start before it was archived (a touchpoint's own score always
        counts it). Runs a constant number of queries whatever the size of the scope or window.
        """
        params = self.validated_input(ScoreQuerySerializer, data=request.query_params)
        if "start" in params:
            window = Window.between(params["start"], params["end"])
        else:
            window = Window.last(int(params.get("window", trends.DEFAULT_WINDOW)))
        granularity = params.get("granularity") or trends.default_granularity(window)
        segment = params.get("segment") or None
        score_filter = ScoreFilter("" if segment == trends.NO_SEGMENT else segment,
                                   params.get("channel") or None)
        query = ScoreQuery(window, score_filter, granularity, compare=True)
        try:
            card = scope_scorecard(scope=params["scope"], pk=params["id"], query=query)
        except LookupError:
            from rest_framework.exceptions import NotFound

            raise NotFound(f"No {params['scope']} with id {params['id']}.") from None
        previous = card.previous or Score(None)
        body = {
            "scope": card.scope, "id": card.id, "name": card.name,
            "window": _window(window), "previous_window": _window(window.previous()),
            "granularity": granularity, "segment": score_filter.segment,
            "channel": score_filter.channel,
            "current": _figures(card.score), "previous": _figures(previous), "delta": card.delta,
            "series": [
                {"start": bucket.start, "end": bucket.end, "score": point.value,
                 "sample_size": point.sample_size,
                 "metrics": {key: point.metrics[key].value if point.metrics[key].enough else None
                             for key in BLEND_KEYS}}
                for bucket, point in zip(query.buckets, card.series, strict=True)
            ],
        }
        return Response(ScoreReportSerializer(body).data)

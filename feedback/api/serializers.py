"""Shapes of the feedback side in the API: surveys, responses and the input of a new response."""

from __future__ import annotations

from rest_framework import serializers

from feedback.models import Response, Survey
from journeys.choices import Language
from journeys.models import Customer, Touchpoint
from tickets.models import Ticket


class SurveySerializer(serializers.ModelSerializer):
    class Meta:
        model = Survey
        fields = [
            "id", "name", "kind", "question", "touchpoint", "scale_min", "scale_max", "version",
            "is_active", "created_at", "updated_at",
        ]
        read_only_fields = fields


class ResponseSerializer(serializers.ModelSerializer):
    class Meta:
        model = Response
        fields = [
            "id", "survey", "customer", "touchpoint", "ticket", "score", "comment", "language",
            "scale_min", "scale_max", "survey_version", "formula_version", "answered_at", "created_at",
        ]
        read_only_fields = fields


class ResponseCreateSerializer(serializers.Serializer):
    """A customer's answer. Whether the score fits the survey's scale is the service's rule (errors.score)."""

    survey = serializers.PrimaryKeyRelatedField(queryset=Survey.objects.all())
    customer = serializers.PrimaryKeyRelatedField(queryset=Customer.objects.all())
    score = serializers.IntegerField(help_text="A whole number on the survey's scale.")
    comment = serializers.CharField(required=False, allow_blank=True)
    touchpoint = serializers.PrimaryKeyRelatedField(
        queryset=Touchpoint.objects.all(), required=False, allow_null=True,
        help_text="Defaults to the ticket's touchpoint, then the survey's.",
    )
    ticket = serializers.PrimaryKeyRelatedField(
        queryset=Ticket.objects.all(), required=False, allow_null=True,
        help_text="The ticket the answer is about; it must be the same customer's.",
    )
    language = serializers.ChoiceField(choices=Language.choices, required=False,
                                       help_text="Defaults to the customer's language.")
    answered_at = serializers.DateTimeField(required=False, help_text="Defaults to now.")

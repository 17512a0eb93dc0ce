"""Shapes of the feedback side in the API: surveys and their versions, responses, invitations, touchpoint
events, the feedback settings and the post-ticket survey rules, and the inputs of the writes.

Serializers check the shape of the input (types, ids that exist, choices); every rule about the data is
the services' (feedback.services, feedback.services_surveys, feedback.invitations), which answer a
DomainError on the field at fault.
"""

from __future__ import annotations

from typing import Any

from django.db import models
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field, extend_schema_serializer
from rest_framework import serializers

from cxhub.models import Team
from cxhub.serializers import ModelSerializer
from feedback.api import examples
from feedback.choices import Audience, InvitationStatus, SurveyKind
from feedback.models import (
    FeedbackSettings,
    Invitation,
    Response,
    Survey,
    SurveyVersion,
    Theme,
    TicketSurveyRule,
    TouchpointEvent,
)
from journeys.choices import Language
from journeys.models import Customer, Touchpoint
from tickets.models import Ticket

# The largest id a client can name: ids are 64-bit, and a larger number must be a 400, not a database error.
MAX_ID = 2**63 - 1


class IdField(serializers.PrimaryKeyRelatedField):
    """A related object by id; a number too large for an id is "does not exist", never a database error."""

    def to_internal_value(self, data: Any) -> Any:
        number = data
        if isinstance(data, str) and data.strip().lstrip("-").isdigit():
            number = int(data)
        if isinstance(number, int) and not isinstance(number, bool) and not 0 < number <= MAX_ID:
            self.fail("does_not_exist", pk_value=data)
        return super().to_internal_value(data)


def inline_enum(choices: type[models.TextChoices], *, read_only: bool = False, **kwargs: Any) -> Any:
    """A choice field documented inline rather than as a shared enum component.

    The schema names shared enums by field name; a second `status` or `kind` with other values would
    rename the service desk's enums in the schema (and warn). These values are documented in place.
    """

    # Wrapped in allOf: the schema's enum post-processing gathers top-level enums only.
    @extend_schema_field({"allOf": [{"type": "string", "enum": list(choices.values)}]})
    class InlineChoiceField(serializers.ChoiceField):
        pass

    return InlineChoiceField(choices=choices.choices, read_only=read_only, **kwargs)


# --- Surveys -----------------------------------------------------------------------------------------


@extend_schema_serializer(examples=examples.SURVEY_EXAMPLES)
class SurveySerializer(ModelSerializer):
    """A survey with the definition of its current version (`version` is that version's number)."""

    definition = serializers.SerializerMethodField(
        help_text="The current version's questions: {title, intro, questions: [{key, kind, text, required, "
                  "choices, scale_min, scale_max, primary}]}, texts by language.")

    class Meta:
        model = Survey
        fields = [
            "id", "name", "kind", "question", "touchpoint", "scale_min", "scale_max", "version",
            "audience", "is_active", "definition", "created_at", "updated_at",
        ]
        read_only_fields = fields

    @extend_schema_field(OpenApiTypes.OBJECT)
    def get_definition(self, survey: Survey) -> Any:
        # Annotated by the viewset's queryset (one subquery, not one query per survey).
        return getattr(survey, "current_definition", None)


@extend_schema_serializer(examples=examples.SURVEY_CREATE_EXAMPLES)
class SurveyCreateSerializer(serializers.Serializer):
    """A new survey of a standard kind; version 1 asks only its metric question."""

    name = serializers.CharField(max_length=150)
    kind = inline_enum(SurveyKind, help_text="nps (0-10), csat (1-5) or ces (1-7).")
    touchpoint = IdField(queryset=Touchpoint.objects.all(), required=False, allow_null=True,
                         help_text="Where answers are scored unless a response says otherwise.")
    question = serializers.CharField(required=False, allow_blank=True,
                                     help_text="The metric question in English; defaults to the kind's.")
    audience = serializers.ChoiceField(choices=Audience.choices, required=False, default=Audience.CUSTOMERS)


@extend_schema_serializer(examples=examples.SURVEY_VERSION_EXAMPLES)
class SurveyVersionSerializer(ModelSerializer):
    """What a survey asked, frozen."""

    class Meta:
        model = SurveyVersion
        fields = ["number", "definition", "created_by", "created_at"]
        read_only_fields = fields


@extend_schema_serializer(examples=examples.SURVEY_VERSION_CREATE_EXAMPLES)
class SurveyVersionCreateSerializer(serializers.Serializer):
    """The whole edited definition; it becomes the next version (an unchanged one makes no new version)."""

    definition = serializers.JSONField(
        help_text="{title: {lang: text}, intro: {lang: text}, questions: [{key, kind (rating, single, "
                  "multiple, text), text: {lang: text}, required, choices: [{key, text}], scale_min, "
                  "scale_max, primary}]}; exactly one primary rating question on the kind's scale.")


# --- Responses ---------------------------------------------------------------------------------------


@extend_schema_serializer(examples=examples.THEME_EXAMPLES)
class ThemeSerializer(ModelSerializer):
    class Meta:
        model = Theme
        fields = ["id", "name"]
        read_only_fields = fields


@extend_schema_serializer(examples=examples.RESPONSE_EXAMPLES)
class ResponseSerializer(ModelSerializer):
    themes = ThemeSerializer(many=True, read_only=True)

    class Meta:
        model = Response
        fields = [
            "id", "survey", "customer", "touchpoint", "ticket", "score", "comment", "language",
            "scale_min", "scale_max", "survey_version", "formula_version", "sentiment", "themes",
            "follow_up_ticket", "loop_closed_at", "invitation", "answered_at", "created_at",
        ]
        read_only_fields = fields


@extend_schema_serializer(examples=examples.RESPONSE_DETAIL_EXAMPLES)
class ResponseDetailSerializer(ResponseSerializer):
    """A response with its answers to the other questions of the version it was given on."""

    answers = serializers.DictField(read_only=True, help_text="Answers to the other questions, by key.")

    class Meta(ResponseSerializer.Meta):
        fields = [*ResponseSerializer.Meta.fields, "answers"]
        read_only_fields = fields


@extend_schema_serializer(examples=examples.RESPONSE_CREATE_EXAMPLES)
class ResponseCreateSerializer(serializers.Serializer):
    """A customer's answer. Whether the score fits the survey's scale is the service's rule (errors.score)."""

    survey = IdField(queryset=Survey.objects.all())
    customer = IdField(queryset=Customer.objects.all())
    score = serializers.IntegerField(help_text="A whole number on the survey's scale.")
    comment = serializers.CharField(required=False, allow_blank=True)
    touchpoint = IdField(
        queryset=Touchpoint.objects.all(), required=False, allow_null=True,
        help_text="Defaults to the ticket's touchpoint, then the survey's.",
    )
    ticket = IdField(
        queryset=Ticket.objects.all(), required=False, allow_null=True,
        help_text="The ticket the answer is about; it must be the same customer's.",
    )
    language = serializers.ChoiceField(choices=Language.choices, required=False,
                                       help_text="Defaults to the customer's language.")
    answered_at = serializers.DateTimeField(required=False, help_text="Defaults to now.")
    answers = serializers.DictField(required=False,
                                    help_text="Answers to the survey's other questions, by question key.")


@extend_schema_serializer(examples=examples.RESPONSE_THEME_EXAMPLES)
class ResponseThemeSerializer(serializers.Serializer):
    theme = IdField(queryset=Theme.objects.all(), help_text="The theme's id (see /themes/).")


@extend_schema_serializer(examples=examples.THEME_CREATE_EXAMPLES)
class ThemeCreateSerializer(serializers.Serializer):
    name = serializers.CharField(help_text="e.g. Waiting time")


# --- Invitations -------------------------------------------------------------------------------------


@extend_schema_serializer(examples=examples.INVITATION_EXAMPLES)
class InvitationSerializer(ModelSerializer):
    """An invitation as a manager sees it. Never its token: only the token's hash is stored."""

    status = inline_enum(InvitationStatus, read_only=True,
                         help_text="scheduled, sent, answered, expired, skipped or failed (to send).")

    class Meta:
        model = Invitation
        fields = [
            "id", "survey", "customer", "touchpoint", "ticket", "trigger", "status", "skip_reason",
            "language", "send_at", "sent_at", "expires_at", "answered_at", "created_at",
        ]
        read_only_fields = fields


@extend_schema_serializer(examples=examples.INVITATION_CREATE_EXAMPLES)
class InvitationCreateSerializer(serializers.Serializer):
    survey = IdField(queryset=Survey.objects.all())
    customer = IdField(queryset=Customer.objects.all())
    touchpoint = IdField(queryset=Touchpoint.objects.all(), help_text="Where the answer counts.")
    ticket = IdField(queryset=Ticket.objects.all(), required=False, allow_null=True,
                     help_text="The ticket the answer is about; it must be the customer's.")
    send_at = serializers.DateTimeField(required=False, help_text="When to send the e-mail; defaults to now.")


@extend_schema_serializer(examples=examples.INVITATION_BATCH_EXAMPLES)
class InvitationBatchSerializer(serializers.Serializer):
    survey = IdField(queryset=Survey.objects.all())
    segment = serializers.CharField(max_length=60, help_text="Every customer of this segment is invited.")
    touchpoint = IdField(queryset=Touchpoint.objects.all(), required=False, allow_null=True,
                         help_text="Where the answers count; defaults to the survey's touchpoint.")
    send_at = serializers.DateTimeField(required=False, help_text="When to send the e-mails; defaults to now.")

    def validate_segment(self, value: str) -> str:
        value = value.strip()
        if not Customer.objects.filter(segment=value).exists():
            raise serializers.ValidationError(f"No customer is in the segment {value!r}.")
        return value


@extend_schema_serializer(examples=examples.INVITATION_BATCH_RESULT_EXAMPLES)
class InvitationBatchResultSerializer(serializers.Serializer):
    invited = serializers.IntegerField(help_text="Invitations scheduled.")
    skipped = serializers.DictField(
        child=serializers.IntegerField(),
        help_text="Invitations recorded as skipped, by reason: fatigue, no_email, survey_closed.")


# --- Touchpoint events -------------------------------------------------------------------------------


class EventInvitationSerializer(ModelSerializer):
    """The invitation an event caused: scheduled, or skipped with the reason."""

    status = inline_enum(InvitationStatus, read_only=True)

    class Meta:
        model = Invitation
        fields = ["id", "survey", "status", "skip_reason", "send_at", "expires_at"]
        read_only_fields = fields


@extend_schema_serializer(examples=examples.TOUCHPOINT_EVENT_EXAMPLES)
class TouchpointEventSerializer(ModelSerializer):
    invitation = EventInvitationSerializer(
        read_only=True, allow_null=True,
        help_text="null: the touchpoint has no active customer survey, so nobody was invited.")

    class Meta:
        model = TouchpointEvent
        fields = ["id", "touchpoint", "customer", "kind", "external_id", "occurred_at", "data", "invitation",
                  "created_at"]
        read_only_fields = fields


@extend_schema_serializer(examples=examples.TOUCHPOINT_EVENT_CREATE_EXAMPLES)
class TouchpointEventCreateSerializer(serializers.Serializer):
    """Name the customer by id or by the CRM's external_id (one of the two)."""

    touchpoint = IdField(queryset=Touchpoint.objects.all())
    customer = IdField(queryset=Customer.objects.all(), required=False)
    customer_external_id = serializers.SlugRelatedField(
        slug_field="external_id", queryset=Customer.objects.exclude(external_id=""), required=False,
        help_text="The customer's id in the CRM, instead of `customer`.")
    kind = serializers.CharField(max_length=60, help_text="e.g. purchase, delivery, service_visit")
    occurred_at = serializers.DateTimeField(required=False, help_text="Defaults to now.")
    external_id = serializers.CharField(
        max_length=100, required=False, allow_blank=True,
        help_text="The event's id in the CRM: posting it again answers 200 with the first result.")
    data = serializers.DictField(required=False, help_text="Anything the CRM wants kept with the event.")

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        by_id = attrs.pop("customer", None)
        by_external_id = attrs.pop("customer_external_id", None)
        if by_id is None and by_external_id is None:
            raise serializers.ValidationError({"customer": ["Give customer or customer_external_id."]})
        if by_id is not None and by_external_id is not None and by_id != by_external_id:
            raise serializers.ValidationError(
                {"customer_external_id": ["It names another customer than `customer`."]})
        attrs["customer"] = by_id or by_external_id
        return attrs


# --- Settings and rules ------------------------------------------------------------------------------


@extend_schema_serializer(examples=examples.FEEDBACK_SETTINGS_EXAMPLES)
class FeedbackSettingsSerializer(ModelSerializer):
    contact_fatigue_days = serializers.IntegerField(
        min_value=0, max_value=365,
        help_text="A customer is invited at most once in this many days, across all surveys (0: no limit).")
    invitation_expiry_days = serializers.IntegerField(
        min_value=1, max_value=365, help_text="An invitation's link works for this many days.")

    class Meta:
        model = FeedbackSettings
        fields = ["contact_fatigue_days", "invitation_expiry_days"]


@extend_schema_serializer(examples=examples.TICKET_SURVEY_RULE_EXAMPLES)
class TicketSurveyRuleSerializer(ModelSerializer):
    survey = IdField(queryset=Survey.objects.all())
    team = IdField(queryset=Team.objects.all(), required=False, allow_null=True, help_text="Empty: any team.")
    touchpoint = IdField(queryset=Touchpoint.objects.all(), required=False, allow_null=True,
                         help_text="Empty: any touchpoint.")
    delay_minutes = serializers.IntegerField(min_value=0, max_value=60 * 24 * 30, required=False,
                                             help_text="Minutes after the resolution; at most 30 days.")

    class Meta:
        model = TicketSurveyRule
        fields = ["id", "survey", "team", "touchpoint", "delay_minutes", "position", "is_active"]
        read_only_fields = ["id"]

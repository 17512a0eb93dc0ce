"""Shapes of the service desk's configuration in the API: labels, custom fields, calendars, SLA policies,
routing, canned responses and agent availability."""

from __future__ import annotations

import datetime as dt
import itertools
from typing import Any

from django.db import transaction
from drf_spectacular.utils import extend_schema_field, extend_schema_serializer
from rest_framework import serializers

from cxhub.exceptions import DomainError
from cxhub.serializers import ModelSerializer
from tickets.api import examples
from tickets.api.serializers import MAX_ID, UserSummarySerializer
from tickets.choices import CustomFieldKind, Priority
from tickets.models import (
    BusinessCalendar,
    BusinessHours,
    CannedResponse,
    Category,
    CustomField,
    Holiday,
    ResolutionCode,
    RoutingRule,
    SlaPolicy,
    Tag,
    TeamRouting,
    Ticket,
)
from tickets.selectors import tickets_visible_to
from tickets.services.classify import clean_tag_names
from tickets.services.desk_config import desk_config_changed

MAX_CHOICES = 100
# A target longer than a year of minutes is a typo, and the clock would walk a calendar that far ahead.
MAX_TARGET_MINUTES = 366 * 24 * 60


@extend_schema_serializer(examples=examples.CATEGORY_EXAMPLES)
class CategorySerializer(ModelSerializer):
    class Meta:
        model = Category
        fields = ["id", "name", "is_active"]


@extend_schema_serializer(examples=examples.RESOLUTION_CODE_EXAMPLES)
class ResolutionCodeSerializer(ModelSerializer):
    class Meta:
        model = ResolutionCode
        fields = ["id", "name", "is_active"]


@extend_schema_serializer(examples=examples.TAG_EXAMPLES)
class TagSerializer(ModelSerializer):
    class Meta:
        model = Tag
        fields = ["id", "name"]
        extra_kwargs = {"name": {"help_text": "Lower-case letters, digits, spaces, dots and dashes; "
                                              "stored trimmed and lower-case."}}

    def validate_name(self, value: str) -> str:
        # The same spelling rules as tagging a ticket, so a tag made here can be used there unchanged.
        try:
            cleaned = clean_tag_names([value])
        except DomainError as exc:
            raise serializers.ValidationError(exc.message) from None
        if not cleaned:
            raise serializers.ValidationError("This field may not be blank.")
        clash = Tag.objects.filter(name=cleaned[0])
        if self.instance is not None:
            clash = clash.exclude(pk=self.instance.pk)
        if clash.exists():
            raise serializers.ValidationError(f"There is a tag {cleaned[0]!r} already.")
        return cleaned[0]


@extend_schema_serializer(examples=examples.CUSTOM_FIELD_EXAMPLES)
class CustomFieldSerializer(ModelSerializer):
    choices = serializers.ListField(
        child=serializers.CharField(max_length=100), max_length=MAX_CHOICES, required=False,
        help_text="For choice fields: the allowed values (distinct, at least one); empty for text and number.",
    )

    class Meta:
        model = CustomField
        fields = ["id", "key", "label", "kind", "choices", "position", "is_active"]
        extra_kwargs = {"key": {"help_text": "The name in a ticket's custom_fields and in filters "
                                             "(?cf_<key>=); fixed once tickets hold values under it."}}

    def validate_key(self, value: str) -> str:
        instance = self.instance
        if (instance is not None and value != instance.key
                and Ticket.objects.filter(custom_fields__has_key=instance.key).exists()):
            raise serializers.ValidationError("Tickets hold values under this key; it cannot change.")
        return value

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        kind = attrs.get("kind", self.instance.kind if self.instance else CustomFieldKind.TEXT)
        choices = attrs.get("choices", self.instance.choices if self.instance else [])
        if kind == CustomFieldKind.CHOICE:
            if not choices:
                raise serializers.ValidationError({"choices": ["A choice field needs at least one choice."]})
            if len(set(choices)) != len(choices):
                raise serializers.ValidationError({"choices": ["Each choice may appear only once."]})
        elif choices:
            raise serializers.ValidationError({"choices": ["Only choice fields have choices."]})
        return attrs


class BusinessHoursSerializer(ModelSerializer):
    class Meta:
        model = BusinessHours
        fields = ["weekday", "opens", "closes"]
        extra_kwargs = {"weekday": {"help_text": "0 = Monday ... 6 = Sunday."}}

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        # Checked here too because a PATCH of the calendar relaxes `required` down the nested lists.
        missing = {name: ["This field is required."] for name in self.Meta.fields if name not in attrs}
        if missing:
            raise serializers.ValidationError(missing)
        if attrs["opens"] >= attrs["closes"]:
            raise serializers.ValidationError({"closes": ["Must be later than opens (same day)."]})
        return attrs


class HolidaySerializer(ModelSerializer):
    class Meta:
        model = Holiday
        fields = ["date", "name"]

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        missing = {name: ["This field is required."] for name in self.Meta.fields if name not in attrs}
        if missing:
            raise serializers.ValidationError(missing)
        return attrs


@extend_schema_serializer(examples=examples.BUSINESS_CALENDAR_EXAMPLES)
class BusinessCalendarSerializer(ModelSerializer):
    """A calendar with its weekly hours and holidays. Sending `hours` or `holidays` replaces that list."""

    hours = BusinessHoursSerializer(many=True, required=False, help_text="Opening intervals, in the time zone.")
    holidays = HolidaySerializer(many=True, required=False, help_text="Whole days closed.")

    class Meta:
        model = BusinessCalendar
        fields = ["id", "name", "time_zone", "around_the_clock", "hours", "holidays"]
        extra_kwargs = {"time_zone": {"help_text": "An IANA time zone name such as Europe/Athens."}}

    def validate_hours(self, value: list[dict[str, Any]]) -> list[dict[str, Any]]:
        by_day: dict[int, list[tuple[dt.time, dt.time]]] = {}
        for interval in value:
            by_day.setdefault(interval["weekday"], []).append((interval["opens"], interval["closes"]))
        for intervals in by_day.values():
            intervals.sort()
            for (_, closes), (opens, _) in itertools.pairwise(intervals):
                if opens < closes:
                    raise serializers.ValidationError("Intervals on the same weekday overlap.")
        return value

    def validate_holidays(self, value: list[dict[str, Any]]) -> list[dict[str, Any]]:
        dates = [holiday["date"] for holiday in value]
        if len(set(dates)) != len(dates):
            raise serializers.ValidationError("Each date may appear only once.")
        return value

    def _replace(self, calendar: BusinessCalendar, hours: list[dict] | None, holidays: list[dict] | None) -> None:
        if hours is not None:
            calendar.hours.all().delete()
            BusinessHours.objects.bulk_create([BusinessHours(calendar=calendar, **h) for h in hours])
        if holidays is not None:
            calendar.holidays.all().delete()
            Holiday.objects.bulk_create([Holiday(calendar=calendar, **h) for h in holidays])
        desk_config_changed()  # bulk_create sends no signal

    @transaction.atomic
    def create(self, validated_data: dict[str, Any]) -> BusinessCalendar:
        hours, holidays = validated_data.pop("hours", []), validated_data.pop("holidays", [])
        calendar = super().create(validated_data)
        self._replace(calendar, hours, holidays)
        return calendar

    @transaction.atomic
    def update(self, instance: BusinessCalendar, validated_data: dict[str, Any]) -> BusinessCalendar:
        hours, holidays = validated_data.pop("hours", None), validated_data.pop("holidays", None)
        calendar = super().update(instance, validated_data)
        self._replace(calendar, hours, holidays)
        return calendar


@extend_schema_serializer(examples=examples.SLA_POLICY_EXAMPLES)
class SlaPolicySerializer(ModelSerializer):
    class Meta:
        model = SlaPolicy
        fields = [
            "id", "name", "position", "priority", "team", "channel", "calendar", "first_response_minutes",
            "next_response_minutes", "resolution_minutes", "at_risk_percent", "is_active",
        ]
        extra_kwargs = {
            "first_response_minutes": {"help_text": "Business minutes from creation to the first public reply.",
                                       "max_value": MAX_TARGET_MINUTES},
            "next_response_minutes": {"help_text": "Business minutes from a customer message to the next reply.",
                                      "max_value": MAX_TARGET_MINUTES},
            "resolution_minutes": {"help_text": "Business minutes from creation to resolution, pending excluded.",
                                   "max_value": MAX_TARGET_MINUTES},
        }


# Inline in the schema: a second named enum of the priorities would clash with PriorityEnum.
@extend_schema_field({"type": "string", "enum": [*Priority.values, ""]})
class PriorityOrBlankField(serializers.ChoiceField):
    pass


@extend_schema_serializer(examples=examples.ROUTING_RULE_EXAMPLES)
class RoutingRuleSerializer(ModelSerializer):
    set_priority = PriorityOrBlankField(
        choices=Priority.choices, allow_blank=True, required=False,
        help_text="The priority a matching ticket gets; blank keeps the ticket's own.",
    )

    class Meta:
        model = RoutingRule
        fields = [
            "id", "name", "position", "is_active", "channel", "category", "touchpoint", "segment", "priority",
            "keywords", "team", "set_priority",
        ]


@extend_schema_serializer(examples=examples.TEAM_ROUTING_EXAMPLES)
class TeamRoutingSerializer(ModelSerializer):
    class Meta:
        model = TeamRouting
        fields = ["team", "mode"]


@extend_schema_serializer(examples=examples.CANNED_RESPONSE_EXAMPLES)
class CannedResponseSerializer(ModelSerializer):
    created_by = UserSummarySerializer(read_only=True, allow_null=True)

    class Meta:
        model = CannedResponse
        fields = ["id", "title", "body", "team", "created_by", "updated_at"]
        read_only_fields = ["created_by", "updated_at"]
        extra_kwargs = {"body": {"help_text": "Placeholders: {customer_name}, {ticket_number}, {agent_name}."}}


class CannedRenderQuerySerializer(serializers.Serializer):
    ticket = serializers.IntegerField(min_value=1, max_value=MAX_ID, help_text="The ticket to fill it in for.")

    def validate_ticket(self, value: int) -> Ticket:
        request = self.context.get("request")
        tickets = tickets_visible_to(request.user) if request is not None else Ticket.objects.none()
        # Another team's ticket reads as one that does not exist.
        ticket = tickets.select_related("customer").filter(pk=value).first()
        if ticket is None:
            raise serializers.ValidationError(f"There is no ticket {value}.")
        return ticket


@extend_schema_serializer(examples=examples.CANNED_RENDER_EXAMPLES)
class CannedRenderSerializer(serializers.Serializer):
    text = serializers.CharField(help_text="The body with the placeholders filled in.")


@extend_schema_serializer(examples=examples.AGENT_AVAILABILITY_EXAMPLES)
class AgentAvailabilitySerializer(serializers.Serializer):
    """An agent and whether routing hands them new tickets (an agent never set is available)."""

    user = UserSummarySerializer(source="*", read_only=True)
    is_available = serializers.BooleanField()
    last_assigned_at = serializers.DateTimeField(read_only=True, allow_null=True,
                                                 help_text="When routing last gave them a ticket.")

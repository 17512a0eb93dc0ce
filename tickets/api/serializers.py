"""Shapes of the service side in the API: tickets, their conversation and history, and the inputs of
the ticket actions."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.db.models import Q, QuerySet
from rest_framework import serializers

from cxhub.models import Team
from journeys.choices import Channel
from journeys.models import Customer, Touchpoint
from tickets.choices import MessageKind, Priority, Status
from tickets.models import Ticket, TicketEvent, TicketMessage


class UserSummarySerializer(serializers.ModelSerializer):
    name = serializers.SerializerMethodField()

    class Meta:
        model = get_user_model()
        fields = ["id", "username", "name"]
        read_only_fields = fields

    def get_name(self, user: Any) -> str:
        return user.get_full_name() or user.get_username()


class CustomerSummarySerializer(serializers.ModelSerializer):
    class Meta:
        model = Customer
        fields = ["id", "name", "external_id"]
        read_only_fields = fields


class TouchpointSummarySerializer(serializers.ModelSerializer):
    class Meta:
        model = Touchpoint
        fields = ["id", "name"]
        read_only_fields = fields


class TeamSummarySerializer(serializers.ModelSerializer):
    class Meta:
        model = Team
        fields = ["id", "name"]
        read_only_fields = fields


class TicketSerializer(serializers.ModelSerializer):
    customer = CustomerSummarySerializer(read_only=True)
    touchpoint = TouchpointSummarySerializer(read_only=True, allow_null=True)
    team = TeamSummarySerializer(read_only=True, allow_null=True)
    assignee = UserSummarySerializer(read_only=True, allow_null=True)

    class Meta:
        model = Ticket
        fields = [
            "id", "subject", "status", "priority", "channel", "customer", "touchpoint", "team",
            "assignee", "created_by", "external_id", "created_at", "updated_at",
            "first_response_due_at", "resolution_due_at", "first_response_at", "first_resolved_at",
            "resolved_at", "closed_at", "reopen_count", "first_contact_resolution",
        ]
        read_only_fields = fields


class TicketMessageSerializer(serializers.ModelSerializer):
    author = UserSummarySerializer(read_only=True, allow_null=True)
    internal = serializers.SerializerMethodField(help_text="An internal note, never shown to the customer.")

    class Meta:
        model = TicketMessage
        fields = ["id", "kind", "internal", "author", "body", "created_at"]
        read_only_fields = fields

    def get_internal(self, message: TicketMessage) -> bool:
        return message.kind == MessageKind.NOTE


class TicketEventSerializer(serializers.ModelSerializer):
    actor = UserSummarySerializer(read_only=True, allow_null=True)
    data = serializers.DictField(read_only=True, help_text="What changed, e.g. {old, new} statuses.")

    class Meta:
        model = TicketEvent
        fields = ["id", "kind", "actor", "data", "created_at"]
        read_only_fields = fields


class TicketDetailSerializer(TicketSerializer):
    messages = TicketMessageSerializer(many=True, read_only=True, help_text="Oldest first, newest last.")
    events = TicketEventSerializer(many=True, read_only=True, help_text="The ticket's history, oldest first.")

    class Meta(TicketSerializer.Meta):
        fields = [*TicketSerializer.Meta.fields, "messages", "events"]
        read_only_fields = fields


# --- Inputs ------------------------------------------------------------------------------------------


class TicketCreateSerializer(serializers.Serializer):
    customer = serializers.PrimaryKeyRelatedField(queryset=Customer.objects.all())
    subject = serializers.CharField(max_length=200)
    body = serializers.CharField(help_text="The customer's first message.")
    touchpoint = serializers.PrimaryKeyRelatedField(
        queryset=Touchpoint.objects.all(), required=False, allow_null=True,
        help_text="Where in the journey the need arose; the team defaults to its owning team.",
    )
    channel = serializers.ChoiceField(choices=Channel.choices, required=False)
    priority = serializers.ChoiceField(choices=Priority.choices, required=False)
    external_id = serializers.CharField(max_length=100, required=False, allow_blank=True,
                                        help_text="The ticket's id in the CRM; unique when given.")


class TicketReplySerializer(serializers.Serializer):
    body = serializers.CharField()
    internal = serializers.BooleanField(default=False, help_text="An internal note instead of a public reply.")


class TicketStatusSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=Status.choices)


def assignable_users() -> QuerySet[AbstractBaseUser]:
    """People who may work tickets: those with the permission to change them."""
    can_work = (
        Q(groups__permissions__codename="change_ticket",
          groups__permissions__content_type__app_label="tickets")
        | Q(user_permissions__codename="change_ticket",
            user_permissions__content_type__app_label="tickets")
        | Q(is_superuser=True)
    )
    return get_user_model().objects.filter(can_work).distinct()


class TicketAssignSerializer(serializers.Serializer):
    assignee = serializers.PrimaryKeyRelatedField(
        queryset=assignable_users(), allow_null=True,
        error_messages={"does_not_exist": "No one who may work tickets has id {pk_value}."},
        help_text="A user id, or null to unassign.",
    )

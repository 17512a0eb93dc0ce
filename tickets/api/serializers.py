"""Shapes of the service side in the API: tickets, their conversation and history, and the inputs of
the ticket actions."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.db.models import Q, QuerySet
from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field, extend_schema_serializer
from rest_framework import serializers

from cxhub.models import Team
from cxhub.serializers import ModelSerializer, PrimaryKeyLookupField, Serializer
from journeys.choices import Channel
from journeys.models import Customer, Touchpoint
from tickets.api import examples
from tickets.choices import LinkKind, MessageKind, Priority, Status
from tickets.models import (
    Attachment,
    Category,
    ResolutionCode,
    Ticket,
    TicketEvent,
    TicketMessage,
)
from tickets.services.bulk import BULK_LIMIT
from tickets.services.classify import MAX_TAGS
from tickets.services.productivity import MAX_FILES_PER_MESSAGE

# The largest id a client can name: ids are 64-bit, and a larger number must be a 400, not a database error.
MAX_ID = 2**63 - 1


class UserSummarySerializer(ModelSerializer):
    name = serializers.SerializerMethodField()

    class Meta:
        model = get_user_model()
        fields = ["id", "username", "name"]
        read_only_fields = fields

    def get_name(self, user: Any) -> str:
        return user.get_full_name() or user.get_username()


class CustomerSummarySerializer(ModelSerializer):
    class Meta:
        model = Customer
        fields = ["id", "name", "external_id"]
        read_only_fields = fields


class TouchpointSummarySerializer(ModelSerializer):
    class Meta:
        model = Touchpoint
        fields = ["id", "name"]
        read_only_fields = fields


class TeamSummarySerializer(ModelSerializer):
    class Meta:
        model = Team
        fields = ["id", "name"]
        read_only_fields = fields


class NamedSummarySerializer(Serializer):
    """{id, name} of a category, resolution code or SLA policy."""

    id = serializers.IntegerField(read_only=True)
    name = serializers.CharField(read_only=True)


@extend_schema_field(NamedSummarySerializer)
class NamedLookupField(serializers.Field):
    """{id, name} of the ticket's category, resolution code or SLA policy, or null.

    The name is read from the `<lookup>_name` annotation that tickets.api.views.with_summary adds, so a page
    of tickets costs no query per lookup table whatever the tickets hold; a ticket fetched otherwise falls
    back to its related object.
    """

    def __init__(self, lookup: str, **kwargs: Any) -> None:
        self.lookup = lookup
        super().__init__(source="*", read_only=True, allow_null=True, **kwargs)

    def to_representation(self, ticket: Ticket) -> dict[str, Any] | None:
        pk = getattr(ticket, f"{self.lookup}_id")
        if pk is None:
            return None
        name = getattr(ticket, f"{self.lookup}_name", None)
        if name is None:
            name = getattr(ticket, self.lookup).name
        return {"id": pk, "name": name}


@extend_schema_serializer(examples=examples.TICKET_EXAMPLES)
class TicketSerializer(ModelSerializer):
    customer = CustomerSummarySerializer(read_only=True)
    touchpoint = TouchpointSummarySerializer(read_only=True, allow_null=True)
    team = TeamSummarySerializer(read_only=True, allow_null=True)
    assignee = UserSummarySerializer(read_only=True, allow_null=True)
    category = NamedLookupField("category")
    resolution_code = NamedLookupField("resolution_code")
    sla_policy = NamedLookupField(
        "sla_policy",
        help_text="The policy whose targets the due times follow; null: the default targets by priority.",
    )
    tags = serializers.SlugRelatedField(many=True, read_only=True, slug_field="name",
                                        help_text="Tag names, alphabetical.")
    custom_fields = serializers.DictField(read_only=True, help_text="Values by custom field key.")
    merged_into = serializers.PrimaryKeyRelatedField(
        read_only=True, allow_null=True, help_text="The ticket this duplicate was merged into.",
    )

    class Meta:
        model = Ticket
        fields = [
            "id", "subject", "status", "priority", "channel", "customer", "touchpoint", "team",
            "assignee", "created_by", "external_id", "created_at", "updated_at",
            "category", "resolution_code", "tags", "custom_fields",
            "sla_policy", "sla_status", "first_response_due_at", "next_response_due_at", "resolution_due_at",
            "first_response_at", "first_touched_at", "first_resolved_at", "resolved_at", "closed_at",
            "reopen_count", "first_contact_resolution", "merged_into",
        ]
        read_only_fields = fields


class AttachmentSerializer(ModelSerializer):
    name = serializers.CharField(source="original_name", read_only=True)
    download = serializers.SerializerMethodField(
        help_text="Where a signed-in browser downloads the file (the ticket page's download).")

    class Meta:
        model = Attachment
        fields = ["id", "name", "content_type", "size", "download"]
        read_only_fields = fields

    def get_download(self, attachment: Attachment) -> str:
        return reverse("tickets:attachment", kwargs={"pk": attachment.message.ticket_id,
                                                     "attachment_id": attachment.pk})


@extend_schema_serializer(examples=examples.TICKET_MESSAGE_EXAMPLES)
class TicketMessageSerializer(ModelSerializer):
    author = UserSummarySerializer(read_only=True, allow_null=True)
    internal = serializers.SerializerMethodField(help_text="An internal note, never shown to the customer.")
    attachments = AttachmentSerializer(many=True, read_only=True)

    class Meta:
        model = TicketMessage
        fields = ["id", "kind", "internal", "author", "body", "attachments", "created_at"]
        read_only_fields = fields

    def get_internal(self, message: TicketMessage) -> bool:
        return message.kind == MessageKind.NOTE


class TicketEventSerializer(ModelSerializer):
    actor = UserSummarySerializer(read_only=True, allow_null=True)
    data = serializers.DictField(read_only=True, help_text="What changed, e.g. {old, new} statuses.")

    class Meta:
        model = TicketEvent
        fields = ["id", "kind", "actor", "data", "created_at"]
        read_only_fields = fields


class LinkedTicketSerializer(ModelSerializer):
    class Meta:
        model = Ticket
        fields = ["id", "subject", "status"]
        read_only_fields = fields


@extend_schema_serializer(examples=examples.TICKET_LINK_EXAMPLES)
class TicketLinkSerializer(Serializer):
    """A link seen from one of its two tickets: `ticket` is the other one."""

    id = serializers.IntegerField(read_only=True)
    kind = serializers.ChoiceField(choices=LinkKind.choices, read_only=True)
    direction = serializers.ChoiceField(
        choices=[("out", "out"), ("in", "in")], read_only=True,
        help_text="For a duplicate link: out = this ticket was merged into the other; in = the other was "
                  "merged into this one. Related links are made from either end.",
    )
    ticket = LinkedTicketSerializer(read_only=True)
    created_at = serializers.DateTimeField(read_only=True)


def link_rows(ticket: Ticket) -> list[dict[str, Any]]:
    """The ticket's links in both directions, oldest first (reads the prefetched `links_out`/`links_in`)."""
    rows = [{"id": link.pk, "kind": link.kind, "direction": "out", "ticket": link.to_ticket,
             "created_at": link.created_at} for link in ticket.links_out.all()]
    rows += [{"id": link.pk, "kind": link.kind, "direction": "in", "ticket": link.from_ticket,
              "created_at": link.created_at} for link in ticket.links_in.all()]
    return sorted(rows, key=lambda row: row["id"])


@extend_schema_serializer(examples=examples.TICKET_DETAIL_EXAMPLES)
class TicketDetailSerializer(TicketSerializer):
    messages = TicketMessageSerializer(many=True, read_only=True, help_text="Oldest first, newest last.")
    events = TicketEventSerializer(many=True, read_only=True, help_text="The ticket's history, oldest first.")
    links = serializers.SerializerMethodField(help_text="Related tickets and merged duplicates, oldest first.")

    class Meta(TicketSerializer.Meta):
        fields = [*TicketSerializer.Meta.fields, "messages", "events", "links"]
        read_only_fields = fields

    @extend_schema_field(TicketLinkSerializer(many=True))
    def get_links(self, ticket: Ticket) -> list[dict[str, Any]]:
        return TicketLinkSerializer(link_rows(ticket), many=True).data


# --- Inputs ------------------------------------------------------------------------------------------


def assignable_users() -> QuerySet[AbstractBaseUser]:
    """Active people who may work tickets: those with the permission to change them."""
    can_work = (
        Q(groups__permissions__codename="change_ticket",
          groups__permissions__content_type__app_label="tickets")
        | Q(user_permissions__codename="change_ticket",
            user_permissions__content_type__app_label="tickets")
        | Q(is_superuser=True)
    )
    return get_user_model().objects.filter(can_work, is_active=True).distinct()


@extend_schema_serializer(examples=examples.TICKET_CREATE_EXAMPLES)
class TicketCreateSerializer(Serializer):
    customer = PrimaryKeyLookupField(Customer)
    subject = serializers.CharField(max_length=200)
    body = serializers.CharField(help_text="The customer's first message.")
    touchpoint = PrimaryKeyLookupField(
        Touchpoint, required=False, allow_null=True,
        help_text="Where in the journey the need arose; without a matching routing rule the ticket goes to "
                  "its owning team.",
    )
    channel = serializers.ChoiceField(choices=Channel.choices, required=False)
    priority = serializers.ChoiceField(choices=Priority.choices, required=False)
    external_id = serializers.CharField(max_length=100, required=False, allow_blank=True,
                                        help_text="The ticket's id in the CRM; unique when given.")
    category = serializers.PrimaryKeyRelatedField(
        queryset=Category.objects.all(), required=False, allow_null=True,
        help_text="What it is about (an active category); routing rules may use it.",
    )
    team = serializers.PrimaryKeyRelatedField(
        queryset=Team.objects.all(), required=False, allow_null=True,
        help_text="A manual override: the ticket goes to this team and the routing rules are skipped.",
    )
    assignee = serializers.PrimaryKeyRelatedField(
        queryset=assignable_users(), required=False, allow_null=True,
        error_messages={"does_not_exist": "No one who may work tickets has id {pk_value}."},
        help_text="A manual override: the ticket goes to this person and the routing rules are skipped.",
    )


@extend_schema_serializer(examples=examples.TICKET_UPSERT_EXAMPLES)
class TicketUpsertSerializer(Serializer):
    """A ticket as a CRM sends it to `by-external-id/` (see tickets.services.upsert for what an update
    may change). The external id in the address wins over one in the body."""

    external_id = serializers.CharField(max_length=100, required=False,
                                        help_text="The ticket's id in the CRM; the address's wins.")
    customer = serializers.PrimaryKeyRelatedField(queryset=Customer.objects.all(), required=False,
                                                  help_text="The customer's id; or send customer_external_id.")
    customer_external_id = serializers.CharField(max_length=100, required=False, write_only=True,
                                                 help_text="The customer's id in the CRM, instead of `customer`.")
    subject = serializers.CharField(max_length=200, required=False, help_text="Needed to create; fixed after.")
    body = serializers.CharField(required=False,
                                 help_text="The customer's first message: needed to create, ignored after.")
    touchpoint = serializers.PrimaryKeyRelatedField(queryset=Touchpoint.objects.all(), required=False,
                                                    allow_null=True)
    channel = serializers.ChoiceField(choices=Channel.choices, required=False)
    priority = serializers.ChoiceField(choices=Priority.choices, required=False,
                                       help_text="May change on update; the SLA follows.")
    status = serializers.ChoiceField(choices=Status.choices, required=False,
                                     help_text="May change on create and update, along the workflow's transitions.")
    category = serializers.PrimaryKeyRelatedField(queryset=Category.objects.all(), required=False, allow_null=True)
    team = serializers.PrimaryKeyRelatedField(queryset=Team.objects.all(), required=False, allow_null=True,
                                              help_text="A manual routing override when creating.")
    assignee = serializers.PrimaryKeyRelatedField(
        queryset=assignable_users(), required=False, allow_null=True,
        error_messages={"does_not_exist": "No one who may work tickets has id {pk_value}."},
        help_text="May change on update; null unassigns.",
    )

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        key = attrs.pop("customer_external_id", None)
        if key is not None:
            customer = Customer.objects.filter(external_id=key.strip()).first() if key.strip() else None
            if customer is None:
                raise serializers.ValidationError({"customer_external_id": ["No customer has this CRM id."]})
            if "customer" in attrs and attrs["customer"] != customer:
                raise serializers.ValidationError(
                    {"customer_external_id": ["Names another customer than `customer`: send one of them."]})
            attrs["customer"] = customer
        return attrs


class TicketUpsertItemSerializer(TicketUpsertSerializer):
    """One item of a bulk upsert: the same, with `external_id` required."""

    external_id = serializers.CharField(max_length=100, help_text="The ticket's id in the CRM.")


@extend_schema_serializer(examples=examples.TICKET_REPLY_EXAMPLES)
class TicketReplySerializer(Serializer):
    body = serializers.CharField()
    internal = serializers.BooleanField(default=False, help_text="An internal note instead of a public reply.")
    attachments = serializers.ListField(
        child=serializers.FileField(), required=False, max_length=MAX_FILES_PER_MESSAGE,
        help_text=f"Files (multipart/form-data only), at most {MAX_FILES_PER_MESSAGE}: images, PDF, text or CSV, "
                  "checked by content; one refused file refuses the whole message.",
    )


@extend_schema_serializer(examples=examples.TICKET_STATUS_EXAMPLES)
class TicketStatusSerializer(Serializer):
    status = serializers.ChoiceField(choices=Status.choices)


@extend_schema_serializer(examples=examples.TICKET_ASSIGN_EXAMPLES)
class TicketAssignSerializer(Serializer):
    assignee = serializers.PrimaryKeyRelatedField(
        queryset=assignable_users(), allow_null=True,
        error_messages={"does_not_exist": "No one who may work tickets has id {pk_value}."},
        help_text="A user id, or null to unassign.",
    )


@extend_schema_serializer(examples=examples.TICKET_PRIORITY_EXAMPLES)
class TicketPrioritySerializer(Serializer):
    priority = serializers.ChoiceField(choices=Priority.choices)


@extend_schema_field(OpenApiTypes.ANY)
class ScalarField(serializers.Field):
    """A JSON string, number, boolean or null: what a custom field value may be sent as."""

    default_error_messages = {"invalid": "Send a string, a number or null."}

    def to_internal_value(self, data: Any) -> Any:
        if data is None or isinstance(data, str | int | float | bool):
            return data
        self.fail("invalid")

    def to_representation(self, value: Any) -> Any:
        return value


@extend_schema_serializer(examples=examples.TICKET_CLASSIFY_EXAMPLES)
class TicketClassifySerializer(Serializer):
    """Everything left out keeps its current value; null clears a category or a resolution code."""

    category = serializers.PrimaryKeyRelatedField(
        queryset=Category.objects.all(), allow_null=True, required=False,
        help_text="A category id (an active one), or null for none.",
    )
    resolution_code = serializers.PrimaryKeyRelatedField(
        queryset=ResolutionCode.objects.all(), allow_null=True, required=False,
        help_text="A resolution code id (an active one), or null for none.",
    )
    tags = serializers.ListField(
        child=serializers.CharField(max_length=50, allow_blank=True), max_length=MAX_TAGS, required=False,
        help_text=f"The ticket's tags, replacing the current ones (at most {MAX_TAGS}); unknown names are "
                  "created, lower-case.",
    )
    custom_fields = serializers.DictField(
        child=ScalarField(allow_null=True), required=False,
        help_text="Values by custom field key; fields left out keep their value, null or \"\" removes one.",
    )

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if not attrs:
            raise serializers.ValidationError("Send at least one of category, resolution_code, tags, custom_fields.")
        return attrs


@extend_schema_serializer(examples=examples.TICKET_MERGE_EXAMPLES)
class TicketMergeSerializer(Serializer):
    into = serializers.PrimaryKeyRelatedField(
        queryset=Ticket.objects.all(), help_text="The ticket that is kept; this one is closed as its duplicate.",
    )


@extend_schema_serializer(examples=examples.TICKET_LINK_INPUT_EXAMPLES)
class TicketLinkInputSerializer(Serializer):
    other = serializers.PrimaryKeyRelatedField(queryset=Ticket.objects.all(),
                                               help_text="The related ticket's id.")


@extend_schema_serializer(examples=examples.TICKET_BULK_EXAMPLES)
class TicketBulkSerializer(Serializer):
    tickets = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=MAX_ID), min_length=1, max_length=BULK_LIMIT,
        help_text=f"Ticket ids, at most {BULK_LIMIT}; a repeated id counts once.",
    )
    assignee = serializers.PrimaryKeyRelatedField(
        queryset=assignable_users(), allow_null=True, required=False,
        error_messages={"does_not_exist": "No one who may work tickets has id {pk_value}."},
        help_text="A user id; null unassigns; left out, assignees stay as they are.",
    )
    priority = serializers.ChoiceField(choices=Priority.choices, required=False)
    status = serializers.ChoiceField(choices=Status.choices, required=False)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if not {"assignee", "priority", "status"} & attrs.keys():
            raise serializers.ValidationError("Choose what to change: assignee, priority or status.")
        return attrs


class BulkFailureSerializer(Serializer):
    id = serializers.IntegerField()
    reason = serializers.CharField()


@extend_schema_serializer(examples=examples.BULK_RESULT_EXAMPLES)
class BulkResultSerializer(Serializer):
    changed = serializers.ListField(child=serializers.IntegerField(), help_text="Changed ticket ids, in request order.")
    failed = BulkFailureSerializer(many=True, help_text="Tickets left as they were and why, in request order.")

"""API of the service desk's configuration. Managers change it; agents read what their role lets them see
(cxhub.roles), may add tags and canned responses, and set their own availability; team leads also set
their own teams' routing modes and change their teams' canned responses."""

from __future__ import annotations

from typing import Any

from django.db.models import BooleanField, F, Model, QuerySet, Value
from django.db.models.functions import Coalesce
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, permissions, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.serializers import Serializer

from cxhub.api import ApiViewSetMixin, RolePermission, error_responses
from cxhub.exceptions import ConflictError
from tickets.api.config_serializers import (
    AgentAvailabilitySerializer,
    BusinessCalendarSerializer,
    CannedRenderQuerySerializer,
    CannedRenderSerializer,
    CannedResponseSerializer,
    CategorySerializer,
    CustomFieldSerializer,
    ResolutionCodeSerializer,
    RoutingRuleSerializer,
    SlaPolicySerializer,
    TagSerializer,
    TeamRoutingSerializer,
)
from tickets.api.serializers import assignable_users
from tickets.models import (
    BusinessCalendar,
    CannedResponse,
    Category,
    CustomField,
    ResolutionCode,
    RoutingRule,
    SlaPolicy,
    Tag,
    TeamRouting,
    Ticket,
)
from tickets.selectors import check_team_configuration
from tickets.services.productivity import canned_render
from tickets.services.routing import agent_set_availability, check_can_set_availability

ID = r"[0-9]{1,18}"  # a 64-bit id; anything else is a 404 from the router, never a database error


def crud_schema(serializer: type[Serializer]) -> Any:
    """The answers of a configuration viewset's writes, errors included, for the schema."""
    return extend_schema_view(
        create=extend_schema(responses={201: serializer, **error_responses(400, 409)}),
        update=extend_schema(responses={200: serializer, **error_responses(400, 404, 409)}),
        partial_update=extend_schema(responses={200: serializer, **error_responses(400, 404, 409)}),
        destroy=extend_schema(responses={204: None, **error_responses(404, 409)}),
    )


class ConfigViewSet(ApiViewSetMixin, viewsets.ModelViewSet):
    """Plain create, read, update and delete under the role's model permissions.

    Deleting something tickets still refer to is refused (409): it would silently rewrite their history.
    Such entries have `is_active`; switching it off retires them instead.
    """

    lookup_value_regex = ID

    def in_use(self, instance: Any) -> str | None:
        """Why the instance may not be deleted, or None."""
        return None

    def perform_destroy(self, instance: Model) -> None:
        reason = self.in_use(instance)
        if reason is not None:
            raise ConflictError(reason)
        instance.delete()


def _used_by(instance: Model, **relations: QuerySet) -> str | None:
    counts = {label: queryset.count() for label, queryset in relations.items()}
    used = [f"{n} {label.replace('_', ' ')}" for label, n in counts.items() if n]
    if not used:
        return None
    retire = " Set is_active to false to retire it." if hasattr(instance, "is_active") else ""
    return f"In use by {' and '.join(used)}; it cannot be deleted.{retire}"


@crud_schema(CategorySerializer)
class CategoryViewSet(ConfigViewSet):
    """What tickets are about; routing rules and reports use it."""

    queryset = Category.objects.all()
    serializer_class = CategorySerializer
    filterset_fields = ["is_active"]

    def in_use(self, instance: Category) -> str | None:
        return _used_by(instance, tickets=instance.tickets.all(), routing_rules=instance.routing_rules.all())


@crud_schema(ResolutionCodeSerializer)
class ResolutionCodeViewSet(ConfigViewSet):
    """How tickets were resolved."""

    queryset = ResolutionCode.objects.all()
    serializer_class = ResolutionCodeSerializer
    filterset_fields = ["is_active"]

    def in_use(self, instance: ResolutionCode) -> str | None:
        return _used_by(instance, tickets=instance.tickets.all())


@crud_schema(TagSerializer)
class TagViewSet(ConfigViewSet):
    """Labels on tickets. Agents may add tags (tagging a ticket adds unknown ones too); managers rename
    and delete unused ones."""

    queryset = Tag.objects.all()
    serializer_class = TagSerializer

    def in_use(self, instance: Tag) -> str | None:
        return _used_by(instance, tickets=instance.tickets.all())


@crud_schema(CustomFieldSerializer)
class CustomFieldViewSet(ConfigViewSet):
    """Ticket fields a team defines: text, number or choice. Values live in each ticket's custom_fields."""

    queryset = CustomField.objects.all()
    serializer_class = CustomFieldSerializer
    filterset_fields = ["is_active"]

    def in_use(self, instance: CustomField) -> str | None:
        return _used_by(instance, tickets=Ticket.objects.filter(custom_fields__has_key=instance.key))


@crud_schema(BusinessCalendarSerializer)
class BusinessCalendarViewSet(ConfigViewSet):
    """When SLA clocks run: weekly hours and holidays in a time zone, or around the clock.

    Open tickets' due times follow a change at the SLA job's next sweep.
    """

    queryset = BusinessCalendar.objects.prefetch_related("hours", "holidays")
    serializer_class = BusinessCalendarSerializer

    def in_use(self, instance: BusinessCalendar) -> str | None:
        return _used_by(instance, sla_policies=instance.policies.all())


@crud_schema(SlaPolicySerializer)
class SlaPolicyViewSet(ConfigViewSet):
    """Targets by priority, optionally for one team or channel; the first active match by position applies.

    New tickets get the policy at creation, and a ticket whose priority or team changes chooses again.
    """

    queryset = SlaPolicy.objects.all()
    serializer_class = SlaPolicySerializer
    filterset_fields = ["is_active", "priority", "team"]

    def in_use(self, instance: SlaPolicy) -> str | None:
        return _used_by(instance, tickets=instance.tickets.all())


@crud_schema(RoutingRuleSerializer)
class RoutingRuleViewSet(ConfigViewSet):
    """Ordered rules sending new tickets to a team; the first active rule by position whose every set
    condition matches wins."""

    queryset = RoutingRule.objects.all()
    serializer_class = RoutingRuleSerializer
    filterset_fields = ["is_active", "team"]


@crud_schema(TeamRoutingSerializer)
class TeamRoutingViewSet(ConfigViewSet):
    """How each team hands out its new tickets (manual, round robin, fewest open), by team id.

    A team without an entry is manual.
    """

    queryset = TeamRouting.objects.order_by("team_id")
    serializer_class = TeamRoutingSerializer
    lookup_field = "team"

    # A team lead sets the mode of their own teams; a manager, any team's.
    def perform_create(self, serializer: Serializer) -> None:
        team = serializer.validated_data["team"]
        check_team_configuration(user=self.request.user, team_id=team.pk)
        serializer.save()

    def perform_update(self, serializer: Serializer) -> None:
        check_team_configuration(user=self.request.user, team_id=serializer.instance.team_id)
        team = serializer.validated_data.get("team", serializer.instance.team)
        check_team_configuration(user=self.request.user, team_id=team.pk)
        serializer.save()

    def perform_destroy(self, instance: TeamRouting) -> None:
        check_team_configuration(user=self.request.user, team_id=instance.team_id)
        super().perform_destroy(instance)


@crud_schema(CannedResponseSerializer)
class CannedResponseViewSet(ConfigViewSet):
    """Reusable replies. Agents may add them; managers change and delete them."""

    queryset = CannedResponse.objects.select_related("created_by")
    serializer_class = CannedResponseSerializer
    filterset_fields = ["team"]
    action_permissions = {"render_for_ticket": ["tickets.view_cannedresponse", "tickets.view_ticket"]}

    def perform_create(self, serializer: Serializer) -> None:
        serializer.save(created_by=self.request.user)

    # Changing or deleting one: a team lead, those of their own teams; a manager, any.
    def perform_update(self, serializer: Serializer) -> None:
        check_team_configuration(user=self.request.user, team_id=serializer.instance.team_id)
        team = serializer.validated_data.get("team", serializer.instance.team)
        check_team_configuration(user=self.request.user, team_id=team.pk if team else None)
        serializer.save()

    def perform_destroy(self, instance: CannedResponse) -> None:
        check_team_configuration(user=self.request.user, team_id=instance.team_id)
        super().perform_destroy(instance)

    @extend_schema(
        parameters=[CannedRenderQuerySerializer],
        responses={200: CannedRenderSerializer, **error_responses(400, 404)},
    )
    @action(detail=True, methods=["get"], url_path="render")
    def render_for_ticket(self, request: Request, pk: str | None = None) -> Response:
        """The text with {customer_name}, {ticket_number} and {agent_name} filled in for `ticket` and the
        caller; other braces are left as written."""
        canned = self.get_object()
        ticket = self.validated_input(CannedRenderQuerySerializer, data=request.query_params)["ticket"]
        return Response({"text": canned_render(canned=canned, ticket=ticket, agent=request.user)})


class OwnAvailabilityOrManager(permissions.BasePermission):
    """Anyone who may see availability reads it; an agent changes only their own, a manager anyone's."""

    def has_object_permission(self, request: Request, view: Any, obj: Any) -> bool:
        if request.method in permissions.SAFE_METHODS:
            return True
        return obj.pk == request.user.pk or request.user.has_perm("tickets.change_agentavailability")


AVAILABILITY = ["tickets.view_agentavailability"]


@extend_schema_view(
    update=extend_schema(responses={200: AgentAvailabilitySerializer, **error_responses(400, 404)}),
    partial_update=extend_schema(responses={200: AgentAvailabilitySerializer, **error_responses(400, 404)}),
)
class AgentAvailabilityViewSet(
    ApiViewSetMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """Everyone who works tickets, by user id, and whether routing hands them new tickets."""

    serializer_class = AgentAvailabilitySerializer
    permission_classes = [RolePermission, OwnAvailabilityOrManager]
    # The rows are users, so the model permissions would be the user model's; name the real ones.
    action_permissions = {name: AVAILABILITY for name in
                          ("list", "retrieve", "update", "partial_update", "metadata")}
    lookup_value_regex = ID
    http_method_names = ["get", "put", "patch", "head", "options"]

    def get_queryset(self) -> QuerySet:
        return assignable_users().annotate(
            is_available=Coalesce("availability__is_available", Value(True), output_field=BooleanField()),
            last_assigned_at=F("availability__last_assigned_at"),
        ).order_by("username", "id")

    def update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Set `is_available`: your own as an agent, anyone's as a manager."""
        agent = self.get_object()
        data = self.validated_input(AgentAvailabilitySerializer)
        check_can_set_availability(actor=request.user, agent=agent)
        agent_set_availability(agent=agent, is_available=data["is_available"])
        return Response(AgentAvailabilitySerializer(self.get_queryset().get(pk=agent.pk)).data)

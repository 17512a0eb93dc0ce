"""API of the service side: tickets and the actions on them. Every change goes through tickets.services."""

from __future__ import annotations

from django.db.models import Prefetch, QuerySet
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from cxhub.api import ApiViewSetMixin, error_responses
from tickets.api.serializers import (
    TicketAssignSerializer,
    TicketCreateSerializer,
    TicketDetailSerializer,
    TicketMessageSerializer,
    TicketReplySerializer,
    TicketSerializer,
    TicketStatusSerializer,
)
from tickets.filters import TicketFilterSet
from tickets.models import Ticket, TicketEvent, TicketMessage
from tickets.services import (
    ticket_assign,
    ticket_change_status,
    ticket_create,
    ticket_reopen,
    ticket_reply,
    ticket_resolve,
)

CHANGE = ["tickets.view_ticket", "tickets.change_ticket"]


class TicketViewSet(
    ApiViewSetMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """Tickets. Created and changed only through the services; answers carry the ticket's full detail.

    An action the ticket's state does not allow (resolving a closed ticket) answers 409 with the reason.
    """

    queryset = Ticket.objects.all()
    serializer_class = TicketSerializer
    filterset_class = TicketFilterSet
    action_permissions = {
        "replies": ["tickets.view_ticket", "tickets.add_ticketmessage"],
        "resolve": CHANGE,
        "reopen": CHANGE,
        "change_status": CHANGE,
        "assign": CHANGE,
    }

    def get_queryset(self) -> QuerySet[Ticket]:
        queryset = super().get_queryset()
        if self.action in ("list", "retrieve"):
            queryset = queryset.select_related("customer", "touchpoint", "team", "assignee")
        if self.action == "retrieve":
            queryset = self._with_conversation(queryset)
        return queryset

    def get_serializer_class(self) -> type:
        return TicketSerializer if self.action == "list" else TicketDetailSerializer

    @staticmethod
    def _with_conversation(queryset: QuerySet[Ticket]) -> QuerySet[Ticket]:
        return queryset.prefetch_related(
            Prefetch("messages", queryset=TicketMessage.objects.select_related("author")
                     .order_by("created_at", "id")),
            Prefetch("events", queryset=TicketEvent.objects.select_related("actor")
                     .order_by("created_at", "id")),
        )

    def _detail(self, ticket: Ticket, *, status_code: int = status.HTTP_200_OK) -> Response:
        """Answer with the ticket as it is now, fetched afresh with everything the detail shows."""
        fresh = self._with_conversation(
            Ticket.objects.select_related("customer", "touchpoint", "team", "assignee")
        ).get(pk=ticket.pk)
        return Response(TicketDetailSerializer(fresh, context=self.get_serializer_context()).data,
                        status=status_code)

    @extend_schema(
        request=TicketCreateSerializer,
        responses={201: TicketDetailSerializer, **error_responses(400, 409)},
    )
    def create(self, request: Request) -> Response:
        """Log a customer's request; `body` becomes the customer's first message."""
        ticket = ticket_create(actor=request.user, **self.validated_input(TicketCreateSerializer))
        return self._detail(ticket, status_code=status.HTTP_201_CREATED)

    @extend_schema(
        request=TicketReplySerializer,
        responses={201: TicketMessageSerializer, **error_responses(400, 404, 409)},
    )
    @action(detail=True, methods=["post"])
    def replies(self, request: Request, pk: str | None = None) -> Response:
        """A public reply to the customer, or an internal note with `internal: true`."""
        ticket = self.get_object()
        message = ticket_reply(ticket=ticket, author=request.user, **self.validated_input(TicketReplySerializer))
        return Response(TicketMessageSerializer(message).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses={200: TicketDetailSerializer, **error_responses(404, 409)})
    @action(detail=True, methods=["post"])
    def resolve(self, request: Request, pk: str | None = None) -> Response:
        return self._detail(ticket_resolve(ticket=self.get_object(), actor=request.user))

    @extend_schema(request=None, responses={200: TicketDetailSerializer, **error_responses(404, 409)})
    @action(detail=True, methods=["post"])
    def reopen(self, request: Request, pk: str | None = None) -> Response:
        """Resolved -> open, counted as a reopen."""
        return self._detail(ticket_reopen(ticket=self.get_object(), actor=request.user))

    @extend_schema(
        request=TicketStatusSerializer,
        responses={200: TicketDetailSerializer, **error_responses(400, 404, 409)},
    )
    @action(detail=True, methods=["post"], url_path="status")
    def change_status(self, request: Request, pk: str | None = None) -> Response:
        """Move the ticket along its workflow (new, open, pending, resolved, closed)."""
        ticket = self.get_object()
        data = self.validated_input(TicketStatusSerializer)
        return self._detail(ticket_change_status(ticket=ticket, status=data["status"], actor=request.user))

    @extend_schema(
        request=TicketAssignSerializer,
        responses={200: TicketDetailSerializer, **error_responses(400, 404)},
    )
    @action(detail=True, methods=["post"])
    def assign(self, request: Request, pk: str | None = None) -> Response:
        """Give the ticket to someone who may work tickets; null unassigns."""
        ticket = self.get_object()
        data = self.validated_input(TicketAssignSerializer)
        return self._detail(ticket_assign(ticket=ticket, assignee=data["assignee"], actor=request.user))

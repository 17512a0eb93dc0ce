"""API of the service side: tickets and the actions on them. Every change goes through tickets.services."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models import OuterRef, Prefetch, QuerySet, Subquery
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.parsers import JSONParser, MultiPartParser
from rest_framework.relations import PrimaryKeyRelatedField
from rest_framework.request import Request
from rest_framework.response import Response

from cxhub.api import (
    ApiViewSetMixin,
    BulkUpsertRefusedSerializer,
    BulkUpsertResultSerializer,
    ConditionalReadMixin,
    bulk_upsert_request,
    check_preconditions,
    conditional_read,
    error_responses,
    object_etag,
    request_body,
    run_bulk_upsert,
)
from cxhub.exceptions import DomainError
from journeys.services import UpsertOutcome
from tickets.api import examples
from tickets.api.serializers import (
    BulkResultSerializer,
    TicketAssignSerializer,
    TicketBulkSerializer,
    TicketClassifySerializer,
    TicketCreateSerializer,
    TicketDetailSerializer,
    TicketLinkInputSerializer,
    TicketLinkSerializer,
    TicketMergeSerializer,
    TicketMessageSerializer,
    TicketPrioritySerializer,
    TicketReplySerializer,
    TicketSerializer,
    TicketStatusSerializer,
    TicketUpsertItemSerializer,
    TicketUpsertSerializer,
)
from tickets.filters import TicketFilterSet
from tickets.models import (
    Attachment,
    Category,
    ResolutionCode,
    SlaPolicy,
    Ticket,
    TicketEvent,
    TicketLink,
    TicketMessage,
)
from tickets.selectors import check_ticket_assign, tickets_bulk_access, tickets_visible_to
from tickets.services import (
    BulkResult,
    ticket_assign,
    ticket_change_status,
    ticket_classify,
    ticket_create,
    ticket_link,
    ticket_merge,
    ticket_reopen,
    ticket_resolve,
    ticket_set_priority,
    ticket_unlink,
    tickets_bulk_update,
)
from tickets.services.productivity import ticket_reply_with_attachments
from tickets.services.upsert import ticket_upsert, tickets_upsert

CHANGE = ["tickets.view_ticket", "tickets.change_ticket"]
UPSERT = ["tickets.view_ticket", "tickets.add_ticket", "tickets.change_ticket"]
# The CRM's id in the address: anything but a slash (an id with one is upserted through bulk-upsert).
BY_EXTERNAL_ID = r"by-external-id/(?P<external_id>[^/]+)"
LINK = [*CHANGE, "tickets.add_ticketlink"]
# Joined into the ticket query. The names of the small lookup tables come as scalar subqueries instead:
# every join multiplies the orders PostgreSQL weighs (with all seven joined, planning took 60-110 ms at a
# million tickets for a query that then ran in under 1 ms, docs/performance.md), and a prefetch per table
# skips its query when no ticket on the page has that lookup, so page 1 and page 1,000 would differ.
SUMMARY_RELATIONS = ("customer", "touchpoint", "team", "assignee")
SUMMARY_LOOKUPS = {"category": Category, "resolution_code": ResolutionCode, "sla_policy": SlaPolicy}


def with_summary(queryset: QuerySet[Ticket]) -> QuerySet[Ticket]:
    """What TicketSerializer shows, fetched in the same number of queries whatever the tickets hold."""
    names = {f"{field}_name": Subquery(model.objects.filter(pk=OuterRef(f"{field}_id")).values("name")[:1])
             for field, model in SUMMARY_LOOKUPS.items()}
    return queryset.select_related(*SUMMARY_RELATIONS).annotate(**names).prefetch_related("tags")


@extend_schema_view(
    list=extend_schema(description=(
        "Tickets, filtered and ordered with the same query-string parameters as the queue page. "
        "For a CSV of a filtered list use the page export `/tickets/export.csv?<same parameters>` "
        "(streamed, for people signed in to the app); the API itself answers JSON only."
    )),
    retrieve=extend_schema(responses={200: TicketDetailSerializer, 304: None, **error_responses(404)}),
)
class TicketViewSet(
    ConditionalReadMixin, ApiViewSetMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """Tickets. Created and changed only through the services; answers carry the ticket's full detail.

    An action the ticket's state does not allow (resolving a closed ticket) answers 409 with the reason.
    Every answer with one ticket carries its ETag (If-None-Match on a read answers 304 when unchanged;
    If-Match on an upsert refuses with 412 a ticket changed meanwhile).
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
        "priority": CHANGE,
        "classify": CHANGE,
        "merge": LINK,
        "links": LINK,
        "unlink": CHANGE,
        "bulk": CHANGE,
        "by_external_id": ["tickets.view_ticket"],
        "upsert_by_external_id": UPSERT,
        "bulk_upsert": UPSERT,
    }

    def get_queryset(self) -> QuerySet[Ticket]:
        # Only the tickets the caller may see: another team's ticket is a 404 for every operation on it.
        queryset = tickets_visible_to(self.request.user, super().get_queryset())
        if self.action in ("list", "retrieve"):
            queryset = with_summary(queryset)
        if self.action == "retrieve":
            queryset = self._with_conversation(queryset)
        return queryset

    def get_serializer_class(self) -> type:
        return TicketSerializer if self.action == "list" else TicketDetailSerializer

    @staticmethod
    def _with_conversation(queryset: QuerySet[Ticket]) -> QuerySet[Ticket]:
        return queryset.prefetch_related(
            Prefetch("messages", queryset=TicketMessage.objects.select_related("author")
                     .prefetch_related(Prefetch("attachments",
                                                queryset=Attachment.objects.select_related("message")))
                     .order_by("created_at", "id")),
            Prefetch("events", queryset=TicketEvent.objects.select_related("actor")
                     .order_by("created_at", "id")),
            Prefetch("links_out", queryset=TicketLink.objects.select_related("to_ticket")),
            Prefetch("links_in", queryset=TicketLink.objects.select_related("from_ticket")),
        )

    def _check_visible(self, ticket: Ticket, *, field: str) -> None:
        """Another team's ticket named in the body is refused as one that does not exist."""
        if not tickets_visible_to(self.request.user).filter(pk=ticket.pk).exists():
            message = PrimaryKeyRelatedField.default_error_messages["does_not_exist"].format(pk_value=ticket.pk)
            raise ValidationError({field: [message]})

    def _detail(self, ticket: Ticket, *, status_code: int = status.HTTP_200_OK) -> Response:
        """Answer with the ticket as it is now, fetched afresh with everything the detail shows."""
        fresh = self._with_conversation(with_summary(Ticket.objects.all())).get(pk=ticket.pk)
        return Response(TicketDetailSerializer(fresh, context=self.get_serializer_context()).data,
                        status=status_code, headers={"ETag": object_etag(fresh)})

    @extend_schema(responses={200: TicketDetailSerializer, 304: None, **error_responses(404)})
    @action(detail=False, methods=["get"], url_path=BY_EXTERNAL_ID, filterset_class=None, pagination_class=None)
    def by_external_id(self, request: Request, external_id: str) -> Response:
        """The ticket with this CRM id, in full, with its ETag."""
        queryset = self._with_conversation(with_summary(tickets_visible_to(request.user)))
        ticket = get_object_or_404(queryset, external_id=external_id.strip())
        return conditional_read(request, ticket, lambda: TicketDetailSerializer(
            ticket, context=self.get_serializer_context()).data)

    @extend_schema(
        request=TicketUpsertSerializer,
        responses={200: TicketDetailSerializer, 201: TicketDetailSerializer,
                   **error_responses(400, 409, 412)},
    )
    @by_external_id.mapping.put
    def upsert_by_external_id(self, request: Request, external_id: str) -> Response:
        """Create (201) or update (200) the ticket with this CRM id, through the ticket services.

        Creating needs customer (or customer_external_id), subject and body, and may set status. An update
        may change priority, assignee and status (an invalid transition is a 409); customer, subject,
        channel, touchpoint, category and team are fixed once the ticket is made (another value is a 400);
        body is only read on creation. If-Match (an ETag) updates only that version, else 412.
        """
        data = self.validated_input(TicketUpsertSerializer, data=request_body(request, external_id=external_id))
        key = data.pop("external_id")
        with transaction.atomic():
            current = Ticket.objects.select_for_update(of=("self",)).filter(external_id=key).first()
            if current is not None and not tickets_visible_to(request.user).filter(pk=current.pk).exists():
                raise NotFound()  # another team's ticket, as for every other operation
            check_preconditions(request, current)
            ticket, created = ticket_upsert(external_id=key, values=data, actor=request.user)
        return self._detail(ticket, status_code=status.HTTP_201_CREATED if created else status.HTTP_200_OK)

    @extend_schema(
        request=bulk_upsert_request("TicketBulkUpsertRequest", TicketUpsertItemSerializer),
        responses={200: BulkUpsertResultSerializer, 400: BulkUpsertRefusedSerializer},
        examples=examples.TICKET_BULK_UPSERT_EXAMPLES,
    )
    @action(detail=False, methods=["post"], url_path="bulk-upsert", filterset_class=None)
    def bulk_upsert(self, request: Request) -> Response:
        """Create or update up to 500 tickets by CRM id, each as `by-external-id/` would, with a result per
        item in request order. A repeated external_id names one ticket: the later item updates it. By
        default every valid item is written (each in its own savepoint); with `atomic: true` any error
        writes nothing (400)."""
        return run_bulk_upsert(data=request.data, item_serializer=TicketUpsertItemSerializer,
                               context=self.get_serializer_context(),
                               write=lambda items: self._upsert_visible(items))

    def _upsert_visible(self, items: list[dict[str, Any]]) -> list[UpsertOutcome]:
        """tickets_upsert for the items the caller may write: an item naming another team's ticket fails."""
        keys = {str(item.get("external_id") or "").strip() for item in items}
        existing = set(Ticket.objects.filter(external_id__in=keys).values_list("external_id", flat=True))
        visible = set(tickets_visible_to(self.request.user).filter(external_id__in=existing)
                      .values_list("external_id", flat=True))
        hidden = existing - visible
        if not hidden:
            return tickets_upsert(items=items, actor=self.request.user)
        refusal = DomainError(_("A ticket with this external id belongs to a team you do not work in."),
                              field="external_id")
        allowed = [item for item in items if str(item.get("external_id") or "").strip() not in hidden]
        written = iter(tickets_upsert(items=allowed, actor=self.request.user))
        return [UpsertOutcome.failed(index, key, refusal) if key in hidden else next(written)
                for index, key in enumerate(str(item.get("external_id") or "").strip() for item in items)]

    @extend_schema(
        request=TicketCreateSerializer,
        responses={201: TicketSerializer, **error_responses(400, 409)},
    )
    def create(self, request: Request) -> Response:
        """Log a customer's request; `body` becomes the customer's first message.

        Answers 201 with the ticket as the list shows it: where routing sent it (team, assignee), its
        priority, SLA policy and due times. Its conversation and history are at `Location`, the full
        detail; a CRM logging tickets in bulk need not pay for them on every create.
        """
        ticket = ticket_create(actor=request.user, **self.validated_input(TicketCreateSerializer))
        # The ticket as just written holds its customer, touchpoint, team, assignee, category and policy
        # already (the service set them), and no tags (the service gives it none): nothing is read again.
        no_tags = ticket.tags.none()
        no_tags._result_cache = []  # as prefetch_related leaves it: read, and empty
        ticket._prefetched_objects_cache = {"tags": no_tags}
        return Response(TicketSerializer(ticket, context=self.get_serializer_context()).data,
                        status=status.HTTP_201_CREATED,
                        headers={"Location": reverse("ticket-detail", args=[ticket.pk]),
                                 "ETag": object_etag(ticket)})

    @extend_schema(
        request={"application/json": TicketReplySerializer, "multipart/form-data": TicketReplySerializer},
        responses={201: TicketMessageSerializer, **error_responses(400, 404, 409)},
    )
    @action(detail=True, methods=["post"], parser_classes=[JSONParser, MultiPartParser])
    def replies(self, request: Request, pk: str | None = None) -> Response:
        """A public reply to the customer, or an internal note with `internal: true`; send it as
        multipart/form-data to attach files (`attachments`, repeated)."""
        ticket = self.get_object()
        data = self.validated_input(TicketReplySerializer)
        message = ticket_reply_with_attachments(
            ticket=ticket, author=request.user, body=data["body"], internal=data["internal"],
            files=data.get("attachments", []),
        )
        fresh = TicketMessage.objects.select_related("author").prefetch_related(
            Prefetch("attachments", queryset=Attachment.objects.select_related("message"))).get(pk=message.pk)
        return Response(TicketMessageSerializer(fresh).data, status=status.HTTP_201_CREATED)

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
        check_ticket_assign(actor=request.user, ticket=ticket, assignee=data["assignee"])
        return self._detail(ticket_assign(ticket=ticket, assignee=data["assignee"], actor=request.user))

    @extend_schema(
        request=TicketPrioritySerializer,
        responses={200: TicketDetailSerializer, **error_responses(400, 404)},
    )
    @action(detail=True, methods=["post"])
    def priority(self, request: Request, pk: str | None = None) -> Response:
        """Change the priority; the SLA due times follow the new priority's targets."""
        ticket = self.get_object()
        data = self.validated_input(TicketPrioritySerializer)
        return self._detail(ticket_set_priority(ticket=ticket, priority=data["priority"], actor=request.user))

    @extend_schema(
        request=TicketClassifySerializer,
        responses={200: TicketDetailSerializer, **error_responses(400, 404)},
    )
    @action(detail=True, methods=["post"])
    def classify(self, request: Request, pk: str | None = None) -> Response:
        """Set category, resolution code, tags and custom fields together: all of them, or (on any error)
        none. What is left out keeps its current value."""
        ticket = self.get_object()
        data = self.validated_input(TicketClassifySerializer)
        changes: dict[str, Any] = {
            "category": data.get("category", ticket.category),
            "resolution_code": data.get("resolution_code", ticket.resolution_code),
            "tags": data["tags"] if "tags" in data else list(ticket.tags.values_list("name", flat=True)),
            "custom_fields": data.get("custom_fields"),
        }
        return self._detail(ticket_classify(ticket=ticket, actor=request.user, **changes))

    @extend_schema(
        request=TicketMergeSerializer,
        responses={200: TicketDetailSerializer, **error_responses(400, 404, 409)},
    )
    @action(detail=True, methods=["post"])
    def merge(self, request: Request, pk: str | None = None) -> Response:
        """Merge this ticket, a duplicate, into `into`: its messages move there and it is closed (without
        being scored). Answers with the kept ticket."""
        duplicate = self.get_object()
        data = self.validated_input(TicketMergeSerializer)
        self._check_visible(data["into"], field="into")
        return self._detail(ticket_merge(duplicate=duplicate, into=data["into"], actor=request.user))

    @extend_schema(
        request=TicketLinkInputSerializer,
        responses={201: TicketLinkSerializer, **error_responses(400, 404)},
    )
    @action(detail=True, methods=["post"])
    def links(self, request: Request, pk: str | None = None) -> Response:
        """Link this ticket and `other` as related. Linking a pair that is linked already (either way)
        answers with that link."""
        ticket = self.get_object()
        data = self.validated_input(TicketLinkInputSerializer)
        self._check_visible(data["other"], field="other")
        link = ticket_link(ticket=ticket, other=data["other"], actor=request.user)
        out = link.from_ticket_id == ticket.pk
        row = {"id": link.pk, "kind": link.kind, "direction": "out" if out else "in",
               "ticket": link.to_ticket if out else link.from_ticket, "created_at": link.created_at}
        return Response(TicketLinkSerializer(row).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        parameters=[OpenApiParameter("other", OpenApiTypes.INT, OpenApiParameter.PATH,
                                     description="The linked ticket's id.")],
        request=None,
        responses={204: None, **error_responses(404)},
    )
    @action(detail=True, methods=["delete"], url_path=r"links/(?P<other>[0-9]{1,18})")
    def unlink(self, request: Request, pk: str | None = None, other: str | None = None) -> Response:
        """Remove the related link between this ticket and `other`; a 404 if they are not related. The
        link a merge made stays."""
        ticket = self.get_object()
        other_ticket = get_object_or_404(tickets_visible_to(request.user), pk=int(other or 0))
        if not ticket_unlink(ticket=ticket, other=other_ticket, actor=request.user):
            return Response({"detail": f"Ticket #{ticket.pk} is not linked to #{other_ticket.pk}."},
                            status=status.HTTP_404_NOT_FOUND)
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(
        request=TicketBulkSerializer,
        responses={200: BulkResultSerializer, **error_responses(400)},
    )
    @action(detail=False, methods=["post"])
    def bulk(self, request: Request) -> Response:
        """Give many tickets the same assignee, priority and/or status in one transaction.

        Each ticket goes through the same rules as a single change; one the rules refuse is left exactly
        as it was and reported in `failed` with the reason, the others are changed. 200 either way.
        """
        data = self.validated_input(TicketBulkSerializer)
        unassign = "assignee" in data and data["assignee"] is None
        # Another team's ticket is "No such ticket."; an assignment the role may not make, refused per row.
        access = tickets_bulk_access(user=request.user, ticket_ids=data["tickets"],
                                     assignee=data.get("assignee"), unassign=unassign)
        result = tickets_bulk_update(
            ticket_ids=access.allowed, actor=request.user, status=data.get("status"),
            priority=data.get("priority"), assignee=data.get("assignee"), unassign=unassign,
        ) if access.allowed else BulkResult()
        result.failed = [*access.refused, *result.failed]
        body = {"changed": result.changed, "failed": [{"id": i, "reason": why} for i, why in result.failed]}
        return Response(BulkResultSerializer(body).data)

"""API of the feedback side: surveys and their versions, responses, invitations, touchpoint events, the
feedback settings and the post-ticket survey rules.

Every write with a rule goes through a service (feedback.services_surveys, feedback.services,
feedback.invitations); a rule that refuses answers 400 (or 409) on the field at fault, having written
nothing.
"""

from __future__ import annotations

from typing import Any

from django.db.models import OuterRef, QuerySet, Subquery
from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import generics, mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.serializers import Serializer

from cxhub.api import ApiViewSetMixin, error_responses
from feedback.api.filters import (
    InvitationFilterSet,
    ResponseApiFilterSet,
    SurveyApiFilterSet,
    TicketSurveyRuleFilterSet,
    TouchpointEventFilterSet,
)
from feedback.api.serializers import (
    FeedbackSettingsSerializer,
    InvitationBatchResultSerializer,
    InvitationBatchSerializer,
    InvitationCreateSerializer,
    InvitationSerializer,
    ResponseCreateSerializer,
    ResponseDetailSerializer,
    ResponseSerializer,
    ResponseThemeSerializer,
    SurveyCreateSerializer,
    SurveySerializer,
    SurveyVersionCreateSerializer,
    SurveyVersionSerializer,
    ThemeCreateSerializer,
    ThemeSerializer,
    TicketSurveyRuleSerializer,
    TouchpointEventCreateSerializer,
    TouchpointEventSerializer,
)
from feedback.choices import InvitationTrigger
from feedback.invitations import invitation_create, invite_segment, touchpoint_event_record
from feedback.models import (
    FeedbackSettings,
    Invitation,
    Survey,
    SurveyVersion,
    Theme,
    TicketSurveyRule,
    TouchpointEvent,
)
from feedback.models import Response as SurveyResponse
from feedback.services import response_submit
from feedback.services_surveys import survey_set_active, survey_start, survey_version_save
from feedback.themes import response_tag, response_untag, theme_create, theme_list

ID = r"[0-9]{1,18}"  # a 64-bit id; anything else is a 404 from the router, never a database error
VERSION_NUMBER = r"[0-9]{1,9}"
VIEW_VERSIONS = ["feedback.view_survey", "feedback.view_surveyversion"]
THEME_TAGGING = ["feedback.view_response", "feedback.change_response", "feedback.view_theme"]


def with_current_definition(queryset: QuerySet[Survey]) -> QuerySet[Survey]:
    """Surveys with their current version's definition, in the same query."""
    current = SurveyVersion.objects.filter(survey=OuterRef("pk"), number=OuterRef("version"))
    return queryset.annotate(current_definition=Subquery(current.values("definition")[:1]))


@extend_schema_view(
    list=extend_schema(description="Surveys, each with its current version's definition."),
)
class SurveyViewSet(
    ApiViewSetMixin,
    mixins.ListModelMixin,
    mixins.CreateModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """Surveys. Their questions are never edited in place: posting a definition to `versions/` freezes
    it as the next version, and every response keeps the version it was given on."""

    queryset = Survey.objects.all()
    serializer_class = SurveySerializer
    filterset_class = SurveyApiFilterSet
    lookup_value_regex = ID
    action_permissions = {
        "versions": VIEW_VERSIONS,
        "version": VIEW_VERSIONS,
        "version_create": ["feedback.change_survey", "feedback.add_surveyversion"],
        "close": ["feedback.view_survey", "feedback.change_survey"],
        "reopen": ["feedback.view_survey", "feedback.change_survey"],
    }

    def get_queryset(self) -> QuerySet[Survey]:
        return with_current_definition(super().get_queryset())

    def _detail(self, survey: Survey, *, status_code: int = status.HTTP_200_OK) -> Response:
        fresh = with_current_definition(Survey.objects.all()).get(pk=survey.pk)
        return Response(SurveySerializer(fresh).data, status=status_code)

    @extend_schema(
        request=SurveyCreateSerializer,
        responses={201: SurveySerializer, **error_responses(400)},
    )
    def create(self, request: Request) -> Response:
        """A new NPS, CSAT or CES survey; version 1 asks only its metric question."""
        survey = survey_start(actor=request.user, **self.validated_input(SurveyCreateSerializer))
        return self._detail(survey, status_code=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses={200: SurveySerializer, **error_responses(400, 404)})
    @action(detail=True, methods=["post"], filterset_class=None)
    def close(self, request: Request, pk: str | None = None) -> Response:
        """Close the survey to new answers; its links, invitations and answers stay."""
        return self._detail(survey_set_active(survey=self.get_object(), active=False))

    @extend_schema(request=None, responses={200: SurveySerializer, **error_responses(400, 404)})
    @action(detail=True, methods=["post"], filterset_class=None)
    def reopen(self, request: Request, pk: str | None = None) -> Response:
        """Open a closed survey to answers again."""
        return self._detail(survey_set_active(survey=self.get_object(), active=True))

    @extend_schema(responses={200: SurveyVersionSerializer(many=True), **error_responses(404)})
    @action(detail=True, methods=["get"], pagination_class=None, filterset_class=None)
    def versions(self, request: Request, pk: str | None = None) -> Response:
        """The survey's versions, oldest first: what it asked at each point of its history."""
        survey = self.get_object()
        versions = SurveyVersion.objects.filter(survey=survey).order_by("number")
        return Response(SurveyVersionSerializer(versions, many=True).data)

    @extend_schema(
        request=SurveyVersionCreateSerializer,
        responses={
            201: SurveyVersionSerializer,
            200: SurveyVersionSerializer,
            **error_responses(400, 404),
        },
    )
    @versions.mapping.post
    def version_create(self, request: Request, pk: str | None = None) -> Response:
        """Freeze an edited definition as the next version and make it current (201). A definition equal
        to the current one makes no version: the current one answers (200)."""
        survey = self.get_object()
        data = self.validated_input(SurveyVersionCreateSerializer)
        before = survey.version
        version = survey_version_save(survey=survey, definition=data["definition"], actor=request.user)
        created = version.number != before
        return Response(SurveyVersionSerializer(version).data,
                        status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)

    @extend_schema(
        parameters=[OpenApiParameter("number", OpenApiTypes.INT, OpenApiParameter.PATH,
                                     description="The version's number, from 1.")],
        responses={200: SurveyVersionSerializer, **error_responses(404)},
    )
    @action(detail=True, methods=["get"], url_path=rf"versions/(?P<number>{VERSION_NUMBER})",
            filterset_class=None)
    def version(self, request: Request, pk: str | None = None, number: str | None = None) -> Response:
        """One version of the survey's questions, as it was asked."""
        survey = self.get_object()
        version = get_object_or_404(SurveyVersion, survey=survey, number=int(number or 0))
        return Response(SurveyVersionSerializer(version).data)


class ResponseViewSet(
    ApiViewSetMixin,
    mixins.ListModelMixin,
    mixins.CreateModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """Survey answers. Each new one records its experience signal on the touchpoint.

    The detail adds the answers to the survey's other questions; `survey_version` is the number of the
    version the answer was given on.
    """

    queryset = SurveyResponse.objects.all()
    serializer_class = ResponseSerializer
    filterset_class = ResponseApiFilterSet
    lookup_value_regex = ID
    action_permissions = {
        "themes": THEME_TAGGING,
        "untag": THEME_TAGGING,
    }

    def get_queryset(self) -> QuerySet[SurveyResponse]:
        return super().get_queryset().prefetch_related("themes")

    def get_serializer_class(self) -> type[Serializer]:
        return ResponseDetailSerializer if self.action == "retrieve" else ResponseSerializer

    def _detail(self, response: SurveyResponse, *, status_code: int = status.HTTP_200_OK) -> Response:
        fresh = self.get_queryset().get(pk=response.pk)
        return Response(ResponseDetailSerializer(fresh).data, status=status_code)

    @extend_schema(
        request=ResponseCreateSerializer,
        responses={201: ResponseDetailSerializer, **error_responses(400)},
    )
    def create(self, request: Request) -> Response:
        response = response_submit(**self.validated_input(ResponseCreateSerializer))
        return self._detail(response, status_code=status.HTTP_201_CREATED)

    @extend_schema(
        request=ResponseThemeSerializer,
        responses={201: ResponseDetailSerializer, 200: ResponseDetailSerializer, **error_responses(400, 404)},
    )
    @action(detail=True, methods=["post"], filterset_class=None)
    def themes(self, request: Request, pk: str | None = None) -> Response:
        """Tag the response with a theme (201); one it has already changes nothing (200)."""
        response = self.get_object()
        data = self.validated_input(ResponseThemeSerializer)
        added = response_tag(response=response, theme=data["theme"])
        return self._detail(response, status_code=status.HTTP_201_CREATED if added else status.HTTP_200_OK)

    @extend_schema(
        parameters=[OpenApiParameter("theme", OpenApiTypes.INT, OpenApiParameter.PATH,
                                     description="The theme's id.")],
        request=None,
        responses={204: None, **error_responses(404)},
    )
    @action(detail=True, methods=["delete"], url_path=rf"themes/(?P<theme>{ID})", filterset_class=None)
    def untag(self, request: Request, pk: str | None = None, theme: str | None = None) -> Response:
        """Remove a theme from the response; a 404 if the response does not have it."""
        response = self.get_object()
        tag = get_object_or_404(Theme, pk=int(theme or 0))
        if not response_untag(response=response, theme=tag):
            return Response({"detail": f"Response #{response.pk} is not tagged {tag.name!r}."},
                            status=status.HTTP_404_NOT_FOUND)
        return Response(status=status.HTTP_204_NO_CONTENT)


class ThemeViewSet(
    ApiViewSetMixin, mixins.ListModelMixin, mixins.CreateModelMixin, mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """Themes managers tag comments with (price, waiting time, staff friendliness ...)."""

    queryset = theme_list()
    serializer_class = ThemeSerializer
    lookup_value_regex = ID

    @extend_schema(
        request=ThemeCreateSerializer,
        responses={201: ThemeSerializer, 200: ThemeSerializer, **error_responses(400)},
    )
    def create(self, request: Request) -> Response:
        """A new theme (201). A name that exists already, regardless of case and spacing, answers with
        that theme (200)."""
        data = self.validated_input(ThemeCreateSerializer)
        # Which names match is the service's rule; whether it made one shows in the count.
        before = Theme.objects.count()
        theme = theme_create(name=data["name"])
        created = Theme.objects.count() > before
        return Response(ThemeSerializer(theme).data,
                        status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)


class InvitationViewSet(
    ApiViewSetMixin,
    mixins.ListModelMixin,
    mixins.CreateModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """Invitations to answer a survey, with their status and, when skipped, the reason.

    The link's token is never part of an answer: it is made when the e-mail is sent, goes only into that
    e-mail, and only its hash is stored.
    """

    queryset = Invitation.objects.all()
    serializer_class = InvitationSerializer
    filterset_class = InvitationFilterSet
    lookup_value_regex = ID
    action_permissions = {"batch": ["feedback.add_invitation", "feedback.view_survey"]}

    @extend_schema(
        request=InvitationCreateSerializer,
        responses={201: InvitationSerializer, **error_responses(400)},
    )
    def create(self, request: Request) -> Response:
        """Invite one customer. Contact fatigue and a missing e-mail address give a `skipped` invitation
        with the reason, still 201: the decision is recorded."""
        invitation = invitation_create(trigger=InvitationTrigger.MANUAL,
                                       **self.validated_input(InvitationCreateSerializer))
        return Response(InvitationSerializer(invitation).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        request=InvitationBatchSerializer,
        responses={200: InvitationBatchResultSerializer, **error_responses(400)},
    )
    @action(detail=False, methods=["post"], filterset_class=None)
    def batch(self, request: Request) -> Response:
        """Invite every customer of a segment. Answers how many were invited and how many were skipped,
        by reason (fatigue, no_email, survey_closed)."""
        result = invite_segment(**self.validated_input(InvitationBatchSerializer))
        return Response(InvitationBatchResultSerializer(result).data)


class TouchpointEventViewSet(
    ApiViewSetMixin,
    mixins.ListModelMixin,
    mixins.CreateModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """Things that happened to customers at touchpoints, posted by a CRM (a purchase, a delivery).

    Each new event invites its customer to the touchpoint's survey, unless contact fatigue or a missing
    e-mail address says otherwise (then the invitation is `skipped` with the reason).
    """

    queryset = TouchpointEvent.objects.select_related("invitation")
    serializer_class = TouchpointEventSerializer
    filterset_class = TouchpointEventFilterSet
    lookup_value_regex = ID

    @extend_schema(
        request=TouchpointEventCreateSerializer,
        responses={
            201: TouchpointEventSerializer,
            200: TouchpointEventSerializer,
            **error_responses(400),
        },
    )
    def create(self, request: Request) -> Response:
        """Record an event (201). Posting an `external_id` recorded before changes nothing and answers 200
        with the first event and the invitation it caused."""
        data = self.validated_input(TouchpointEventCreateSerializer)
        external_id = data.get("external_id", "")
        replay = bool(external_id) and TouchpointEvent.objects.filter(external_id=external_id).exists()
        event = touchpoint_event_record(**data)
        fresh = self.get_queryset().get(pk=event.pk)
        return Response(TouchpointEventSerializer(fresh).data,
                        status=status.HTTP_200_OK if replay else status.HTTP_201_CREATED)


@extend_schema_view(
    patch=extend_schema(responses={200: FeedbackSettingsSerializer, **error_responses(400)}),
)
class FeedbackSettingsView(generics.RetrieveUpdateAPIView):
    """The program-wide feedback rules: contact fatigue and how long invitation links work.

    A change applies to invitations decided from then on.
    """

    queryset = FeedbackSettings.objects.all()
    serializer_class = FeedbackSettingsSerializer
    http_method_names = ["get", "patch", "head", "options"]

    def get_object(self) -> FeedbackSettings:
        return FeedbackSettings.current()


def crud_schema(serializer: type[Serializer]) -> Any:
    """The answers of a configuration viewset's writes, errors included, for the schema."""
    return extend_schema_view(
        create=extend_schema(responses={201: serializer, **error_responses(400)}),
        update=extend_schema(responses={200: serializer, **error_responses(400, 404)}),
        partial_update=extend_schema(responses={200: serializer, **error_responses(400, 404)}),
        destroy=extend_schema(responses={204: None, **error_responses(404)}),
    )


@crud_schema(TicketSurveyRuleSerializer)
class TicketSurveyRuleViewSet(ApiViewSetMixin, viewsets.ModelViewSet):
    """After a ticket's first resolution, the first active rule by position whose team and touchpoint
    (empty: any) fit the ticket invites its customer to the rule's survey, `delay_minutes` later."""

    queryset = TicketSurveyRule.objects.all()
    serializer_class = TicketSurveyRuleSerializer
    filterset_class = TicketSurveyRuleFilterSet
    lookup_value_regex = ID

"""API of the feedback side: surveys (read-only here) and customers' responses."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.request import Request
from rest_framework.response import Response

from cxhub.api import ApiViewSetMixin, error_responses
from feedback.api.serializers import ResponseCreateSerializer, ResponseSerializer, SurveySerializer
from feedback.filters import ResponseFilterSet, SurveyFilterSet
from feedback.models import Response as SurveyResponse
from feedback.models import Survey
from feedback.services import response_submit


class SurveyViewSet(ApiViewSetMixin, viewsets.ReadOnlyModelViewSet):
    queryset = Survey.objects.all()
    serializer_class = SurveySerializer
    filterset_class = SurveyFilterSet


class ResponseViewSet(
    ApiViewSetMixin,
    mixins.ListModelMixin,
    mixins.CreateModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """Survey answers. Each new one records its experience signal on the touchpoint."""

    queryset = SurveyResponse.objects.all()
    serializer_class = ResponseSerializer
    filterset_class = ResponseFilterSet

    @extend_schema(
        request=ResponseCreateSerializer,
        responses={201: ResponseSerializer, **error_responses(400)},
    )
    def create(self, request: Request) -> Response:
        response = response_submit(**self.validated_input(ResponseCreateSerializer))
        return Response(ResponseSerializer(response).data, status=status.HTTP_201_CREATED)

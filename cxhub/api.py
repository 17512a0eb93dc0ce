"""API conventions shared by every app: permissions by role, pagination, filtering, the error shape."""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import django_filters
from django import forms
from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError
from django.db.models import Expression, QuerySet
from django.http import Http404
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import OpenApiResponse
from rest_framework import exceptions, pagination, permissions, serializers
from rest_framework.request import Request
from rest_framework.response import Response

from cxhub.exceptions import DomainError

if TYPE_CHECKING:  # rest_framework.views imports this module through its settings
    from rest_framework.views import APIView

logger = logging.getLogger(__name__)


class RolePermission(permissions.DjangoModelPermissions):
    """Django model permissions, including `view` for reads.

    A view without a queryset (a report, an action) names what it needs in `required_permissions`.
    """

    perms_map = {
        "GET": ["%(app_label)s.view_%(model_name)s"],
        "OPTIONS": ["%(app_label)s.view_%(model_name)s"],
        "HEAD": ["%(app_label)s.view_%(model_name)s"],
        "POST": ["%(app_label)s.add_%(model_name)s"],
        "PUT": ["%(app_label)s.change_%(model_name)s"],
        "PATCH": ["%(app_label)s.change_%(model_name)s"],
        "DELETE": ["%(app_label)s.delete_%(model_name)s"],
    }

    def has_permission(self, request: Request, view: APIView) -> bool:
        if not (request.user and request.user.is_authenticated):
            return False
        action_perms = getattr(view, "action_permissions", {}).get(getattr(view, "action", None))
        if action_perms is not None:
            return request.user.has_perms(action_perms)
        required = getattr(view, "required_permissions", None)
        if required is not None:
            return request.user.has_perms(required)
        return super().has_permission(request, view)


class DefaultPagination(pagination.PageNumberPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200


class IdField(forms.IntegerField):
    """A database id: a whole number from 1 to the largest 64-bit integer (a larger one would make
    the database refuse the comparison, a 500, instead of a 400)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", 2**63 - 1)
        super().__init__(*args, **kwargs)


class IdFilter(django_filters.Filter):
    """A filter on a related object's id where the choices are too many to offer (customers, tickets).

    Whole numbers only: a NumberFilter would read `1.5` as a decimal and match id 1.
    """

    field_class = IdField


class StableOrderingFilter(django_filters.OrderingFilter):
    """`?ordering=-updated_at`: order by the named fields, ties broken by id so pages never overlap.

    `expressions` maps a public name to what to order by when the column's own order is wrong (a
    priority by its rank, not its spelling). Without `ordering` the model's default order applies.
    """

    def __init__(self, *args: Any, expressions: Mapping[str, Expression] | None = None,
                 **kwargs: Any) -> None:
        self.expressions = dict(expressions or {})
        super().__init__(*args, **kwargs)

    def filter(self, qs: QuerySet, value: Sequence[str] | None) -> QuerySet:
        if not value:
            return qs
        terms: list[Any] = []
        for param in value:
            descending = param.startswith("-")
            name = self.param_map[param.lstrip("-")]
            expression = self.expressions.get(name)
            if expression is None:
                terms.append(f"-{name}" if descending else name)
            else:
                terms.append(expression.desc() if descending else expression.asc())
        return qs.order_by(*terms, "pk")


class ApiViewSetMixin:
    """Shared behaviour of the API's viewsets; mix in before a DRF viewset class.

    Filtering and ordering live in the app's FilterSet (`<app>/filters.py`), shared with the pages, so
    DRF's own ordering backend is left out: two meanings of `?ordering=` would disagree.
    """

    filter_backends = [DjangoFilterBackend]

    def validated_input(self, serializer_class: type[serializers.Serializer], data: Any = None) -> dict[str, Any]:
        """Validate the request body (or `data`) with an input serializer; a 400 if it does not fit."""
        serializer = serializer_class(
            data=self.request.data if data is None else data,  # type: ignore[attr-defined]
            context=self.get_serializer_context(),  # type: ignore[attr-defined]
        )
        serializer.is_valid(raise_exception=True)
        return dict(serializer.validated_data)


class ErrorSerializer(serializers.Serializer):
    """The body of every error answer (documentation only)."""

    detail = serializers.CharField()
    code = serializers.CharField(required=False, help_text="Set when a domain rule refused the change.")
    errors = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()), required=False,
        help_text="Messages by input field; `non_field_errors` for the request as a whole.",
    )


def error_responses(*statuses: int) -> dict[int, OpenApiResponse]:
    """Schema entries for the error answers an operation may give, for `extend_schema(responses=...)`."""
    descriptions = {
        400: "Invalid input: `errors` says which field and why.",
        404: "No such object.",
        409: "The change clashes with the object's current state or with existing data.",
    }
    return {status: OpenApiResponse(ErrorSerializer, description=descriptions.get(status, ""))
            for status in statuses}


def _field_errors(detail: Any) -> dict[str, Any]:
    if isinstance(detail, dict):
        return detail
    if isinstance(detail, list):
        return {"non_field_errors": detail}
    return {"non_field_errors": [detail]}


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """Every error is JSON: {"detail": "...", "errors": {field: [messages]}} with a 4xx status."""
    from rest_framework.views import exception_handler as drf_exception_handler
    from rest_framework.views import set_rollback

    if isinstance(exc, DomainError | IntegrityError):
        # Answered here rather than by DRF: roll back as DRF would, should requests ever be atomic.
        set_rollback()
    if isinstance(exc, DomainError):
        field = exc.field or "non_field_errors"
        return Response(
            {"detail": exc.message, "code": exc.code, "errors": {field: [exc.message]}},
            status=exc.status_code,
        )
    if isinstance(exc, IntegrityError):
        # Input checks run before writing, so this is normally a race lost to a concurrent write (two
        # clients creating the same external_id at once): nothing was written and a retry sees the
        # winner. Logged with the traceback in case it is a bug instead.
        logger.warning("Integrity error answered as 409", exc_info=exc)
        message = "The change conflicts with data saved meanwhile; fetch the current state and retry."
        return Response(
            {"detail": message, "code": "conflict", "errors": {"non_field_errors": [message]}},
            status=409,
        )
    if isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(
            exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
        )
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        response.data = {"detail": "Invalid input.", "errors": _field_errors(exc.detail)}
    return response

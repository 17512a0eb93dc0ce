"""API conventions shared by every app: permissions by role, cursor pagination, filtering (time ranges
and incremental sync included), ETags and preconditions, throttling, bulk upserts, the error shape."""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import logging
import operator
import re
import time
import uuid
from collections.abc import Callable, Mapping, Sequence
from decimal import Decimal
from typing import TYPE_CHECKING, Any, NamedTuple

import django_filters
from django import forms
from django.core import signing
from django.core.cache import caches
from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError, transaction
from django.db.models import Expression, F, Model, OrderBy, Q, QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema_field
from rest_framework import exceptions, pagination, permissions, serializers, status, throttling
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.utils.urls import replace_query_param

from cxhub.bulk_check import plain_checker
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

    def _queryset(self, view: APIView) -> QuerySet:
        # Only its model is read: the view's class queryset names it without building the view's own
        # (which, for tickets, works out what the caller may see).
        queryset = getattr(view, "queryset", None)
        return queryset if queryset is not None else super()._queryset(view)


class _Term(NamedTuple):
    """One column of a keyset order: the annotation that holds its value, and how it sorts."""

    alias: str
    descending: bool
    nullable: bool

    def order(self, *, reverse: bool) -> OrderBy:
        descending = self.descending != reverse
        if not self.nullable:
            return OrderBy(F(self.alias), descending=descending)
        # Empty values sort last going forward (on SQLite and PostgreSQL alike), so first going back.
        if reverse:
            return OrderBy(F(self.alias), descending=descending, nulls_first=True)
        return OrderBy(F(self.alias), descending=descending, nulls_last=True)

    def after(self, value: Any, *, reverse: bool) -> Q | None:
        """Rows after `value` in this column's order (None: there are none)."""
        descending = self.descending != reverse
        if value is None:  # empty values come last forward, first backward
            return Q(**{f"{self.alias}__isnull": False}) if reverse and self.nullable else None
        condition = Q(**{f"{self.alias}__{'lt' if descending else 'gt'}": value})
        if self.nullable and not reverse:
            condition |= Q(**{f"{self.alias}__isnull": True})
        return condition

    def at_or_after(self, value: Any, *, reverse: bool) -> Q | None:
        """Rows at `value` or after it, for a column without empty values: implied by the lexicographic
        condition, and what lets the database start an index scan at the cursor instead of filtering
        every row before it (a deep page then costs what the first does)."""
        if self.nullable or value is None:
            return None
        descending = self.descending != reverse
        return Q(**{f"{self.alias}__{'lte' if descending else 'gte'}": value})

    def equal(self, value: Any) -> Q:
        if value is None:
            return Q(**{f"{self.alias}__isnull": True})
        return Q(**{self.alias: value})


def keyset_ordered(queryset: QuerySet) -> tuple[QuerySet, list[_Term], str]:
    """The queryset ordered as asked (its `order_by`, else the model's default), ending with the primary
    key so that the order is total, each ordering value annotated so a page's edges can be read.

    Returns the queryset, its terms, and a short signature of the order that cursors carry.
    """
    ordering = list(queryset.query.order_by)
    if not ordering and queryset.query.default_ordering:
        ordering = list(queryset.model._meta.ordering)
    pk_name = queryset.model._meta.pk.name
    annotations: dict[str, Any] = {}
    labels: list[str] = []
    descending_flags: list[bool] = []
    for term in ordering:
        if isinstance(term, str):
            if term == "?":
                continue  # a random order cannot be paged
            descending = term.startswith("-")
            name = term.lstrip("-")
            expression: Any = F("pk" if name == pk_name else name)
            label = term
        elif isinstance(term, OrderBy):
            descending, expression, label = term.descending, term.expression, repr(term)
        else:
            descending, expression, label = False, term, repr(term)
        annotations[f"_cursor_{len(annotations)}"] = expression
        labels.append(label)
        descending_flags.append(descending)
    if not any(isinstance(e, F) and e.name == "pk" for e in annotations.values()):
        annotations[f"_cursor_{len(annotations)}"] = F("pk")
        labels.append("pk")
        descending_flags.append(False)
    queryset = queryset.annotate(**annotations)
    terms = []
    for alias, descending in zip(annotations, descending_flags, strict=True):
        output = queryset.query.annotations[alias].output_field
        terms.append(_Term(alias, descending, nullable=bool(getattr(output, "null", False))))
    signature = hashlib.sha256("|".join(labels).encode()).hexdigest()[:12]
    return queryset, terms, signature


def _encode_value(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return {"dt": value.isoformat()}
    if isinstance(value, dt.date):
        return {"d": value.isoformat()}
    if isinstance(value, Decimal):
        return {"dec": str(value)}
    if isinstance(value, uuid.UUID):
        return str(value)
    return value


def _decode_value(value: Any) -> Any:
    if isinstance(value, dict):
        if "dt" in value:
            return dt.datetime.fromisoformat(value["dt"])
        if "d" in value:
            return dt.date.fromisoformat(value["d"])
        if "dec" in value:
            return Decimal(value["dec"])
        raise ValueError("unknown value")
    return value


class DefaultPagination(pagination.CursorPagination):
    """Cursor (keyset) pagination for every list: `?cursor=` from a `next` or `previous` link.

    A page is the `page_size` rows after (or before) the previous page's edge in the list's order, which
    always ends with the id: a page costs the same whatever its depth, rows added or removed meanwhile
    never shift the pages a client is walking, and nothing is counted. The cursor is signed, so a forged
    or mangled one is a 400, never a database error; it belongs to the order it was made for.
    """

    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200
    cursor_query_description = "Where the page starts: the cursor of a `next` or `previous` link (opaque)."
    page_size_query_description = f"Items per page, 1 to {max_page_size} (default {page_size})."
    invalid_cursor_message = "This cursor is not valid for this list: start again without it."
    cursor_salt = "cxhub.api.cursor"

    def get_page_size(self, request: Request) -> int:
        raw = request.query_params.get(self.page_size_query_param, "").strip()
        if not raw:
            return self.page_size
        if not raw.isdigit() or int(raw) < 1:
            raise exceptions.ValidationError(
                {self.page_size_query_param: [f"A whole number from 1 to {self.max_page_size}."]}
            )
        return min(int(raw), self.max_page_size)

    def _decode(self, request: Request, signature: str) -> tuple[bool, list[Any]] | None:
        token = request.query_params.get(self.cursor_query_param)
        if not token:
            return None
        invalid = exceptions.ValidationError({self.cursor_query_param: [self.invalid_cursor_message]})
        try:
            payload = signing.loads(token, salt=self.cursor_salt)
            if payload["o"] != signature:
                raise invalid
            return bool(payload["r"]), [_decode_value(v) for v in payload["v"]]
        except (signing.BadSignature, KeyError, TypeError, ValueError):
            raise invalid from None

    def _link(self, reverse: bool, row: Any, terms: list[_Term], signature: str) -> str:
        payload = {"o": signature, "r": int(reverse),
                   "v": [_encode_value(getattr(row, term.alias)) for term in terms]}
        token = signing.dumps(payload, salt=self.cursor_salt, compress=True)
        return replace_query_param(self.base_url, self.cursor_query_param, token)

    def paginate_queryset(self, queryset: QuerySet, request: Request, view: APIView | None = None) -> list[Any]:
        self.request = request
        self.base_url = request.build_absolute_uri()
        self.page_size = self.get_page_size(request)
        queryset, terms, signature = keyset_ordered(queryset)
        position = self._decode(request, signature)
        reverse = position is not None and position[0]
        if position is not None:
            values = position[1]
            if len(values) != len(terms):
                raise exceptions.ValidationError({self.cursor_query_param: [self.invalid_cursor_message]})
            # Lexicographic "after": equal on the first i columns and after on column i, for some i.
            conditions: list[Q] = []
            for i, term in enumerate(terms):
                after = term.after(values[i], reverse=reverse)
                if after is not None:
                    conditions.append(
                        functools.reduce(operator.and_, [t.equal(v) for t, v in zip(terms[:i], values[:i],
                                                                                   strict=True)], after))
            if not conditions:
                queryset = queryset.none()
            else:
                queryset = queryset.filter(functools.reduce(operator.or_, conditions))
                if (start := terms[0].at_or_after(values[0], reverse=reverse)) is not None:
                    queryset = queryset.filter(start)
        queryset = queryset.order_by(*(term.order(reverse=reverse) for term in terms))
        rows = list(queryset[: self.page_size + 1])
        more = len(rows) > self.page_size
        rows = rows[: self.page_size]
        if reverse:
            rows.reverse()
        has_next = more if not reverse else position is not None
        has_previous = position is not None if not reverse else more
        self.next_link = self._link(False, rows[-1], terms, signature) if rows and has_next else None
        self.previous_link = self._link(True, rows[0], terms, signature) if rows and has_previous else None
        self.page = rows
        return rows

    def get_next_link(self) -> str | None:
        return self.next_link

    def get_previous_link(self) -> str | None:
        return self.previous_link

    def get_paginated_response(self, data: Any) -> Response:
        return Response({"next": self.next_link, "previous": self.previous_link, "results": data})

    def get_paginated_response_schema(self, schema: dict[str, Any]) -> dict[str, Any]:
        link = {"type": "string", "format": "uri", "nullable": True}
        return {
            "type": "object",
            "required": ["next", "previous", "results"],
            "properties": {
                "next": {**link, "description": "The next page, with your filters and page size; null on the last.",
                         "example": "https://cxhub.example.com/api/v1/customers/?cursor=eyJvIjoiNGQ1ZTZmIn0%3A1xVL0t"
                                    "%3AdZddy64y&page_size=50"},
                "previous": {**link, "description": "The page before; null on the first.", "example": None},
                "results": schema,
            },
        }


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


# --- Time ranges and incremental sync ---------------------------------------------------------------

_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")
# A `+02:00` offset sent unencoded in a query string arrives as a space: read it as the plus it was.
_SPACED_OFFSET = re.compile(r"(T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?) (\d{2}(?::?\d{2})?)$")


class MomentField(forms.Field):
    """An ISO 8601 time with its time zone (`2026-05-01T09:00:00Z`, `...+02:00`), or a bare date.

    A time without a zone is refused rather than guessed. A date means the start of that day in the
    site's time zone, or with `end_of_day` its last instant, so `created_before=2026-05-01` includes the
    whole day (what the pages' date filters have always meant).
    """

    default_error_messages = {
        "invalid": "Not an ISO 8601 time: send e.g. 2026-05-01T09:00:00Z, 2026-05-01T09:00:00+02:00 or "
                   "2026-05-01.",
        "naive": "Give the time zone too: e.g. 2026-05-01T09:00:00Z or 2026-05-01T09:00:00+02:00.",
    }

    def __init__(self, *args: Any, end_of_day: bool = False, **kwargs: Any) -> None:
        self.end_of_day = end_of_day
        super().__init__(*args, **kwargs)

    def to_python(self, value: Any) -> dt.datetime | None:
        if value in self.empty_values:
            return None
        text = _SPACED_OFFSET.sub(r"\1+\2", str(value).strip())
        try:
            if _DAY.match(text):
                day = parse_date(text)
                if day is None:
                    raise ValueError(text)
                start = timezone.make_aware(dt.datetime.combine(day, dt.time.min))
                return start + dt.timedelta(days=1, microseconds=-1) if self.end_of_day else start
            moment = parse_datetime(text)
        except (ValueError, OverflowError):
            moment = None
        if moment is None:
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        if timezone.is_naive(moment):
            raise forms.ValidationError(self.error_messages["naive"], code="naive")
        return moment


@extend_schema_field(OpenApiTypes.DATETIME)
class MomentFilter(django_filters.Filter):
    field_class = MomentField


class CreatedRangeFilterSet(django_filters.FilterSet):
    """`created_after` / `created_before` for every list whose rows have `created_at`; subclass it."""

    created_after = MomentFilter(
        field_name="created_at", lookup_expr="gte",
        help_text="Created at or after this ISO 8601 time with its time zone (a bare date: from its start).",
    )
    created_before = MomentFilter(
        field_name="created_at", lookup_expr="lte", end_of_day=True,
        help_text="Created at or before this ISO 8601 time with its time zone (a bare date: to its end).",
    )


class SyncFilterSet(CreatedRangeFilterSet):
    """Adds `updated_since` (incremental sync) for rows that have `updated_at` too; subclass it."""

    updated_since = MomentFilter(
        field_name="updated_at", lookup_expr="gte",
        help_text="Only rows changed at or after this ISO 8601 time with its time zone (incremental sync).",
    )


# --- Optimistic concurrency -------------------------------------------------------------------------


class PreconditionFailed(exceptions.APIException):
    status_code = status.HTTP_412_PRECONDITION_FAILED
    default_detail = "The object changed since you read it: fetch it again and retry with its new ETag."
    default_code = "precondition_failed"

    def __init__(self, detail: str | None = None, *, etag: str | None = None) -> None:
        super().__init__(detail)
        self.etag = etag


def object_etag(obj: Model) -> str:
    """A weak ETag for the stored version of a record: it changes whenever `updated_at` moves.

    Weak because related data shown beside the record (a ticket's customer name) may change without it.
    """
    version = f"{obj._meta.label_lower}:{obj.pk}:{obj.updated_at.isoformat()}"  # type: ignore[attr-defined]
    return f'W/"{hashlib.sha256(version.encode()).hexdigest()[:24]}"'


def etag_matches(header: str, etag: str | None) -> bool:
    """Whether an If-Match / If-None-Match header names `etag` (`*`: any current version).

    The comparison is weak (W/ ignored) for both headers: our ETags are weak by nature, and a strong
    comparison would make If-Match fail always.
    """
    if etag is None:
        return False
    if header.strip() == "*":
        return True
    opaque = etag.removeprefix("W/")
    return any(tag.strip().removeprefix("W/") == opaque for tag in header.split(","))


def check_preconditions(request: Request, obj: Model | None) -> None:
    """Refuse (412) a write whose If-Match does not name the current version of `obj`, or whose
    If-None-Match: * asks to create only when `obj` exists. Call it holding the row lock, so the version
    checked is the version changed. Without the headers every write proceeds."""
    current = object_etag(obj) if obj is not None else None
    if_match = request.headers.get("If-Match")
    if if_match is not None and not etag_matches(if_match, current):
        if current is None:
            raise PreconditionFailed("There is no current version to match: the object does not exist.")
        raise PreconditionFailed(etag=current)
    if_none_match = request.headers.get("If-None-Match")
    if if_none_match is not None and etag_matches(if_none_match, current):
        raise PreconditionFailed("The object exists (If-None-Match).", etag=current)


def conditional_read(request: Request, instance: Model, render: Callable[[], Any]) -> Response:
    """A read of one object with its ETag; 304 and no body when If-None-Match names it (nothing is
    serialised then)."""
    etag = object_etag(instance)
    if_none_match = request.headers.get("If-None-Match")
    if if_none_match is not None and etag_matches(if_none_match, etag):
        return Response(status=status.HTTP_304_NOT_MODIFIED, headers={"ETag": etag})
    return Response(render(), headers={"ETag": etag})


def request_body(request: Request, **overrides: Any) -> dict[str, Any]:
    """The JSON body as a dict with `overrides` on top (e.g. the key from the address); a 400 when the
    body is not an object."""
    if not isinstance(request.data, Mapping):
        raise exceptions.ValidationError({"non_field_errors": ["Send a JSON object."]})
    return {**request.data, **overrides}


class ConditionalReadMixin:
    """ETags on a viewset's single-object reads; mix in before DRF's mixins.

    GET answers with an `ETag`; `If-None-Match` naming it answers 304 with no body. A view that sets
    `_locking` reads its object under a row lock and checks `If-Match` against it (412 when stale).
    """

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        instance = self.get_object()  # type: ignore[attr-defined]
        return conditional_read(request, instance, lambda: self.get_serializer(instance).data)  # type: ignore[attr-defined]

    def get_queryset(self) -> QuerySet:
        queryset = super().get_queryset()  # type: ignore[misc]
        if getattr(self, "_locking", False):
            queryset = queryset.select_for_update(of=("self",))
        return queryset

    def get_object(self) -> Model:
        obj = super().get_object()  # type: ignore[misc]
        if getattr(self, "_locking", False):
            check_preconditions(self.request, obj)  # type: ignore[attr-defined]
        return obj


class ConditionalRequestMixin(ConditionalReadMixin):
    """ETags on reads and `If-Match` on PUT and PATCH, for a viewset with DRF's UpdateModelMixin:
    the row is locked, compared, and a stale ETag answers 412 when the object changed since the read."""

    def update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        with transaction.atomic():
            self._locking = True
            response = super().update(request, *args, **kwargs)  # type: ignore[misc]
        saved = getattr(self, "_saved", None)
        if saved is not None:
            response["ETag"] = object_etag(saved)
        return response

    def perform_update(self, serializer: serializers.BaseSerializer) -> None:
        super().perform_update(serializer)  # type: ignore[misc]
        self._saved = serializer.instance


# --- Throttling -------------------------------------------------------------------------------------

_PERIODS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def parse_rate(rate: str | None) -> tuple[int, int] | None:
    """"1200/min" -> (1200, 60); None or "" -> no limit. A malformed rate raises ValueError."""
    if not rate:
        return None
    count, _, period = rate.partition("/")
    seconds = _PERIODS.get(period.strip()[:1].lower())
    if not count.strip().isdigit() or seconds is None:
        raise ValueError(f"A throttle rate looks like 1200/min (or /s, /hour, /day), not {rate!r}.")
    return int(count), seconds


class WindowThrottle(throttling.BaseThrottle):
    """At most N requests per period and caller, counted in fixed windows in the default cache.

    One atomic count per request (Redis, or the local-memory cache of the embedded mode) instead of
    DRF's list of timestamps, which is read and rewritten whole on every request and loses counts when
    two processes race. A burst across a window's edge may reach twice the rate for an instant.
    The rate is read from REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"][scope] on each request.
    """

    scope = ""

    def __init__(self) -> None:
        self.retry_after: float | None = None

    def ident(self, request: Request) -> str | None:
        raise NotImplementedError

    def allow_request(self, request: Request, view: APIView) -> bool:
        rate = parse_rate(api_settings.DEFAULT_THROTTLE_RATES.get(self.scope))
        ident = self.ident(request)
        if rate is None or ident is None:
            return True
        limit, period = rate
        now = time.time()
        window = int(now // period)
        key = f"throttle:{self.scope}:{ident}:{window}"
        count = _window_count(caches["default"], key, timeout=period + 1)
        if count is None or count <= limit:  # None: Redis is unreachable, and no one is refused for that
            return True
        self.retry_after = (window + 1) * period - now
        return False

    def wait(self) -> float | None:
        return self.retry_after


def _window_count(cache: Any, key: str, *, timeout: int) -> int | None:
    """Count one more request in the window at `key`: one round trip to Redis; add and incr elsewhere."""
    if hasattr(cache, "count"):
        return cache.count(key, timeout)
    cache.add(key, 0, timeout=timeout)
    try:
        return cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.add(key, 1, timeout=timeout)
        return 1


class UserThrottle(WindowThrottle):
    """Per API token (a hash of it: the key itself never goes into the cache), and per user for a
    signed-in browser."""

    scope = "user"

    def ident(self, request: Request) -> str | None:
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return None
        token_hash = getattr(request.auth, "key_hash", None)
        if token_hash:
            return "token:" + token_hash[:32]
        return f"user:{user.pk}"


class AnonThrottle(WindowThrottle):
    """Per client address, for the few endpoints open without a token."""

    scope = "anon"

    def ident(self, request: Request) -> str | None:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            return None
        return self.get_ident(request)


# --- Unknown query parameters ----------------------------------------------------------------------


class UnknownQueryParameters(exceptions.ValidationError):
    """A list was sent query parameters it does not know (a misspelt filter would otherwise be ignored
    and the whole list returned): 400 naming them, with the parameters the list accepts."""

    default_code = "unknown_parameter"

    def __init__(self, unknown: Sequence[str], accepted: Sequence[str]) -> None:
        self.unknown = list(unknown)
        self.accepted = sorted(accepted)
        offered = ", ".join(self.accepted) or "none"
        message = f"Unknown parameter: this list accepts {offered}."
        super().__init__({name: [message] for name in self.unknown})

    @property
    def summary(self) -> str:
        return f"Unknown query parameters: {', '.join(self.unknown)}. See `accepted` for the ones this list reads."


def filter_parameter_names(filterset: django_filters.FilterSet | None) -> set[str]:
    """The query parameters a FilterSet reads: its filters' names, or for a range filter the names its
    widget reads (`occurred_after` and `occurred_before` for `occurred`)."""
    if filterset is None:
        return set()
    names: set[str] = set()
    for name, filter_ in filterset.filters.items():
        widget = filter_.field.widget
        suffixes = getattr(widget, "suffixes", None)
        if suffixes:
            names.update(widget.suffixed(name, suffix) for suffix in suffixes)
        else:
            names.add(name)
    return names


def check_query_parameters(view: APIView, filterset: django_filters.FilterSet | None = None) -> None:
    """Refuse (400) a list request with a query parameter nothing reads: the filterset's parameters,
    the page's cursor and size, `format` and what the view declares in `extra_query_params`."""
    request = view.request
    accepted = filter_parameter_names(filterset) | set(getattr(view, "extra_query_params", ()))
    if api_settings.URL_FORMAT_OVERRIDE:
        accepted.add(api_settings.URL_FORMAT_OVERRIDE)
    paginator = getattr(view, "paginator", None)
    for attribute in ("cursor_query_param", "page_size_query_param", "page_query_param"):
        name = getattr(paginator, attribute, None)
        if name:
            accepted.add(name)
    unknown = sorted(set(request.query_params) - accepted)
    if unknown:
        raise UnknownQueryParameters(unknown, sorted(accepted))


class StrictFilterBackend(DjangoFilterBackend):
    """django-filter's backend that also refuses a list request with parameters nobody reads.

    Checked here, where the FilterSet is built anyway: the ticket list's filters depend on the custom
    fields defined, so only an instance knows its parameters. One object's read takes no filters.
    """

    def get_filterset(self, request: Request, queryset: QuerySet, view: APIView) -> Any:
        filterset = super().get_filterset(request, queryset, view)
        if getattr(view, "action", None) == "list":
            check_query_parameters(view, filterset)
        return filterset


class ApiViewSetMixin:
    """Shared behaviour of the API's viewsets; mix in before a DRF viewset class.

    Filtering and ordering live in the app's FilterSet (`<app>/filters.py`), shared with the pages, so
    DRF's own ordering backend is left out: two meanings of `?ordering=` would disagree.

    A list refuses query parameters it does not read (400 naming them). A list whose view reads its own
    parameters (a report's query serializer) names them in `extra_query_params`.
    """

    filter_backends = [StrictFilterBackend]
    extra_query_params: Sequence[str] = ()

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)  # type: ignore[misc]
        strict = any(issubclass(backend, StrictFilterBackend)
                     for backend in self.filter_backends)  # type: ignore[attr-defined]
        if getattr(self, "action", None) == "list" and not strict:
            check_query_parameters(self)  # type: ignore[arg-type]

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
        child=serializers.JSONField(), required=False,
        help_text="Messages by input field (a list of messages, or for nested input the same shape "
                  "one level down, keyed by field or position); `non_field_errors` for the request "
                  "as a whole.",
    )


# --- Upserts by external id -------------------------------------------------------------------------

BULK_UPSERT_LIMIT = 500  # items per bulk call: each ticket costs its services' queries, so keep calls short


class BulkUpsertInputSerializer(serializers.Serializer):
    """The envelope of a bulk upsert; each item is validated on its own, so one bad item fails alone."""

    items = serializers.ListField(
        child=serializers.JSONField(), allow_empty=False, max_length=BULK_UPSERT_LIMIT,
        help_text=f"At most {BULK_UPSERT_LIMIT} objects, each keyed by its `external_id`.",
    )
    atomic = serializers.BooleanField(
        default=False,
        help_text="false (default): every valid item is written and the others reported. true: all or "
                  "nothing; any error writes nothing and answers 400 with the results.",
    )


class UpsertResultSerializer(serializers.Serializer):
    index = serializers.IntegerField(help_text="The item's position in `items`, from 0.")
    external_id = serializers.CharField()
    # Text rather than a choice: an enum named "status" would clash with the tickets' in the schema.
    status = serializers.CharField(help_text="created, updated or error.")
    id = serializers.IntegerField(allow_null=True, help_text="Null for an error, or for a creation that was "
                                                             "rolled back with an atomic call.")
    errors = serializers.DictField(child=serializers.ListField(child=serializers.CharField()),
                                   help_text="Messages by field; empty unless `status` is error.")


class BulkUpsertResultSerializer(serializers.Serializer):
    written = serializers.BooleanField(help_text="False when an atomic call was refused: nothing was saved.")
    results = UpsertResultSerializer(many=True, help_text="One per item, in request order.")


class BulkUpsertRefusedSerializer(ErrorSerializer):
    """An atomic bulk call with an error: the usual error body plus what each item did or would do."""

    # Absent when the call itself was refused (no items, more than 500, not a JSON object).
    written = serializers.BooleanField(required=False)
    results = UpsertResultSerializer(many=True, required=False)


def bulk_upsert_request(name: str, item: type[serializers.Serializer]) -> type[serializers.Serializer]:
    """The documented request body of a bulk upsert of `item`s (validation uses BulkUpsertInputSerializer)."""
    return type(name, (BulkUpsertInputSerializer,), {
        "__doc__": BulkUpsertInputSerializer.__doc__,
        "items": item(many=True, help_text=BulkUpsertInputSerializer().fields["items"].help_text),
    })


def run_bulk_upsert(
    *, data: Any, item_serializer: type[serializers.Serializer], context: dict[str, Any],
    write: Callable[[list[dict[str, Any]]], Sequence[Any]],
) -> Response:
    """Validate a bulk upsert item by item, hand the valid items to `write` (a service that returns one
    outcome per item it was given, with `status`, `id` and `errors`), and answer with a result per item
    in request order: 200, or for an atomic call with any error 400 and nothing written."""
    envelope = BulkUpsertInputSerializer(data=data)
    envelope.is_valid(raise_exception=True)
    raw_items, atomic = envelope.validated_data["items"], envelope.validated_data["atomic"]
    results: list[dict[str, Any]] = [{} for _ in raw_items]
    valid: list[tuple[int, dict[str, Any]]] = []
    # One serializer checks every item, as a list serializer's child does: its fields are built once,
    # not 500 times (building them was most of the cost of a call).
    checker = item_serializer(context=context)
    quick = plain_checker(checker)  # the common case, checked inline; anything else by the serializer
    for index, raw in enumerate(raw_items):
        if not isinstance(raw, dict):
            results[index] = {"index": index, "external_id": "", "status": "error", "id": None,
                              "errors": {"non_field_errors": ["Each item is an object."]}}
            continue
        checked = quick(raw) if quick is not None else None
        if checked is not None:
            valid.append((index, checked))
            continue
        try:
            valid.append((index, dict(checker.run_validation(raw))))
        except serializers.ValidationError as error:
            results[index] = {"index": index, "external_id": str(raw.get("external_id", ""))[:100],
                              "status": "error", "id": None, "errors": _field_errors(error.detail)}
    with transaction.atomic():
        outcomes = write([item for _, item in valid]) if valid else []
        for (index, _), outcome in zip(valid, outcomes, strict=True):
            results[index] = {"index": index, "external_id": outcome.external_id, "status": outcome.status,
                              "id": outcome.id, "errors": outcome.errors}
        failed = sum(result["status"] == "error" for result in results)
        refused = atomic and failed > 0
        if refused:
            transaction.set_rollback(True)
    if refused:
        for result in results:
            if result["status"] == "created":
                result["id"] = None
        message = f"Nothing was written: {failed} of {len(results)} items have errors (atomic call)."
        return Response({"detail": message, "errors": {"items": [message]}, "written": False,
                         "results": results}, status=status.HTTP_400_BAD_REQUEST)
    return Response({"written": True, "results": results})


def error_responses(*statuses: int) -> dict[int, OpenApiResponse]:
    """Schema entries for the error answers an operation may give, for `extend_schema(responses=...)`."""
    descriptions = {
        400: "Invalid input: `errors` says which field and why.",
        404: "No such object.",
        409: "The change clashes with the object's current state or with existing data.",
        412: "If-Match named an older version: the object changed since it was read.",
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
    if isinstance(exc, PreconditionFailed | exceptions.Throttled):
        # A client branches on these two (re-read, or wait Retry-After seconds): say which it is.
        response.data["code"] = exc.default_code
    if isinstance(exc, PreconditionFailed) and exc.etag:
        response["ETag"] = exc.etag
    if isinstance(exc, UnknownQueryParameters):
        response.data = {"detail": exc.summary, "code": exc.default_code, "errors": _field_errors(exc.detail),
                         "accepted": exc.accepted}
    elif isinstance(exc, exceptions.ValidationError):
        response.data = {"detail": "Invalid input.", "errors": _field_errors(exc.detail)}
    return response


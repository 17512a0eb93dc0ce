"""OpenAPI post-processing: every operation documents the error answers it can give, has a summary, and
every POST documents the `Idempotency-Key` header (cxhub.idempotency).

Views declare their success answers (and any special error body); this hook adds the rest, so a
client generated from the schema knows every status it may meet and the one error shape behind them:
{"detail": "...", "errors": {"field": ["message", ...]}}.
"""

from __future__ import annotations

import re
from typing import Any

from drf_spectacular.openapi import AutoSchema

ERROR_COMPONENT = "ApiError"
ERROR_SCHEMA: dict[str, Any] = {
    "type": "object",
    "description": "The body of every error answer.",
    "properties": {
        "detail": {"type": "string", "description": "What went wrong, for a person to read."},
        "code": {"type": "string", "description": "Set when a domain rule refused the change."},
        "errors": {
            "type": "object",
            "description": "Messages per field (or per item of a bulk call).",
            "additionalProperties": {},
        },
        "accepted": {
            "type": "array", "items": {"type": "string"},
            "description": "With an unknown query parameter (`code` unknown_parameter): the ones the list reads.",
        },
    },
    "required": ["detail"],
    "example": {"detail": "Invalid input.", "errors": {"priority": ['"soon" is not a valid choice.']}},
}

# Every operation can meet these: bad input (body, filters or page size), no or a bad token, a role
# without the permission, too many requests.
COMMON = {
    "400": "Invalid input: `errors` names each field and what is wrong with it.",
    "401": "No valid credentials: send `Authorization: Token <key>` or log in.",
    "403": "Your role may not do this.",
    "429": "Too many requests: wait the number of seconds in the Retry-After header.",
}
WITH_PATH_OBJECT = {"404": "No such object (or not one you may see)."}
WRITES = {
    "409": "Refused by a business rule or a conflicting change: `detail` says which.",
    "415": "Send the body as JSON (or multipart where the operation says so).",
}
PRECONDITIONS = {"412": "The object changed since the ETag you sent in If-Match."}
NOT_MODIFIED = {"304": "Not modified since the ETag sent in If-None-Match."}

# --- Idempotency-Key (the behaviour is cxhub.idempotency's; this is its documentation) ---------------

IDEMPOTENCY_HEADER = "Idempotency-Key"
IDEMPOTENCY_KEY_MAX_LENGTH = 255
IDEMPOTENCY_PARAMETER: dict[str, Any] = {
    "in": "header",
    "name": IDEMPOTENCY_HEADER,
    "required": False,
    "description": (
        "A unique value per operation (a UUID is a good one), so that a retry after a timeout does not "
        "do it twice: a repeat with the same key within its lifetime answers the first answer again, "
        "with `Idempotent-Replayed: true`, and changes nothing. Keys belong to your account; at most "
        f"{IDEMPOTENCY_KEY_MAX_LENGTH} visible ASCII characters."
    ),
    "schema": {"type": "string", "minLength": 1, "maxLength": IDEMPOTENCY_KEY_MAX_LENGTH,
               "pattern": "^[!-~]([ -~]*[!-~])?$"},
    "example": "5b0e7f0c-2d1a-4c59-9a0e-8f3b6c1d2e47",
}
IDEMPOTENCY_IN_PROGRESS = "a request with this Idempotency-Key is still in progress: retry after Retry-After seconds"
IDEMPOTENCY_STATUSES = {
    "409": f"Refused by a business rule or a conflicting change, or {IDEMPOTENCY_IN_PROGRESS}.",
    "422": "The Idempotency-Key was used before for a different request (another address or body): "
           "send a new key for a new operation.",
}


def _statuses(path: str, method: str) -> dict[str, str]:
    statuses = dict(COMMON)
    if "{" in path:
        statuses.update(WITH_PATH_OBJECT)
    if method in {"post", "put", "patch", "delete"}:
        statuses.update(WRITES)
    if method == "post":
        statuses.update(IDEMPOTENCY_STATUSES)
    if method in {"put", "patch", "delete"} and "{" in path:
        statuses.update(PRECONDITIONS)
    if method == "get" and "{" in path:
        statuses.update(NOT_MODIFIED)
    return statuses


def _internationalised_emails(node: Any) -> None:
    """Customers' addresses may carry non-ASCII characters (νίκος@example.com), which the API accepts
    and returns: they are `idn-email`, not the ASCII-only `email` format."""
    if isinstance(node, dict):
        if node.get("format") == "email":
            node["format"] = "idn-email"
        for value in node.values():
            _internationalised_emails(value)
    elif isinstance(node, list):
        for value in node:
            _internationalised_emails(value)


def add_error_responses(result: dict[str, Any], generator: Any, request: Any, public: bool
                        ) -> dict[str, Any]:
    _internationalised_emails(result.get("components", {}))
    schemas = result.setdefault("components", {}).setdefault("schemas", {})
    schemas.setdefault(ERROR_COMPONENT, ERROR_SCHEMA)
    reference = {"$ref": f"#/components/schemas/{ERROR_COMPONENT}"}
    for path, operations in result.get("paths", {}).items():
        for method, operation in operations.items():
            if not isinstance(operation, dict) or "responses" not in operation:
                continue
            responses = operation["responses"]
            if method == "post":
                _document_idempotency_key(operation)
            for status, description in _statuses(path, method).items():
                if status in responses:
                    if status == "409" and method == "post":
                        # the view's own 409 (a rule) stays; a key still in use answers 409 too
                        responses[status]["description"] = _with_in_progress(responses[status].get("description"))
                    continue
                if status == "304":
                    responses[status] = {"description": description}
                    continue
                responses[status] = {
                    "description": description,
                    "content": {"application/json": {"schema": reference}},
                }
    _add_summaries(result, generator)
    return result


def _document_idempotency_key(operation: dict[str, Any]) -> None:
    parameters = operation.setdefault("parameters", [])
    if not any(p.get("in") == "header" and p.get("name") == IDEMPOTENCY_HEADER for p in parameters):
        parameters.append(dict(IDEMPOTENCY_PARAMETER))


def _with_in_progress(description: str | None) -> str:
    description = (description or "").rstrip()
    if IDEMPOTENCY_IN_PROGRESS in description:
        return description
    if not description:
        return IDEMPOTENCY_STATUSES["409"]
    return f"{description.rstrip('.')}; or {IDEMPOTENCY_IN_PROGRESS}."


# --- Summaries --------------------------------------------------------------------------------------

SUMMARY_MAX_LENGTH = 80
_CRUD_SUMMARIES = {
    "list": "List {plural}",
    "retrieve": "Read {article} {singular}",
    "create": "Create {article} {singular}",
    "update": "Replace {article} {singular}",
    "partial_update": "Change {article} {singular}",
    "destroy": "Delete {article} {singular}",
}
# Where neither a docstring's first sentence nor the resource's name says it (reports of one object).
SUMMARIES = {
    ("/api/v1/reports/tickets/", "get"): "Service report: volume, response and resolution times, SLA, FCR",
    ("/api/v1/scores/", "get"): "Score of a touchpoint, stage, journey or program over time",
    ("/api/v1/journeys/{id}/scores/", "get"): "A journey's scorecard: the journey, each stage and touchpoint",
    ("/api/v1/touchpoints/{id}/score/", "get"): "One touchpoint's score over a window",
    ("/api/v1/customers/bulk-upsert/", "post"): "Create or update up to 500 customers by CRM id",
    ("/api/v1/tickets/bulk-upsert/", "post"): "Create or update up to 500 tickets by CRM id",
    ("/api/v1/tickets/{id}/replies/", "post"): "Reply to the customer, or add an internal note",
    ("/api/v1/tickets/{id}/resolve/", "post"): "Resolve the ticket",
    ("/api/v1/tickets/{id}/classify/", "post"): "Set category, resolution code, tags and custom fields",
    ("/api/v1/tickets/{id}/merge/", "post"): "Merge this duplicate into another ticket",
    ("/api/v1/tickets/{id}/links/{other}/", "delete"): "Remove the link between two related tickets",
    ("/api/v1/canned-responses/{id}/render/", "get"): "The text filled in for a ticket",
    ("/api/v1/webhook-deliveries/{id}/", "get"): "Read a webhook delivery with its attempts",
}
_STATUS_NOTE = re.compile(r"\s*\(\d{3}\)")
# Letters whose names start with a vowel sound: an SLA policy, an API token.
_VOWEL_SOUND_LETTERS = set("AEFHILMNORSX")


def _first_sentence(text: str | None) -> str | None:
    """The first sentence of a docstring, if it is short enough to be a summary."""
    if not text:
        return None
    paragraph = " ".join(text.strip().split("\n\n")[0].split())
    sentence = _STATUS_NOTE.sub("", paragraph.split(". ")[0]).rstrip(".")
    if not sentence or len(sentence) > SUMMARY_MAX_LENGTH:
        return None
    return sentence[0].upper() + sentence[1:]


def _article(noun: str) -> str:
    first = noun.split(" ")[0]
    if first.isupper():
        return "an" if first[0] in _VOWEL_SOUND_LETTERS else "a"
    return "an" if first[:1].lower() in "aeiou" else "a"


def _names(view_class: Any, path: str) -> tuple[str, str]:
    """(singular, plural) of what a viewset serves: its model's verbose names, else its address."""
    queryset = getattr(view_class, "queryset", None)
    if queryset is not None:
        meta = queryset.model._meta
        return str(meta.verbose_name), str(meta.verbose_name_plural)
    segment = next((part for part in reversed(path.strip("/").split("/")) if "{" not in part), "")
    name = segment.replace("-", " ")
    return name, name


def _defined_here(view_class: Any, action: str) -> bool:
    """Whether `action` is written in our own code rather than inherited from DRF's mixins."""
    function = getattr(view_class, action, None)
    return function is not None and not getattr(function, "__module__", "").startswith("rest_framework")


def _summary(view_class: Any, action: str, path: str) -> str:
    if _defined_here(view_class, action):
        # An operation with a docstring of its own (an action, a create with rules) says what it does.
        summary = _first_sentence(getattr(view_class, action).__doc__)
        if summary:
            return summary
    singular, plural = _names(view_class, path)
    template = _CRUD_SUMMARIES.get(action)
    if template is None:
        return f"{action.replace('_', ' ').capitalize()} ({singular})"
    # A resource without a list is one object (the feedback settings): "the", not "a".
    article = _article(singular) if hasattr(view_class, "list") else "the"
    return template.format(singular=singular, plural=plural, article=article)


def _add_summaries(result: dict[str, Any], generator: Any) -> None:
    """A short summary per operation (the list of operations in the docs shows it): the first sentence
    of the operation's own docstring, else what it does to which resource."""
    paths = result.get("paths", {})
    for path, _regex, method, callback in getattr(generator, "endpoints", None) or []:
        path = path.replace("{pk}", "{id}")  # as the schema shows it
        operation = paths.get(path, {}).get(method.lower())
        view_class = getattr(callback, "cls", None)
        if not isinstance(operation, dict) or operation.get("summary") or view_class is None:
            continue
        actions = getattr(callback, "actions", None) or {}
        # A plain API view has no actions: its method names what it does.
        action = actions.get(method.lower()) or {
            "get": "retrieve", "put": "update", "patch": "partial_update", "delete": "destroy",
            "post": "create"}[method.lower()]
        operation["summary"] = SUMMARIES.get((path, method.lower())) or _summary(view_class, action, path)


class SingleObjectSchema(AutoSchema):
    """For viewsets whose `list` answers one report object rather than a list of rows."""

    def _is_list_view(self, serializer: Any = None) -> bool:
        return False

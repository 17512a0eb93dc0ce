"""OpenAPI post-processing: every operation documents the error answers it can give.

Views declare their success answers (and any special error body); this hook adds the rest, so a
client generated from the schema knows every status it may meet and the one error shape behind them:
{"detail": "...", "errors": {"field": ["message", ...]}}.
"""

from __future__ import annotations

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


def _statuses(path: str, method: str) -> dict[str, str]:
    statuses = dict(COMMON)
    if "{" in path:
        statuses.update(WITH_PATH_OBJECT)
    if method in {"post", "put", "patch", "delete"}:
        statuses.update(WRITES)
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
            for status, description in _statuses(path, method).items():
                if status in responses:
                    continue
                if status == "304":
                    responses[status] = {"description": description}
                    continue
                responses[status] = {
                    "description": description,
                    "content": {"application/json": {"schema": reference}},
                }
    return result


class SingleObjectSchema(AutoSchema):
    """For viewsets whose `list` answers one report object rather than a list of rows."""

    def _is_list_view(self, serializer: Any = None) -> bool:
        return False

"""The one domain exception type. Services raise it; the API and pages map it to a 4xx or a form error."""

from __future__ import annotations


class DomainError(Exception):
    """A rule refused the change; nothing was written. `field` names the input at fault, if one is."""

    status_code = 400

    def __init__(self, message: str, *, field: str | None = None, code: str = "invalid") -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        self.code = code


class ConflictError(DomainError):
    """The change clashes with the current state (e.g. an invalid status transition)."""

    status_code = 409


class ForbiddenError(DomainError):
    """The caller may not make this change (a rule about who, not about the data)."""

    status_code = 403

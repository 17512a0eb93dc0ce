from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from cxhub.roles import session_role_label


def roles(request: HttpRequest) -> dict[str, Any]:
    """The person's main role for the page header; the views enforce permissions themselves."""
    if getattr(request, "user", None) is None or not hasattr(request, "session"):
        return {"role_label": ""}
    return {"role_label": session_role_label(request)}

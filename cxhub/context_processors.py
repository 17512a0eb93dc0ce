from __future__ import annotations

from django.http import HttpRequest

from cxhub.roles import is_agent, is_manager


def roles(request: HttpRequest) -> dict[str, bool]:
    """Role flags for the navigation; the views enforce permissions themselves."""
    user = getattr(request, "user", None)
    if user is None:
        return {"is_manager": False, "is_agent": False}
    return {"is_manager": is_manager(user), "is_agent": is_agent(user)}

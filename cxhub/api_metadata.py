"""OPTIONS answers (kept apart from cxhub.api: DRF imports its metadata class while defining its views)."""

from __future__ import annotations

from typing import Any

from rest_framework.metadata import SimpleMetadata
from rest_framework.request import Request


class SafeMetadata(SimpleMetadata):
    """OPTIONS answers for every view, also actions whose address carries no primary key (such as
    /customers/by-external-id/{id}/), where DRF's metadata would look an object up by pk and fail."""

    def determine_actions(self, request: Request, view: Any) -> dict[str, Any]:
        lookup = getattr(view, "lookup_url_kwarg", None) or getattr(view, "lookup_field", None)
        if lookup and lookup not in getattr(view, "kwargs", {}) and getattr(view, "detail", True) is False:
            return {}
        return super().determine_actions(request, view)


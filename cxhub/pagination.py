"""Pages of long lists without counting whole tables.

A queue of a million tickets needs its first pages fast, not an exact total: `CappedPaginator` counts at
most `cap` matching rows (a COUNT over a LIMIT, which stops there) and says when more match. Its pages
reach as far as it counted; the page tells the reader to narrow the filters to reach the rest.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.paginator import Paginator
from django.utils.functional import cached_property


class CappedPaginator(Paginator):
    def __init__(self, object_list: Any, per_page: int, *, cap: int | None = None, **kwargs: Any) -> None:
        super().__init__(object_list, per_page, **kwargs)
        self.cap = settings.LIST_COUNT_CAP if cap is None else cap

    @cached_property
    def _counted(self) -> int:
        """Matching rows, counted up to one past the cap."""
        return self.object_list[: self.cap + 1].count()

    @cached_property
    def count(self) -> int:
        return min(self._counted, self.cap)

    @cached_property
    def capped(self) -> bool:
        """Whether more rows match than the pages reach."""
        return self._counted > self.cap

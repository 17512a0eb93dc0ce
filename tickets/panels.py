"""The service side's panel on a touchpoint's page: what the tickets raised there are about.

Registered into journeys.panels from TicketsConfig.ready(). The counts go through the ticket list's
own FilterSet, so each link opens exactly the tickets it counts. Two queries whatever the volume.
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.db.models import Count, F
from django.http import QueryDict
from django.urls import reverse
from django.utils.translation import gettext as _

from journeys.models import Touchpoint
from journeys.panels import Panel
from journeys.selectors import Window
from tickets.filters import TicketFilterSet
from tickets.models import Ticket

TOP_CATEGORIES = 5


def _params(touchpoint: Touchpoint, window: Window, **extra: str) -> list[tuple[str, str]]:
    return [("queue", "all"), ("touchpoint", str(touchpoint.pk)),
            ("created_after", window.start.isoformat()), ("created_before", window.end.isoformat()),
            *extra.items()]


def ticket_list_url(*, touchpoint: Touchpoint, window: Window, **extra: str) -> str:
    """The ticket list of this touchpoint's tickets created in the window, narrowed by `extra`."""
    return f"{reverse('tickets:list')}?{urlencode(_params(touchpoint, window, **extra))}"


def touchpoint_categories_panel(touchpoint: Touchpoint, window: Window) -> Panel | None:
    """The most frequent categories of the tickets created at the touchpoint in the window."""
    data = QueryDict(mutable=True)
    for key, value in _params(touchpoint, window):
        data[key] = value
    tickets = TicketFilterSet(data, queryset=Ticket.objects.all()).qs
    rows = list(
        tickets.values("category_id", "category__name").annotate(n=Count("id", distinct=True))
        .order_by("-n", F("category__name").asc(nulls_last=True))
    )
    total = sum(row["n"] for row in rows)
    categories = [
        {"name": row["category__name"] or _("No category"), "count": row["n"],
         "share": 100 * row["n"] / total,
         # The list cannot filter on "no category", so that row has no link.
         "url": ticket_list_url(touchpoint=touchpoint, window=window, category=str(row["category_id"]))
         if row["category_id"] else None}
        for row in rows[:TOP_CATEGORIES]
    ]
    return Panel(
        title=_("Top ticket categories"),
        template="tickets/panels/touchpoint_categories.html",
        context={"categories": categories, "total": total,
                 "all_url": ticket_list_url(touchpoint=touchpoint, window=window)},
    )

"""The feedback side's panel on a touchpoint's page: what customers wrote there, and its sentiment.

Registered into journeys.panels from FeedbackConfig.ready(). The counts go through the answer list's
own FilterSet, so each link opens exactly the answers it counts. A fixed handful of queries.
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.db.models import Count
from django.http import QueryDict
from django.urls import reverse
from django.utils.translation import gettext as _

from feedback.choices import Sentiment
from feedback.filters import ResponseFilterSet
from feedback.models import Response
from journeys.models import Touchpoint
from journeys.panels import Panel
from journeys.selectors import Window

RECENT_COMMENTS = 5


def _params(touchpoint: Touchpoint, window: Window, **extra: str) -> list[tuple[str, str]]:
    return [("touchpoint", str(touchpoint.pk)), ("answered_from", window.start.isoformat()),
            ("answered_to", window.end.isoformat()), *extra.items()]


def response_list_url(*, touchpoint: Touchpoint, window: Window, **extra: str) -> str:
    """The answer list of this touchpoint's answers given in the window, narrowed by `extra`."""
    return f"{reverse('feedback:responses')}?{urlencode(_params(touchpoint, window, **extra))}"


def touchpoint_comments_panel(touchpoint: Touchpoint, window: Window) -> Panel | None:
    """The latest comments at the touchpoint in the window, and how many read positive or negative."""
    data = QueryDict(mutable=True)
    for key, value in _params(touchpoint, window, has_comment="true"):
        data[key] = value
    comments = ResponseFilterSet(data, queryset=Response.objects.all()).qs
    counts = dict(comments.values_list("sentiment").annotate(n=Count("id")).order_by())
    recent = list(comments.select_related("survey", "customer").order_by("-answered_at", "-id")
                  [:RECENT_COMMENTS])
    sentiments = [
        {"key": value, "label": label, "count": counts.get(value, 0),
         "url": response_list_url(touchpoint=touchpoint, window=window, has_comment="true",
                                  sentiment=value)}
        for value, label in Sentiment.choices
    ]
    return Panel(
        title=_("Recent comments"),
        template="feedback/panels/touchpoint_comments.html",
        context={"comments": recent, "sentiments": sentiments, "total": sum(counts.values()),
                 "all_url": response_list_url(touchpoint=touchpoint, window=window, has_comment="true")},
    )

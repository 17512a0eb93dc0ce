"""Themes managers tag comments with, and what comments say per touchpoint (themes and sentiment)."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import Count, Q, QuerySet

from cxhub.exceptions import DomainError
from feedback.choices import Sentiment
from feedback.loop import window_bounds
from feedback.models import Response, Theme
from journeys.models import Touchpoint
from journeys.selectors import Window

THEME_NAME_MAX = Theme._meta.get_field("name").max_length


def _clean_name(name: str) -> str:
    name = " ".join((name or "").split())
    if not name:
        raise DomainError("Give the theme a name.", field="name")
    if len(name) > THEME_NAME_MAX:
        raise DomainError(f"A theme name has at most {THEME_NAME_MAX} characters.", field="name")
    return name


@transaction.atomic
def theme_create(*, name: str) -> Theme:
    """A theme by this name, made if it does not exist (names match without regard to case or spacing)."""
    name = _clean_name(name)
    existing = Theme.objects.filter(name__iexact=name).first()
    if existing is not None:
        return existing
    return Theme.objects.get_or_create(name=name)[0]  # get_or_create absorbs a concurrent create


@transaction.atomic
def response_tag(*, response: Response, theme: Theme) -> bool:
    """Tag a response with a theme; tagging twice changes nothing. Returns whether it was added."""
    if response.themes.filter(pk=theme.pk).exists():
        return False
    response.themes.add(theme)
    return True


@transaction.atomic
def response_untag(*, response: Response, theme: Theme) -> bool:
    """Remove a theme from a response; removing one it does not have changes nothing."""
    if not response.themes.filter(pk=theme.pk).exists():
        return False
    response.themes.remove(theme)
    return True


def theme_list() -> QuerySet[Theme]:
    return Theme.objects.order_by("name")


@dataclass
class TouchpointComments:
    """What the comments at one touchpoint said over a window."""

    touchpoint_id: int
    label: str
    journey: str
    sentiment: dict[str, int] = field(default_factory=lambda: {s: 0 for s in Sentiment.values})
    themes: list[tuple[str, int]] = field(default_factory=list)  # most frequent first

    @property
    def comments(self) -> int:
        return sum(self.sentiment.values())


def comment_counts(*, window: Window) -> list[TouchpointComments]:
    """Per touchpoint: commented answers by sentiment, and how often each theme was tagged, in the window.

    Two grouped queries and one for the touchpoints' names, whatever the number of answers.
    """
    start, end = window_bounds(window)
    in_window = Q(answered_at__gte=start, answered_at__lt=end)
    by_tp: dict[int, TouchpointComments] = {}

    def entry(tp_id: int) -> TouchpointComments:
        return by_tp.setdefault(tp_id, TouchpointComments(touchpoint_id=tp_id, label="", journey=""))

    sentiments = (Response.objects.filter(in_window).exclude(comment="")
                  .values("touchpoint_id", "sentiment").annotate(n=Count("id")).order_by())
    for row in sentiments:
        entry(row["touchpoint_id"]).sentiment[row["sentiment"]] = row["n"]
    themes = (Response.themes.through.objects
              .filter(response__answered_at__gte=start, response__answered_at__lt=end)
              .values("response__touchpoint_id", "theme__name").annotate(n=Count("id"))
              .order_by("response__touchpoint_id", "-n", "theme__name"))
    for row in themes:
        entry(row["response__touchpoint_id"]).themes.append((row["theme__name"], row["n"]))
    for tp in Touchpoint.objects.filter(pk__in=by_tp).select_related("stage__journey"):
        by_tp[tp.pk].label, by_tp[tp.pk].journey = tp.name, tp.stage.journey.name
    return sorted(by_tp.values(), key=lambda c: (c.journey, c.label, c.touchpoint_id))

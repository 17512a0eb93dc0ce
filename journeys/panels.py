"""Panels on a touchpoint's page that other apps provide (top ticket categories, recent comments ...).

journeys imports neither tickets nor feedback: they register a provider here from their
AppConfig.ready(), and the touchpoint page renders whatever the providers return. A provider is
`fn(touchpoint, window) -> Panel | None` (None: nothing to show) and must run a fixed number of
queries, whatever the touchpoint's volume, so the page's query count stays constant.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.http import HttpRequest
from django.template.loader import render_to_string
from django.utils.safestring import SafeString

from journeys.models import Touchpoint
from journeys.selectors import Window


@dataclass(frozen=True)
class Panel:
    """A titled block of the touchpoint page: `template` rendered with `context` (plus the page's)."""

    title: str
    template: str
    context: dict[str, Any] = field(default_factory=dict)


PanelProvider = Callable[[Touchpoint, Window], Panel | None]


@dataclass(frozen=True)
class _Entry:
    position: int
    provider: PanelProvider
    permission: str


# A key registered again replaces its provider (ready() may run more than once).
_providers: dict[str, _Entry] = {}


def panel_provider_register(*, key: str, provider: PanelProvider, position: int = 100,
                            permission: str = "") -> None:
    """Add a provider of touchpoint panels; panels show by position, then key. With `permission`, the
    provider is asked only for users who have it (so nothing is queried for the others)."""
    _providers[key] = _Entry(position, provider, permission)


def panel_provider_unregister(*, key: str) -> None:
    _providers.pop(key, None)


def panel_providers() -> list[tuple[str, PanelProvider, str]]:
    ordered = sorted(_providers.items(), key=lambda item: (item[1].position, item[0]))
    return [(key, entry.provider, entry.permission) for key, entry in ordered]


def touchpoint_panels(*, touchpoint: Touchpoint, window: Window,
                      user: AbstractBaseUser | AnonymousUser | None = None) -> list[Panel]:
    """The panels the registered providers give for this touchpoint and window, that the user may see."""
    panels = []
    for _key, provider, permission in panel_providers():
        if permission and (user is None or not user.has_perm(permission)):
            continue
        panel = provider(touchpoint, window)
        if panel is not None:
            panels.append(panel)
    return panels


@dataclass(frozen=True)
class RenderedPanel:
    title: str
    html: SafeString


def panels_render(*, panels: list[Panel], request: HttpRequest, **shared: Any) -> list[RenderedPanel]:
    """Each panel's template rendered with its own context and the page's `shared` values."""
    return [RenderedPanel(p.title, render_to_string(p.template, {**shared, **p.context}, request=request))
            for p in panels]

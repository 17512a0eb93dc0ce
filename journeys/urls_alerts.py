"""Alerts: the list, acknowledging and resolving."""

from __future__ import annotations

urlpatterns: list = []

"""Insights: customer health, service impact and key drivers."""

from __future__ import annotations

urlpatterns: list = []

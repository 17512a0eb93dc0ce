"""The journey builder: programs, goals, personas, journeys, stages, touchpoints, initiatives."""

from __future__ import annotations

urlpatterns: list = []

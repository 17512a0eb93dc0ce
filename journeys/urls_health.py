"""Customer health: the at-risk list and a customer's health card."""

from __future__ import annotations

urlpatterns: list = []

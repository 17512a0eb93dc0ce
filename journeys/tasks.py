"""Thin Celery wrappers around the rollup services."""

from __future__ import annotations

from celery import shared_task

from journeys import rollup


@shared_task(autoretry_for=(Exception,), retry_backoff=True, retry_backoff_max=300, max_retries=5)
def rollup_scores() -> dict[str, int]:
    """Roll new ledger signals into daily components. Idempotent: safe to run twice or concurrently."""
    result = rollup.rollup_new_signals()
    return {"signals": result.signals, "touchpoint_days": result.touchpoint_days,
            "watermark": result.watermark}

"""Thin Celery wrappers around the rollup, alert, customer-health and analysis services."""

from __future__ import annotations

from celery import shared_task

from journeys import rollup


@shared_task(autoretry_for=(Exception,), retry_backoff=True, retry_backoff_max=300, max_retries=5)
def rollup_scores() -> dict[str, int]:
    """Roll new ledger signals into daily components. Idempotent: safe to run twice or concurrently."""
    result = rollup.rollup_new_signals()
    return {"signals": result.signals, "touchpoint_days": result.touchpoint_days,
            "watermark": result.watermark}


@shared_task(autoretry_for=(Exception,), retry_backoff=True, retry_backoff_max=600, max_retries=3)
def evaluate_alerts() -> dict[str, int]:
    """Raise, refresh and resolve alerts; mail new ones once. Idempotent within a day."""
    from journeys.alerts import alerts_evaluate

    result = alerts_evaluate()
    return {name: len(value) if isinstance(value, list) else value
            for name, value in vars(result).items()}


@shared_task(autoretry_for=(Exception,), retry_backoff=True, retry_backoff_max=600, max_retries=3)
def recompute_customer_health() -> int:
    """Every customer's health from recent signals and open tickets; writes only what changed."""
    from journeys.health import health_recompute

    return health_recompute()


@shared_task(autoretry_for=(Exception,), retry_backoff=True, retry_backoff_max=600, max_retries=3)
def refresh_analyses() -> int:
    """Service impact and key drivers of every scope, stored for the pages to read."""
    from journeys.analysis import analysis_refresh

    return analysis_refresh()

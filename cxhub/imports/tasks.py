"""The Celery task that runs a CSV import (listed in CELERY_IMPORTS, as it is not an app's tasks.py)."""

from __future__ import annotations

from celery import shared_task
from django.conf import settings

from cxhub.imports.services import import_job_run


@shared_task
def run_import(job_id: int) -> None:
    """Run an import for at most IMPORT_TASK_SECONDS, then queue the rest as a new task, well inside the
    task time limits. Safe to run twice or after a lost worker: a finished job is left alone and a batch
    is written once (cxhub.imports.services)."""
    if import_job_run(job_id=job_id, seconds=settings.IMPORT_TASK_SECONDS):
        run_import.delay(job_id)

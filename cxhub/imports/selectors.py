"""Reads for the import pages and the command: job lists, progress, the rejects report."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from cxhub.exceptions import DomainError
from cxhub.imports.reader import ImportFileError, read_layout
from cxhub.imports.registry import ROW_ERRORS, importer_get
from cxhub.models import ImportJob, ImportRejection

REPORT_HEAD = ["row", "external_id", "field", "message"]
FIRST_REJECTIONS = 50  # shown on the job's page; the report has them all
# The model's labels are not in the catalogue; the pages show these.
STATUS_LABELS = {
    ImportJob.Status.QUEUED: _("Queued"),
    ImportJob.Status.RUNNING: _("Running"),
    ImportJob.Status.DONE: _("Done"),
    ImportJob.Status.FAILED: _("Failed"),
}


def job_list(*, kind: str = "", status: str = "") -> QuerySet[ImportJob]:
    jobs = ImportJob.objects.select_related("created_by").order_by("-created_at", "-id")
    if kind:
        jobs = jobs.filter(kind=kind)
    if status:
        jobs = jobs.filter(status=status)
    return jobs


def job_progress(job: ImportJob) -> dict[str, Any]:
    """What the job's page polls while the import runs."""
    total = job.total_rows
    return {
        "id": job.pk,
        "status": job.status,
        "status_label": str(STATUS_LABELS.get(job.status, job.status)),
        "finished": job.status in (ImportJob.Status.DONE, ImportJob.Status.FAILED),
        "total_rows": total,
        "processed_rows": job.processed_rows,
        "percent": round(100 * job.processed_rows / total) if total else 0,
        "created": job.created_count,
        "updated": job.updated_count,
        "unchanged": job.unchanged_count,
        "rejected": job.rejected_count,
        "error": job.error,
    }


def first_rejections(job: ImportJob) -> list[ImportRejection]:
    return list(job.rejections.order_by("row_number")[:FIRST_REJECTIONS])


def report_columns(job: ImportJob) -> list[str]:
    """The file's own columns, in its order; all of the kind's columns if the file cannot be read."""
    try:
        importer = importer_get(job.kind)
    except DomainError:
        return []
    try:
        with job.file.open("rb") as binary:
            return read_layout(binary, importer).names
    except (ImportFileError, OSError, ValueError):
        return importer.column_names


def report_rows(job: ImportJob, columns: list[str]) -> Iterator[list[str]]:
    """One line per message of every rejected row: row, external_id, field, message, then the row as it
    was in the file. Field is empty for a message about the row as a whole."""
    for rejection in job.rejections.order_by("row_number").iterator(chunk_size=500):
        original = [str(rejection.raw.get(name, "")) for name in columns]
        for field, messages in rejection.errors.items():
            for message in messages if isinstance(messages, list) else [messages]:
                yield [rejection.row_number, rejection.external_id, "" if field == ROW_ERRORS else field,
                       message, *original]

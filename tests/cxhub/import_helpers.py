"""Helpers of the CSV import tests: files made from text, imported through the services."""

from __future__ import annotations

import csv
import io

from django.core.files.uploadedfile import SimpleUploadedFile

from cxhub.imports.services import import_job_create, import_job_run
from cxhub.models import ImportJob


def csv_bytes(header: list[str], *rows: list[str], bom: bool = False, newline: str = "\r\n",
              delimiter: str = ",") -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator=newline, delimiter=delimiter)
    writer.writerow(header)
    writer.writerows(rows)
    return (("\ufeff" if bom else "") + buffer.getvalue()).encode("utf-8")


def upload(content: bytes, name: str = "import.csv") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="text/csv")


def create_job(kind: str, content: bytes, *, user=None, name: str = "import.csv") -> ImportJob:
    return import_job_create(kind=kind, upload=upload(content, name), user=user, queue=False)


def run_import(kind: str, content: bytes, *, user=None, name: str = "import.csv") -> ImportJob:
    """Store the file as a job and run it to the end, in-process."""
    job = create_job(kind, content, user=user, name=name)
    import_job_run(job_id=job.pk)
    job.refresh_from_db()
    return job


def counts(job: ImportJob) -> dict[str, int]:
    return {"created": job.created_count, "updated": job.updated_count, "unchanged": job.unchanged_count,
            "rejected": job.rejected_count}


def rejections(job: ImportJob) -> dict[int, dict[str, list[str]]]:
    """Line number -> the rejection's messages by column."""
    return dict(job.rejections.order_by("row_number").values_list("row_number", "errors"))

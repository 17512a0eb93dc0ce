"""`manage.py import_csv KIND FILE`: import a CSV file of customers, tickets or responses, with progress."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.files import File
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.urls import reverse

from cxhub.csv_export import csv_stream
from cxhub.exceptions import DomainError
from cxhub.imports.registry import importer_list
from cxhub.imports.selectors import REPORT_HEAD, report_columns, report_rows
from cxhub.imports.services import import_job_create, import_job_run
from cxhub.models import ImportJob

PROGRESS_EVERY_SECONDS = 0.5  # at most two progress lines a second, and always the last one


class Command(BaseCommand):
    help = (
        "Import a CSV file (docs/import.md): customers, historical tickets or survey responses, keyed by "
        "external_id, so the same file can be imported again. Rows that fail a check are reported, "
        "the others written. The job is listed on the Imports page as well."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("kind", help="What the file holds: " + ", ".join(i.kind for i in importer_list()) + ".")
        parser.add_argument("file", type=Path, help="The CSV file (UTF-8, the column names on line 1).")
        parser.add_argument("--user", help="Record the import as this user's (and check their permission).")
        parser.add_argument("--report", type=Path,
                            help="Write the rejected rows with the reasons to this CSV file too.")

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["file"]
        if not path.is_file():
            raise CommandError(f"No file at {path}.")
        user = None
        if options["user"]:
            user = get_user_model().objects.filter(username=options["user"]).first()
            if user is None:
                raise CommandError(f"No user {options['user']!r}.")
        with path.open("rb") as handle:
            try:
                job = import_job_create(kind=options["kind"], upload=File(handle, name=path.name), user=user,
                                        queue=False)
            except DomainError as error:
                raise CommandError(f"{path.name}: {error.message}") from None
        self.stdout.write(f"Importing {job.total_rows} rows of {options['kind']} from {path.name} "
                          f"(import {job.pk}) ...")
        import_job_run(job_id=job.pk, progress=self._progress())
        job.refresh_from_db()
        self._summary(job, options["report"])

    def _progress(self):
        last = [0.0]

        def show(job: ImportJob) -> None:
            now = time.monotonic()
            finished = job.processed_rows >= job.total_rows
            if not finished and now - last[0] < PROGRESS_EVERY_SECONDS:
                return
            last[0] = now
            percent = 100 * job.processed_rows // job.total_rows if job.total_rows else 100
            self.stdout.write(f"  {job.processed_rows}/{job.total_rows} rows ({percent}%): {job.created_count} "
                              f"created, {job.updated_count} updated, {job.unchanged_count} unchanged, "
                              f"{job.rejected_count} rejected")

        return show

    def _summary(self, job: ImportJob, report: Path | None) -> None:
        if job.status == ImportJob.Status.FAILED:
            raise CommandError(f"Import {job.pk} failed: {job.error}")
        self.stdout.write(self.style.SUCCESS(
            f"Done: {job.created_count} created, {job.updated_count} updated, {job.unchanged_count} unchanged, "
            f"{job.rejected_count} rejected of {job.total_rows} rows."))
        if not job.rejected_count:
            return
        url = settings.SITE_URL.rstrip("/") + reverse("imports:rejects", args=[job.pk])
        self.stdout.write(f"Rejected rows and the reasons: {url}")
        if report is not None:
            columns = report_columns(job)
            with report.open("w", encoding="utf-8", newline="") as out:
                for piece in csv_stream([*REPORT_HEAD, *columns], report_rows(job, columns)):
                    out.write(piece)
            self.stdout.write(f"... also written to {report}")

"""CSV imports: store an uploaded file as a job, then run it in batches.

A run reads the whole file first (encoding, header, CSV syntax, row count), so a file that is not right
fails before anything is written. Rows then go to the kind's importer in batches of IMPORT_BATCH_SIZE,
each batch in one transaction together with the job's counts and the rejections of its bad rows: the
job's `processed_rows` is exactly the rows whose outcome is committed. A run that stops (a worker lost,
the task's time budget spent) continues from there, and two runs of one job never both write a batch.
Rows are keyed by external_id, so importing the same file again creates nothing new.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core.files import File
from django.db import transaction
from django.db.models import F
from django.template.defaultfilters import filesizeformat
from django.utils import timezone
from django.utils.translation import gettext as _

from cxhub.exceptions import DomainError, ForbiddenError
from cxhub.imports.reader import ImportFileError, Layout, RawRow, inspect, iter_rows, row_problems
from cxhub.imports.registry import (
    CREATED,
    KEY_COLUMN,
    REJECTED,
    UNCHANGED,
    UPDATED,
    Importer,
    Row,
    RowOutcome,
    importer_get,
)
from cxhub.models import ImportJob, ImportRejection

logger = logging.getLogger(__name__)

Progress = Callable[[ImportJob], None]
_COUNT_FIELDS = {CREATED: "created_count", UPDATED: "updated_count", UNCHANGED: "unchanged_count",
                 REJECTED: "rejected_count"}
_FINISHED = (ImportJob.Status.DONE, ImportJob.Status.FAILED)


def _check_size(upload: File) -> None:
    limit = settings.IMPORT_MAX_BYTES
    if upload.size is not None and upload.size > limit:
        raise ImportFileError(_("The file is %(size)s; files of at most %(limit)s can be imported. "
                                "Split it into smaller files, each with the header line.")
                              % {"size": filesizeformat(upload.size), "limit": filesizeformat(limit)})


def import_job_create(*, kind: str, upload: File, user: AbstractBaseUser | None, queue: bool = True) -> ImportJob:
    """Check the file as a whole and store it as a queued job; with `queue`, the run is queued after
    commit (at once, in-process, when Celery is eager; else on a worker).

    `user` None is an operator at the command line: no permission to check. A file that is too large,
    not UTF-8, without a header naming the required columns, or without rows is an ImportFileError on
    `file`, and nothing is stored.
    """
    importer = importer_get(kind)
    if user is not None and not importer.may_run(user):
        raise ForbiddenError(_("You may not import %(kind)s.") % {"kind": importer.label}, field="kind")
    _check_size(upload)
    _layout, total = inspect(upload, importer)
    name = (upload.name or "import.csv").replace("\\", "/").rsplit("/", 1)[-1][:255]
    upload.seek(0)
    with transaction.atomic():
        job = ImportJob(kind=kind, original_name=name, created_by=user, total_rows=total)
        job.file.save(name, upload, save=False)
        job.save()
        if queue:
            from cxhub.imports.tasks import run_import

            # robust: a broker outage must not lose the upload; the job stays queued and can be run again.
            transaction.on_commit(lambda: run_import.delay(job.pk), robust=True)
    return job


def import_job_rerun(*, job: ImportJob, user: AbstractBaseUser | None) -> ImportJob:
    """A new job over the same stored file: rows imported before come out unchanged (or updated)."""
    importer = importer_get(job.kind)
    if user is not None and not importer.may_run(user):
        raise ForbiddenError(_("You may not import %(kind)s.") % {"kind": importer.label}, field="kind")
    if not job.file or not job.file.storage.exists(job.file.name):
        raise DomainError(_("The file of this import is no longer stored; upload it again."))
    with transaction.atomic():
        again = ImportJob.objects.create(kind=job.kind, file=job.file.name, original_name=job.original_name,
                                         created_by=user, total_rows=job.total_rows)
        from cxhub.imports.tasks import run_import

        transaction.on_commit(lambda: run_import.delay(again.pk), robust=True)
    return again


def _fail(job_id: int, message: str) -> None:
    ImportJob.objects.filter(pk=job_id).exclude(status__in=_FINISHED).update(
        status=ImportJob.Status.FAILED, error=message, finished_at=timezone.now())


def _batches(rows: Iterator[RawRow], size: int) -> Iterator[list[RawRow]]:
    batch: list[RawRow] = []
    for raw in rows:
        batch.append(raw)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


def _duplicate(first_line: int) -> list[str]:
    return [_("This external_id is on line %(line)d already; only the first row with it is imported.")
            % {"line": first_line}]


def _write_batch(job_id: int, start: int, batch: list[RawRow], importer: Importer,
                 seen: dict[str, int], actor: AbstractBaseUser | None) -> ImportJob | None:
    """Write one batch with the job's counts in one transaction. None when the job has moved on (another
    run of it wrote this batch, or it finished): this run must stop."""
    with transaction.atomic():
        job = ImportJob.objects.select_for_update().filter(pk=job_id).first()
        if job is None or job.status != ImportJob.Status.RUNNING or job.processed_rows != start:
            return None
        outcomes: dict[int, RowOutcome] = {}
        valid: list[Row] = []
        for raw in batch:
            problems = row_problems(raw, importer)
            key = raw.row.external_id
            if key and key in seen and seen[key] != raw.row.number and KEY_COLUMN not in problems:
                problems[KEY_COLUMN] = _duplicate(seen[key])
            if problems:
                outcomes[raw.row.number] = RowOutcome(REJECTED, problems)
            else:
                valid.append(raw.row)
        if valid:
            written = importer.write_batch(valid, actor=actor)
            if len(written) != len(valid):
                raise RuntimeError(f"Importer {importer.kind!r} answered {len(written)} outcomes for {len(valid)} rows")
            outcomes.update({row.number: outcome for row, outcome in zip(valid, written, strict=True)})
        counts = dict.fromkeys(_COUNT_FIELDS.values(), 0)
        rejections = []
        for raw in batch:
            outcome = outcomes[raw.row.number]
            counts[_COUNT_FIELDS[outcome.status]] += 1
            if outcome.status == REJECTED:
                rejections.append(ImportRejection(
                    job=job, row_number=raw.row.number, external_id=raw.row.external_id[:255],
                    errors=outcome.errors, raw=dict(raw.row.values)))
        ImportRejection.objects.bulk_create(rejections)
        ImportJob.objects.filter(pk=job_id).update(
            processed_rows=F("processed_rows") + len(batch), **{name: F(name) + n for name, n in counts.items()})
        job.refresh_from_db()
        return job


def _start(job: ImportJob, importer: Importer) -> tuple[ImportJob | None, Layout | None]:
    """Check the stored file and claim a queued job (queued -> running); a running job is continued."""
    try:
        with job.file.open("rb") as binary:
            layout, total = inspect(binary, importer)
    except ImportFileError as error:
        _fail(job.pk, error.message)
        return None, None
    except OSError:
        logger.exception("Import %s: the stored file %s cannot be read", job.pk, job.file.name)
        _fail(job.pk, _("The stored file cannot be read; upload it again."))
        return None, None
    if job.status == ImportJob.Status.QUEUED:
        claimed = ImportJob.objects.filter(pk=job.pk, status=ImportJob.Status.QUEUED).update(
            status=ImportJob.Status.RUNNING, started_at=timezone.now(), total_rows=total)
        if not claimed:
            return None, None  # another run claimed it a moment ago and does the work
        job.refresh_from_db()
    return job, layout


def import_job_run(*, job_id: int, seconds: float | None = None, progress: Progress | None = None) -> bool:
    """Run an import job from where it stands, batch by batch. Returns True when rows are left because
    the time budget (`seconds`, none by default) ran out: the caller runs it again to continue.

    Safe to call twice, at once or one after the other: a finished or missing job is left alone, a queued
    one is claimed once, and each batch is written by one run only. An unexpected error fails the job
    with a message (the batches before it stay written; importing the file again finishes it).
    """
    job = ImportJob.objects.select_related("created_by").filter(pk=job_id).first()
    if job is None or job.status in _FINISHED:
        return False
    try:
        importer = importer_get(job.kind)
    except DomainError:
        _fail(job.pk, _("There is no import of the kind %(kind)s.") % {"kind": job.kind})
        return False
    job, layout = _start(job, importer)
    if job is None or layout is None:
        return False
    began = time.monotonic()
    seen: dict[str, int] = {}
    start = 0
    batches_written = 0  # by this run: at least one, so a run always moves the job on
    try:
        with job.file.open("rb") as binary:
            for batch in _batches(iter_rows(binary, layout), settings.IMPORT_BATCH_SIZE):
                for raw in batch:
                    if raw.row.external_id:
                        seen.setdefault(raw.row.external_id, raw.row.number)
                if start < job.processed_rows:  # written by an earlier run of this job
                    start += len(batch)
                    continue
                if seconds is not None and batches_written and time.monotonic() - began >= seconds:
                    return True
                written = _write_batch(job.pk, start, batch, importer, seen, job.created_by)
                if written is None:
                    return False
                job, start = written, start + len(batch)
                batches_written += 1
                if progress is not None:
                    progress(job)
    except ImportFileError as error:  # the stored file changed since it was checked
        _fail(job.pk, error.message)
        return False
    except Exception:
        logger.exception("Import %s stopped at row %s", job.pk, start)
        _fail(job.pk, _("The import stopped after an unexpected error, with %(done)d of %(total)d rows done; "
                        "those are saved. Run it again to finish: rows already imported come out unchanged.")
              % {"done": start, "total": job.total_rows})
        return False
    ImportJob.objects.filter(pk=job.pk, status=ImportJob.Status.RUNNING).update(
        status=ImportJob.Status.DONE, finished_at=timezone.now())
    if progress is not None:
        job.refresh_from_db()
        progress(job)
    return False

"""The CSV import runner: whole-file checks, row-by-row outcomes, batches, re-runs, the task and the
command. The customers importer stands in for any kind; each kind has tests of its own in its app."""

from __future__ import annotations

import csv
import io
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from cxhub.exceptions import DomainError, ForbiddenError
from cxhub.imports import Column, Importer, RowOutcome, register_importer, registry
from cxhub.imports.reader import ImportFileError
from cxhub.imports.selectors import REPORT_HEAD, report_columns, report_rows
from cxhub.imports.services import import_job_create, import_job_run
from cxhub.imports.tasks import run_import as run_import_task
from cxhub.models import ImportJob
from feedback.choices import SurveyKind
from journeys.importers import write_customers
from journeys.models import Customer
from tests.cxhub.import_helpers import counts, create_job, csv_bytes, rejections, run_import, upload
from tests.feedback.factories import make_survey
from tests.journeys.factories import TouchpointFactory

pytestmark = pytest.mark.django_db

HEADER = ["external_id", "name", "email", "segment", "language"]


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")


def customers_file(*rows: list[str], **kwargs) -> bytes:
    return csv_bytes(HEADER, *rows, **kwargs)


# --- Rows -------------------------------------------------------------------------------------------


def test_it_imports_each_row_and_counts_the_outcomes(manager):
    job = run_import("customers", customers_file(
        ["C-1", "Νίκος Παπαδόπουλος", "nikos@example.com", "retail", "el"],
        ["C-2", "Nguyễn Thị Lan", "lan@example.com", "", "vi"],
        ["C-3", "مریم احمدی", "", "fleet", "fa"],
    ), user=manager)

    assert job.status == ImportJob.Status.DONE and job.error == ""
    assert (job.total_rows, job.processed_rows) == (3, 3)
    assert counts(job) == {"created": 3, "updated": 0, "unchanged": 0, "rejected": 0}
    assert job.started_at is not None and job.finished_at is not None
    assert dict(Customer.objects.values_list("external_id", "name")) == {
        "C-1": "Νίκος Παπαδόπουλος", "C-2": "Nguyễn Thị Lan", "C-3": "مریم احمدی"}


def test_importing_the_same_file_again_creates_nothing():
    content = customers_file(["C-1", "Ana", "ana@example.com", "", ""], ["C-2", "Bo", "", "", ""])
    run_import("customers", content)

    again = run_import("customers", content)

    assert counts(again) == {"created": 0, "updated": 0, "unchanged": 2, "rejected": 0}
    assert Customer.objects.count() == 2


def test_a_row_that_changes_a_customer_is_counted_as_updated():
    run_import("customers", customers_file(["C-1", "Ana", "ana@example.com", "", ""], ["C-2", "Bo", "", "", ""]))

    job = run_import("customers", customers_file(["C-1", "Ana", "ana@new.example.com", "", ""],
                                                 ["C-2", "Bo", "", "", ""]))

    assert counts(job) == {"created": 0, "updated": 1, "unchanged": 1, "rejected": 0}
    assert Customer.objects.get(external_id="C-1").email == "ana@new.example.com"


def test_a_bad_row_is_rejected_with_its_reasons_and_the_others_are_written():
    job = run_import("customers", customers_file(
        ["C-1", "Ana", "ana@example.com", "", ""],
        ["C-2", "Bo", "not-an-address", "", ""],
        ["C-3", "", "", "", ""],
        ["", "Nobody", "", "", ""],
        ["C-4", "Dee", "", "", "klingon"],
        ["C-5", "Eve", "", "", ""],
    ))

    assert counts(job) == {"created": 2, "updated": 0, "unchanged": 0, "rejected": 4}
    assert rejections(job) == {
        3: {"email": ["Enter a valid email address."]},
        4: {"name": ["This value is required."]},
        5: {"external_id": ["This value is required."]},
        6: {"language": ['"klingon" is not a valid choice.']},
    }
    assert set(Customer.objects.values_list("external_id", flat=True)) == {"C-1", "C-5"}


def test_a_rejection_keeps_the_row_as_it_was_in_the_file():
    job = run_import("customers", customers_file(["C-9", "Θεοδώρα", "theodora@", "premium", "el"]))

    rejection = job.rejections.get()
    assert rejection.external_id == "C-9"
    assert rejection.raw == {"external_id": "C-9", "name": "Θεοδώρα", "email": "theodora@", "segment": "premium",
                             "language": "el"}


def test_a_repeated_external_id_is_rejected_on_its_later_row():
    job = run_import("customers", customers_file(["C-1", "First", "", "", ""], ["C-2", "Other", "", "", ""],
                                                 ["C-1", "Second", "", "", ""]))

    assert counts(job)["rejected"] == 1
    assert rejections(job) == {
        4: {"external_id": ["This external_id is on line 2 already; only the first row with it is imported."]}}
    assert Customer.objects.get(external_id="C-1").name == "First"


def test_row_numbers_are_lines_in_the_file_with_quoted_line_breaks_and_blank_lines():
    content = (b"external_id,name,email\r\n"
               b"C-1,\"Ana\r\nof two lines\",ana@example.com\r\n"
               b"\r\n"
               b",,\r\n"
               b"C-2,Bo,bad-address\r\n")

    job = run_import("customers", content)

    assert job.total_rows == 2
    assert rejections(job) == {6: {"email": ["Enter a valid email address."]}}
    assert Customer.objects.get(external_id="C-1").name == "Ana\r\nof two lines"


def test_a_row_with_more_values_than_the_header_is_rejected():
    content = b"external_id,name\nC-1,Ana,surplus\nC-2,Bo\nC-3\n"

    job = run_import("customers", content)

    assert rejections(job) == {
        2: {"non_field_errors": ["This row has 1 value more than the header has columns."]},
        4: {"name": ["This value is required."]},
    }
    assert list(Customer.objects.values_list("external_id", flat=True)) == ["C-2"]


# --- The file as a whole ----------------------------------------------------------------------------


def test_a_byte_order_mark_crlf_and_semicolons_are_read():
    content = customers_file(["C-1", "Ana", "ana@example.com", "", "el"], bom=True, newline="\r\n", delimiter=";")

    job = run_import("customers", content)

    assert counts(job)["created"] == 1 and Customer.objects.get(external_id="C-1").language == "el"


def test_header_names_are_read_whatever_their_case_and_spacing():
    job = run_import("customers", b" External ID ; Name \nC-1;Ana\n")

    assert counts(job)["created"] == 1


@pytest.mark.parametrize(("content", "message"), [
    (b"", "The file is empty."),
    (b"\n\n", "Line 1 is empty: it must name the columns."),
    ("external_id,name\nC-1,Caf\xe9\n".encode("latin-1"),
     "The file is not UTF-8 text (the first problem is on line 2)."),
    ("external_id,name\nC-1,Ανδρέας\n".encode("utf-16"), "The file is not UTF-8 text"),
    (b"name,email\nAna,ana@example.com\n", "The file has no external_id column, which is required."),
    (b"external_id\nC-1\n", "The file has no name column, which is required."),
    (b"external_id,name,phone\nC-1,Ana,555\n", "Unknown column phone."),
    (b"external_id,name,name\nC-1,Ana,Bo\n", "The header names a column more than once: name."),
    (b"external_id,name\n", "The file has a header but no rows to import."),
    (b"external_id,name\nC-1,\"Ana\0\"\n", "Line 2 contains a NUL character: this is not a text file."),
    (b"external_id,name\nC-1,Ana\nC-2,\"" + b"x" * 200_000 + b"\"\n", "Line 3 cannot be read as CSV (field larger"),
])
def test_a_file_that_is_not_right_as_a_whole_is_refused_before_anything_is_stored(content, message):
    with pytest.raises(ImportFileError) as refused:
        create_job("customers", content)

    assert message in refused.value.message and refused.value.field == "file"
    assert not ImportJob.objects.exists() and not Customer.objects.exists()


def test_a_file_over_the_size_limit_is_refused(settings):
    settings.IMPORT_MAX_BYTES = 1024 * 1024
    content = customers_file(*[[f"C-{n}", "A name long enough to fill the file up quickly", "", "", ""]
                               for n in range(30000)])

    too_big = r"The file is \d+\.\d\xa0MB; files of at most 1\.0\xa0MB can be imported"
    with pytest.raises(ImportFileError, match=too_big):
        create_job("customers", content)


def test_a_stored_file_that_is_no_longer_right_fails_the_job_with_the_reason():
    job = create_job("customers", customers_file(["C-1", "Ana", "", "", ""]))
    with job.file.open("wb") as stored:
        stored.write("external_id,name\nC-1,Caf\xe9\n".encode("latin-1"))

    import_job_run(job_id=job.pk)

    job.refresh_from_db()
    assert job.status == ImportJob.Status.FAILED
    assert job.error.startswith("The file is not UTF-8 text (the first problem is on line 2).")
    assert job.processed_rows == 0 and not Customer.objects.exists()


def test_an_unknown_kind_is_refused():
    with pytest.raises(DomainError, match=r"There is no import of that kind\.") as refused:
        create_job("invoices", b"external_id\nX\n")
    assert refused.value.field == "kind"


def test_a_person_without_the_kind_s_permission_may_not_import_it(agent):
    with pytest.raises(ForbiddenError, match="You may not import"):
        create_job("customers", customers_file(["C-1", "Ana", "", "", ""]), user=agent)
    assert not ImportJob.objects.exists()


# --- Batches, re-runs and failures -----------------------------------------------------------------


def test_rows_are_written_in_batches_and_progress_is_reported_after_each(settings):
    settings.IMPORT_BATCH_SIZE = 2
    job = create_job("customers", customers_file(*[[f"C-{n}", f"Name {n}", "", "", ""] for n in range(5)]))
    seen = []

    import_job_run(job_id=job.pk, progress=lambda j: seen.append((j.status, j.processed_rows, j.created_count)))

    assert seen == [("running", 2, 2), ("running", 4, 4), ("running", 5, 5), ("done", 5, 5)]


def test_a_run_out_of_time_continues_where_it_stopped_without_duplicates(settings):
    settings.IMPORT_BATCH_SIZE = 2
    job = create_job("customers", customers_file(*[[f"C-{n}", f"Name {n}", "", "", ""] for n in range(5)],
                                                 ["C-0", "Again", "", "", ""]))

    left = [import_job_run(job_id=job.pk, seconds=0) for _ in range(3)]

    job.refresh_from_db()
    assert left == [True, True, False]
    assert job.status == ImportJob.Status.DONE and job.processed_rows == 6
    assert counts(job) == {"created": 5, "updated": 0, "unchanged": 0, "rejected": 1}
    # the duplicate is found across runs: the first C-0 was written by the first run
    assert rejections(job)[7]["external_id"][0].startswith("This external_id is on line 2 already")
    assert Customer.objects.count() == 5


def test_two_runs_of_one_job_never_write_a_batch_twice(settings):
    # given: a second run starts while the first is between batches (a redelivered task)
    settings.IMPORT_BATCH_SIZE = 2
    job = create_job("customers", customers_file(*[[f"C-{n}", f"Name {n}", "", "", ""] for n in range(6)]))
    nested = []

    def second_run(current: ImportJob) -> None:
        if not nested:
            nested.append(import_job_run(job_id=current.pk))

    # when
    import_job_run(job_id=job.pk, progress=second_run)

    # then: the second run finished the job; the first stopped instead of writing its next batch again
    job.refresh_from_db()
    assert job.status == ImportJob.Status.DONE
    assert job.processed_rows == 6 and counts(job)["created"] == 6
    assert Customer.objects.count() == 6


def test_a_finished_job_is_not_run_again():
    job = run_import("customers", customers_file(["C-1", "Ana", "", "", ""]))
    Customer.objects.all().delete()

    assert import_job_run(job_id=job.pk) is False

    job.refresh_from_db()
    assert job.processed_rows == 1 and not Customer.objects.exists()


def test_a_missing_job_is_nothing_to_do():
    assert import_job_run(job_id=987654) is False


@pytest.fixture
def failing_kind():
    """A kind that writes customers like the real importer but breaks on the row whose id is BOOM."""

    def write(rows, *, actor):
        outcomes = write_customers(rows, actor=actor)
        if any(row.external_id == "BOOM" for row in rows):
            raise RuntimeError("the database went away")
        return outcomes

    importer = Importer(kind="test-failing", label="Failing", description="", permission="auth.add_user",
                        columns=(Column("external_id", "", required=True), Column("name", "", required=True)),
                        write_batch=write)
    register_importer(importer.kind, importer)
    yield importer.kind
    registry._importers.pop(importer.kind)


def test_an_unexpected_error_fails_the_job_and_keeps_the_batches_before_it(settings, failing_kind):
    settings.IMPORT_BATCH_SIZE = 2
    job = create_job(failing_kind, b"external_id,name\nC-1,Ana\nC-2,Bo\nC-3,Cy\nBOOM,Dee\nC-5,Eve\n")

    import_job_run(job_id=job.pk)

    job.refresh_from_db()
    assert job.status == ImportJob.Status.FAILED
    assert job.error.startswith("The import stopped after an unexpected error, with 2 of 5 rows done")
    # the failing batch is not half-written: C-3 went with it
    assert set(Customer.objects.values_list("external_id", flat=True)) == {"C-1", "C-2"}
    assert (job.processed_rows, job.created_count) == (2, 2)


def test_an_importer_answers_one_outcome_per_row():
    outcome = RowOutcome.rejected({"email": ["Enter a valid email address."], "": "Whole row", "nested": {"a": ["x"]}})

    assert outcome.errors == {"email": ["Enter a valid email address."], "non_field_errors": ["Whole row"],
                              "nested": ["x"]}
    with pytest.raises(ValueError):
        RowOutcome("exploded")


def test_the_queries_of_a_batch_do_not_grow_with_its_rows(settings):
    settings.IMPORT_BATCH_SIZE = 1000

    def queries_for(n: int, prefix: str) -> int:
        job = create_job("customers", customers_file(*[[f"{prefix}-{i}", f"Name {i}", f"p{i}@example.com", "", ""]
                                                       for i in range(n)]))
        with CaptureQueriesContext(connection) as captured:
            import_job_run(job_id=job.pk)
        return len(captured)

    assert queries_for(200, "B") <= queries_for(10, "A") + 2


# --- Rejects report ----------------------------------------------------------------------------------


def test_the_rejects_report_has_a_line_per_message_and_the_row_as_it_was():
    content = csv_bytes(["name", "external_id", "email", "language"],
                        ["Ana", "C-1", "ana@example.com", ""],
                        ["=cmd()", "C-2", "nope", "xx"])
    job = run_import("customers", content)

    columns = report_columns(job)
    lines = [[str(cell) for cell in line] for line in report_rows(job, columns)]

    assert columns == ["name", "external_id", "email", "language"]
    assert [*REPORT_HEAD, *columns] == ["row", "external_id", "field", "message", "name", "external_id", "email",
                                        "language"]
    assert lines == [
        ["3", "C-2", "email", "Enter a valid email address.", "=cmd()", "C-2", "nope", "xx"],
        ["3", "C-2", "language", '"xx" is not a valid choice.', "=cmd()", "C-2", "nope", "xx"],
    ]


# --- The task ------------------------------------------------------------------------------------------


def test_the_task_runs_the_job_and_queues_itself_until_it_is_done(settings):
    settings.IMPORT_BATCH_SIZE = 1
    settings.IMPORT_TASK_SECONDS = 0  # one batch per task run: each run queues the next
    job = create_job("customers", customers_file(*[[f"C-{n}", f"Name {n}", "", "", ""] for n in range(3)]))

    run_import_task.delay(job.pk)

    job.refresh_from_db()
    assert job.status == ImportJob.Status.DONE and counts(job)["created"] == 3


def test_an_upload_is_queued_after_commit_and_runs_at_once_when_celery_is_eager(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        job = import_job_create(kind="customers", upload=upload(customers_file(["C-1", "Ana", "", "", ""])),
                                user=None)

    job.refresh_from_db()
    assert len(callbacks) == 1
    assert job.status == ImportJob.Status.DONE and Customer.objects.filter(external_id="C-1").exists()


# --- The command ---------------------------------------------------------------------------------------


def test_the_command_imports_a_file_and_says_where_the_rejected_rows_are(tmp_path, settings):
    settings.SITE_URL = "https://cx.example.com"
    path = tmp_path / "customers.csv"
    path.write_bytes(customers_file(["C-1", "Ana", "ana@example.com", "", ""], ["C-2", "Bo", "nope", "", ""]))
    report = tmp_path / "rejected.csv"
    out = StringIO()

    call_command("import_csv", "customers", str(path), "--report", str(report), stdout=out)

    job = ImportJob.objects.get()
    lines = out.getvalue().splitlines()
    assert lines[0] == f"Importing 2 rows of customers from customers.csv (import {job.pk}) ..."
    assert "  2/2 rows (100%): 1 created, 0 updated, 0 unchanged, 1 rejected" in lines
    assert "Done: 1 created, 0 updated, 0 unchanged, 1 rejected of 2 rows." in lines
    assert f"Rejected rows and the reasons: https://cx.example.com/imports/{job.pk}/rejected-rows.csv" in lines
    written = list(csv.reader(io.StringIO(report.read_text(encoding="utf-8-sig"))))
    assert written == [["row", "external_id", "field", "message", *HEADER],
                       ["3", "C-2", "email", "Enter a valid email address.", "C-2", "Bo", "nope", "", ""]]


def test_the_command_refuses_a_file_that_is_not_right(tmp_path):
    path = tmp_path / "customers.csv"
    path.write_bytes(b"name\nAna\n")

    with pytest.raises(CommandError, match=r"customers\.csv: The file has no external_id column"):
        call_command("import_csv", "customers", str(path), stdout=StringIO())


def test_the_command_refuses_a_missing_file_and_an_unknown_user(tmp_path):
    with pytest.raises(CommandError, match="No file at"):
        call_command("import_csv", "customers", str(tmp_path / "nope.csv"), stdout=StringIO())
    path = tmp_path / "customers.csv"
    path.write_bytes(customers_file(["C-1", "Ana", "", "", ""]))
    with pytest.raises(CommandError, match="No user 'zed'"):
        call_command("import_csv", "customers", str(path), "--user", "zed", stdout=StringIO())


# --- The guide's examples ------------------------------------------------------------------------------


def test_the_examples_in_the_guide_import_in_order_without_a_rejection(settings, team, other_team):
    guide = (Path(settings.BASE_DIR) / "docs" / "import.md").read_text(encoding="utf-8")
    examples = [block.split("```")[0].encode() for block in guide.split("```csv\n")[1:]]
    delivery = TouchpointFactory(name="Delivery", owner_team=team)
    make_survey(kind=SurveyKind.NPS, touchpoint=delivery, name="NPS after delivery")
    make_survey(kind=SurveyKind.CSAT, touchpoint=delivery, name="CSAT support")

    jobs = [run_import(kind, example) for kind, example in zip(("customers", "tickets", "responses"), examples,
                                                               strict=True)]

    assert [counts(job) for job in jobs] == [
        {"created": 3, "updated": 0, "unchanged": 0, "rejected": 0},
        {"created": 2, "updated": 0, "unchanged": 0, "rejected": 0},
        {"created": 2, "updated": 0, "unchanged": 0, "rejected": 0},
    ]

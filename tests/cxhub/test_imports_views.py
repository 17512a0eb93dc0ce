"""The import pages: who may see and use them, the upload, the progress endpoint and the downloads."""

from __future__ import annotations

import csv
import io
import re

import pytest
from django.urls import reverse

from cxhub.models import ImportJob
from journeys.models import Customer
from tests.cxhub.import_helpers import create_job, csv_bytes, run_import, upload

pytestmark = pytest.mark.django_db

HEADER = ["external_id", "name", "email"]


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")


@pytest.fixture
def job(manager):
    return run_import("customers", csv_bytes(HEADER, ["C-1", "Ana", "ana@example.com"], ["C-2", "Bo", "nope"]),
                      user=manager, name="crm-export.csv")


def _body(response) -> str:
    return b"".join(response.streaming_content).decode("utf-8") if response.streaming else response.content.decode()


def _pages(job_pk: int) -> list[str]:
    return [
        reverse("imports:list"), reverse("imports:create"), reverse("imports:template", args=["customers"]),
        reverse("imports:detail", args=[job_pk]), reverse("imports:progress", args=[job_pk]),
        reverse("imports:rejects", args=[job_pk]),
    ]


# --- Who may ------------------------------------------------------------------------------------------


def test_anonymous_visitors_are_sent_to_log_in(client, job):
    for url in [*_pages(job.pk), reverse("imports:rerun", args=[job.pk])]:
        response = client.get(url) if not url.endswith("run-again/") else client.post(url)
        assert response.status_code == 302 and response.url.startswith(reverse("login")), url


def test_a_support_agent_may_not_see_or_use_imports(agent_client, job):
    for url in _pages(job.pk):
        assert agent_client.get(url).status_code == 403, url
    assert agent_client.post(reverse("imports:create"), {"kind": "customers", "file": upload(b"x")}).status_code == 403
    assert agent_client.post(reverse("imports:rerun", args=[job.pk])).status_code == 403
    assert ImportJob.objects.count() == 1


def test_a_manager_sees_imports_in_the_navigation_and_an_agent_does_not(manager_client, client, agent):
    assert reverse("imports:list") in manager_client.get(reverse("imports:list")).content.decode()
    client.force_login(agent)
    assert reverse("imports:list") not in client.get(reverse("tickets:list")).content.decode()


def test_an_unknown_job_is_a_404(manager_client):
    assert manager_client.get(reverse("imports:detail", args=[123456])).status_code == 404
    assert manager_client.get("/imports/99999999999999999999/").status_code == 404


# --- The list -----------------------------------------------------------------------------------------


def test_the_list_says_so_when_there_are_no_imports(manager_client):
    page = manager_client.get(reverse("imports:list")).content.decode()

    assert "No imports yet" in page and reverse("imports:create") in page


def test_the_list_shows_each_job_with_its_counts_in_a_bounded_number_of_queries(
        manager_client, manager, django_assert_max_num_queries):
    for n in range(30):
        create_job("customers", csv_bytes(HEADER, [f"C-{n}", "Ana", ""]), user=manager, name=f"file-{n}.csv")

    with django_assert_max_num_queries(12):
        response = manager_client.get(reverse("imports:list"))

    page = response.content.decode()
    assert page.count('href="/imports/') >= 25 and "file-29.csv" in page and "file-4.csv" not in page
    assert "Page 1 of 2" in page
    assert "file-4.csv" in manager_client.get(reverse("imports:list") + "?page=2").content.decode()


def test_the_list_filters_by_status(manager_client, job, manager):
    create_job("customers", csv_bytes(HEADER, ["C-9", "Queued one", ""]), user=manager, name="waiting.csv")

    page = manager_client.get(reverse("imports:list") + "?status=queued").content.decode()

    assert "waiting.csv" in page and "crm-export.csv" not in page
    assert "No imports match" in manager_client.get(reverse("imports:list") + "?status=failed").content.decode()


# --- Uploading ----------------------------------------------------------------------------------------


def test_the_upload_page_describes_every_kind_with_a_template(manager_client):
    page = manager_client.get(reverse("imports:create")).content.decode()

    for kind in ("customers", "tickets", "responses"):
        assert reverse("imports:template", args=[kind]) in page
    assert "customer_external_id" in page and "resolved_at" in page and "answered_at" in page
    assert not re.search(r"<script(?![^>]*\bsrc=)", page)  # no inline script


@pytest.mark.django_db(transaction=True)  # the run is queued on commit, as outside tests
def test_uploading_a_file_imports_it_at_once_when_celery_is_eager(manager_client):
    content = csv_bytes(HEADER, ["C-1", "Νίκος", "nikos@example.com"], ["C-2", "Bo", "nope"])

    response = manager_client.post(reverse("imports:create"),
                                   {"kind": "customers", "file": upload(content, "κατάλογος.csv")}, follow=True)

    job = ImportJob.objects.get()
    assert response.redirect_chain[-1][0] == reverse("imports:detail", args=[job.pk])
    assert job.status == ImportJob.Status.DONE and job.original_name == "κατάλογος.csv"
    page = response.content.decode()
    assert "Imported κατάλογος.csv: 1 created, 0 updated, 0 unchanged, 1 rejected." in page
    assert Customer.objects.get(external_id="C-1").name == "Νίκος"


@pytest.mark.parametrize(("content", "message"), [
    ("external_id,name\nC-1,Caf\xe9\n".encode("latin-1"), "The file is not UTF-8 text"),
    (b"name\nAna\n", "The file has no external_id column, which is required."),
    (b"", "The submitted file is empty."),
])
def test_a_file_that_is_not_right_is_a_form_error_and_nothing_is_stored(manager_client, content, message):
    response = manager_client.post(reverse("imports:create"), {"kind": "customers", "file": upload(content)})

    assert response.status_code == 200
    assert message in response.content.decode()
    assert not ImportJob.objects.exists()


def test_a_file_over_the_limit_is_a_form_error(manager_client, settings):
    settings.IMPORT_MAX_BYTES = 100

    response = manager_client.post(reverse("imports:create"), {
        "kind": "customers", "file": upload(csv_bytes(HEADER, *[[f"C-{n}", "Ana", ""] for n in range(20)]))})

    assert response.status_code == 200
    assert "files of at most 100\xa0bytes can be imported" in response.content.decode()
    assert not ImportJob.objects.exists()


def test_a_missing_file_or_an_unknown_kind_is_a_form_error(manager_client):
    missing = manager_client.post(reverse("imports:create"), {"kind": "customers"})
    unknown = manager_client.post(reverse("imports:create"), {"kind": "invoices", "file": upload(b"external_id\n")})

    assert missing.status_code == 200 and "This field is required." in missing.content.decode()
    assert unknown.status_code == 200 and "Select a valid choice." in unknown.content.decode()
    assert not ImportJob.objects.exists()


# --- The job's page, its progress and its downloads ----------------------------------------------------


def test_the_job_page_shows_the_counts_and_the_first_rejections(manager_client, job):
    page = manager_client.get(reverse("imports:detail", args=[job.pk])).content.decode()

    assert "crm-export.csv" in page and "Enter a valid email address." in page
    assert reverse("imports:rejects", args=[job.pk]) in page
    assert f'data-import-progress="{reverse("imports:progress", args=[job.pk])}"' in page
    assert "js/import_progress.js" in page and not re.search(r"<script(?![^>]*\bsrc=)", page)


def test_the_progress_endpoint_answers_the_figures_as_json(manager_client, manager):
    job = create_job("customers", csv_bytes(HEADER, ["C-1", "Ana", ""], ["C-2", "Bo", ""]), user=manager)

    waiting = manager_client.get(reverse("imports:progress", args=[job.pk])).json()
    job.refresh_from_db()
    from cxhub.imports.services import import_job_run

    import_job_run(job_id=job.pk)
    done = manager_client.get(reverse("imports:progress", args=[job.pk])).json()

    assert waiting == {"id": job.pk, "status": "queued", "status_label": "Queued", "finished": False, "total_rows": 2,
                       "processed_rows": 0, "percent": 0, "created": 0, "updated": 0, "unchanged": 0,
                       "rejected": 0, "error": ""}
    assert done["status"] == "done" and done["finished"] and done["percent"] == 100 and done["created"] == 2


def test_the_rejected_rows_download_as_csv_with_the_reasons_and_the_original_columns(manager_client, job):
    response = manager_client.get(reverse("imports:rejects", args=[job.pk]))

    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert f"import-{job.pk}-rejected-rows.csv" in response["Content-Disposition"]
    body = _body(response)
    assert body.startswith("\ufeff")
    assert list(csv.reader(io.StringIO(body.lstrip("\ufeff")))) == [
        ["row", "external_id", "field", "message", "external_id", "name", "email"],
        ["3", "C-2", "email", "Enter a valid email address.", "C-2", "Bo", "nope"],
    ]


def test_each_kind_has_a_template_that_imports_as_it_is(manager_client):
    response = manager_client.get(reverse("imports:template", args=["customers"]))

    content = _body(response).encode("utf-8")
    assert next(csv.reader(io.StringIO(content.decode("utf-8-sig")))) == [
        "external_id", "name", "email", "segment", "language"]
    job = run_import("customers", content)
    assert job.created_count == 1 and Customer.objects.get().name == "Νίκος Παπαδόπουλος"
    assert manager_client.get(reverse("imports:template", args=["invoices"])).status_code == 404


def test_a_file_can_be_imported_again_from_its_page(manager_client, job, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = manager_client.post(reverse("imports:rerun", args=[job.pk]), follow=True)

    again = ImportJob.objects.exclude(pk=job.pk).get()
    assert response.redirect_chain[-1][0] == reverse("imports:detail", args=[again.pk])
    assert (again.created_count, again.unchanged_count, again.rejected_count) == (0, 1, 1)
    assert Customer.objects.count() == 1

"""/imports/: CX managers upload CSV files of customers, historical tickets and survey responses, watch
them run and download what was rejected (docs/import.md)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from cxhub.csv_export import csv_stream
from cxhub.exceptions import DomainError
from cxhub.forms import run_service
from cxhub.imports import selectors
from cxhub.imports.forms import ImportForm
from cxhub.imports.registry import importer_get, importer_list, importers_for
from cxhub.imports.services import import_job_create, import_job_rerun
from cxhub.models import ImportJob

PAGE_SIZE = 25
VIEW = "cxhub.view_importjob"
ADD = "cxhub.add_importjob"


def _job(pk: int) -> ImportJob:
    return get_object_or_404(ImportJob.objects.select_related("created_by"), pk=pk)


def _csv(filename: str, header: list[str], rows) -> StreamingHttpResponse:
    response = StreamingHttpResponse(csv_stream(header, rows), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@login_required
@permission_required(VIEW, raise_exception=True)
def job_list(request: HttpRequest) -> HttpResponse:
    kinds = {importer.kind: importer.label for importer in importer_list()}
    kind = request.GET.get("kind", "")
    status = request.GET.get("status", "")
    kind = kind if kind in kinds else ""
    status = status if status in ImportJob.Status.values else ""
    page = Paginator(selectors.job_list(kind=kind, status=status), PAGE_SIZE).get_page(request.GET.get("page"))
    for job in page.object_list:
        job.kind_label = kinds.get(job.kind, job.kind)
        job.status_label = selectors.STATUS_LABELS.get(job.status, job.status)
    return render(request, "cxhub/imports/list.html", {
        "page_obj": page, "jobs": page.object_list, "kind": kind, "status": status, "kinds": kinds,
        "statuses": selectors.STATUS_LABELS, "can_import": bool(importers_for(request.user)),
    })


@login_required
@permission_required(ADD, raise_exception=True)
def job_create(request: HttpRequest) -> HttpResponse:
    importers = importers_for(request.user)
    if not importers:
        raise PermissionDenied
    form = ImportForm(request.POST or None, request.FILES or None, user=request.user,
                      initial={"kind": request.GET.get("kind", "")})
    if request.method == "POST" and form.is_valid():
        job = run_service(form, lambda: import_job_create(kind=form.cleaned_data["kind"],
                                                          upload=form.cleaned_data["file"], user=request.user))
        if job is not None:
            job.refresh_from_db()
            _announce(request, job)
            return redirect("imports:detail", job.pk)
    return render(request, "cxhub/imports/new.html", {"form": form, "importers": importers})


def _announce(request: HttpRequest, job: ImportJob) -> None:
    if job.status == ImportJob.Status.DONE:
        messages.success(request, _(
            "Imported %(name)s: %(created)d created, %(updated)d updated, %(unchanged)d unchanged, "
            "%(rejected)d rejected.") % {"name": job.original_name, "created": job.created_count,
                                         "updated": job.updated_count, "unchanged": job.unchanged_count,
                                         "rejected": job.rejected_count})
    elif job.status == ImportJob.Status.FAILED:
        messages.error(request, _("The import of %(name)s failed: %(error)s")
                       % {"name": job.original_name, "error": job.error})
    else:
        messages.success(request, _("%(name)s is uploaded: %(total)d rows are being imported. This page "
                                    "follows the progress.") % {"name": job.original_name, "total": job.total_rows})


@login_required
@permission_required(VIEW, raise_exception=True)
def job_detail(request: HttpRequest, pk: int) -> HttpResponse:
    job = _job(pk)
    try:
        importer = importer_get(job.kind)
    except DomainError:
        importer = None
    return render(request, "cxhub/imports/detail.html", {
        "job": job, "importer": importer, "progress": selectors.job_progress(job),
        "rejections": selectors.first_rejections(job), "first_count": selectors.FIRST_REJECTIONS,
        "can_rerun": importer is not None and importer.may_run(request.user),
    })


@login_required
@permission_required(VIEW, raise_exception=True)
def job_progress(request: HttpRequest, pk: int) -> JsonResponse:
    return JsonResponse(selectors.job_progress(_job(pk)))


@login_required
@permission_required(VIEW, raise_exception=True)
def job_rejects(request: HttpRequest, pk: int) -> StreamingHttpResponse:
    job = _job(pk)
    columns = selectors.report_columns(job)
    return _csv(f"import-{job.pk}-rejected-rows.csv", [*selectors.REPORT_HEAD, *columns],
                selectors.report_rows(job, columns))


@login_required
@permission_required(ADD, raise_exception=True)
@require_POST
def job_rerun(request: HttpRequest, pk: int) -> HttpResponse:
    job = _job(pk)
    try:
        again = import_job_rerun(job=job, user=request.user)
    except DomainError as error:
        messages.error(request, error.message)
        return redirect("imports:detail", job.pk)
    again.refresh_from_db()
    _announce(request, again)
    return redirect("imports:detail", again.pk)


@login_required
@permission_required(ADD, raise_exception=True)
def kind_template(request: HttpRequest, kind: str) -> StreamingHttpResponse:
    try:
        importer = importer_get(kind)
    except DomainError:
        raise Http404 from None
    return _csv(f"{importer.kind}-template.csv", importer.column_names, [importer.example_row])

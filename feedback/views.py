"""Survey answers: the list, and recording an answer given outside a survey link."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from cxhub.forms import run_service
from feedback import selectors, services
from feedback.forms import ResponseFilterForm, ResponseForm

PAGE_SIZE = 25


@login_required
@permission_required("feedback.view_response", raise_exception=True)
def response_list(request: HttpRequest) -> HttpResponse:
    form = ResponseFilterForm(request.GET)
    form.is_valid()
    kind = form.cleaned_data.get("kind") or ""
    page = Paginator(selectors.response_list(kind=kind), PAGE_SIZE)
    return render(request, "feedback/response_list.html", {
        "form": form, "kind": kind, "page_obj": page.get_page(request.GET.get("page")),
    })


@login_required
@permission_required("feedback.add_response", raise_exception=True)
def response_create(request: HttpRequest) -> HttpResponse:
    form = ResponseForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        response = run_service(form, lambda: services.response_submit(**form.cleaned_data))
        if response is not None:
            messages.success(request, f"Recorded a {response.survey.kind.upper()} answer of "
                                      f"{response.score} from {response.customer.name}.")
            return redirect("feedback:responses")
    return render(request, "feedback/response_form.html", {"form": form},
                  status=400 if form.errors else 200)

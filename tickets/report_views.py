"""Pages for service reports, the CSV export, and merging and linking tickets."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from cxhub.forms import flash_form_errors, run_service
from tickets import export, reports, services
from tickets.models import Ticket
from tickets.selectors import tickets_visible_to

# --- merge and link -----------------------------------------------------------------------------------


class MergeForm(forms.Form):
    into = forms.IntegerField(min_value=1, label=gettext_lazy("Merge this ticket into"), error_messages={
        "required": gettext_lazy("Enter the number of the ticket to keep."),
        "invalid": gettext_lazy("Enter the number of the ticket to keep."),
        "min_value": gettext_lazy("Enter the number of the ticket to keep."),
    })


class LinkForm(forms.Form):
    other = forms.IntegerField(min_value=1, label=gettext_lazy("Related ticket"), error_messages={
        "required": gettext_lazy("Enter the number of the related ticket."),
        "invalid": gettext_lazy("Enter the number of the related ticket."),
        "min_value": gettext_lazy("Enter the number of the related ticket."),
    })


def _ticket(request: HttpRequest, pk: int) -> Ticket:
    """A ticket the user may see; another team's is "not found", like a number that does not exist."""
    try:
        return tickets_visible_to(request.user).get(pk=pk)
    except Ticket.DoesNotExist:
        raise Http404("No such ticket.") from None


def _other(request: HttpRequest, form: forms.Form, field: str) -> Ticket | None:
    """The ticket the form names (one the user may see), or None with the reason put on the form."""
    if not form.is_valid():
        return None
    other = tickets_visible_to(request.user).filter(pk=form.cleaned_data[field]).first()
    if other is None:
        form.add_error(field, _("There is no ticket #%(number)s.") % {"number": form.cleaned_data[field]})
    return other


@login_required
@permission_required("tickets.change_ticket", raise_exception=True)
@require_POST
def ticket_merge(request: HttpRequest, pk: int) -> HttpResponse:
    """Merge this ticket (the duplicate) into the one whose number was entered."""
    duplicate = _ticket(request, pk)
    form = MergeForm(request.POST)
    into = _other(request, form, "into")
    if into is not None and run_service(form, lambda: services.ticket_merge(
            duplicate=duplicate, into=into, actor=request.user)):
        messages.success(request, _("Ticket #%(number)s was merged into this ticket.") % {"number": duplicate.pk})
        return redirect("tickets:detail", pk=into.pk)
    flash_form_errors(request, form)
    return redirect("tickets:detail", pk=pk)


@login_required
@permission_required("tickets.change_ticket", raise_exception=True)
@require_POST
def ticket_link(request: HttpRequest, pk: int) -> HttpResponse:
    ticket = _ticket(request, pk)
    form = LinkForm(request.POST)
    other = _other(request, form, "other")
    if other is not None and run_service(form, lambda: services.ticket_link(
            ticket=ticket, other=other, actor=request.user)):
        messages.success(request, _("Linked to ticket #%(number)s.") % {"number": other.pk})
    else:
        flash_form_errors(request, form)
    return redirect("tickets:detail", pk=pk)


@login_required
@permission_required("tickets.change_ticket", raise_exception=True)
@require_POST
def ticket_unlink(request: HttpRequest, pk: int) -> HttpResponse:
    ticket = _ticket(request, pk)
    form = LinkForm(request.POST)
    other = _other(request, form, "other")
    if other is None:
        flash_form_errors(request, form)
    elif services.ticket_unlink(ticket=ticket, other=other, actor=request.user):
        messages.success(request, _("No longer linked to ticket #%(number)s.") % {"number": other.pk})
    else:
        messages.info(request, _("Ticket #%(number)s was not linked to this ticket.") % {"number": other.pk})
    return redirect("tickets:detail", pk=pk)


# --- reports ------------------------------------------------------------------------------------------


@login_required
@permission_required("tickets.view_ticket", raise_exception=True)
@require_GET
def ticket_reports(request: HttpRequest) -> HttpResponse:
    form = reports.ReportForm(request.GET)
    params = form.params()
    report = reports.service_report(window=params.window, by=params.by,
                                    tickets=tickets_visible_to(request.user))
    return render(request, "tickets/reports.html", {
        "form": form, "params": params, "report": report, "windows": reports.WINDOWS,
        "groupings": reports.GROUPINGS,
    }, status=400 if form.errors else 200)


# --- export -------------------------------------------------------------------------------------------


@login_required
@permission_required("tickets.view_ticket", raise_exception=True)
@require_GET
def ticket_export(request: HttpRequest) -> HttpResponse:
    """The filtered ticket list as CSV. A filter value the list would drop (a team that does not
    exist ...) is refused here instead: a file with more tickets than asked for is worse than none."""
    filterset = export.export_filterset(request=request)
    if not filterset.is_valid():
        problems = "; ".join(f"{name}: {' '.join(errors)}" for name, errors in filterset.errors.items())
        return HttpResponse(_("Bad filter: %(problems)s") % {"problems": problems} + "\n", status=400,
                            content_type="text/plain; charset=utf-8")
    response = StreamingHttpResponse(export.csv_rows(filterset.qs), content_type="text/csv; charset=utf-8")
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    response["Content-Disposition"] = f'attachment; filename="tickets-{stamp}.csv"'
    return response

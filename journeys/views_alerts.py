"""Alert pages: the list, one alert, and the manager's acknowledge and resolve forms."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from cxhub.forms import run_service
from journeys import alerts
from journeys.filters_alerts import AlertFilterSet
from journeys.models import Alert, AlertStatus, Journey, Program

PAGE_SIZE = 25
ORDERINGS = [("", gettext_lazy("Newest first")), ("-severity", gettext_lazy("Worst first")),
             ("-last_seen_at", gettext_lazy("Last seen"))]


class AlertNoteForm(forms.Form):
    note = forms.CharField(
        label=gettext_lazy("Note"), widget=forms.Textarea(attrs={"rows": 3}),
        max_length=alerts.NOTE_MAX_LENGTH, strip=True,
        help_text=gettext_lazy("What is being done about it, or why it is resolved."),
    )

    def __init__(self, *args: object, action: str, **kwargs: object) -> None:
        kwargs.setdefault("prefix", action)
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]


@login_required
@permission_required("journeys.view_alert", raise_exception=True)
def alert_list(request: HttpRequest) -> HttpResponse:
    filterset = AlertFilterSet(data=request.GET, queryset=alerts.alert_queryset())
    filterset.is_valid()  # an invalid value is dropped on its own; the others still apply
    page = Paginator(filterset.qs, PAGE_SIZE).get_page(request.GET.get("page"))
    params = request.GET.copy()
    params.pop("page", None)
    return render(request, "journeys/alerts/list.html", {
        "filterset": filterset, "form": filterset.form, "page_obj": page,
        "filtered": any(v for k, v in params.items() if k != "ordering"),
        "programs": Program.objects.order_by("name"),
        "journeys": Journey.objects.select_related("program").order_by("program__name", "position", "id"),
        "statuses": filterset.filters["status"].extra["choices"],
        "orderings": ORDERINGS,
        "can_act": request.user.has_perm("journeys.change_alert"),
        "window_days": alerts.window_days(),
    })


def _alert(pk: int) -> Alert:
    try:
        return alerts.alert_get(pk=pk)
    except Alert.DoesNotExist:
        raise Http404("No such alert.") from None


def _detail(request: HttpRequest, alert: Alert, *, acknowledge: AlertNoteForm | None = None,
            resolve: AlertNoteForm | None = None) -> HttpResponse:
    can_act = request.user.has_perm("journeys.change_alert")
    allowed = alerts.allowed_actions(alert)
    bound = acknowledge is not None or resolve is not None
    return render(request, "journeys/alerts/detail.html", {
        "alert": alert,
        "can_act": can_act,
        "acknowledge_form": (acknowledge or AlertNoteForm(action="acknowledge"))
        if can_act and AlertStatus.ACKNOWLEDGED in allowed else None,
        "resolve_form": (resolve or AlertNoteForm(action="resolve"))
        if can_act and AlertStatus.RESOLVED in allowed else None,
        "note_lines": [line for line in alert.note.split("\n\n") if line.strip()],
    }, status=400 if bound else 200)


@login_required
@permission_required("journeys.view_alert", raise_exception=True)
def alert_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _detail(request, _alert(pk))


def _flash_failure(request: HttpRequest, form: AlertNoteForm, what: str) -> None:
    # A refused transition (someone else acted first) is a non-field error; a bad note stays on its field.
    problems = list(form.non_field_errors())
    messages.error(request, _("%(what)s: %(problems)s") % {"what": what, "problems": " ".join(problems)}
                   if problems else _("%(what)s: see the note below.") % {"what": what})


@login_required
@permission_required("journeys.change_alert", raise_exception=True)
@require_POST
def alert_acknowledge(request: HttpRequest, pk: int) -> HttpResponse:
    alert = _alert(pk)
    form = AlertNoteForm(request.POST, action="acknowledge")
    if form.is_valid() and run_service(form, lambda: alerts.alert_acknowledge(
            alert=alert, by=request.user, note=form.cleaned_data["note"])):
        messages.success(request, _("Alert acknowledged: it stays listed until it is resolved."))
        return redirect("journeys:alert_detail", pk=alert.pk)
    _flash_failure(request, form, _("The alert was not acknowledged"))
    return _detail(request, _alert(pk), acknowledge=form)


@login_required
@permission_required("journeys.change_alert", raise_exception=True)
@require_POST
def alert_resolve(request: HttpRequest, pk: int) -> HttpResponse:
    alert = _alert(pk)
    form = AlertNoteForm(request.POST, action="resolve")
    if form.is_valid() and run_service(form, lambda: alerts.alert_resolve(
            alert=alert, by=request.user, note=form.cleaned_data["note"])):
        messages.success(request, _("Alert resolved. If its rule fires again, a new alert opens."))
        return redirect("journeys:alert_detail", pk=alert.pk)
    _flash_failure(request, form, _("The alert was not resolved"))
    return _detail(request, _alert(pk), resolve=form)

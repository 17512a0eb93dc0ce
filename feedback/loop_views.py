"""The closed-loop page (loop figures, comment themes and sentiment per touchpoint) and theme tagging."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from cxhub.forms import run_service
from feedback import loop, themes
from feedback.models import Response, Theme
from journeys.selectors import WINDOWS, Window, parse_window


class ThemeTagForm(forms.Form):
    name = forms.CharField(max_length=themes.THEME_NAME_MAX, required=False, label=gettext_lazy("Theme"))
    remove = forms.ModelChoiceField(queryset=Theme.objects.all(), required=False)


@login_required
@permission_required("feedback.view_response", raise_exception=True)
def loop_overview(request: HttpRequest) -> HttpResponse:
    days = parse_window(request.GET.get("window"))
    window = Window.last(days)
    return render(request, "feedback/loop.html", {
        "window": window, "windows": WINDOWS, "days": days,
        "by_touchpoint": loop.loop_measures(window=window, by=loop.BY_TOUCHPOINT),
        "by_journey": loop.loop_measures(window=window, by=loop.BY_JOURNEY),
        "comments": themes.comment_counts(window=window),
        "open_loops": loop.loop_open_tickets()[:50],
    })


def _back(request: HttpRequest) -> str:
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()},
                                                  require_https=request.is_secure()):
        return target
    return reverse("feedback:responses")


@login_required
@permission_required("feedback.change_response", raise_exception=True)
@require_POST
def response_themes(request: HttpRequest, pk: int) -> HttpResponse:
    """Add a theme (by name, created when new) to a response, or remove one."""
    response = get_object_or_404(Response, pk=pk)
    form = ThemeTagForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("That theme could not be changed."))
        return redirect(_back(request))
    if form.cleaned_data["remove"] is not None:
        themes.response_untag(response=response, theme=form.cleaned_data["remove"])
        messages.success(request, _("Removed the theme %(name)s.") % {"name": form.cleaned_data["remove"].name})
        return redirect(_back(request))
    if not request.user.has_perm("feedback.add_theme") and not Theme.objects.filter(
            name__iexact=" ".join(form.cleaned_data["name"].split())).exists():
        messages.error(request, _("You may tag only with existing themes."))
        return redirect(_back(request))
    theme = run_service(form, lambda: themes.theme_create(name=form.cleaned_data["name"]))
    if theme is None:
        for error in form.errors.get("name", []) + list(form.non_field_errors()):
            messages.error(request, error)
        return redirect(_back(request))
    themes.response_tag(response=response, theme=theme)
    messages.success(request, _("Tagged with %(name)s.") % {"name": theme.name})
    return redirect(_back(request))

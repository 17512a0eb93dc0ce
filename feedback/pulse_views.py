"""Employee pulse pages: the manager's list, report and invitations, and the staff answer page.

The answer page needs no login: the one-time token in the link is the right to answer, and the
answer is stored without the person (feedback.pulse).
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from cxhub.forms import run_service
from cxhub.models import Team
from feedback import pulse
from feedback.models import Survey


class PulseCreateForm(forms.Form):
    name = forms.CharField(max_length=150, label=gettext_lazy("Name"),
                           help_text=gettext_lazy("For example: Pulse, spring 2027."))


class PulseInviteForm(forms.Form):
    team = forms.ModelChoiceField(queryset=Team.objects.order_by("name"), required=False, label=gettext_lazy("Team"),
                                  empty_label=gettext_lazy("Everyone with an active account"),
                                  help_text=gettext_lazy("People already invited are not invited again."))


class PulseAnswerForm(forms.Form):
    score = forms.TypedChoiceField(choices=[(n, str(n)) for n in range(11)], coerce=int,
                                   widget=forms.RadioSelect, label=gettext_lazy(pulse.PULSE_QUESTION))
    comment = forms.CharField(required=False, max_length=pulse.COMMENT_MAX,
                              label=gettext_lazy("Anything you want to add?"),
                              widget=forms.Textarea(attrs={"rows": 4, "dir": "auto"}),
                              help_text=gettext_lazy("Leave out names and details that would show who you are."))


def _survey(pk: int) -> Survey:
    try:
        return pulse.pulse_survey_get(pk=pk)
    except Survey.DoesNotExist:
        raise Http404("No such pulse survey.") from None


@login_required
@permission_required("feedback.view_pulseanswer", raise_exception=True)
def pulse_list(request: HttpRequest) -> HttpResponse:
    form = PulseCreateForm(request.POST or None)
    if request.method == "POST":
        if not request.user.has_perm("feedback.add_survey"):
            return HttpResponse(_("You may not create pulse surveys."), status=403)
        if form.is_valid():
            survey = run_service(form, lambda: pulse.pulse_survey_create(name=form.cleaned_data["name"]))
            if survey is not None:
                messages.success(request, _("Created %(name)s. Invite people to answer it.") % {"name": survey.name})
                return redirect("pulse:report", pk=survey.pk)
    return render(request, "feedback/pulse/list.html", {
        "surveys": pulse.pulse_survey_list(), "form": form, "min_answers": pulse.MIN_ANSWERS_SHOWN,
    }, status=400 if form.errors else 200)


@login_required
@permission_required("feedback.view_pulseanswer", raise_exception=True)
def pulse_report(request: HttpRequest, pk: int) -> HttpResponse:
    survey = _survey(pk)
    return render(request, "feedback/pulse/report.html", {
        "report": pulse.pulse_report(survey=survey), "invite_form": PulseInviteForm(),
        "min_answers": pulse.MIN_ANSWERS_SHOWN,
    })


@login_required
@permission_required("feedback.add_survey", raise_exception=True)
@require_POST
def pulse_invite(request: HttpRequest, pk: int) -> HttpResponse:
    survey = _survey(pk)
    form = PulseInviteForm(request.POST)
    if form.is_valid():
        result = run_service(form, lambda: pulse.pulse_invite(survey=survey, team=form.cleaned_data["team"]))
        if result is not None:
            text = _("Invited %(invited)d; %(already)d had been invited already.") % {
                "invited": result.invited, "already": result.already_invited}
            if result.without_email:
                text += " " + _("Not invited, no e-mail address: %(names)s.") % {
                    "names": ", ".join(result.without_email)}
            messages.success(request, text)
            return redirect("pulse:report", pk=survey.pk)
    for error in [*form.non_field_errors(), *form.errors.get("team", [])]:
        messages.error(request, error)
    return redirect("pulse:report", pk=survey.pk)


@never_cache
def pulse_answer(request: HttpRequest, token: str) -> HttpResponse:
    invitation = pulse.pulse_invitation_for_token(token=token)
    if invitation is None:
        return render(request, "feedback/pulse/notice.html", {
            "title": _("This link cannot be used"),
            "text": _("It has been used already, the pulse has closed, or the link is not complete. "
                      "Each link answers once."),
        }, status=410)
    form = PulseAnswerForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        answer = run_service(form, lambda: pulse.pulse_answer(
            token=token, score=form.cleaned_data["score"], comment=form.cleaned_data["comment"]))
        if answer is not None:
            return render(request, "feedback/pulse/notice.html", {
                "title": _("Thank you"),
                "text": _("Your answer is in. It is stored without your name or the time you answered."),
            })
    return render(request, "feedback/pulse/answer.html", {"form": form, "survey": invitation.survey},
                  status=400 if form.errors else 200)

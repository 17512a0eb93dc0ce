"""The public survey pages customers reach from an invitation e-mail: no login, no JavaScript needed.

Everything is shown in the invitation's language. A token that opens nothing (a guess, a typo, a
tampered link) gets the same "link not valid" page as any other, after the same work: one hash and one
indexed lookup.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from cxhub.exceptions import ConflictError, DomainError
from feedback.forms_public import SurveyAnswerForm
from feedback.invitations import invitation_answer, invitation_by_token, invitation_state, localized
from feedback.models import Invitation, SurveyVersion


def _notice(request: HttpRequest, state: str, invitation: Invitation | None = None) -> HttpResponse:
    """A friendly page for a link that cannot be answered (404 unknown, 410 no longer)."""
    texts = {
        "invalid": (_("This link is not valid"),
                    _("We could not find a survey for this link. Please check that you copied the whole "
                      "link from the e-mail."), 404),
        "answered": (_("Already answered — thank you"),
                     _("Your answer to this survey has been recorded already. Thank you for your time."), 410),
        "expired": (_("This link has expired"),
                    _("This survey is no longer open for answers. Thank you for wanting to help."), 410),
        "closed": (_("This survey is closed"),
                   _("This survey is no longer open for answers. Thank you for wanting to help."), 410),
    }
    title, text, status = texts.get(state, texts["closed"])
    return render(request, "feedback/public/notice.html",
                  {"title": title, "text": text, "state": state, "invitation": invitation}, status=status)


def _version(invitation: Invitation) -> SurveyVersion | None:
    return SurveyVersion.objects.filter(survey=invitation.survey_id, number=invitation.survey.version).first()


def _in_language(invitation: Invitation, response: HttpResponse) -> HttpResponse:
    response["Content-Language"] = invitation.language  # LocaleMiddleware keeps a header already set
    return response


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def answer(request: HttpRequest, token: str) -> HttpResponse:
    invitation = invitation_by_token(token)
    if invitation is None:
        return _notice(request, "invalid")
    with translation.override(invitation.language):
        return _in_language(invitation, _answer(request, token, invitation))


def _answer(request: HttpRequest, token: str, invitation: Invitation) -> HttpResponse:
    """The form of an open invitation, already in its language; the answer, or why not."""
    state = invitation_state(invitation, at=timezone.now())
    version = _version(invitation)
    if state != "open" or version is None:
        return _notice(request, state if state != "open" else "closed", invitation)
    definition = version.definition or {}
    form = SurveyAnswerForm(request.POST if request.method == "POST" else None,
                            definition=definition, language=invitation.language)
    if form.primary_key() is None:
        return _notice(request, "closed", invitation)  # nothing to score: a version saved by hand, wrongly
    if form.is_bound and form.is_valid():
        score, comment, answers = form.answer()
        try:
            invitation_answer(invitation=invitation, score=score, comment=comment, answers=answers)
        except ConflictError as exc:  # answered in another tab, or expired while the page was open
            return _notice(request, exc.code, invitation)
        except DomainError:  # the survey or its touchpoint closed meanwhile
            return _notice(request, "closed", invitation)
        return redirect("feedback_public:thanks", token=token)
    return render(request, "feedback/public/answer.html", {
        "invitation": invitation, "form": form, "questions": form.questions(),
        "title": localized(definition.get("title"), invitation.language, invitation.survey.name),
        "intro": localized(definition.get("intro"), invitation.language),
    }, status=400 if form.is_bound else 200)


@never_cache
@require_http_methods(["GET", "HEAD"])
def thanks(request: HttpRequest, token: str) -> HttpResponse:
    invitation = invitation_by_token(token)
    if invitation is None:
        return _notice(request, "invalid")
    with translation.override(invitation.language):
        if invitation_state(invitation, at=timezone.now()) != "answered":
            return redirect("feedback_public:answer", token=token)
        return _in_language(invitation, render(request, "feedback/public/thanks.html", {"invitation": invitation}))

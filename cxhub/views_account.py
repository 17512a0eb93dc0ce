"""The signed-in person's own settings: the interface language, and the way to the password change."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cxhub.forms import run_service
from cxhub.languages import profile_language_set, session_language_remember, user_language


def _language_choices() -> list[tuple[str, str]]:
    """Each language in its own name (settings.LANGUAGES), so it can be found by someone who cannot read
    the current one."""
    return [("", gettext_lazy("The browser's language")), *settings.LANGUAGES]


class LanguageForm(forms.Form):
    language = forms.ChoiceField(
        label=gettext_lazy("Language"), required=False, choices=_language_choices,
        help_text=gettext_lazy("Pages and e-mails to you are in this language, on every device. "
                               "The browser's language follows each browser's setting."),
    )


def _remember_in_cookie(response: HttpResponse, language: str) -> None:
    """The language switcher's cookie, so pages before the next login (the login page) agree."""
    if language:
        response.set_cookie(
            settings.LANGUAGE_COOKIE_NAME, language, max_age=settings.LANGUAGE_COOKIE_AGE,
            path=settings.LANGUAGE_COOKIE_PATH, domain=settings.LANGUAGE_COOKIE_DOMAIN,
            secure=settings.LANGUAGE_COOKIE_SECURE, httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
            samesite=settings.LANGUAGE_COOKIE_SAMESITE)
    else:
        response.delete_cookie(settings.LANGUAGE_COOKIE_NAME, path=settings.LANGUAGE_COOKIE_PATH,
                               domain=settings.LANGUAGE_COOKIE_DOMAIN, samesite=settings.LANGUAGE_COOKIE_SAMESITE)


@login_required
def account(request: HttpRequest) -> HttpResponse:
    form = LanguageForm(request.POST or None, initial={"language": user_language(request.user) or ""})
    if request.method == "POST" and form.is_valid():
        language = form.cleaned_data["language"]
        if run_service(form, lambda: profile_language_set(user=request.user, language=language)) is not None:
            session_language_remember(request, language)
            # The confirmation is read in the language just chosen (or the browser's, for none).
            translation.activate(language or translation.get_language_from_request(request))
            messages.success(request, _("Language saved."))
            response = redirect("account")
            _remember_in_cookie(response, language)
            return response
    return render(request, "cxhub/account.html", {"form": form}, status=400 if form.errors else 200)

"""The signed-in person's own language over the cookie and the browser's (the order: cxhub.languages).

Goes after AuthenticationMiddleware (it needs request.user) and after LocaleMiddleware, which has
already activated the cookie's or the browser's language and which, on the way out, writes the
Content-Language header of whatever language is active then.
"""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils import translation

from cxhub.languages import (
    SESSION_KEY,
    profile_language_set,
    session_language_remember,
    supported_language,
    user_language,
)


class UserLanguageMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        signed_in = user is not None and user.is_authenticated
        if signed_in:
            if SESSION_KEY not in request.session:  # a session from before languages were kept in it
                session_language_remember(request, user_language(user))
            language = supported_language(request.session[SESSION_KEY])
            if language:
                translation.activate(language)
                request.LANGUAGE_CODE = language
        response = self.get_response(request)
        # The language switcher (Django's set_language view) answers with the language cookie: for a
        # signed-in person the choice is theirs everywhere, so it goes on their profile too.
        cookie = response.cookies.get(settings.LANGUAGE_COOKIE_NAME)
        if signed_in and cookie is not None and (chosen := supported_language(cookie.value)):
            profile_language_set(user=user, language=chosen)
            session_language_remember(request, chosen)
        return response

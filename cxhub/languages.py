"""The interface language of a person: chosen once, kept on their profile, used on every page and e-mail.

Which language a page is in, first match wins:
1. the signed-in person's profile language (`Profile.language`), set on the account page or with the
   language switcher in the header, so it follows them to every browser and device;
2. the language cookie the switcher sets (everyone, signed in or not, e.g. on the login page);
3. the browser's Accept-Language;
4. settings.LANGUAGE_CODE (English).
Django's LocaleMiddleware does 2-4; cxhub.middleware_i18n.UserLanguageMiddleware puts 1 over them.
Customer-facing pages and e-mails use the customer's or the invitation's language instead
(translation.override in feedback), whoever is signed in.

The profile language is read once per session (at login) and kept in the session, so pages pay no
query for it; a change made here updates the session of the request that made it.
"""

from __future__ import annotations

from contextlib import AbstractContextManager

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.http import HttpRequest
from django.utils import translation
from django.utils.formats import get_format
from django.utils.translation import gettext as _

from cxhub.exceptions import DomainError
from cxhub.models import Profile

# The session key holding the profile language ("" for none: follow the cookie and the browser).
SESSION_KEY = "cxhub_profile_language"


def supported_language(code: object) -> str | None:
    """`code` if it is one of settings.LANGUAGES, else None."""
    if isinstance(code, str) and code in dict(settings.LANGUAGES):
        return code
    return None


def user_language(user: AbstractBaseUser | AnonymousUser | None) -> str | None:
    """The language a person chose for themselves, or None (they follow their browser). One query."""
    if user is None or not user.is_authenticated:
        return None
    language = Profile.objects.filter(user=user).values_list("language", flat=True).first()
    return supported_language(language)


def user_language_override(user: AbstractBaseUser | None) -> AbstractContextManager[None]:
    """`with user_language_override(owner): render the e-mail` in the person's language, or in the
    site's default when they chose none (e-mails sent by jobs have no browser to follow)."""
    return translation.override(user_language(user) or settings.LANGUAGE_CODE)


def profile_language_set(*, user: AbstractBaseUser, language: str) -> Profile:
    """Keep `language` ("" to follow the browser) as the person's interface language; the profile is
    made if they have none yet."""
    if language and supported_language(language) is None:
        raise DomainError(_("Choose one of the offered languages."), field="language")
    profile, created = Profile.objects.get_or_create(user=user, defaults={"language": language})
    if not created and profile.language != language:
        profile.language = language
        profile.save(update_fields=["language", "updated_at"])
    return profile


def session_language_remember(request: HttpRequest, language: str | None) -> None:
    """Keep the profile language in the session, where the middleware reads it."""
    if hasattr(request, "session"):
        request.session[SESSION_KEY] = language or ""


def local_decimal(text: str) -> str:
    """A number written with a dot ("71.2", "+3.5%", "2 × 80.0") with the active language's decimal
    separator instead ("71,2" in Greek). Round with Python's formatting first: Django's number_format
    cuts decimals instead of rounding them."""
    separator = get_format("DECIMAL_SEPARATOR")
    return text if separator == "." else text.replace(".", separator)


def remember_profile_language(sender: object, request: HttpRequest | None = None,
                              user: AbstractBaseUser | None = None, **kwargs: object) -> None:
    """On login (user_logged_in): read the profile language once, so pages find it in the session."""
    if request is not None:
        session_language_remember(request, user_language(user))

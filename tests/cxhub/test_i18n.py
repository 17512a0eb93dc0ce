"""Languages: the page's language and direction, the switcher, each person's and each customer's own
language, the translations compiled by the build, and numbers written the language's way."""

from __future__ import annotations

import gettext
import io
import re
import shutil
from pathlib import Path

import pytest
from django.conf import settings
from django.core import mail
from django.core.management import CommandError, call_command
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation

from cxhub.languages import SESSION_KEY
from cxhub.models import Profile, WebhookSubscription
from cxhub.templatetags.charts import delta
from cxhub.templatetags.scores import duration, score
from cxhub.webhooks.delivery import subscription_switch_off

pytestmark = pytest.mark.django_db

LOGIN = "/accounts/login/"
HTML_TAG = re.compile(r'<html lang="([\w-]+)" dir="(ltr|rtl)">')
GREEK_REQUIRED = "Αυτό το πεδίο είναι απαραίτητο."  # Django's own Greek for "This field is required."


def _lang_and_dir(response) -> tuple[str, str]:
    match = HTML_TAG.search(response.content.decode())
    assert match, "the page has no <html lang dir>"
    return match.group(1), match.group(2)


def _write_po(folder: Path, language: str, entries: dict[str, str], header_extra: str = "") -> Path:
    path = folder / language / "LC_MESSAGES" / "django.po"
    path.parent.mkdir(parents=True, exist_ok=True)
    body = "".join(f'\nmsgid "{msgid}"\nmsgstr "{msgstr}"\n' for msgid, msgstr in entries.items())
    path.write_text('msgid ""\nmsgstr ""\n"Content-Type: text/plain; charset=UTF-8\\n"\n'
                    f'"Language: {language}\\n"\n"Plural-Forms: nplurals=2; plural=(n != 1);\\n"\n'
                    f"{header_extra}{body}", encoding="utf-8")
    return path


def _compile(folder: Path) -> str:
    out = io.StringIO()
    call_command("compile_translations", locale_dirs=[str(folder)], stdout=out)
    return out.getvalue()


# --- The page's language and direction ---------------------------------------------------------------


@pytest.mark.parametrize("accept, expected", [
    ("en", ("en", "ltr")), ("el", ("el", "ltr")), ("vi", ("vi", "ltr")), ("fa", ("fa", "rtl")),
    ("fa-IR,fa;q=0.9", ("fa", "rtl")), ("de", ("en", "ltr")),
])
def test_it_writes_the_language_and_direction_on_the_page(client, accept, expected):
    assert _lang_and_dir(client.get(LOGIN, HTTP_ACCEPT_LANGUAGE=accept)) == expected


def test_the_switcher_is_on_the_login_page_with_each_language_in_its_own_name(client):
    html = client.get(LOGIN).content.decode()

    switcher = html[html.index('<form class="langswitch"'):]
    switcher = switcher[:switcher.index("</form>")]
    assert 'action="/i18n/setlang/"' in switcher and 'name="csrfmiddlewaretoken"' in switcher
    for code, name in (("en", "English"), ("el", "Ελληνικά"), ("vi", "Tiếng Việt"), ("fa", "فارسی")):
        assert f'<option value="{code}" lang="{code}"' in switcher and f">{name}</option>" in switcher


def test_an_anonymous_choice_is_kept_in_a_cookie_over_the_browsers_language(client):
    response = client.post("/i18n/setlang/", {"language": "el", "next": LOGIN})

    assert response.status_code == 302 and response["Location"] == LOGIN
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "el"
    assert _lang_and_dir(client.get(LOGIN, HTTP_ACCEPT_LANGUAGE="fa")) == ("el", "ltr")


def test_the_switcher_ignores_a_language_we_do_not_offer(client):
    client.post("/i18n/setlang/", {"language": "xx", "next": LOGIN})

    assert settings.LANGUAGE_COOKIE_NAME not in client.cookies
    assert _lang_and_dir(client.get(LOGIN, HTTP_ACCEPT_LANGUAGE="vi")) == ("vi", "ltr")


# --- A person's own language -------------------------------------------------------------------------


def test_switching_saves_the_choice_on_the_signed_in_persons_profile(manager_client, manager):
    manager_client.post("/i18n/setlang/", {"language": "fa", "next": "/account/"})

    assert Profile.objects.get(user=manager).language == "fa"
    # another browser, no cookie, asking for English: the person's choice follows them
    elsewhere = Client()
    elsewhere.force_login(manager)
    assert _lang_and_dir(elsewhere.get("/account/", HTTP_ACCEPT_LANGUAGE="en")) == ("fa", "rtl")


def test_the_profile_language_wins_over_the_cookie_and_the_browser(client, manager):
    Profile.objects.create(user=manager, language="vi")
    client.force_login(manager)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "el"

    assert _lang_and_dir(client.get("/account/", HTTP_ACCEPT_LANGUAGE="fa")) == ("vi", "ltr")


def test_without_a_profile_language_the_cookie_and_then_the_browser_decide(client, manager):
    Profile.objects.create(user=manager, language="")
    client.force_login(manager)

    assert _lang_and_dir(client.get("/account/", HTTP_ACCEPT_LANGUAGE="fa")) == ("fa", "rtl")
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "el"
    assert _lang_and_dir(client.get("/account/", HTTP_ACCEPT_LANGUAGE="fa")) == ("el", "ltr")


def test_the_profile_language_is_read_at_login_not_on_every_page(client, manager):
    Profile.objects.create(user=manager, language="el")
    client.force_login(manager)
    assert client.session[SESSION_KEY] == "el"

    with CaptureQueriesContext(connection) as queries:
        response = client.get("/accounts/password_change/")

    assert _lang_and_dir(response) == ("el", "ltr")
    assert not [q["sql"] for q in queries.captured_queries if "cxhub_profile" in q["sql"]]


def test_the_chosen_language_changes_what_the_page_says(client, manager):
    # Django's own Greek catalogue, so this needs no catalogue of ours
    Profile.objects.create(user=manager, language="el")
    client.force_login(manager)

    html = client.post("/accounts/password_change/", {}).content.decode()

    assert GREEK_REQUIRED in html and "This field is required." not in html


def test_the_account_page_saves_the_language_and_sets_the_cookie(manager_client, manager):
    response = manager_client.post("/account/", {"language": "el"})

    assert response.status_code == 302 and response["Location"] == "/account/"
    assert Profile.objects.get(user=manager).language == "el"
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "el"
    page = manager_client.get("/account/", HTTP_ACCEPT_LANGUAGE="fa")
    assert _lang_and_dir(page) == ("el", "ltr")
    assert '<option value="el" selected>Ελληνικά</option>' in page.content.decode()


def test_the_account_page_can_hand_the_choice_back_to_the_browser(manager_client, manager):
    manager_client.post("/account/", {"language": "el"})

    response = manager_client.post("/account/", {"language": ""})

    assert Profile.objects.get(user=manager).language == ""
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == ""  # deleted
    assert _lang_and_dir(manager_client.get("/account/", HTTP_ACCEPT_LANGUAGE="vi")) == ("vi", "ltr")


def test_the_account_page_refuses_a_language_we_do_not_offer(manager_client, manager):
    response = manager_client.post("/account/", {"language": "de"})

    assert response.status_code == 400
    assert "Select a valid choice." in response.content.decode()
    assert not Profile.objects.filter(user=manager).exclude(language="").exists()


def test_the_account_page_needs_a_login(client):
    response = client.get("/account/")

    assert response.status_code == 302 and response["Location"].startswith(LOGIN)


def test_e_mail_to_a_person_is_in_their_language(tmp_path, settings, manager, django_capture_on_commit_callbacks):
    # given a Greek catalogue for the subject of the "webhook switched off" e-mail, and Alice speaking Greek
    _write_po(tmp_path, "el", {"Webhook switched off: %(url)s": "Το webhook απενεργοποιήθηκε: %(url)s"})
    _compile(tmp_path)
    settings.LOCALE_PATHS = [tmp_path]
    manager.email = "alice@example.com"
    manager.save()
    Profile.objects.create(user=manager, language="el")
    subscription = WebhookSubscription.objects.create(owner=manager, url="https://crm.example.com/h",
                                                      event_types=["*"])

    # when a job (no browser, English active) switches it off
    with translation.override("en"), django_capture_on_commit_callbacks(execute=True):
        subscription_switch_off(subscription=subscription, reason="Failing.", now=timezone.now(), notify=True)

    # then
    assert [m.subject for m in mail.outbox] == ["Το webhook απενεργοποιήθηκε: https://crm.example.com/h"]


# --- Customers' language and text --------------------------------------------------------------------


def test_a_customers_survey_page_is_in_the_customers_language_whoever_opens_it(
        client, manager, touchpoint, django_capture_on_commit_callbacks):
    from tests.feedback.invite_helpers import custom_survey, customer_speaking, sent_invitation

    _, token = sent_invitation(survey=custom_survey(touchpoint), customer=customer_speaking("el"),
                               capture=django_capture_on_commit_callbacks)
    Profile.objects.create(user=manager, language="fa")
    client.force_login(manager)  # a colleague speaking Persian checks the customer's link

    page = client.get(f"/s/{token}/", HTTP_ACCEPT_LANGUAGE="vi")

    assert _lang_and_dir(page) == ("el", "ltr")
    assert "Η επίσκεψή σας" in page.content.decode()


def test_text_in_any_script_is_shown_intact_in_its_own_direction(manager_client, manager):
    text = "Σύστημα CRM · Hệ thống chăm sóc · سامانهٔ مشتریان‌ ما"
    subscription = WebhookSubscription.objects.create(owner=manager, url="https://crm.example.com/h",
                                                      event_types=["*"], description=text)

    html = manager_client.get(f"/webhooks/{subscription.pk}/", HTTP_ACCEPT_LANGUAGE="fa").content.decode()

    assert f'<span class="user-text" dir="auto">{text}</span>' in html


# --- Numbers and dates the language's way ------------------------------------------------------------


def test_numbers_use_the_languages_decimal_separator():
    with translation.override("en"):
        assert (score(71.25), score(71.29)) == ("71.2", "71.3")
    with translation.override("el"):
        assert score(71.29) == "71,3"
        assert "<bdi>−3,5</bdi>" in str(delta(-3.46))
    with translation.override("fa"):
        assert score(71.29) == "71.3"


def test_durations_read_in_the_language(tmp_path, settings):
    import datetime as dt

    _write_po(tmp_path, "vi", {"%(hours)d h %(minutes)d min": "%(hours)d giờ %(minutes)d phút"})
    _compile(tmp_path)
    settings.LOCALE_PATHS = [tmp_path]

    with translation.override("vi"):
        assert duration(dt.timedelta(hours=3, minutes=20)) == "3 giờ 20 phút"
    with translation.override("en"):
        assert duration(dt.timedelta(hours=3, minutes=20)) == "3 h 20 min"


def test_dates_on_pages_follow_the_language(manager_client, manager):
    WebhookSubscription.objects.create(owner=manager, url="https://crm.example.com/h", event_types=["*"])
    subscription = WebhookSubscription.objects.get()
    WebhookSubscription.objects.filter(pk=subscription.pk).update(
        created_at=timezone.make_aware(timezone.datetime(2026, 3, 31, 14, 5)))

    greek = manager_client.get(f"/webhooks/{subscription.pk}/", HTTP_ACCEPT_LANGUAGE="el").content.decode()
    english = Client()
    english.force_login(manager)
    html = english.get(f"/webhooks/{subscription.pk}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()

    assert "31/03/2026 2:05 μμ." in greek
    assert "03/31/2026 2:05 p.m." in html


# --- The build: compile_translations -----------------------------------------------------------------


def test_the_build_compiles_catalogues_that_gettext_reads(tmp_path, settings):
    _write_po(tmp_path, "el", {"Tickets": "Αιτήματα", "Alerts": ""})

    out = _compile(tmp_path)

    compiled = tmp_path / "el" / "LC_MESSAGES" / "django.mo"
    with compiled.open("rb") as handle:
        assert gettext.GNUTranslations(handle).gettext("Tickets") == "Αιτήματα"
    assert "el (django): 1 translated, 0 fuzzy, 1 untranslated" in out
    settings.LOCALE_PATHS = [tmp_path]
    with translation.override("el"):
        assert translation.gettext("Tickets") == "Αιτήματα"


def test_the_build_leaves_fuzzy_translations_out_and_counts_them(tmp_path):
    _write_po(tmp_path, "vi", {"Tickets": "Phiếu"})
    po = tmp_path / "vi" / "LC_MESSAGES" / "django.po"
    po.write_text(po.read_text(encoding="utf-8") + '\n#, fuzzy\nmsgid "Alerts"\nmsgstr "Cảnh báo?"\n',
                  encoding="utf-8")

    out = _compile(tmp_path)

    with (tmp_path / "vi" / "LC_MESSAGES" / "django.mo").open("rb") as handle:
        assert gettext.GNUTranslations(handle).gettext("Alerts") == "Alerts"
    assert "vi (django): 1 translated, 1 fuzzy, 0 untranslated" in out


@pytest.mark.parametrize("broken, problem", [
    ('msgid "Tickets"\nmsgstr "Αιτήματα\n', "not one properly quoted string"),
    ('msgid "Tickets"\nmsgstr "a"\nmsgstr "b"\n', "msgstr cannot follow msgstr"),
    ('msgid "Tickets"\nmsgstr "a"\n\nmsgid "Tickets"\nmsgstr "b"\n', "given twice"),
    ('msgid "Tickets"\nmsgstr "a"\nnonsense\n', "not a .po line"),
    ('#, python-format\nmsgid "Ticket %(number)s"\nmsgstr "Αίτημα %(numero)s"\n', "numero"),
])
def test_a_broken_catalogue_stops_the_build_and_names_the_place(tmp_path, broken, problem):
    po = _write_po(tmp_path, "fa", {})
    po.write_text(po.read_text(encoding="utf-8") + "\n" + broken, encoding="utf-8")
    good = _write_po(tmp_path, "el", {"Tickets": "Αιτήματα"})
    mo = good.with_suffix(".mo")

    with pytest.raises(CommandError) as refused:
        _compile(tmp_path)

    assert str(po) in str(refused.value) and problem in str(refused.value)
    assert not mo.exists()  # nothing is written while any catalogue is broken


def test_a_plural_form_may_name_the_count_that_only_the_plural_msgid_names(tmp_path):
    po = _write_po(tmp_path, "vi", {})
    po.write_text(po.read_text(encoding="utf-8").replace("nplurals=2; plural=(n != 1)", "nplurals=1; plural=0")
                  + '\n#, python-format\nmsgid "the last day"\nmsgid_plural "the last %(days)s days"\n'
                    'msgstr[0] "%(days)s ngày qua"\n', encoding="utf-8")

    out = _compile(tmp_path)

    assert "vi (django): 1 translated" in out


def test_the_projects_catalogues_are_complete(tmp_path):
    """Every string of the interface has a real translation in Greek, Vietnamese and Persian."""
    shutil.copytree(Path(settings.BASE_DIR) / "locale", tmp_path / "locale",
                    ignore=shutil.ignore_patterns("*.mo"))

    out = _compile(tmp_path / "locale")

    for language in ("el", "vi", "fa"):
        counts = re.search(rf"^{language} \(django\): (\d+) translated, (\d+) fuzzy, (\d+) untranslated$", out, re.M)
        assert counts and int(counts[1]) > 1000 and (counts[2], counts[3]) == ("0", "0"), out


@pytest.mark.parametrize("language, word", [("el", "Αιτήματα"), ("vi", "Phiếu"), ("fa", "تیکت")])
def test_the_ticket_queue_reads_in_each_language(agent_client, language, word):
    page = agent_client.get("/tickets/", HTTP_ACCEPT_LANGUAGE=language).content.decode()

    assert word in page
    assert "All open" not in page  # the default queue's name, translated too


def test_the_projects_catalogues_compile(tmp_path):
    shutil.copytree(Path(settings.BASE_DIR) / "locale", tmp_path / "locale",
                    ignore=shutil.ignore_patterns("*.mo"))

    out = _compile(tmp_path / "locale")

    for language in ("el", "vi", "fa"):
        assert (tmp_path / "locale" / language / "LC_MESSAGES" / "django.mo").is_file()
        assert re.search(rf"^{language} \(django\): \d+ translated, \d+ fuzzy, \d+ untranslated$", out, re.M)


# --- Right-to-left stylesheets -----------------------------------------------------------------------


PHYSICAL = re.compile(r"(?<![\w-])(margin|padding|border)-(left|right)\b|(?<![\w-])(left|right)\s*:|"
                      r"text-align\s*:\s*(left|right)|float\s*:\s*(left|right)")


CSS_DIR = Path(settings.BASE_DIR) / "static" / "css"


@pytest.mark.parametrize("stylesheet", sorted(p.name for p in CSS_DIR.glob("*.css")))
def test_stylesheets_mirror_for_right_to_left_pages(stylesheet):
    """Logical properties (margin-inline-start, text-align: start ...) everywhere; physical sides only
    in rules written for one direction ([dir="rtl"] ...)."""
    css = (CSS_DIR / stylesheet).read_text(encoding="utf-8")
    css = re.sub(r"/\*.*?\*/", "", css, flags=re.S)
    offending = [rule.strip()[:80] for rule in re.findall(r"[^{}]*\{[^{}]*\}", css)
                 if PHYSICAL.search(rule.split("{", 1)[1]) and "[dir=" not in rule.split("{", 1)[0]]
    assert not offending, f"static/css/{stylesheet}: physical left/right outside a [dir] rule: {offending}"

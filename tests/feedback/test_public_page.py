"""The public answer page at /s/<token>/: no login, in the customer's language, one answer per link."""

from __future__ import annotations

import datetime as dt
import gettext
import re
import secrets
from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from django.conf import settings
from django.test import Client
from django.utils import timezone

from feedback.choices import InvitationStatus
from feedback.models import Invitation, Response
from journeys.models import ExperienceSignal
from tests.feedback.factories import make_survey
from tests.feedback.invite_helpers import custom_survey, customer_speaking, sent_invitation

pytestmark = pytest.mark.django_db

GOOD_ANSWER = {"q_csat": "4", "q_channel": "web", "q_liked": ["staff", "speed"], "q_comment": "Rất tốt, cảm ơn!"}


@pytest.fixture
def survey(touchpoint):
    return custom_survey(touchpoint)


@pytest.fixture
def invite(survey, django_capture_on_commit_callbacks):
    def make(language: str = "en", **kwargs):
        return sent_invitation(survey=survey, customer=customer_speaking(language, **kwargs),
                               capture=django_capture_on_commit_callbacks)
    return make


def _url(token: str) -> str:
    return f"/s/{token}/"


# --- Tokens ------------------------------------------------------------------------------------------


def test_random_guesses_get_the_not_valid_page(client, invite):
    invite()

    for guess in (secrets.token_urlsafe(32), "a", "x" * 300, "00000000"):
        page = client.get(_url(guess))
        assert page.status_code == 404
        assert "This link is not valid" in page.content.decode()


def test_a_tampered_token_gets_the_same_not_valid_page(client, invite):
    _, token = invite()
    tampered = token[:-1] + ("A" if token[-1] != "A" else "B")

    page = client.get(_url(tampered))
    guess = client.get(_url(secrets.token_urlsafe(32)))

    assert page.status_code == guess.status_code == 404
    assert page.content == guess.content


def test_the_hash_of_a_token_is_not_a_token(client, invite):
    invitation, _ = invite()

    assert client.get(_url(invitation.token_hash)).status_code == 404


def test_a_scheduled_invitation_has_no_working_link(client, survey):
    from feedback.choices import InvitationTrigger
    from feedback.invitations import invitation_create

    invitation = invitation_create(survey=survey, customer=customer_speaking("en"), touchpoint=survey.touchpoint,
                                   trigger=InvitationTrigger.MANUAL)

    assert client.get(_url(invitation.token_hash)).status_code == 404


def test_a_used_link_cannot_answer_twice(client, invite):
    _, token = invite()
    first = client.post(_url(token), GOOD_ANSWER)

    again = client.post(_url(token), {**GOOD_ANSWER, "q_csat": "1"})
    page = client.get(_url(token))

    assert first.status_code == 302 and first["Location"] == f"/s/{token}/thanks/"
    assert again.status_code == page.status_code == 410
    assert "Already answered" in page.content.decode()
    assert Response.objects.get().score == 4


def test_a_double_submit_from_two_tabs_records_one_answer(invite):
    _, token = invite()
    first_tab, second_tab = Client(), Client()
    # given: both tabs loaded the form while the link was open
    assert first_tab.get(_url(token)).status_code == second_tab.get(_url(token)).status_code == 200

    answers = [tab.post(_url(token), GOOD_ANSWER) for tab in (first_tab, second_tab)]

    assert [a.status_code for a in answers] == [302, 410]
    assert Response.objects.count() == 1
    assert ExperienceSignal.objects.filter(source="response").count() == 1


def test_an_expired_link_cannot_answer(client, invite):
    invitation, token = invite()
    Invitation.objects.filter(pk=invitation.pk).update(expires_at=timezone.now() - dt.timedelta(minutes=1))

    page = client.get(_url(token))
    posted = client.post(_url(token), GOOD_ANSWER)

    assert page.status_code == posted.status_code == 410
    assert "This link has expired" in page.content.decode()
    assert not Response.objects.exists()


def test_the_form_needs_the_csrf_token(invite):
    _, token = invite()

    assert Client(enforce_csrf_checks=True).post(_url(token), GOOD_ANSWER).status_code == 403
    assert not Response.objects.exists()


# --- Answering ---------------------------------------------------------------------------------------


def test_an_answer_records_the_response_and_exactly_one_experience_signal(client, invite, touchpoint):
    invitation, token = invite("vi")

    client.post(_url(token), GOOD_ANSWER)

    response = Response.objects.get()
    assert (response.score, response.comment, response.language) == (4, "Rất tốt, cảm ơn!", "vi")
    assert response.answers == {"channel": "web", "liked": ["staff", "speed"]}
    assert (response.invitation, response.version.number) == (invitation, 2)
    invitation.refresh_from_db()
    assert invitation.status == InvitationStatus.ANSWERED and invitation.answered_at == response.answered_at
    signal = ExperienceSignal.objects.get(source="response")
    assert (signal.kind, signal.value, signal.touchpoint_id) == ("csat_answer", 4, touchpoint.pk)


def test_the_thank_you_page_follows_the_answer(client, invite):
    _, token = invite("el")

    page = client.post(_url(token), GOOD_ANSWER, follow=True)

    assert page.status_code == 200
    assert "Σας ευχαριστούμε" in page.content.decode()


def test_the_thank_you_page_of_an_unanswered_link_leads_back_to_the_form(client, invite):
    _, token = invite()

    assert client.get(f"/s/{token}/thanks/")["Location"] == _url(token)


def test_a_standard_survey_with_one_question_is_answered_too(client, touchpoint, django_capture_on_commit_callbacks):
    from feedback.choices import SurveyKind

    survey = make_survey(kind=SurveyKind.NPS, touchpoint=touchpoint)
    _, token = sent_invitation(survey=survey, customer=customer_speaking("en"),
                               capture=django_capture_on_commit_callbacks)

    page = client.get(_url(token)).content.decode()
    client.post(_url(token), {"q_nps": "10"})

    assert "Not at all likely" in page and "Extremely likely" in page
    assert Response.objects.get().score == 10


@pytest.mark.parametrize("change, message", [
    ({"q_csat": ""}, "Please answer this question."),
    ({"q_csat": "6"}, "Choose a number from 1 to 5."),
    ({"q_channel": "fax"}, "Choose one of the options."),
    ({"q_liked": ["staff", "price"]}, "Choose among the options shown."),
])
def test_an_invalid_answer_re_renders_with_the_message_and_records_nothing(client, invite, change, message):
    _, token = invite()

    page = client.post(_url(token), {**GOOD_ANSWER, **change})

    assert page.status_code == 400
    assert message in page.content.decode()
    assert not Response.objects.exists()


def test_answers_are_kept_after_a_validation_error(client, invite):
    _, token = invite()

    page = client.post(_url(token), {**GOOD_ANSWER, "q_channel": ""}).content.decode()

    assert 'value="4" checked' in page
    assert 'value="staff" checked' in page and 'value="speed" checked' in page
    assert "Rất tốt, cảm ơn!</textarea>" in page


# --- Languages ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("language, direction, send_button, low_end", [
    ("en", "ltr", "Send my answer", "Very dissatisfied"),
    ("el", "ltr", "Αποστολή της απάντησής μου", "Πολύ δυσαρεστημένος/η"),
    ("vi", "ltr", "Gửi câu trả lời", "Rất không hài lòng"),
    ("fa", "rtl", "ارسال پاسخ من", "بسیار ناراضی"),
])
def test_the_page_speaks_the_customers_language(client, invite, language, direction, send_button, low_end):
    _, token = invite(language)

    page = client.get(_url(token), HTTP_ACCEPT_LANGUAGE="en")

    html = page.content.decode()
    assert page.status_code == 200
    assert f'<html lang="{language}" dir="{direction}">' in html
    assert page["Content-Language"] == language
    assert send_button in html and low_end in html


def test_question_texts_come_in_the_customers_language_with_english_fallback(client, invite):
    _, greek = invite("el", email="el@example.com")
    _, persian = invite("fa", email="fa@example.com")

    greek_page = client.get(_url(greek)).content.decode()
    persian_page = client.get(_url(persian)).content.decode()

    assert "Πόσο ικανοποιημένοι μείνατε από την επίσκεψή σας;" in greek_page
    assert "Η επίσκεψή σας" in greek_page
    assert "How did you book?" in greek_page  # no Greek text given: English
    assert "تلفنی" in persian_page and "On the website" in persian_page


def test_the_persian_page_is_right_to_left_and_translated_after_an_error(client, invite):
    _, token = invite("fa")

    html = client.post(_url(token), {**GOOD_ANSWER, "q_csat": ""}).content.decode()

    assert 'dir="rtl"' in html
    assert "لطفاً به این پرسش پاسخ دهید." in html


def test_the_page_is_accessible_without_javascript(client, invite):
    _, token = invite()

    html = client.get(_url(token)).content.decode()

    assert "<script" not in html
    assert html.count("<fieldset") == html.count("<legend") == 4
    assert '<label for="q_csat_0">' in html and 'id="q_csat_0"' in html
    assert '<label for="q_comment"' in html
    assert 'type="checkbox" name="q_liked"' in html and 'type="radio" name="q_channel"' in html


def test_a_not_valid_page_follows_the_browsers_language(client):
    page = client.get(_url("nope"), HTTP_ACCEPT_LANGUAGE="fa")

    assert page.status_code == 404
    assert 'dir="rtl"' in page.content.decode()


# --- The catalogs ------------------------------------------------------------------------------------


PUBLIC_SOURCES = ("feedback/public_views.py", "feedback/forms_public.py", "feedback/invitations.py",
                  "templates/feedback/public/")


def _po_entries(path: Path) -> list[tuple[str, str, str, str | None]]:
    """(references, msgid, msgstr, context) of each singular entry of a catalog; the header is left out."""
    with path.open("rb") as handle:
        catalog = read_po(handle)
    return [
        (" ".join(f"{file}:{line}" for file, line in message.locations), message.id, message.string,
         message.context)
        for message in catalog
        if message.id and isinstance(message.id, str)
    ]


@pytest.mark.parametrize("language", ["el", "vi", "fa"])
def test_every_public_string_is_translated_and_compiled(language):
    folder = Path(settings.LOCALE_PATHS[0]) / language / "LC_MESSAGES"
    entries = _po_entries(folder / "django.po")
    with (folder / "django.mo").open("rb") as compiled:
        catalog = gettext.GNUTranslations(compiled)

    public = [(msgid, msgstr) for refs, msgid, msgstr, _ in entries if any(src in refs for src in PUBLIC_SOURCES)]
    assert len(public) >= 30
    for msgid, msgstr in public:
        assert msgstr, f"{msgid!r} is not translated"
        assert sorted(re.findall(r"%\(\w+\)s", msgid)) == sorted(re.findall(r"%\(\w+\)s", msgstr)), msgid
    for _, msgid, msgstr, context in entries:
        if msgstr:
            shown = catalog.pgettext(context, msgid) if context else catalog.gettext(msgid)
            assert shown == msgstr, f"{msgid!r}: run make translations"


def test_a_standard_survey_asks_its_question_in_the_customers_language(db):
    from feedback.choices import SurveyKind
    from feedback.models import SurveyVersion
    from tests.feedback.factories import make_survey

    survey = make_survey(kind=SurveyKind.CSAT)

    text = SurveyVersion.objects.get(survey=survey).definition["questions"][0]["text"]
    assert set(text) == {"en", "el", "vi", "fa"}
    assert text["fa"] == "چقدر از تجربه خود راضی بودید؟"


def test_the_link_never_leaks_to_other_sites_yet_the_form_can_post(client, invite):
    # "no-referrer" would make browsers send "Origin: null" with the answer, which CSRF refuses;
    # "same-origin" keeps the tokenised address from every other site and lets the form post.
    _, token = invite()

    page = client.get(_url(token)).content.decode()

    assert '<meta name="referrer" content="same-origin">' in page

"""Sentiment of comments: per language, with negation, and UNKNOWN instead of a guess."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command

from feedback.choices import Sentiment, SurveyKind
from feedback.models import Response
from feedback.sentiment import SUPPORTED_LANGUAGES, analyse
from feedback.services import response_submit
from tests.feedback.factories import make_survey

POSITIVE, NEUTRAL, NEGATIVE, UNKNOWN = (Sentiment.POSITIVE, Sentiment.NEUTRAL, Sentiment.NEGATIVE,
                                        Sentiment.UNKNOWN)


def test_it_states_the_languages_it_reads():
    assert SUPPORTED_LANGUAGES == ("en", "el", "vi")


@pytest.mark.parametrize("text, expected", [
    ("The staff were friendly and the repair was quick.", POSITIVE),
    ("Terrible wait, nobody answered the phone.", NEGATIVE),
    ("The service was not good.", NEGATIVE),
    ("I didn't like how long it took.", NEGATIVE),
    ("Not bad at all.", POSITIVE),
    ("Never again.", NEGATIVE),
    ("Slow at first, but the staff were very helpful and kind.", POSITIVE),
    ("The car was delivered on Tuesday.", NEUTRAL),
])
def test_it_reads_english_with_negation(text, expected):
    assert analyse(text, language="en") == expected


@pytest.mark.parametrize("text, expected", [
    ("Η εξυπηρέτηση ήταν εξαιρετική, πολύ ευγενικοί.", POSITIVE),
    ("Η εξυπηρέτηση δεν ήταν καλή.", NEGATIVE),
    ("ΔΕΝ ΗΤΑΝ ΚΑΛΗ", NEGATIVE),  # capitals without accents read the same
    ("Πολύ αργή απάντηση, απαράδεκτο.", NEGATIVE),
    ("Δεν είχα κανένα πρόβλημα.", POSITIVE),
    ("Το αυτοκίνητο παραδόθηκε την Τρίτη.", NEUTRAL),
])
def test_it_reads_greek_with_negation(text, expected):
    assert analyse(text, language="el") == expected


@pytest.mark.parametrize("text, expected", [
    ("Nhân viên rất thân thiện và nhiệt tình.", POSITIVE),
    ("Dịch vụ không tốt.", NEGATIVE),
    ("Tôi chưa hài lòng.", NEGATIVE),
    ("Tôi phải chờ đợi quá lâu.", NEGATIVE),
    ("Xe được giao vào thứ ba.", NEUTRAL),
])
def test_it_reads_vietnamese_with_negation(text, expected):
    assert analyse(text, language="vi") == expected


@pytest.mark.parametrize("text, language", [
    ("خدمات خیلی خوب بود", "fa"),  # Persian: not read
    ("خدمات خیلی خوب بود", "en"),  # Arabic script under another language: still not read
    ("Sehr gut, danke!", "de"),  # a language the product does not know
    ("Sehr gut, danke!", "en"),  # Latin letters, but not English words
    ("dich vu khong tot", "vi"),  # Vietnamese typed without its marks
    ("とても良い", "en"),
    ("12345 !!!", "en"),
    ("", "en"),
])
def test_it_says_unknown_rather_than_guess(text, language):
    assert analyse(text, language=language) == UNKNOWN


def test_greek_letters_are_read_as_greek_whatever_the_declared_language():
    assert analyse("Πολύ καλή εξυπηρέτηση", language="en") == POSITIVE


@pytest.mark.django_db
def test_an_answer_with_a_comment_gets_its_sentiment_and_one_without_stays_unknown(customer, touchpoint):
    survey = make_survey(kind=SurveyKind.CSAT, touchpoint=touchpoint)

    commented = response_submit(survey=survey, customer=customer, score=2, comment="Δεν ήταν καλή", language="el")
    silent = response_submit(survey=survey, customer=customer, score=5)

    assert Response.objects.get(pk=commented.pk).sentiment == NEGATIVE
    assert Response.objects.get(pk=silent.pk).sentiment == UNKNOWN


@pytest.mark.django_db
def test_reanalyse_sentiment_recomputes_every_response_with_progress(customer, touchpoint):
    survey = make_survey(kind=SurveyKind.CSAT, touchpoint=touchpoint)
    answers = [response_submit(survey=survey, customer=customer, score=4, comment=text, language=lang)
               for text, lang in [("Great service", "en"), ("Πολύ καλή", "el"), ("خوب", "fa")]]
    Response.objects.update(sentiment=NEUTRAL)  # as an older analyser might have left them
    out = io.StringIO()

    call_command("reanalyse_sentiment", "--batch-size", "2", stdout=out)

    assert [Response.objects.get(pk=a.pk).sentiment for a in answers] == [POSITIVE, POSITIVE, UNKNOWN]
    assert "2/3 responses" in out.getvalue() and "3/3 responses" in out.getvalue()
    assert "3 sentiments changed" in out.getvalue()

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from rest_framework.authentication import TokenAuthentication
from rest_framework.authtoken.models import Token
from rest_framework.exceptions import AuthenticationFailed
from rest_framework.test import APIRequestFactory

from tests.cxhub.factories import UserFactory

pytestmark = pytest.mark.django_db


def create_token(username: str) -> list[str]:
    out = StringIO()
    call_command("create_api_token", username, stdout=out)
    return out.getvalue().splitlines()


def authenticate(key: str):
    request = APIRequestFactory().get("/api/v1/", HTTP_AUTHORIZATION=f"Token {key}")
    return TokenAuthentication().authenticate(request)


def test_it_prints_the_new_key_alone_on_the_last_line(manager):
    lines = create_token("alice")

    assert lines[-1] == Token.objects.get(user=manager).key
    assert len(lines[-1]) == 40


def test_the_printed_key_authenticates_as_the_user(agent):
    key = create_token("bob")[-1]

    user, token = authenticate(key)

    assert user == agent
    assert token.key == key


def test_it_replaces_an_existing_token_so_the_old_key_stops_working(manager):
    old = Token.objects.create(user=manager).key

    new = create_token("alice")[-1]

    assert new != old
    assert list(Token.objects.filter(user=manager).values_list("key", flat=True)) == [new]
    with pytest.raises(AuthenticationFailed):
        authenticate(old)


def test_it_refuses_an_unknown_user_with_a_clear_error(db):
    with pytest.raises(CommandError, match="no user named 'nobody'"):
        create_token("nobody")
    assert not Token.objects.exists()


def test_it_refuses_an_inactive_user(db):
    UserFactory(username="dora", is_active=False)

    with pytest.raises(CommandError, match="not active"):
        create_token("dora")
    assert not Token.objects.exists()

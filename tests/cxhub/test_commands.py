from __future__ import annotations

import hashlib
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from rest_framework.exceptions import AuthenticationFailed
from rest_framework.test import APIRequestFactory

from cxhub.auth import HashedTokenAuthentication
from cxhub.models import ApiToken
from cxhub.tokens import api_token_revoke
from tests.cxhub.factories import UserFactory

pytestmark = pytest.mark.django_db


def create_token(username: str, *extra: str) -> list[str]:
    out = StringIO()
    call_command("create_api_token", username, *extra, stdout=out)
    return out.getvalue().splitlines()


def authenticate(key: str):
    request = APIRequestFactory().get("/api/v1/", HTTP_AUTHORIZATION=f"Token {key}")
    return HashedTokenAuthentication().authenticate(request)


def test_it_prints_the_new_key_alone_on_the_last_line(manager):
    lines = create_token("alice", "--name", "CRM sync")

    key = lines[-1]
    assert key.startswith("cxh_") and " " not in key and len(key) > 40
    token = ApiToken.objects.get(user=manager)
    assert token.name == "CRM sync" and key.startswith(token.prefix)


def test_only_a_hash_of_the_key_is_stored(manager):
    key = create_token("alice")[-1]

    token = ApiToken.objects.get(user=manager)
    assert token.key_hash == hashlib.sha256(key.encode()).hexdigest()
    stored = [str(value) for value in ApiToken.objects.values_list().get()]
    assert not any(key in value for value in stored)


def test_the_printed_key_authenticates_as_the_user(agent):
    key = create_token("bob")[-1]

    user, token = authenticate(key)

    assert user == agent
    assert token.user == agent and token.last_used_at is not None


def test_each_call_makes_another_token_and_a_revoked_one_stops_working(manager):
    first = create_token("alice")[-1]
    second = create_token("alice")[-1]
    assert first != second and ApiToken.objects.filter(user=manager).count() == 2

    api_token_revoke(token=authenticate(first)[1], by=manager)

    with pytest.raises(AuthenticationFailed):
        authenticate(first)
    assert authenticate(second)[0] == manager


def test_a_made_up_key_does_not_authenticate(manager):
    create_token("alice")

    with pytest.raises(AuthenticationFailed):
        authenticate("cxh_" + "A" * 43)


def test_it_refuses_an_unknown_user_with_a_clear_error(db):
    with pytest.raises(CommandError, match="no user named 'nobody'"):
        create_token("nobody")
    assert not ApiToken.objects.exists()


def test_it_refuses_an_inactive_user(db):
    UserFactory(username="dora", is_active=False)

    with pytest.raises(CommandError, match="not active"):
        create_token("dora")
    assert not ApiToken.objects.exists()

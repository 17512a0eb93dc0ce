from __future__ import annotations

import re

import pytest
import yaml
from django.contrib.staticfiles import finders
from django.core.management import call_command
from django.db import IntegrityError
from rest_framework.test import APIClient

from cxhub.api import exception_handler
from cxhub.api_urls import router


def test_the_schema_validates_without_a_single_warning(tmp_path):
    target = tmp_path / "schema.yml"

    # --fail-on-warn turns any warning (an action whose body could not be inferred, an enum name
    # collision, an untyped filter) into a CommandError, which fails this test.
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(target))

    schema = yaml.safe_load(target.read_text())
    assert "/api/v1/journeys/{id}/scores/" in schema["paths"]
    window = next(p for p in schema["paths"]["/api/v1/journeys/{id}/scores/"]["get"]["parameters"]
                  if p["name"] == "window")
    assert window["schema"]["enum"] == [7, 30, 90, 365]
    resolve = schema["paths"]["/api/v1/tickets/{id}/resolve/"]["post"]
    assert {"200", "409"} <= set(resolve["responses"])


@pytest.mark.django_db
def test_the_schema_is_served_to_anyone(client):
    response = client.get("/api/schema/")

    assert response.status_code == 200
    assert "/api/v1/tickets/{id}/replies/" in yaml.safe_load(response.content)["paths"]


@pytest.mark.django_db
def test_the_docs_render_from_our_own_static_files(client):
    response = client.get("/api/docs/")

    assert response.status_code == 200
    html = response.content.decode()
    # nothing loaded from another host (a CDN); a random token on the page may contain any letters
    assert not re.search(r'(?:src|href)="(?:https?:)?//', html)
    scripts = re.findall(r'src="([^"]+\.js)"', html)
    assert scripts, "the page loads Swagger UI from somewhere"
    for src in scripts:
        assert src.startswith("/static/"), src
        assert finders.find(src.removeprefix("/static/")), f"{src} is not among the static files"


@pytest.mark.django_db
@pytest.mark.parametrize("prefix", sorted({prefix for prefix, _, _ in router.registry}))
def test_every_registered_endpoint_refuses_anonymous_callers(prefix):
    response = APIClient().get(f"/api/v1/{prefix}/")

    assert response.status_code == 401
    assert response.json()["detail"]


@pytest.mark.django_db
def test_the_api_root_lists_the_endpoints_to_people_with_a_role_only(api_client_for, agent):
    assert APIClient().get("/api/v1/").status_code == 401

    response = api_client_for(agent).get("/api/v1/")

    assert response.status_code == 200
    assert set(response.json()) == {prefix for prefix, _, _ in router.registry}


def test_a_write_that_loses_a_race_to_a_unique_constraint_is_a_409_not_a_500():
    response = exception_handler(IntegrityError("duplicate key value violates unique constraint"), {})

    assert response is not None and response.status_code == 409
    assert response.data["errors"]["non_field_errors"]

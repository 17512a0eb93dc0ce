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


# --- Descriptions, examples and the Idempotency-Key header -------------------------------------------

WRITES = {"post", "put", "patch"}


@pytest.fixture(scope="module")
def schema() -> dict:
    from drf_spectacular.generators import SchemaGenerator

    return SchemaGenerator().get_schema(request=None, public=True)


def operations(schema: dict):
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            if isinstance(operation, dict) and "responses" in operation:
                yield path, method, operation


def json_schema(node, *, properties: bool = False):
    """An OpenAPI 3.0 schema as JSON Schema, strict about unknown keys so a misspelt example key fails:
    `nullable` becomes a null alternative, and an object listing its properties allows no others."""
    if isinstance(node, list):
        return [json_schema(item) for item in node]
    if not isinstance(node, dict):
        return node
    if properties:  # a mapping of property names to schemas: every key is a name
        return {name: json_schema(value) for name, value in node.items()}
    converted = {key: json_schema(value, properties=key == "properties") for key, value in node.items()
                 if key not in {"example", "readOnly", "writeOnly", "nullable"}}
    if "properties" in converted and "additionalProperties" not in converted:
        converted["additionalProperties"] = False
    if node.get("nullable"):
        converted = {"anyOf": [converted, {"type": "null"}]}
    return converted


def validator_for(schema: dict, node: dict):
    import jsonschema

    checker = jsonschema.FormatChecker(formats=["date", "email", "idn-email", "uuid"])

    @checker.checks("date-time", raises=ValueError)
    def is_datetime(value) -> bool:
        if not isinstance(value, str):
            return True
        parsed = __import__("datetime").datetime.fromisoformat(value)
        return parsed.tzinfo is not None  # the API sends and takes zoned times only

    @checker.checks("uri", raises=ValueError)
    def is_uri(value) -> bool:
        from urllib.parse import urlsplit

        return not isinstance(value, str) or bool(urlsplit(value).scheme and urlsplit(value).netloc)

    document = {**json_schema(node), "components": {"schemas": json_schema(schema["components"]["schemas"],
                                                                           properties=True)}}
    return jsonschema.Draft202012Validator(document, format_checker=checker)


def test_every_operation_has_a_summary_and_a_description(schema):
    missing = [f"{method.upper()} {path}" for path, method, operation in operations(schema)
               if not (operation.get("summary", "").strip() and operation.get("description", "").strip())]

    assert not missing


def test_summaries_are_short_and_distinct_within_a_path(schema):
    for path, item in schema["paths"].items():
        summaries = [operation["summary"] for operation in item.values() if isinstance(operation, dict)]
        assert len(set(summaries)) == len(summaries), path
        assert all(len(summary) <= 80 for summary in summaries), path


def test_every_write_shows_a_request_example_and_a_success_answer_example(schema):
    without_request, without_answer = [], []
    for path, method, operation in operations(schema):
        if method not in WRITES:
            continue
        body = operation.get("requestBody", {}).get("content", {}).get("application/json")
        if body is not None and not body.get("examples"):
            without_request.append(f"{method.upper()} {path}")
        answers = [response for status, response in operation["responses"].items()
                   if status.startswith("2") and "content" in response]
        if answers and not any(r["content"]["application/json"].get("examples") for r in answers):
            without_answer.append(f"{method.upper()} {path}")

    assert not without_request
    assert not without_answer


def test_every_read_shows_an_answer_example(schema):
    missing = [path for path, method, operation in operations(schema)
               if method == "get" and not operation["responses"]["200"]["content"]["application/json"].get("examples")]

    assert not missing


def test_every_example_fits_the_schema_it_illustrates(schema):
    checked, problems = 0, []
    for path, method, operation in operations(schema):
        bodies = [("request", operation.get("requestBody", {}).get("content", {}).get("application/json"))]
        bodies += [(status, response.get("content", {}).get("application/json"))
                   for status, response in operation["responses"].items()]
        for where, body in bodies:
            if not body or not body.get("examples"):
                continue
            validator = validator_for(schema, body["schema"])
            for name, example in body["examples"].items():
                checked += 1
                problems += [f"{method.upper()} {path} {where} {name}: {error.json_path}: {error.message}"
                             for error in validator.iter_errors(example["value"])]

    assert checked > 150
    assert not problems, "\n".join(problems[:20])


def test_a_misspelt_key_in_an_example_would_fail(schema):
    body = schema["paths"]["/api/v1/signals/"]["post"]["requestBody"]["content"]["application/json"]
    example = dict(next(iter(body["examples"].values()))["value"])
    example["ocurred_at"] = example.pop("occurred_at")

    assert list(validator_for(schema, body["schema"]).iter_errors(example))


def test_every_post_documents_the_idempotency_key_and_its_refusals(schema):
    posts = [(path, operation) for path, method, operation in operations(schema) if method == "post"]

    assert len(posts) > 30
    for path, operation in posts:
        header = [p for p in operation.get("parameters", []) if p["in"] == "header" and p["name"] == "Idempotency-Key"]
        assert len(header) == 1, path
        assert header[0]["required"] is False and header[0]["schema"]["maxLength"] == 255
        assert "in progress" in operation["responses"]["409"]["description"], path
        assert "different request" in operation["responses"]["422"]["description"], path
    others = [operation for path, method, operation in operations(schema) if method != "post"]
    assert not any(p["name"] == "Idempotency-Key" for operation in others for p in operation.get("parameters", []))


def test_a_list_documents_the_unknown_parameter_answer(schema):
    error = schema["components"]["schemas"]["ApiError"]

    assert "accepted" in error["properties"]
    assert "400" in schema["paths"]["/api/v1/signals/"]["get"]["responses"]

from __future__ import annotations

import pytest
import yaml
from django.core.management import call_command


@pytest.fixture(scope="module")
def schema(tmp_path_factory) -> dict:
    target = tmp_path_factory.mktemp("schema") / "schema.yml"
    call_command("spectacular", "--file", str(target))
    return yaml.safe_load(target.read_text())


@pytest.fixture(scope="module")
def paths(schema) -> dict:
    return schema["paths"]


@pytest.mark.parametrize("path, method, statuses", [
    ("/api/v1/surveys/", "post", {"201", "400"}),
    ("/api/v1/surveys/{id}/versions/", "post", {"200", "201", "400", "404"}),
    ("/api/v1/surveys/{id}/versions/{number}/", "get", {"200", "404"}),
    ("/api/v1/responses/", "post", {"201", "400"}),
    ("/api/v1/invitations/", "post", {"201", "400"}),
    ("/api/v1/invitations/batch/", "post", {"200", "400"}),
    ("/api/v1/touchpoint-events/", "post", {"200", "201", "400"}),
    ("/api/v1/feedback-settings/", "patch", {"200", "400"}),
    ("/api/v1/ticket-survey-rules/{id}/", "delete", {"204", "404"}),
])
def test_the_feedback_writes_document_their_answers_errors_included(paths, path, method, statuses):
    assert statuses <= set(paths[path][method]["responses"])


def test_no_invitation_answer_in_the_schema_has_a_token(paths, schema):
    answers = [paths["/api/v1/invitations/"]["post"]["responses"]["201"],
               paths["/api/v1/invitations/{id}/"]["get"]["responses"]["200"]]
    components = schema["components"]["schemas"]

    for answer in answers:
        name = answer["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[1]
        fields = set(components[name]["properties"])
        assert {"status", "skip_reason", "sent_at", "answered_at"} <= fields
        assert not [field for field in fields if "token" in field]

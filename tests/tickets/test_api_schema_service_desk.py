"""The service desk's part of the OpenAPI schema: every operation documents its answers, errors included."""

from __future__ import annotations

import pytest
from drf_spectacular.generators import SchemaGenerator


@pytest.fixture(scope="module")
def paths() -> dict:
    return SchemaGenerator().get_schema(request=None, public=True)["paths"]


@pytest.mark.parametrize("path, method, answers", [
    ("/api/v1/tickets/{id}/priority/", "post", {"200", "400", "404"}),
    ("/api/v1/tickets/{id}/classify/", "post", {"200", "400", "404"}),
    ("/api/v1/tickets/{id}/merge/", "post", {"200", "400", "404", "409"}),
    ("/api/v1/tickets/{id}/links/", "post", {"201", "400", "404"}),
    ("/api/v1/tickets/{id}/links/{other}/", "delete", {"204", "404"}),
    ("/api/v1/tickets/bulk/", "post", {"200", "400"}),
    ("/api/v1/categories/{id}/", "delete", {"204", "404", "409"}),
    ("/api/v1/business-calendars/", "post", {"201", "400", "409"}),
    ("/api/v1/canned-responses/{id}/render/", "get", {"200", "400", "404"}),
    ("/api/v1/agent-availability/{id}/", "patch", {"200", "400", "404"}),
    ("/api/v1/reports/tickets/", "get", {"200", "400"}),
])
def test_each_operation_documents_its_answers(paths, path, method, answers):
    assert answers <= set(paths[path][method]["responses"])


def test_the_ticket_list_points_to_the_csv_export_page(paths):
    assert "/tickets/export.csv" in paths["/api/v1/tickets/"]["get"]["description"]


def test_replies_take_json_or_multipart_with_files(paths):
    content = paths["/api/v1/tickets/{id}/replies/"]["post"]["requestBody"]["content"]

    assert set(content) == {"application/json", "multipart/form-data"}

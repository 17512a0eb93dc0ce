"""Property-based fuzzing of the whole API from its own OpenAPI schema.

Every operation is called, authenticated as a CX manager, with generated valid and invalid inputs;
no call may answer 5xx, and every answer must match the status codes and bodies the schema declares.
Deterministic (derandomised) so CI is repeatable; FUZZ_EXAMPLES raises the depth locally.
"""

from __future__ import annotations

import os

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "6"))


def _schema():
    """The schema the app publishes, generated in process; calls go to the app through WSGI."""
    from drf_spectacular.generators import SchemaGenerator

    from cxhub.wsgi import application

    loaded = schemathesis.openapi.from_dict(SchemaGenerator().get_schema(request=None, public=True))
    loaded.app = application
    return loaded


schema = _schema()


@pytest.fixture
def keep_the_test_connection():
    """Calls go through the WSGI handler, which closes the database connection after each request;
    like Django's test client, keep it open so every call runs inside the test's transaction."""
    from django.core import signals
    from django.db import close_old_connections

    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.fixture
def settings_for_fuzzing(settings, keep_the_test_connection):
    settings.ALLOWED_HOSTS = ["*"]
    rest = dict(settings.REST_FRAMEWORK)
    rest["DEFAULT_THROTTLE_RATES"] = {
        key: "100000/minute" for key in rest.get("DEFAULT_THROTTLE_RATES", {}) or {}
    }
    settings.REST_FRAMEWORK = rest
    return settings


@pytest.fixture
def fuzz_world(settings_for_fuzzing, manager, team, touchpoint, customer):
    """Some rows to find: the ids the fuzzer guesses sometimes exist."""
    from cxhub.tokens import api_token_create
    from tests.feedback.factories import make_survey
    from tests.tickets.factories import make_ticket

    make_ticket(customer=customer, touchpoint=touchpoint, team=team)
    make_survey(touchpoint=touchpoint)
    _, key = api_token_create(user=manager, name="Fuzzing")
    return key


@schema.parametrize()
@settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
          suppress_health_check=list(HealthCheck))
def test_no_operation_errors_or_breaks_its_schema(case, fuzz_world):
    case.call_and_validate(
        headers={"Authorization": f"Token {fuzz_world}"},
        checks=[not_a_server_error, status_code_conformance, content_type_conformance,
                response_schema_conformance],
    )

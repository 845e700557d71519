"""A generator walks every operation of /api/schema/ against the WSGI app (schemathesis's strategies,
on hypothesis), with the test organization's API key, in valid (positive) and invalid (negative)
examples: no answer is a 5xx, every answer matches the schema (status, headers, content type, body;
and a strict OpenAPI 3.0 validator with formats), and a refused (4xx) request writes no row.
Examples are bounded per operation (MAX_EXAMPLES for each mode)."""

import pytest
import schemathesis
from django.core.cache import cache
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from drf_spectacular.generators import SchemaGenerator
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from patients import accounts
from patients.models import HealthCard, IdempotencyRecord, Patient, Verification
from tests.factories import HealthCardFactory, LeadFactory, PatientFactory
from tests.schema.conftest import answer_schema, strict_errors
from tests.verification.conftest import PASSWORD, register

MAX_EXAMPLES = 15
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_headers_conformance,
          response_schema_conformance]
OPERATIONS = [
    (path, method.upper())
    for path, methods in SchemaGenerator().get_schema(request=None, public=True)["paths"].items()
    for method in methods
]
PATIENT_ONLY = ("/api/v1/me", "/api/v1/patients/sign-out")
SENT = []  # every generated request, for the count in the summary


@pytest.fixture
def in_process():
    """The WSGI app run in the test's own transaction: as Django's test client does, keep the end of
    a request from closing the database connection (it would close the test's transaction too)."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield get_wsgi_application()
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


def rows() -> tuple[int, ...]:
    return tuple(m.objects.count() for m in (Patient, HealthCard, Verification, IdempotencyRecord))


@pytest.fixture
def known(organization):
    """Real rows half of the requests with a patient id point at (a random id only finds a 404)."""
    patient = PatientFactory(organization=organization)
    HealthCardFactory(patient=patient)
    return [str(patient.pk), str(LeadFactory(organization=organization).pk)]


@pytest.fixture
def patient_token(organization):
    """A signed-in patient's token, for the routes only a patient may call (/me, sign-out, confirm)."""
    register(organization)
    _token, raw = accounts.sign_in("ana.silva@example.com#maple", PASSWORD)
    return raw


def credentials(path: str, api_key, patient_token) -> dict:
    as_patient = path in PATIENT_ONLY or path.endswith("/confirm")
    return {"Authorization": f"Bearer {patient_token if as_patient else api_key.raw}"}


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE], ids=str)
@pytest.mark.parametrize("path, method", OPERATIONS)
def test_generated_requests(path, method, mode, api_key, patient_token, known, openapi_document, settings,
                            in_process):
    settings.ALLOWED_HOSTS = ["localhost", "testserver"]
    settings.SMS_BACKEND = "memory"
    cache.clear()
    operation = schemathesis.openapi.from_dict(openapi_document)[path][method]
    application = in_process
    key = credentials(path, api_key, patient_token)

    @given(case=operation.as_strategy(generation_mode=mode))
    @hypothesis_settings(max_examples=MAX_EXAMPLES, deadline=None, database=None, derandomize=True,
              suppress_health_check=list(HealthCheck))
    def walk(case):
        if "patient_id" in case.path_parameters and len(SENT) % 2:
            case.path_parameters["patient_id"] = known[len(SENT) % 4 // 2]
        before = rows()

        response = case.call(headers=key, app=application)
        SENT.append((path, method, response.status_code))

        case.validate_response(response, checks=CHECKS)
        if 400 <= response.status_code < 500:
            assert rows() == before, f"{method} {case.formatted_path} answered {response.status_code}, wrote rows"
        declared = answer_schema(openapi_document, path, method, response.status_code)
        if declared is not None:
            assert strict_errors(openapi_document, declared, response.json()) == []

    walk()


def test_zz_report_the_number_of_generated_requests(request):
    # Runs after the walk above in this module: shows how many requests it made (pytest -rP).
    from collections import Counter
    print(f"{len(SENT)} generated requests over {len(OPERATIONS)} operations")
    print(sorted(Counter(SENT).items()))
    if len(SENT):
        assert len(SENT) >= len(OPERATIONS)

"""A body over DATA_UPLOAD_MAX_MEMORY_SIZE is a 413 in the contract's JSON shape on every API route,
not Django's HTML "Bad Request" page."""

import json

import pytest

from tests.api.patients_helpers import VALID_BODY, client_with_key
from tests.strict.conftest import assert_envelope_error, assert_v1_error, rows

V1_ROUTES = [
    ("post", "/api/v1/patients"),
    ("patch", "/api/v1/patients/00000000-0000-0000-0000-000000000000"),
    ("post", "/api/v1/patients/00000000-0000-0000-0000-000000000000/promote"),
    ("post", "/api/v1/patients/sign-in"),
    ("post", "/api/v1/patients/sign-out"),
    ("patch", "/api/v1/me"),
    ("post", "/api/v1/patients/00000000-0000-0000-0000-000000000000/verifications/email"),
    ("post", "/api/v1/patients/00000000-0000-0000-0000-000000000000/verifications/email/confirm"),
]


@pytest.fixture
def big_body(settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 10_000
    return json.dumps({**VALID_BODY, "referrer": "x" * 10_001})


@pytest.mark.parametrize("method, url", V1_ROUTES)
def test_v1_routes_answer_413_in_the_error_shape(api_key, big_body, method, url):
    before = rows()
    response = getattr(client_with_key(api_key.raw), method)(url, big_body, content_type="application/json")
    data = assert_v1_error(response, [], status=413)
    assert data["code"] == "payload_too_large" and "10000 bytes" in data["message"]
    assert rows() == before


def test_leads_route_answers_413_in_its_envelope(api_key, big_body):
    response = client_with_key(api_key.raw).post("/api/user/v1/patients/add", big_body, content_type="application/json")
    assert_envelope_error(response, "10", status=413)


def test_a_body_within_the_limit_is_read(api_key, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 10_000
    response = client_with_key(api_key.raw).post("/api/v1/patients", json.dumps(VALID_BODY),
                                                 content_type="application/json")
    assert response.status_code == 201


def test_an_unknown_api_address_answers_json_to_a_write_too(api_key):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    response = client.patch("/api/v1/patients/not-an-id", "{}", content_type="application/json",
                            HTTP_AUTHORIZATION=f"Bearer {api_key.raw}")
    assert_v1_error(response, [], status=404)

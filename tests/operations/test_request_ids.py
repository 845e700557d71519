"""Every answer carries an X-Request-ID; a trusted proxy's id is kept; API errors quote it."""

import re

import pytest

from patients.models import Patient
from tests.api.patients_helpers import PATIENTS_URL, VALID_BODY, client_with_key

GENERATED = re.compile(r"[0-9a-f]{32}")


def test_every_answer_has_a_fresh_id(client, db):
    first = client.get("/health/live")
    second = client.get("/health/live")

    assert GENERATED.fullmatch(first["X-Request-ID"])
    assert first["X-Request-ID"] != second["X-Request-ID"]


def test_a_redirect_and_an_unknown_page_have_one_too(client, db):
    assert GENERATED.fullmatch(client.get("/patients/")["X-Request-ID"])  # to the login page
    assert GENERATED.fullmatch(client.get("/no-such-page/")["X-Request-ID"])


def test_the_header_is_ignored_without_a_trusted_proxy(client, db, settings):
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": None}

    answer = client.get("/health/live", HTTP_X_REQUEST_ID="from-the-internet-1234")

    assert answer["X-Request-ID"] != "from-the-internet-1234"


@pytest.fixture
def behind_proxy(settings):
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": 1}


def test_a_trusted_proxys_id_is_kept(client, db, behind_proxy):
    answer = client.get("/health/live", HTTP_X_REQUEST_ID="3f2a9c1e-nginx-req:42")

    assert answer["X-Request-ID"] == "3f2a9c1e-nginx-req:42"


@pytest.mark.parametrize("sent", ["", "has space", "a" * 129, "new\nline", "<script>", "-leading-dash", "é"])
def test_a_malformed_id_is_replaced(client, db, behind_proxy, sent):
    answer = client.get("/health/live", HTTP_X_REQUEST_ID=sent)

    assert GENERATED.fullmatch(answer["X-Request-ID"])


def test_create_a_patient_errors_quote_the_id(api_key):
    answer = client_with_key(api_key.raw).post(PATIENTS_URL, {**VALID_BODY, "dateOfBirth": "2999-01-01"},
                                               format="json")

    assert answer.status_code == 400
    assert answer.json()["requestId"] == answer["X-Request-ID"]
    assert set(answer.json()) == {"status", "code", "message", "errors", "requestId"}


def test_register_patient_errors_quote_the_id(api_key):
    answer = client_with_key(api_key.raw).post("/api/user/v1/patients/add", {"isLead": "maybe"}, format="json")

    assert answer.status_code == 400
    body = answer.json()
    assert set(body) == {"data", "status", "message", "errors", "requestId"}
    assert body["requestId"] == answer["X-Request-ID"] and body["status"] == "1"


def test_an_unknown_key_and_an_unknown_address_quote_it(client, db, behind_proxy):
    refused = client_with_key("pik_not-a-real-key").get(PATIENTS_URL, HTTP_X_REQUEST_ID="lb-0001")
    unknown = client.get("/api/v2/nothing", HTTP_X_REQUEST_ID="lb-0002")

    assert (refused.status_code, refused.json()["requestId"]) == (401, "lb-0001")
    assert (unknown.status_code, unknown.json()["requestId"]) == (404, "lb-0002")


def test_a_successful_answer_is_unchanged(api_key):
    answer = client_with_key(api_key.raw).post(PATIENTS_URL, VALID_BODY, format="json")

    assert answer.status_code == 201
    assert "requestId" not in answer.json()
    assert Patient.objects.count() == 1

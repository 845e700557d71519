"""A bug answers 500 in the door's own shape, quoting the request id that the traceback's log line carries."""

import pytest


@pytest.fixture
def buggy(client, settings):
    settings.ROOT_URLCONF = "tests.operations.errors_urls"
    client.raise_request_exception = False
    return client


def test_an_api_bug_is_the_v1_error_shape_with_the_id(buggy, logs):
    answer = buggy.get("/api/v1/broken")

    body = answer.json()
    assert answer.status_code == 500
    assert (body["status"], body["code"], body["errors"]) == (500, "server_error", {})
    assert body["requestId"] == answer["X-Request-ID"]
    [logged] = [line for line in logs.of("django.request") if line["status"] == 500]
    assert logged["request_id"] == answer["X-Request-ID"] and "RuntimeError: a bug" in logged["exception"]


def test_a_register_patient_bug_is_its_envelope_with_the_id(buggy):
    answer = buggy.get("/api/user/v1/broken")

    assert answer.status_code == 500
    assert answer.json() == {"data": None, "status": "9", "message": answer.json()["message"], "errors": {},
                             "requestId": answer["X-Request-ID"]}


def test_a_page_bug_shows_the_reference(buggy):
    answer = buggy.get("/broken/")

    assert answer.status_code == 500
    assert answer["X-Request-ID"] in answer.content.decode()

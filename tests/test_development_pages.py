"""What a newcomer meets in development (DEBUG on): unknown API addresses still answer JSON, and the
site has a favicon."""

import pytest


@pytest.fixture
def debug(settings):
    settings.DEBUG = True


@pytest.mark.parametrize("debug_on", [True, False])
def test_an_unknown_api_address_answers_in_the_json_error_shape(client, settings, debug_on):
    settings.DEBUG = debug_on
    response = client.get("/api/v1/no-such-thing")

    assert response.status_code == 404
    assert response["Content-Type"].startswith("application/json")
    assert response.json()["code"] == "not_found"


def test_an_unknown_fhir_address_answers_an_operation_outcome(client, debug):
    response = client.get("/fhir/R4/NoSuchResource")

    assert response.status_code == 404
    assert response.json()["resourceType"] == "OperationOutcome"


def test_the_favicon_is_served(client):
    response = client.get("/favicon.ico", follow=True)
    assert response.status_code == 200
    assert b"<svg" in b"".join(response.streaming_content if response.streaming else [response.content])


def test_pages_name_the_favicon(client):
    assert b'rel="icon"' in client.get("/login/").content

"""Idempotency-Key on POST /api/v1/patients: a repeat replays the first answer and creates nothing."""

import pytest

from organizations.services import issue_api_key
from patients.models import IdempotencyRecord, Patient
from tests.api.patients_helpers import assert_error, client_with_key, create


def test_a_repeat_with_the_same_key_and_body_replays_the_first_answer(api, body):
    first = create(api, body, HTTP_IDEMPOTENCY_KEY="order-1")
    again = create(api, body, HTTP_IDEMPOTENCY_KEY="order-1")

    assert (first.status_code, again.status_code) == (201, 201)
    assert again.json() == first.json()
    assert again["Idempotent-Replayed"] == "true"
    assert not first.has_header("Idempotent-Replayed")
    assert Patient.objects.count() == 1


def test_a_replay_is_identical_to_the_first_answer_status_location_and_body(api, body):
    first = create(api, body, HTTP_IDEMPOTENCY_KEY="order-1")
    again = create(api, body, HTTP_IDEMPOTENCY_KEY="order-1")

    assert first["Location"].endswith(first.json()["id"])
    assert again.status_code == first.status_code
    assert (again["Location"], again.content) == (first["Location"], first.content)
    assert again["Content-Type"] == first["Content-Type"]


def test_the_same_key_with_a_different_body_is_a_422(api, body):
    create(api, body, HTTP_IDEMPOTENCY_KEY="order-1")

    response = create(api, {**body, "firstName": "Janet"}, HTTP_IDEMPOTENCY_KEY="order-1")

    assert_error(response, 422, "idempotency_key_reused")
    assert Patient.objects.get().given_name == "Jane"


def test_key_order_in_the_body_does_not_matter(api, body):
    create(api, body, HTTP_IDEMPOTENCY_KEY="order-1")
    reordered = dict(reversed(list(body.items())))
    assert create(api, reordered, HTTP_IDEMPOTENCY_KEY="order-1")["Idempotent-Replayed"] == "true"


def test_without_a_key_a_repeat_is_a_conflict(api, body):
    create(api, body)
    assert_error(create(api, body), 409, "conflict", ["email"])


def test_different_keys_are_different_requests(api, body):
    create(api, body, HTTP_IDEMPOTENCY_KEY="a")
    assert_error(create(api, body, HTTP_IDEMPOTENCY_KEY="b"), 409)


def test_a_rejected_request_stores_nothing_so_the_corrected_one_goes_through(api, body):
    rejected = create(api, {**body, "dateOfBirth": "2999-01-01"}, HTTP_IDEMPOTENCY_KEY="order-1")
    assert rejected.status_code == 400
    assert not IdempotencyRecord.objects.exists()

    assert create(api, body, HTTP_IDEMPOTENCY_KEY="order-1").status_code == 201
    assert IdempotencyRecord.objects.get().response_status == 201


def test_keys_belong_to_the_caller(api, body, organization):
    _key, raw = issue_api_key(organization, name="Second system")
    create(api, body, HTTP_IDEMPOTENCY_KEY="order-1")

    # Another system's same key is its own request: here a conflict, never the first system's answer.
    response = create(client_with_key(raw), body, HTTP_IDEMPOTENCY_KEY="order-1")

    assert_error(response, 409, "conflict")


def test_keys_of_two_organizations_never_meet(api, other_api, body):
    create(api, body, HTTP_IDEMPOTENCY_KEY="order-1")
    response = create(other_api, body, HTTP_IDEMPOTENCY_KEY="order-1")
    assert response.status_code == 201
    assert not response.has_header("Idempotent-Replayed")


@pytest.mark.parametrize("key", ["", "   ", "x" * 201, "tab\there"])
def test_an_unusable_key_is_a_400(api, body, key):
    data = assert_error(create(api, body, HTTP_IDEMPOTENCY_KEY=key), 400, "invalid", ["Idempotency-Key"])
    assert "printable" in data["errors"]["Idempotency-Key"][0]
    assert Patient.objects.count() == 0


def test_the_stored_record_holds_no_password(api, body):
    create(api, body, HTTP_IDEMPOTENCY_KEY="order-1")
    record = IdempotencyRecord.objects.get()

    assert body["password"] not in str(record.response_body)
    assert body["password"] not in record.request_fingerprint

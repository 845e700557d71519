"""Racing requests on PostgreSQL: the database decides, never a read made before writing."""

import threading

import pytest
from django.db import connection

from patients.models import IdempotencyRecord, Patient
from tests.api.patients_helpers import VALID_BODY, client_with_key, create

pytestmark = [pytest.mark.postgres_only, pytest.mark.django_db(transaction=True)]


def race(send, times=2):
    """Run `send()` in `times` threads released together; their responses."""
    barrier = threading.Barrier(times)
    responses = [None] * times
    errors = []

    def run(i):
        try:
            barrier.wait(timeout=10)
            responses[i] = send()
        except Exception as exc:  # reported below: a thread's failure must fail the test
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(times)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors, errors
    return responses


def test_two_creates_with_the_same_email_make_one_patient_and_one_409(api_key):
    responses = race(lambda: create(client_with_key(api_key.raw), VALID_BODY))

    assert sorted(r.status_code for r in responses) == [201, 409]
    conflict = next(r for r in responses if r.status_code == 409).json()
    assert conflict["code"] == "conflict"
    assert "email" in conflict["errors"]
    assert Patient.objects.count() == 1


def test_racing_repeats_of_one_idempotency_key_create_one_patient(api_key):
    responses = race(lambda: create(client_with_key(api_key.raw), VALID_BODY, HTTP_IDEMPOTENCY_KEY="race-1"))

    assert [r.status_code for r in responses] == [201, 201]
    assert responses[0].json() == responses[1].json()
    assert sorted(r.has_header("Idempotent-Replayed") for r in responses) == [False, True]
    assert Patient.objects.count() == 1
    assert IdempotencyRecord.objects.count() == 1


def test_many_racing_creates_get_distinct_patient_numbers(api_key):
    counter = iter(range(100))
    lock = threading.Lock()

    def send():
        with lock:
            n = next(counter)
        return create(client_with_key(api_key.raw), {**VALID_BODY, "email": f"p{n}@example.com"})

    responses = race(send, times=4)

    assert [r.status_code for r in responses] == [201] * 4
    numbers = sorted(Patient.objects.values_list("patient_number", flat=True))
    assert numbers == [1, 2, 3, 4]

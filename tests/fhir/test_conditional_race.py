"""Conditional create under concurrency, on PostgreSQL: the database decides, never a read made before writing.

Without the advisory lock (patients/fhir/conditional.py) the first test makes several patients."""

import json
import threading

import pytest
from django.test import Client

from patients.models import Patient
from tests.api.test_concurrency import race
from tests.fhir.helpers import ON_CARD, jane

pytestmark = [pytest.mark.postgres_only, pytest.mark.django_db(transaction=True)]
THREADS = 50


def conditional_create(api_key, body, condition):
    client = Client(HTTP_AUTHORIZATION=f"Bearer {api_key.raw}", HTTP_ACCEPT="application/fhir+json")
    return client.post("/fhir/R4/Patient", json.dumps(body), content_type="application/fhir+json",
                       HTTP_IF_NONE_EXIST=condition)


def test_fifty_simultaneous_identical_conditional_creates_make_one_patient(api_key):
    responses = race(lambda: conditional_create(api_key, jane(), f"identifier={ON_CARD}|9876543217"), THREADS)

    statuses = sorted(r.status_code for r in responses)
    assert statuses == [200] * (THREADS - 1) + [201], statuses
    assert Patient.objects.count() == 1
    created = Patient.objects.get()
    assert {json.loads(r.content)["id"] for r in responses} == {str(created.pk)}


def test_a_condition_written_differently_is_the_same_condition(api_key):
    """`family=DOE&birthdate=1985-04-12` and `birthdate=eq1985-04-12&family=doe` search the same patients."""
    conditions = iter(["family=DOE&birthdate=1985-04-12", "birthdate=eq1985-04-12&family=doe"] * (THREADS // 2))
    lock = threading.Lock()

    def send():
        with lock:
            condition = next(conditions)
        return conditional_create(api_key, jane(identifier=[], telecom=[{"system": "phone", "value": "4165550123"}]),
                                  condition)

    responses = race(send, 10)
    assert sorted(r.status_code for r in responses) == [200] * 9 + [201]
    assert Patient.objects.count() == 1


def test_racing_creates_with_different_conditions_each_create_their_patient(api_key):
    counter = iter(range(100))
    lock = threading.Lock()

    def send():
        with lock:
            n = next(counter)
        body = jane(identifier=[], telecom=[{"system": "phone", "value": "4165550123"},
                                            {"system": "email", "value": f"p{n}@example.com"}])
        return conditional_create(api_key, body, f"email=p{n}@example.com")

    responses = race(send, 8)
    assert [r.status_code for r in responses] == [201] * 8
    assert sorted(Patient.objects.values_list("patient_number", flat=True)) == list(range(1, 9))

"""A signed-in patient reading (and changing) their own record through /api/v1/me is logged."""

import pytest
from rest_framework.test import APIClient

from tests.access_log.helpers import events
from tests.verification.conftest import PASSWORD, email_code, register

pytestmark = pytest.mark.django_db


@pytest.fixture
def me(organization):
    patient = register(organization)
    client = APIClient()
    answer = client.post("/api/v1/patients/sign-in", {"username": "ana.silva@example.com#maple",
                                                       "password": PASSWORD}, format="json")
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {answer.json()['token']}")
    return patient, client


def test_reading_my_record_is_a_view_by_me(me):
    patient, client = me
    assert client.get("/api/v1/me").status_code == 200
    assert events() == [("view", "patient", "Patient Ana Silva", patient.pk)]


def test_changing_my_record_is_a_change_by_me(me):
    patient, client = me
    assert client.patch("/api/v1/me", {"phone": "416 555 0188"}, format="json").status_code == 200
    assert events() == [("change", "patient", "Patient Ana Silva", patient.pk)]


def test_sending_and_confirming_a_code_are_changes(me, mailoutbox):
    patient, client = me
    assert client.post(f"/api/v1/patients/{patient.pk}/verifications/email").status_code == 202
    code = email_code(mailoutbox, patient.email)
    confirm = client.post(f"/api/v1/patients/{patient.pk}/verifications/email/confirm", {"code": code}, format="json")
    assert confirm.status_code == 200
    assert events() == [("change", "patient", "Patient Ana Silva", patient.pk)] * 2

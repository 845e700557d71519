"""Patient tokens: what they open (their own /me), what they never open, expiry and revocation."""

from datetime import timedelta

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from patients import accounts
from patients.models import Patient, PatientToken, Verification
from tests.verification.conftest import sign_in


def with_token(raw):
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    return api


def test_me_shows_the_signed_in_patients_contact_details(patient_client, account):
    answer = patient_client.get("/api/v1/me")

    assert answer.status_code == 200
    assert answer.json() == {
        "id": str(account.pk),
        "username": "ana.silva@example.com#maple",
        "firstName": "Ana",
        "lastName": "Silva",
        "preferredName": "",
        "email": "ana.silva@example.com",
        "phone": "+14165550134",
        "province": "",
        "acceptsMarketing": False,
        "verifications": {"email": "unverified", "phone": "unverified"},
    }


def test_a_patient_changes_their_own_contact_details(patient_client, account):
    answer = patient_client.patch(
        "/api/v1/me", {"email": "ana@example.org", "phone": "(647) 555-0199", "acceptsMarketing": True}, format="json"
    )

    assert answer.status_code == 200, answer.json()
    assert answer.json()["username"] == "ana@example.org#maple"
    assert answer.json()["phone"] == "+16475550199"
    account.refresh_from_db()
    assert account.email == "ana@example.org" and account.accepts_marketing is True
    last = account.history.first()
    assert last.history_channel == "patient" and last.history_actor == "Patient Ana Silva"
    assert patient_client.get("/api/v1/me").status_code == 200  # the token outlives the new username
    assert sign_in(APIClient(), username="ana@example.org#maple").status_code == 200


@pytest.mark.parametrize("body, field", [
    ({"firstName": "Anna"}, "firstName"),
    ({"verifications": {"email": "verified"}}, "verifications"),
    ({"password": "Another-pass-99!"}, "password"),
    ({"emrId": 7}, "emrId"),
])
def test_a_patient_cannot_change_anything_else(patient_client, account, body, field):
    answer = patient_client.patch("/api/v1/me", body, format="json")

    assert answer.status_code == 400
    assert field in answer.json()["errors"]
    account.refresh_from_db()
    assert account.given_name == "Ana" and not Verification.objects.filter(patient=account).exists()


def test_bad_contact_details_are_field_errors_and_nothing_is_written(patient_client, account):
    answer = patient_client.patch("/api/v1/me", {"email": "not-an-email", "phone": "call me"}, format="json")

    assert answer.status_code == 400
    assert set(answer.json()["errors"]) == {"email", "phone"}
    account.refresh_from_db()
    assert account.email == "ana.silva@example.com"


def test_an_email_taken_by_another_patient_is_a_conflict(patient_client, other_account):
    answer = patient_client.patch("/api/v1/me", {"email": other_account.email}, format="json")

    assert answer.status_code == 409
    assert "email" in answer.json()["errors"]


def test_an_expired_token_is_refused(account):
    token, raw = accounts.issue_token(account)
    PatientToken.objects.filter(pk=token.pk).update(expires_at=timezone.now() - timedelta(seconds=1))

    answer = with_token(raw).get("/api/v1/me")

    assert answer.status_code == 401
    assert answer.json()["code"] == "authentication_failed"
    assert accounts.patient_for_token(raw) is None


def test_sign_out_revokes_the_token(patient_client):
    assert patient_client.post("/api/v1/patients/sign-out").status_code == 204

    assert patient_client.get("/api/v1/me").status_code == 401
    assert PatientToken.objects.get().revoked_at is not None


def test_signing_out_one_token_keeps_the_others(account):
    first, first_raw = accounts.issue_token(account)
    _second, second_raw = accounts.issue_token(account)

    accounts.sign_out(first)

    assert accounts.patient_for_token(first_raw) is None
    assert accounts.patient_for_token(second_raw) == account
    assert accounts.sign_out_everywhere(account) == 1
    assert accounts.patient_for_token(second_raw) is None


def test_an_archived_patients_token_stops_working(patient_client, account):
    Patient.objects.filter(pk=account.pk).update(status=Patient.Status.ARCHIVED)

    assert patient_client.get("/api/v1/me").status_code == 401


@pytest.mark.parametrize("header", ["Bearer pat_made-up", "Bearer", "Bearer pat_a pat_b", "Token pat_x"])
def test_made_up_or_malformed_tokens_are_refused(db, header):
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=header)

    answer = api.get("/api/v1/me")

    assert answer.status_code == 401
    assert set(answer.json()) == {"status", "code", "message", "errors", "requestId"}


def test_me_needs_a_patient_token_not_an_api_key_or_a_staff_session(api_key, member):
    assert with_token(api_key.raw).get("/api/v1/me").status_code == 401
    staff = APIClient()
    staff.force_login(member)
    assert staff.get("/api/v1/me").status_code == 401


def test_a_patient_token_cannot_read_another_patient_or_list_patients(patient_client, account, other_account):
    for url in (
        "/api/v1/patients",
        f"/api/v1/patients/{other_account.pk}",
        f"/api/v1/patients/{account.pk}",  # not even their own record: that is what /me is for
    ):
        answer = patient_client.get(url)
        assert answer.status_code in (401, 403), url
        assert "firstName" not in answer.json()
    assert patient_client.patch(f"/api/v1/patients/{account.pk}", {"emrId": 5}, format="json").status_code in (
        401, 403)
    assert patient_client.post("/api/v1/patients", {"email": "x@example.com"}, format="json").status_code in (
        401, 403)
    assert patient_client.post("/api/user/v1/patients/add", {"isLead": True}, format="json").status_code in (
        401, 403)


def test_a_patient_token_does_not_open_staff_pages(patient_client):
    answer = patient_client.get("/admin/")

    assert answer.status_code == 302  # to the staff sign-in page

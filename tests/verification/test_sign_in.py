"""POST /api/v1/patients/sign-in: success, refusals that all look alike, the lockout."""

from datetime import timedelta

import pytest
from django.contrib.auth.hashers import make_password
from django.utils import timezone

from patients import accounts
from patients.errors import SignInError
from patients.models import Patient, PatientToken
from tests.answers import body_without_request_id
from tests.verification.conftest import PASSWORD, register, sign_in


def test_sign_in_answers_a_token_for_the_patient(client, account):
    answer = sign_in(client)

    assert answer.status_code == 200
    body = answer.json()
    assert body["patientId"] == str(account.pk)
    assert body["tokenType"] == "Bearer"
    assert body["token"].startswith("pat_")
    token = PatientToken.objects.get(patient=account)
    assert token.token_hash == accounts.hash_token(body["token"])
    assert body["token"] not in token.token_hash  # only the hash is stored
    assert timedelta(hours=11, minutes=59) < token.expires_at - timezone.now() <= timedelta(hours=12)


def test_username_is_read_without_regard_to_case_and_spaces(client, account):
    assert sign_in(client, username="  Ana.Silva@Example.com#MAPLE ").status_code == 200


def test_wrong_password_and_unknown_username_are_answered_alike(client, account):
    wrong_password = sign_in(client, password="Not-the-password-1!")
    unknown_user = sign_in(client, username="nobody@example.com#maple")
    unknown_org = sign_in(client, username="ana.silva@example.com#nowhere")
    no_org = sign_in(client, username="ana.silva@example.com")

    assert wrong_password.status_code == unknown_user.status_code == unknown_org.status_code == 401
    assert no_org.status_code == 401
    assert (body_without_request_id(wrong_password) == body_without_request_id(unknown_user)
            == body_without_request_id(unknown_org) == body_without_request_id(no_org))
    assert wrong_password.json()["code"] == "invalid_credentials"
    assert wrong_password.json()["status"] == 401
    assert wrong_password["WWW-Authenticate"] == unknown_user["WWW-Authenticate"]
    assert not PatientToken.objects.exists()


def test_an_unknown_username_still_costs_a_password_hash(account, monkeypatch):
    hashed = []
    real = accounts.make_password
    monkeypatch.setattr(accounts, "make_password", lambda raw: hashed.append(raw) or real(raw))

    with pytest.raises(SignInError):
        accounts.sign_in("nobody@example.com#maple", "whatever-1!")

    assert hashed == ["whatever-1!"]


def test_the_same_email_in_another_organization_is_another_account(client, account, other_organization):
    register(other_organization, password="Birch-bark-77!")

    assert sign_in(client, username="ana.silva@example.com#birch").status_code == 401
    answer = sign_in(client, username="ana.silva@example.com#birch", password="Birch-bark-77!")
    assert answer.status_code == 200
    assert answer.json()["patientId"] != str(account.pk)


def test_a_patient_without_a_password_cannot_sign_in(client, organization):
    patient = register(organization, password=None)
    assert patient.username == "ana.silva@example.com#maple" and patient.password == ""

    answer = sign_in(client, password="")
    assert answer.status_code == 400  # a password must be sent at all

    for attempt in ("", "Maple-syrup-42!"):
        with pytest.raises(SignInError):
            accounts.sign_in(patient.username, attempt)
    assert body_without_request_id(sign_in(client)) == body_without_request_id(
        sign_in(client, username="nobody@example.com#maple"))


def test_an_archived_patient_cannot_sign_in(client, account):
    Patient.objects.filter(pk=account.pk).update(status=Patient.Status.ARCHIVED)

    assert sign_in(client).status_code == 401


def test_ten_failures_in_a_row_lock_the_account_for_15_minutes(client, account):
    for _ in range(9):
        assert sign_in(client, password="Wrong-password-1!").status_code == 401
    assert sign_in(client).status_code == 200  # a success resets the count
    account.refresh_from_db()
    assert account.failed_sign_ins == 0

    for _ in range(10):
        sign_in(client, password="Wrong-password-1!")
    account.refresh_from_db()
    assert account.locked_until is not None
    assert timedelta(minutes=14) < account.locked_until - timezone.now() <= timedelta(minutes=15)

    locked = sign_in(client)  # even the right password
    assert locked.status_code == 401
    assert body_without_request_id(locked) == body_without_request_id(
        sign_in(client, username="nobody@example.com#maple"))

    Patient.objects.filter(pk=account.pk).update(locked_until=timezone.now() - timedelta(seconds=1))
    assert sign_in(client).status_code == 200


def test_failures_while_locked_count_but_do_not_extend_the_lock(account):
    until = timezone.now() + timedelta(minutes=3)
    Patient.objects.filter(pk=account.pk).update(locked_until=until)

    with pytest.raises(SignInError):
        accounts.sign_in(account.username, "Wrong-password-1!")

    account.refresh_from_db()
    assert account.locked_until == until
    assert account.failed_sign_ins == 1


def test_the_first_failure_after_a_lock_ran_out_starts_a_new_count(account):
    Patient.objects.filter(pk=account.pk).update(
        locked_until=timezone.now() - timedelta(seconds=1), failed_sign_ins=accounts.MAX_FAILED_SIGN_INS
    )

    with pytest.raises(SignInError):
        accounts.sign_in(account.username, "Wrong-password-1!")

    account.refresh_from_db()
    assert (account.failed_sign_ins, account.locked_until) == (1, None)


def test_an_old_password_hash_is_upgraded_on_sign_in(account, settings):
    settings.PASSWORD_HASHERS = [
        "django.contrib.auth.hashers.PBKDF2PasswordHasher", "django.contrib.auth.hashers.MD5PasswordHasher",
    ]
    Patient.objects.filter(pk=account.pk).update(password=make_password(PASSWORD, hasher="md5"))

    accounts.sign_in(account.username, PASSWORD)

    account.refresh_from_db()
    assert account.password.startswith("pbkdf2_sha256$")


@pytest.mark.parametrize("body", [{}, {"username": "a@b.c#maple"}, {"password": "x"}, ["not", "an", "object"]])
def test_a_malformed_request_is_a_400_in_the_error_shape(client, body):
    answer = client.post("/api/v1/patients/sign-in", body, format="json")

    assert answer.status_code == 400
    assert set(answer.json()) == {"status", "code", "message", "errors", "requestId"}


def test_sign_in_is_throttled(client, account, settings):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {**settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], "sign_in": "3/minute"},
    }
    for _ in range(3):
        sign_in(client, password="Wrong-password-1!")

    answer = sign_in(client)

    assert answer.status_code == 429
    assert answer.json()["code"] == "throttled"

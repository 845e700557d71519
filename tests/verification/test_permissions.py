"""Who may send and confirm codes over the API: the patient themself, the organization's staff and
API keys (send only), nobody else; and the contracts' `verifications` showing the real status."""

import pytest
from rest_framework.test import APIClient

from patients.models import Verification
from tests.verification.conftest import email_code, sms_code


def start(api, patient, channel="email"):
    return api.post(f"/api/v1/patients/{patient.pk}/verifications/{channel}")


def confirm(api, patient, code, channel="email"):
    return api.post(f"/api/v1/patients/{patient.pk}/verifications/{channel}/confirm", {"code": code}, format="json")


@pytest.fixture
def key_client(api_key):
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {api_key.raw}")
    return api


@pytest.fixture
def staff_client(member):
    api = APIClient()
    api.force_login(member)
    return api


def test_a_patient_sends_and_confirms_their_own_code(patient_client, account, mailoutbox):
    sent = start(patient_client, account)

    assert sent.status_code == 202
    assert sent.json()["status"] == "pending"
    assert sent.json()["destination"] == "ana.silva@example.com"
    assert sent.json()["resendAfter"] == 60
    assert sent.json()["codeExpiresAt"]
    assert "code" not in sent.json()

    confirmed = confirm(patient_client, account, email_code(mailoutbox, account.email))

    assert confirmed.status_code == 200
    assert confirmed.json()["status"] == "verified"
    assert confirmed.json()["method"] == "code"
    assert confirmed.json()["verifiedAt"]
    assert patient_client.get("/api/v1/me").json()["verifications"] == {"email": "verified", "phone": "unverified"}


def test_both_contracts_show_the_confirmed_status(patient_client, account, key_client, mailoutbox):
    from patients.api.leads import patient_to_contract

    start(patient_client, account, "phone")
    confirm(patient_client, account, sms_code("+14165550134"), "phone")

    create_contract = key_client.get(f"/api/v1/patients/{account.pk}")
    assert create_contract.status_code == 200
    assert create_contract.json()["verifications"] == {"email": "unverified", "phone": "verified"}
    assert patient_to_contract(account)["verifications"] == {"email": "unverified", "phone": "verified"}

    changed = key_client.patch(f"/api/v1/patients/{account.pk}", {"phone": "647 555 0199"}, format="json")
    assert changed.status_code == 200
    assert changed.json()["verifications"] == {"email": "unverified", "phone": "unverified"}


def test_a_wrong_code_over_the_api(patient_client, account, mailoutbox):
    start(patient_client, account)
    code = email_code(mailoutbox, account.email)

    answer = confirm(patient_client, account, f"{(int(code) + 1) % 10**6:06d}")

    assert answer.status_code == 400
    assert answer.json()["errors"] == {"code": ["The code is not correct. 4 tries left."]}
    assert confirm(patient_client, account, "").json()["errors"]["code"]


def test_resending_too_soon_is_a_429_with_retry_after(patient_client, account):
    start(patient_client, account)

    again = start(patient_client, account)

    assert again.status_code == 429
    assert again.json()["code"] == "throttled"
    assert "email" in again.json()["errors"]
    assert 1 <= int(again["Retry-After"]) <= 61


def test_a_patient_cannot_touch_another_patients_verification(patient_client, other_account, outsider):
    from tests.verification.conftest import register

    elsewhere = register(outsider.memberships.get().organization, email="ana.silva@example.com")

    for patient in (other_account, elsewhere):
        assert start(patient_client, patient).status_code == 404
        assert confirm(patient_client, patient, "123456").status_code == 404
    assert not Verification.objects.exists()


def test_an_api_key_sends_but_does_not_confirm(key_client, account, mailoutbox):
    assert start(key_client, account).status_code == 202
    code = email_code(mailoutbox, account.email)

    refused = confirm(key_client, account, code)

    assert refused.status_code == 403
    assert refused.json()["code"] == "permission_denied"
    assert Verification.objects.get().status == "pending"
    history = Verification.objects.get().history.last()
    assert history.history_actor == "API key: EMR bridge"


def test_staff_send_and_confirm_a_code_the_patient_reads_out(staff_client, account, member, mailoutbox):
    assert start(staff_client, account).status_code == 202

    confirmed = confirm(staff_client, account, email_code(mailoutbox, account.email))

    assert confirmed.status_code == 200
    row = Verification.objects.get()
    assert row.verified_by == member and row.verified_by_label == "member (API)"


def test_another_organizations_key_or_staff_get_404(other_api_key, outsider, account):
    other_key = APIClient()
    other_key.credentials(HTTP_AUTHORIZATION=f"Bearer {other_api_key.raw}")
    other_staff = APIClient()
    other_staff.force_login(outsider)

    for api in (other_key, other_staff):
        assert start(api, account).status_code == 404
        assert confirm(api, account, "123456").status_code == 404
    assert not Verification.objects.exists()


def test_without_credentials(db, account):
    anonymous = APIClient()

    assert start(anonymous, account).status_code == 401
    assert confirm(anonymous, account, "123456").status_code == 401


@pytest.mark.parametrize("path", [
    "/api/v1/patients/{pk}/verifications/fax",
    "/api/v1/patients/not-a-uuid/verifications/email",
    "/api/v1/patients/00000000-0000-0000-0000-000000000000/verifications/email",
])
def test_unknown_patients_and_channels_are_404_in_the_error_shape(key_client, account, path):
    answer = key_client.post(path.format(pk=account.pk))

    assert answer.status_code == 404
    assert answer.json()["code"] == "not_found"


def test_verification_endpoints_are_throttled(patient_client, account, settings):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {**settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], "verification": "2/minute"},
    }
    for _ in range(2):
        confirm(patient_client, account, "123456")

    answer = confirm(patient_client, account, "123456")

    assert answer.status_code == 429
    assert answer.json()["code"] == "throttled"


def test_the_endpoints_are_in_the_openapi_schema(db):
    schema = APIClient().get("/api/schema/", HTTP_ACCEPT="application/json").json()

    paths = schema["paths"]
    assert "post" in paths["/api/v1/patients/sign-in"]
    assert "post" in paths["/api/v1/patients/sign-out"]
    assert {"get", "patch"} <= set(paths["/api/v1/me"])
    assert "post" in paths["/api/v1/patients/{patient_id}/verifications/{channel}"]
    assert "post" in paths["/api/v1/patients/{patient_id}/verifications/{channel}/confirm"]
    assert "patientToken" in schema["components"]["securitySchemes"]
    assert "429" in paths["/api/v1/patients/{patient_id}/verifications/{channel}"]["post"]["responses"]


def test_query_counts_stay_small(patient_client, account, client, mailoutbox, django_assert_max_num_queries):
    from tests.verification.conftest import sign_in

    with django_assert_max_num_queries(4):  # token, patient with its verifications, the access event
        assert patient_client.get("/api/v1/me").status_code == 200
    with django_assert_max_num_queries(3):  # the account, clear the count unless locked, the new token
        assert sign_in(client).status_code == 200
    with django_assert_max_num_queries(2):  # the account, count the failure (and lock at the 10th) in one UPDATE
        assert sign_in(client, password="Wrong-password-1!").status_code == 401
    # token, patient, lock or create the row (+ history), the code (+ history), the delivery, and the
    # immediate backend's delivery itself (5), the access event
    with django_assert_max_num_queries(18):
        assert start(patient_client, account).status_code == 202
    with django_assert_max_num_queries(9):  # ... and the access event
        assert confirm(patient_client, account, email_code(mailoutbox, account.email)).status_code == 200

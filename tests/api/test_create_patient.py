"""POST /api/v1/patients: the answer, what is stored, conflicts, authentication, query budget."""

import logging
from datetime import timedelta

import pytest
from django.contrib.auth.hashers import check_password
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.test import APIClient

from organizations.services import issue_api_key, revoke_api_key
from patients.models import Channel, HealthCard, IdempotencyRecord, Patient, Verification
from tests.api.patients_helpers import PATIENTS_URL, assert_error, client_with_key, create
from tests.factories import PatientFactory

FULL_BODY_EXTRA = {
    "roles": ["patient", "caregiver"],
    "meta": {"source": "emr-bridge", "tags": ["a", "b"]},
    "unreadNotifications": 2,
    "emrId": 10234,
    "referrer": "dr-okafor",
    "hcCard": {"number": "9876-543-217", "versionCode": "ab", "province": "ON", "expiryDate": "2030-04-12"},
    "acceptsMarketing": True,
    "hasInsurance": True,
    "verifications": {"email": "verified"},
    "province": "on",
}
ANSWER_KEYS = {
    "id", "status", "mergedInto", "patientNo", "email", "username", "firstName", "lastName", "gender", "phone",
    "dateOfBirth", "roles", "meta", "unreadNotifications", "emrId", "referrer", "hcCard", "acceptsMarketing",
    "hasInsurance", "providers", "groups", "verifications", "province", "createdAt", "updatedAt", "warnings",
    "preferredLanguage",  # an addition to the contract (optional; null when not set)
}


@pytest.fixture
def full_body(body, providers, group):
    return {**body, **FULL_BODY_EXTRA, "providers": [str(p.pk) for p in providers], "groups": [str(group.pk)]}


def test_create_answers_201_with_the_stored_patient_in_camel_case(api, full_body, providers, group, organization):
    response = create(api, full_body)

    assert response.status_code == 201, response.content
    data = response.json()
    assert set(data) == ANSWER_KEYS
    patient = Patient.objects.get(pk=data["id"])
    assert response["Location"] == f"{PATIENTS_URL}/{patient.pk}"
    assert data["status"] == "active"
    assert data["patientNo"] == patient.patient_number == 1
    assert data["email"] == "jane.doe@example.com"
    assert data["username"] == "jane.doe@example.com#maple"
    assert (data["firstName"], data["lastName"], data["gender"]) == ("Jane", "Doe", "female")
    assert data["phone"] == "+14165550123"
    assert data["dateOfBirth"] == "1985-04-12"
    assert data["roles"] == ["patient", "caregiver"]
    assert data["meta"] == {"source": "emr-bridge", "tags": ["a", "b"]}
    assert (data["unreadNotifications"], data["emrId"], data["referrer"]) == (2, 10234, "dr-okafor")
    assert data["hcCard"] == {
        "number": "9876543217", "versionCode": "AB", "province": "ON", "expiryDate": "2030-04-12", "expired": False
    }
    assert (data["acceptsMarketing"], data["hasInsurance"], data["province"]) == (True, True, "ON")
    assert sorted(data["providers"]) == sorted(str(p.pk) for p in providers)
    assert data["groups"] == [str(group.pk)]
    assert data["verifications"] == {"email": "verified", "phone": "unverified"}
    assert data["createdAt"] and data["updatedAt"]
    assert data["warnings"] == []

    assert patient.organization == organization
    assert patient.health_card.number == "9876543217"
    assert set(patient.providers.all()) == set(providers)
    assert list(patient.groups.all()) == [group]


def test_minimal_body_gets_the_contract_defaults(api, body):
    data = create(api, body).json()

    assert data["roles"] == ["patient"]
    assert data["unreadNotifications"] == 0
    assert data["hasInsurance"] is False
    assert data["acceptsMarketing"] is False
    assert data["hcCard"] is None
    assert data["emrId"] is None
    assert (data["providers"], data["groups"], data["meta"]) == ([], [], {})
    assert data["verifications"] == {"email": "unverified", "phone": "unverified"}


def test_patient_numbers_increase_per_organization(api, other_api, body):
    first = create(api, body).json()
    second = create(api, {**body, "email": "second@example.com"}).json()
    elsewhere = create(other_api, body).json()

    assert (first["patientNo"], second["patientNo"], elsewhere["patientNo"]) == (1, 2, 1)


def test_the_key_is_recorded_as_who_registered(api, api_key, body):
    patient = Patient.objects.get(pk=create(api, body).json()["id"])

    assert patient.created_via == Channel.API
    assert patient.created_by_api_key == api_key
    record = patient.history.get()
    assert record.history_actor == "API key: EMR bridge"
    assert record.history_channel == Channel.API


def test_password_creates_the_login_and_is_never_echoed_or_logged(api, body, caplog):
    body["password"] = "Unusual-Secret-93!"
    with caplog.at_level(logging.DEBUG):
        response = create(api, body, HTTP_IDEMPOTENCY_KEY="with-password")

    assert response.status_code == 201
    assert "Unusual-Secret-93!" not in response.content.decode()
    assert "password" not in response.json()
    assert "Unusual-Secret-93!" not in caplog.text
    patient = Patient.objects.get(pk=response.json()["id"])
    assert check_password("Unusual-Secret-93!", patient.password)
    assert "Unusual-Secret-93!" not in str(IdempotencyRecord.objects.get().response_body)
    assert not hasattr(patient.history.get(), "password")


def test_trusted_caller_may_state_a_channel_verified(api, body, organization):
    body["verifications"] = {"email": "verified", "phone": "pending"}
    patient_id = create(api, body).json()["id"]

    email = Verification.objects.get(patient_id=patient_id, channel="email")
    assert (email.status, email.method, email.verified_by_label) == ("verified", "external", "API key: EMR bridge")
    assert email.destination == "jane.doe@example.com"
    assert email.verified_at is not None
    phone = Verification.objects.get(patient_id=patient_id, channel="phone")
    assert (phone.status, phone.method) == ("pending", "")


def test_verifications_reflect_the_stored_rows(api, body):
    data = create(api, {**body, "verifications": {"phone": True}}).json()

    assert data["verifications"] == {"email": "unverified", "phone": "verified"}
    assert Verification.objects.filter(patient_id=data["id"]).count() == 1


@pytest.mark.parametrize(
    ("existing", "sent", "field"),
    [
        ({"email": "Jane.Doe@Example.com"}, {"email": "jane.doe@EXAMPLE.com"}, "email"),
        ({"emr_id": 77}, {"emrId": 77}, "emrId"),
    ],
)
def test_already_registered_email_or_emr_id_is_409(api, body, organization, existing, sent, field):
    PatientFactory(organization=organization, **existing)

    response = create(api, {**body, **sent})

    data = assert_error(response, 409, "conflict", [field])
    assert "already registered" in data["errors"][field][0]
    assert Patient.objects.count() == 1


def test_already_registered_health_card_is_409_and_nothing_is_written(api, body, organization):
    card = {"number": "9876543217", "province": "ON"}
    assert create(api, {**body, "hcCard": card}).status_code == 201
    numbers_before = organization.__class__.objects.get(pk=organization.pk).last_patient_number

    response = create(api, {**body, "email": "someone.else@example.com", "hcCard": card})

    assert_error(response, 409, "conflict", ["hcCard.number"])
    assert Patient.objects.count() == 1
    assert HealthCard.objects.count() == 1
    assert organization.__class__.objects.get(pk=organization.pk).last_patient_number == numbers_before


def test_the_same_details_in_another_organization_are_no_conflict(api, other_api, body):
    body["emrId"] = 5
    assert create(api, body).status_code == 201
    assert create(other_api, body).status_code == 201


def test_a_rejected_request_writes_nothing(api, body, organization):
    body.update({"dateOfBirth": "2999-01-01", "hcCard": {"number": "9876543217", "province": "ON"}})

    response = create(api, body)

    assert_error(response, 400, "invalid", ["dateOfBirth"])
    assert Patient.objects.count() == 0
    assert HealthCard.objects.count() == 0
    assert Patient.history.count() == 0
    organization.refresh_from_db()
    assert organization.last_patient_number == 0


def test_every_field_error_is_reported_at_once_with_contract_names(api):
    response = create(api, {"gender": "robot", "hcCard": {"number": "123", "province": "ON"}})

    data = assert_error(response, 400, "invalid")
    assert {"email", "firstName", "lastName", "gender", "phone", "dateOfBirth", "hcCard.number"} <= set(
        data["errors"]
    )
    assert not any("_" in key for key in data["errors"])  # no domain names leak out


class TestAuthentication:
    def test_no_key_is_401(self, body, organization):
        response = APIClient().post(PATIENTS_URL, body, format="json")
        data = assert_error(response, 401, "not_authenticated")
        assert "Authorization: Bearer" in data["message"]
        assert response["WWW-Authenticate"] == 'Bearer realm="api"'

    def test_unknown_key_is_401(self, body, organization):
        response = create(client_with_key("pik_not-a-real-key"), body)
        assert_error(response, 401, "authentication_failed")

    def test_revoked_key_is_401(self, api_key, body):
        revoke_api_key(api_key)
        assert_error(create(client_with_key(api_key.raw), body), 401)

    def test_expired_key_is_401(self, organization, body):
        _key, raw = issue_api_key(organization, name="old", expires_at=timezone.now() - timedelta(minutes=1))
        assert_error(create(client_with_key(raw), body), 401)

    def test_key_of_an_inactive_organization_is_401(self, api_key, organization, body):
        organization.is_active = False
        organization.save()
        assert_error(create(client_with_key(api_key.raw), body), 401)
        assert Patient.objects.count() == 0

    def test_use_is_recorded_on_the_key(self, api, api_key, body):
        create(api, body)
        api_key.refresh_from_db()
        assert api_key.last_used_at is not None


def test_create_stays_within_the_query_budget(api, full_body, django_assert_max_num_queries):
    # Measured on PostgreSQL: 20 statements = key lookup and last use, idempotency record and its answer,
    # provider and group checks, patient number (UPDATE ... RETURNING), patient, provider links, group
    # links, health card, stated verification, 3 history rows, and 2 savepoints with their releases, the
    # new patient's duplicate pairs (one INSERT ... SELECT). The answer is what was just written: no
    # read of the verifications either (selectors.summary_of_registration).
    with CaptureQueriesContext(connection) as captured, django_assert_max_num_queries(20):
        response = create(api, full_body, HTTP_IDEMPOTENCY_KEY="budget")
    assert response.status_code == 201
    reads = [q["sql"] for q in captured.captured_queries if (q["sql"] or "").startswith("SELECT")]
    assert not [sql for sql in reads if '"patients_verification"' in sql]


def test_the_create_answer_is_what_reading_the_patient_shows(api, full_body):
    created = create(api, full_body).json()

    read = api.get(f"/api/v1/patients/{created['id']}").json()

    created.pop("warnings"), read.pop("warnings")
    assert created == read
    assert created["verifications"] == {"email": "verified", "phone": "unverified"}  # as stated, as stored
    assert created["hcCard"]["number"] and len(created["providers"]) == 2 and created["groups"]


def test_each_key_has_its_own_rate_limit(api, other_api, body, settings):
    rates = {**settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], "api_key": "2/hour"}
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": rates}
    for i in range(2):
        assert create(api, {**body, "email": f"p{i}@example.com"}).status_code == 201

    assert_error(create(api, {**body, "email": "p3@example.com"}), 429, "throttled")
    assert create(other_api, body).status_code == 201

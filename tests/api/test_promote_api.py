"""POST /api/v1/patients/{id}/promote: the promotion service's rules through the v1 API."""

import json
import threading
from datetime import date

import pytest
from django.db import connection
from django.test import Client

from patients.models import Patient
from tests.api.test_register_patient_contract import CONTRACT_REQUEST
from tests.api.test_register_patient_contract import post as register
from tests.factories import LeadFactory, PatientFactory

ERROR_KEYS = {"status", "code", "message", "errors", "requestId"}
# The v1 patient: the contract's camelCase fields plus what the server adds.
PATIENT_KEYS = {
    "id", "status", "patientNo", "createdAt", "updatedAt", "email", "username", "firstName", "lastName", "gender",
    "phone", "dateOfBirth", "roles", "meta", "unreadNotifications", "emrId", "referrer", "hcCard",
    "acceptsMarketing", "hasInsurance", "providers", "groups", "verifications", "province",
}


def url(patient_or_id):
    return f"/api/v1/patients/{getattr(patient_or_id, 'pk', patient_or_id)}/promote"


def promote(client, key, patient, body=None, **extra):
    data = body if isinstance(body, str | bytes) else json.dumps(body if body is not None else {})
    return client.post(url(patient), data=data, content_type="application/json",
                       HTTP_AUTHORIZATION=f"Bearer {key.raw}", **extra)


@pytest.fixture
def lead(client, api_key):
    """The contract's example lead, registered through the contract."""
    response = register(client, api_key, CONTRACT_REQUEST)
    return Patient.objects.get(pk=response.json()["data"]["patient"]["id"])


def assert_error(response, http_status, code=None):
    assert response.status_code == http_status, response.content
    body = response.json()
    assert ERROR_KEYS <= set(body)
    assert body["status"] == http_status
    if code is not None:
        assert body["code"] == code
    return body


def test_promotes_a_lead_with_the_missing_fields(client, api_key, lead):
    response = promote(client, api_key, lead, {"dateOfBirth": "1980-05-06", "phone": "+971 56 123 1231"})

    assert response.status_code == 200, response.content
    patient = response.json()
    assert PATIENT_KEYS <= set(patient)
    assert "password" not in patient
    assert patient["id"] == str(lead.pk)
    assert (patient["status"], patient["patientNo"]) == ("active", 1)
    assert (patient["firstName"], patient["lastName"]) == ("Incomplete", "patient")
    assert (patient["dateOfBirth"], patient["phone"], patient["gender"]) == ("1980-05-06", "+971561231231", "male")
    assert isinstance(patient["createdAt"], str) and isinstance(patient["updatedAt"], str)
    stored = Patient.objects.get(pk=lead.pk)
    assert (stored.status, stored.patient_number, stored.date_of_birth) == ("active", 1, date(1980, 5, 6))
    assert stored.promoted_by_label == "API key: EMR bridge"
    assert stored.history.first().history_actor == "API key: EMR bridge"


def test_the_answer_is_the_patient_as_the_v1_api_reads_it(client, api_key, lead):
    promoted = promote(client, api_key, lead, {"dateOfBirth": "1980-05-06", "phone": "+971561231231"}).json()

    read = client.get(f"/api/v1/patients/{lead.pk}", HTTP_AUTHORIZATION=f"Bearer {api_key.raw}")
    assert read.status_code == 200
    assert {k: v for k, v in read.json().items() if k != "warnings"} == {
        k: v for k, v in promoted.items() if k != "warnings"}


def test_answers_what_is_missing(client, api_key, lead):
    body = assert_error(promote(client, api_key, lead), 400, "lead_incomplete")

    assert body["missing"] == ["dateOfBirth", "phone"]
    assert set(body["errors"]) == {"dateOfBirth", "phone"}
    assert Patient.objects.get(pk=lead.pk).status == Patient.Status.LEAD


def test_names_are_missing_under_the_v1_names(client, organization, api_key):
    lead = LeadFactory(organization=organization, given_name="", family_name="", full_name="",
                       phone="+14165550123", gender=Patient.Gender.UNKNOWN)

    body = assert_error(promote(client, api_key, lead, {"dateOfBirth": "1980-05-06"}), 400, "lead_incomplete")

    assert body["missing"] == ["firstName", "lastName", "gender"]


def test_fields_are_checked_with_the_v1_rules(client, api_key, lead):
    body = assert_error(promote(client, api_key, lead, {"dateOfBirth": "2999-01-01", "phone": "call me",
                                                        "email": "nope"}), 400, "invalid")

    assert set(body["errors"]) == {"dateOfBirth", "phone", "email"}
    assert Patient.objects.get(pk=lead.pk).status == Patient.Status.LEAD


@pytest.mark.parametrize("body", [{"dob": "1980-05-06"}, {"hcCard": {"num": "1"}}])
def test_unknown_fields_are_refused(client, api_key, lead, body):
    response = assert_error(promote(client, api_key, lead, body), 400)

    assert response["errors"]


@pytest.mark.parametrize("body", ["[]", '"x"', "{", "null"])
def test_a_body_that_is_not_an_object_is_400(client, api_key, lead, body):
    assert_error(promote(client, api_key, lead, body), 400)


def test_not_a_lead_is_409(client, organization, api_key):
    patient = PatientFactory(organization=organization)

    assert_error(promote(client, api_key, patient, {}), 409)
    patient.refresh_from_db()
    assert patient.status == Patient.Status.ACTIVE


def test_possible_duplicates_are_listed_with_reasons(client, organization, api_key, lead):
    existing = PatientFactory(organization=organization, phone="+971561231231", given_name="Omar",
                              family_name="Haddad", date_of_birth=date(1970, 1, 2))

    body = assert_error(promote(client, api_key, lead, {"dateOfBirth": "1980-05-06", "phone": "+971561231231"}),
                        409, "possible_duplicates")

    assert body["matches"] == [{"id": str(existing.pk), "patientNo": existing.patient_number, "firstName": "Omar",
                                "lastName": "Haddad", "dateOfBirth": "1970-01-02", "reasons": ["same phone"]}]
    assert Patient.objects.get(pk=lead.pk).status == Patient.Status.LEAD


def test_confirmed_duplicates_are_promoted(client, organization, api_key, lead):
    PatientFactory(organization=organization, phone="+971561231231")

    response = promote(client, api_key, lead, {"dateOfBirth": "1980-05-06", "phone": "+971561231231",
                                               "confirmDuplicates": True})

    assert response.status_code == 200, response.content
    assert response.json()["patientNo"] == 2


@pytest.mark.parametrize("value", ["true", 1, None])
def test_confirm_duplicates_must_be_true_or_false(client, api_key, lead, value):
    body = assert_error(promote(client, api_key, lead, {"confirmDuplicates": value}), 400)

    assert list(body["errors"]) == ["confirmDuplicates"]


def test_an_email_already_used_is_409(client, organization, api_key, lead):
    PatientFactory(organization=organization, email="taken@example.com")

    body = assert_error(promote(client, api_key, lead, {"dateOfBirth": "1980-05-06", "phone": "+971561231231",
                                                        "email": "taken@example.com", "confirmDuplicates": True}),
                        409, "conflict")
    assert list(body["errors"]) == ["email"]


def test_another_organizations_lead_is_404(client, other_organization, api_key, other_api_key, lead):
    theirs = LeadFactory(organization=other_organization, phone="+14165550123")

    assert_error(promote(client, api_key, theirs, {"dateOfBirth": "1980-05-06"}), 404)
    assert_error(promote(client, other_api_key, lead, {"dateOfBirth": "1980-05-06"}), 404)
    theirs.refresh_from_db()
    assert theirs.status == Patient.Status.LEAD


def test_a_missing_patient_is_404(client, api_key):
    assert_error(promote(client, api_key, "0d004909-7a04-4909-8c7f-000000000000", {}), 404)


def test_no_key_is_401(client, lead):
    response = client.post(url(lead), data="{}", content_type="application/json")

    assert_error(response, 401)


def test_a_staff_session_promotes_in_its_organization(client, organization, member, lead):
    client.force_login(member)

    response = client.post(url(lead), data=json.dumps({"dateOfBirth": "1980-05-06", "phone": "+971561231231"}),
                           content_type="application/json", HTTP_X_ORGANIZATION_ID="maple")

    assert response.status_code == 200, response.content
    stored = Patient.objects.get(pk=lead.pk)
    assert (stored.promoted_by, stored.promoted_by_label) == (member, "member (API)")


def test_a_staff_session_needs_csrf(organization, member, lead):
    client = Client(enforce_csrf_checks=True)
    client.force_login(member)

    response = client.post(url(lead), data=json.dumps({"dateOfBirth": "1980-05-06"}),
                           content_type="application/json", HTTP_X_ORGANIZATION_ID="maple")

    assert_error(response, 403)
    assert Patient.objects.get(pk=lead.pk).status == Patient.Status.LEAD


def test_promote_query_budget(client, api_key, lead, django_assert_max_num_queries):
    body = {"dateOfBirth": "1980-05-06", "phone": "+971561231231"}
    # key; lead; savepoint, lock, health card, duplicates, number (2), savepoint, update, history,
    # verification reset check, releases (2); the access event (change); the answer: patient + providers,
    # groups, verifications; its duplicate pairs found again (delete, insert).
    with django_assert_max_num_queries(21):
        response = promote(client, api_key, lead, body)
    assert response.status_code == 200


def test_refused_promotion_query_budget(client, api_key, lead, django_assert_max_num_queries):
    with django_assert_max_num_queries(6):  # key; lead; savepoint, lock, rollback, release
        response = promote(client, api_key, lead)
    assert response.status_code == 400


def test_openapi_documents_promotion(client, db):
    schema = json.loads(client.get("/api/schema/", HTTP_ACCEPT="application/json").content)

    operation = schema["paths"]["/api/v1/patients/{patient_id}/promote"]["post"]
    assert {"200", "400", "401", "404", "409"} <= set(operation["responses"])
    assert "confirmDuplicates" in json.dumps(schema["components"]["schemas"])


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
def test_the_same_lead_promoted_twice_at_once_through_the_api(organization, api_key):
    lead = LeadFactory(organization=organization, phone="+971561231231", email="")
    barrier = threading.Barrier(2)
    statuses = []

    def call():
        try:
            barrier.wait(timeout=10)
            statuses.append(promote(Client(), api_key, lead, {"dateOfBirth": "1980-05-06"}).status_code)
        finally:
            connection.close()

    threads = [threading.Thread(target=call) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert sorted(statuses) == [200, 409]
    assert Patient.objects.get(pk=lead.pk).patient_number == 1

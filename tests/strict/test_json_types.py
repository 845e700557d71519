"""A value of the wrong JSON type is a field-level 400 on every v1 route, PATCH included, and is never
coerced: an object is not stored as its Python text, 0 is not an empty email."""

import pytest
from rest_framework.test import APIClient

from patients.models import Patient
from tests.api.patients_helpers import VALID_BODY, client_with_key
from tests.factories import LeadFactory, PatientFactory
from tests.strict.conftest import assert_envelope_error, assert_v1_error, rows, send
from tests.verification.conftest import PASSWORD, register, sign_in

WRONG_TYPES = [
    ({"firstName": {"$gt": ""}}, "firstName"),
    ({"firstName": ["Jane"]}, "firstName"),
    ({"lastName": 12}, "lastName"),
    ({"email": 0}, "email"),
    ({"phone": 4165550123}, "phone"),
    ({"password": 12345678901}, "password"),
    ({"dateOfBirth": 19850412}, "dateOfBirth"),
    ({"referrer": True}, "referrer"),
    ({"province": ["ON"]}, "province"),
    ({"username": 5}, "username"),
    ({"gender": 1}, "gender"),
    ({"roles": [1]}, "roles.0"),
    ({"emrId": "42"}, "emrId"),
    ({"emrId": True}, "emrId"),
    ({"unreadNotifications": "3"}, "unreadNotifications"),
    ({"acceptsMarketing": "true"}, "acceptsMarketing"),
    ({"hasInsurance": 1}, "hasInsurance"),
    ({"meta": ["a"]}, "meta"),
    ({"providers": [{"id": 1}]}, "providers.0"),
    ({"groups": {"a": 1}}, "groups"),
    ({"verifications": {"email": 1}}, "verifications.email"),
    ({"hcCard": {"number": 9876543217, "province": "ON"}}, "hcCard.number"),
    ({"hcCard": {"number": "9876543217", "province": "ON", "expiryDate": 20300101}}, "hcCard.expiryDate"),
    ({"hcCard": []}, "hcCard"),
]


@pytest.fixture
def api(api_key):
    return client_with_key(api_key.raw)


@pytest.mark.parametrize("changes, field", WRONG_TYPES, ids=lambda v: str(v)[:40])
def test_create_refuses_a_wrong_type(api, changes, field):
    assert_v1_error(send(api, "post", "/api/v1/patients", {**VALID_BODY, **changes}), [field])
    assert not Patient.objects.exists()


@pytest.mark.parametrize("changes, field", WRONG_TYPES, ids=lambda v: str(v)[:40])
def test_patch_refuses_a_wrong_type(api, organization, changes, field):
    patient = PatientFactory(organization=organization, given_name="Ada")
    before = rows()
    assert_v1_error(send(api, "patch", f"/api/v1/patients/{patient.pk}", changes), [field])
    assert rows() == before
    patient.refresh_from_db()
    assert patient.given_name == "Ada"


@pytest.mark.parametrize("changes, field", [*WRONG_TYPES[:6], ({"confirmDuplicates": "yes"}, "confirmDuplicates")],
                         ids=lambda v: str(v)[:40])
def test_promote_refuses_a_wrong_type(api, organization, changes, field):
    lead = LeadFactory(organization=organization)
    before = rows()
    assert_v1_error(send(api, "post", f"/api/v1/patients/{lead.pk}/promote", changes), [field])
    assert rows() == before


@pytest.mark.parametrize("changes, field", [
    ({"isLead": "true"}, "isLead"), ({"fullName": 5}, "fullName"), ({"email": {"a": 1}}, "email"),
    ({"gender": 1}, "gender"), ({"dateOfBirth": "1111-01-01"}, "dateOfBirth.date"),
    ({"localPhone": 561231231}, "localPhone"),
])
def test_leads_route_refuses_a_wrong_type_in_its_envelope(api, changes, field):
    body = {"isLead": True, "fullName": "Ann Lee", "gender": "Male", "dateOfBirth": {"date": "1111-01-01"}, **changes}
    assert_envelope_error(send(api, "post", "/api/user/v1/patients/add", body), "1", [field])
    assert not Patient.objects.exists()


@pytest.fixture
def patient_api(organization):
    register(organization)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {sign_in(client).json()['token']}")
    return client


@pytest.mark.parametrize("changes, field", [
    ({"email": 0}, "email"), ({"email": None}, "email"), ({"phone": 4165550134}, "phone"),
    ({"preferredName": ["Ana"]}, "preferredName"), ({"province": {"code": "ON"}}, "province"),
    ({"acceptsMarketing": "yes"}, "acceptsMarketing"),
])
def test_me_patch_refuses_a_wrong_type_and_keeps_the_email(patient_api, changes, field):
    assert_v1_error(send(patient_api, "patch", "/api/v1/me", changes), [field])
    assert patient_api.get("/api/v1/me").json()["email"] == "ana.silva@example.com"


@pytest.mark.parametrize("body, field", [
    ({"username": 5, "password": PASSWORD}, "username"),
    ({"username": "ana.silva@example.com#maple", "password": ["x"]}, "password"),
])
def test_sign_in_refuses_a_wrong_type(organization, body, field):
    register(organization)
    assert_v1_error(send(APIClient(), "post", "/api/v1/patients/sign-in", body), [field])


def test_verification_confirm_refuses_a_number_for_the_code(organization):
    patient = register(organization)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {sign_in(client).json()['token']}")
    url = f"/api/v1/patients/{patient.pk}/verifications/email"
    assert client.post(url).status_code == 202
    assert_v1_error(send(client, "post", url + "/confirm", {"code": 123456}), ["code"])

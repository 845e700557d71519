"""Text PostgreSQL cannot store (NUL, lone UTF-16 surrogates) is a field-level 400 on every API door,
in that door's error shape, and writes nothing (StrictJSONParser, StrictInputMiddleware)."""

import pytest
from rest_framework.test import APIClient

from patients.validation import UNSTORABLE_TEXT_MESSAGE
from tests.api.patients_helpers import VALID_BODY, client_with_key
from tests.factories import LeadFactory, PatientFactory
from tests.strict.conftest import NUL, SURROGATE, UNSTORABLE, assert_envelope_error, assert_v1_error, rows, send
from tests.verification.conftest import PASSWORD, register, sign_in

LEAD_BODY = {"isLead": True, "fullName": "Ann Lee", "gender": "Male", "dateOfBirth": {"date": "1111-01-01"}}


@pytest.fixture
def api(api_key):
    return client_with_key(api_key.raw)


@UNSTORABLE
@pytest.mark.parametrize("changes, field", [
    (lambda bad: {"firstName": bad}, "firstName"),
    (lambda bad: {"referrer": bad}, "referrer"),
    (lambda bad: {"password": PASSWORD + bad}, "password"),
    (lambda bad: {"meta": {"note": bad}}, "meta.note"),
    (lambda bad: {"roles": ["patient", bad]}, "roles.1"),
    (lambda bad: {"hcCard": {"number": bad, "province": "ON"}}, "hcCard.number"),
])
def test_create_and_patch(api, organization, bad, changes, field):
    before = rows()
    assert_v1_error(send(api, "post", "/api/v1/patients", {**VALID_BODY, **changes(bad)}), [field])
    patient = PatientFactory(organization=organization)
    before = rows()
    data = assert_v1_error(send(api, "patch", f"/api/v1/patients/{patient.pk}", changes(bad)), [field])
    assert data["errors"][field] == [str(UNSTORABLE_TEXT_MESSAGE)]
    assert rows() == before


@pytest.mark.parametrize("bad, shown", [(NUL, r"Ja\u0000ne"), (SURROGATE, r"Ja\ud800ne")])
def test_an_unstorable_field_name_is_named_escaped(api, bad, shown):
    data = assert_v1_error(send(api, "post", "/api/v1/patients", {**VALID_BODY, bad: "x"}), [])
    assert list(data["errors"]) == [shown]


@UNSTORABLE
def test_promote(api, organization, bad):
    lead = LeadFactory(organization=organization)
    before = rows()
    assert_v1_error(send(api, "post", f"/api/v1/patients/{lead.pk}/promote", {"lastName": bad}), ["lastName"])
    assert rows() == before


@UNSTORABLE
@pytest.mark.parametrize("changes, field", [
    (lambda bad: {"fullName": bad}, "fullName"),
    (lambda bad: {"email": bad}, "email"),
    (lambda bad: {"gender": bad}, "gender"),
    (lambda bad: {"dateOfBirth": {"date": bad}}, "dateOfBirth.date"),
])
def test_leads_route_answers_in_its_envelope(api, bad, changes, field):
    before = rows()
    assert_envelope_error(send(api, "post", "/api/user/v1/patients/add", {**LEAD_BODY, **changes(bad)}), "1", [field])
    assert rows() == before


@UNSTORABLE
@pytest.mark.parametrize("field", ["username", "password"])
def test_sign_in(organization, bad, field):
    register(organization)
    body = {"username": "ana.silva@example.com#maple", "password": PASSWORD, field: bad}
    assert_v1_error(send(APIClient(), "post", "/api/v1/patients/sign-in", body), [field])


@pytest.fixture
def patient_api(organization):
    patient = register(organization)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {sign_in(client).json()['token']}")
    client.patient = patient
    return client


@UNSTORABLE
@pytest.mark.parametrize("field", ["email", "phone", "preferredName", "province"])
def test_me_patch(patient_api, bad, field):
    before = rows()
    assert_v1_error(send(patient_api, "patch", "/api/v1/me", {field: bad}), [field])
    assert rows() == before
    assert patient_api.get("/api/v1/me").json()["email"] == "ana.silva@example.com"


def test_me_get_with_an_unstorable_parameter(patient_api):
    assert_v1_error(patient_api.get("/api/v1/me", {"fields": "a\x00"}), ["fields"])


@UNSTORABLE
def test_verification_confirm(patient_api, bad):
    url = f"/api/v1/patients/{patient_api.patient.pk}/verifications/email"
    assert patient_api.post(url).status_code == 202
    assert_v1_error(send(patient_api, "post", url + "/confirm", {"code": bad}), ["code"])


def test_verification_start_with_an_unstorable_parameter(api, organization):
    patient = PatientFactory(organization=organization)
    before = rows()
    url = f"/api/v1/patients/{patient.pk}/verifications/email?note=%00"
    assert_v1_error(api.post(url), ["note"])
    assert rows() == before


@pytest.mark.parametrize("param", ["q", "status", "page", "pageSize"])
@pytest.mark.parametrize("value", ["\x00", "jane\x00", "9287\x00170261"])
def test_search_parameters(api, param, value):
    data = assert_v1_error(api.get("/api/v1/patients", {param: value}), [param])
    assert data["code"] == "invalid"

"""The "Register Patient" contract, refusals: every field rule, authentication and malformed requests,
all answered in the contract's envelope with nothing written."""

import json
from datetime import timedelta

import pytest
from django.core.cache import cache
from django.utils import timezone

from organizations.services import revoke_api_key
from patients.models import Patient
from tests.api.test_register_patient_contract import CONTRACT_REQUEST, URL, full_patient, post
from tests.factories import PatientFactory

ERROR_KEYS = {"data", "status", "message", "errors", "requestId"}


def lead(**changes):
    return {**json.loads(CONTRACT_REQUEST), **changes}


def assert_refused(response, http_status, code, errors=None):
    """The envelope, the codes, the fields named, and nothing stored."""
    assert response.status_code == http_status, response.content
    body = response.json()
    assert set(body) == ERROR_KEYS
    assert body["data"] is None
    assert body["status"] == code
    assert isinstance(body["message"], str) and body["message"]
    if errors is not None:
        assert sorted(body["errors"]) == sorted(errors), body["errors"]
    assert Patient.objects.count() == 0
    return body


# Authentication -----------------------------------------------------------------------------------

def test_no_key_is_401(client, db):
    response = client.post(URL, data=CONTRACT_REQUEST, content_type="application/json")

    assert_refused(response, 401, "3", [])
    assert response["WWW-Authenticate"].startswith("Bearer")


@pytest.mark.parametrize("header", [
    "Bearer pik_not-a-real-key", "Bearer", "Bearer a b", "Token abc", "Basic Zm9vOmJhcg==",
])
def test_bad_key_is_401(client, api_key, header):
    response = client.post(URL, data=CONTRACT_REQUEST, content_type="application/json", HTTP_AUTHORIZATION=header)

    assert_refused(response, 401, "3", [])


def test_revoked_key_is_401(client, api_key):
    revoke_api_key(api_key)

    assert_refused(post(client, api_key, CONTRACT_REQUEST), 401, "3")


def test_expired_key_is_401(client, api_key):
    api_key.expires_at = timezone.now() - timedelta(minutes=1)
    api_key.save()

    assert_refused(post(client, api_key, CONTRACT_REQUEST), 401, "3")


def test_a_staff_session_is_not_a_key(client, member):
    client.force_login(member)

    assert_refused(client.post(URL, data=CONTRACT_REQUEST, content_type="application/json"), 401, "3")


# Malformed requests -------------------------------------------------------------------------------

@pytest.mark.parametrize("body", [b"{", b'{"isLead": true,}', b"\xff\xfe{}", b"nul", b"[" * 100000 + b"]" * 100000])
def test_malformed_json_is_400(client, api_key, body):
    assert_refused(post(client, api_key, body), 400, "2")


@pytest.mark.parametrize("body", ["[]", "[1, 2]", '"text"', "42", "null", "true"])
def test_json_that_is_not_an_object_is_400(client, api_key, body):
    assert_refused(post(client, api_key, body), 400, "2")


def test_empty_body_names_every_always_required_field(client, api_key):
    body = assert_refused(post(client, api_key, ""), 400, "1", ["isLead", "gender", "dateOfBirth.date"])

    assert body["errors"]["isLead"] == ["This field is required."]


@pytest.mark.parametrize("content_type", ["text/plain", "application/x-www-form-urlencoded", "application/xml"])
def test_not_json_is_415(client, api_key, content_type):
    response = client.post(URL, data=CONTRACT_REQUEST, content_type=content_type,
                           HTTP_AUTHORIZATION=f"Bearer {api_key.raw}")

    assert_refused(response, 415, "5")


@pytest.mark.parametrize("method", ["get", "put", "patch", "delete"])
def test_only_post(client, api_key, method):
    response = getattr(client, method)(URL, HTTP_AUTHORIZATION=f"Bearer {api_key.raw}")

    assert_refused(response, 405, "6")


# isLead -------------------------------------------------------------------------------------------

@pytest.mark.parametrize("value", ["true", 1, 0, "false", [], {}])
def test_is_lead_must_be_true_or_false(client, api_key, value):
    body = assert_refused(post(client, api_key, lead(isLead=value)), 400, "1", ["isLead"])

    assert body["errors"]["isLead"] == ["Send true or false."]


def test_is_lead_may_not_be_null(client, api_key):
    assert_refused(post(client, api_key, lead(isLead=None)), 400, "1", ["isLead"])


def test_is_lead_is_required(client, api_key):
    body = lead()
    del body["isLead"]

    assert_refused(post(client, api_key, body), 400, "1", ["isLead"])


# gender -------------------------------------------------------------------------------------------

@pytest.mark.parametrize("is_lead", [True, False])
@pytest.mark.parametrize("value", ["male", "MALE", "M", "F", "Other", "Unknown", "", None, 1, {"value": "Male"}])
def test_gender_must_be_exactly_male_or_female(client, api_key, is_lead, value):
    body = full_patient(isLead=is_lead, gender=value)

    response = assert_refused(post(client, api_key, body), 400, "1", ["gender"])
    if value not in ("", None):
        assert response["errors"]["gender"] == ["Send Male or Female."]


@pytest.mark.parametrize("is_lead", [True, False])
def test_gender_is_required(client, api_key, is_lead):
    body = full_patient(isLead=is_lead)
    del body["gender"]

    assert_refused(post(client, api_key, body), 400, "1", ["gender"])


# dateOfBirth.date ---------------------------------------------------------------------------------

@pytest.mark.parametrize("is_lead", [True, False])
@pytest.mark.parametrize("value", [
    None, "1990-04-12", {"date": ""}, {"date": None}, {"date": 19900412}, {"day": "1990-04-12"}, [],
    {"date": "12/04/1990"}, {"date": "1990-4-12"}, {"date": "1990-02-30"}, {"date": "1990-13-01"},
    {"date": "1899-12-31"}, {"date": "0000-00-00"},
])
def test_date_of_birth_format_is_checked_for_leads_too(client, api_key, is_lead, value):
    assert_refused(post(client, api_key, full_patient(isLead=is_lead, dateOfBirth=value)), 400, "1",
                   ["dateOfBirth.date"])


@pytest.mark.parametrize("is_lead", [True, False])
def test_date_of_birth_is_required(client, api_key, is_lead):
    body = full_patient(isLead=is_lead)
    del body["dateOfBirth"]

    assert_refused(post(client, api_key, body), 400, "1", ["dateOfBirth.date"])


@pytest.mark.parametrize("is_lead", [True, False])
def test_date_of_birth_cannot_be_in_the_future(client, api_key, is_lead):
    tomorrow = (timezone.localdate() + timedelta(days=1)).isoformat()

    body = assert_refused(post(client, api_key, full_patient(isLead=is_lead, dateOfBirth={"date": tomorrow})),
                          400, "1", ["dateOfBirth.date"])
    assert body["errors"]["dateOfBirth.date"] == ["The date of birth cannot be in the future."]


def test_the_unknown_placeholder_is_refused_for_a_full_patient(client, api_key):
    body = assert_refused(post(client, api_key, full_patient(dateOfBirth={"date": "1111-01-01"})), 400, "1",
                          ["dateOfBirth.date"])

    assert "1111-01-01" in body["errors"]["dateOfBirth.date"][0]


def test_today_is_a_valid_date_of_birth(client, api_key):
    response = post(client, api_key, full_patient(dateOfBirth={"date": timezone.localdate().isoformat()}))

    assert response.status_code == 201, response.content


# fullName, preferredName ------------------------------------------------------------------------

@pytest.mark.parametrize("field", ["fullName", "preferredName", "callingCode", "localPhone", "email"])
@pytest.mark.parametrize("value", [123, True, ["Amal"], {"text": "Amal"}])
def test_text_fields_must_be_strings(client, api_key, field, value):
    body = assert_refused(post(client, api_key, lead(**{field: value})), 400, "1", [field])

    assert body["errors"][field] == ["Send text (a JSON string)."]


@pytest.mark.parametrize("value", ["", "   ", None])
def test_full_patient_needs_a_full_name(client, api_key, value):
    body = assert_refused(post(client, api_key, full_patient(fullName=value)), 400, "1", ["fullName"])

    assert body["errors"]["fullName"] == ["Enter the full name: the given name(s), then the family name."]


def test_full_patient_needs_a_family_name_in_the_full_name(client, api_key):
    assert_refused(post(client, api_key, full_patient(fullName="Cher")), 400, "1", ["fullName"])


def test_full_name_has_a_length_limit(client, api_key):
    body = assert_refused(post(client, api_key, lead(fullName="A " * 150 + "B")), 400, "1", ["fullName"])

    assert body["errors"]["fullName"] == ["Use at most 300 characters."]


@pytest.mark.parametrize("value", ["", "  ", None])
def test_full_patient_needs_a_preferred_name(client, api_key, value):
    assert_refused(post(client, api_key, full_patient(preferredName=value)), 400, "1", ["preferredName"])


def test_full_patient_missing_required_keys_are_each_named(client, api_key):
    body = {"isLead": False, "gender": "Male", "dateOfBirth": {"date": "1990-04-12"}}

    assert_refused(post(client, api_key, body), 400, "1", ["fullName", "preferredName", "callingCode", "localPhone"])


def test_preferred_name_has_a_length_limit(client, api_key):
    assert_refused(post(client, api_key, lead(preferredName="x" * 151)), 400, "1", ["preferredName"])


# callingCode, localPhone --------------------------------------------------------------------------

@pytest.mark.parametrize("value", ["", "  ", None])
def test_full_patient_needs_a_calling_code(client, api_key, value):
    # Even when the local phone alone is a valid number in the organization's region.
    body = full_patient(callingCode=value, localPhone="416 555 0123")

    assert_refused(post(client, api_key, body), 400, "1", ["callingCode"])


@pytest.mark.parametrize("value", ["abc", "+97a", "++971", "+999", "+0", "971-", "+²", "¹"])
def test_full_patient_calling_code_must_be_a_country_code(client, api_key, value):
    assert_refused(post(client, api_key, full_patient(callingCode=value)), 400, "1", ["callingCode"])


@pytest.mark.parametrize("value", ["", None])
def test_full_patient_needs_a_local_phone(client, api_key, value):
    assert_refused(post(client, api_key, full_patient(localPhone=value)), 400, "1", ["localPhone"])


@pytest.mark.parametrize("value", ["abc", "56123123a", "12", "5612312311234", "561#231231"])
def test_full_patient_local_phone_must_make_a_valid_number(client, api_key, value):
    body = assert_refused(post(client, api_key, full_patient(localPhone=value)), 400, "1", ["localPhone"])

    assert body["errors"]["localPhone"][0].startswith("Enter")


def test_calling_code_without_plus_is_accepted(client, api_key):
    response = post(client, api_key, full_patient(callingCode="971"))

    assert response.status_code == 201, response.content
    assert str(Patient.objects.get().phone) == "+971561231231"


@pytest.mark.parametrize("field,value", [("callingCode", "+" + "9" * 8), ("localPhone", "5" * 33)])
def test_phone_parts_have_length_limits_even_for_leads(client, api_key, field, value):
    assert_refused(post(client, api_key, lead(**{field: value})), 400, "1", [field])


@pytest.mark.parametrize("value", ["abc", "+²"])  # '²' passes str.isdigit() but not int()
def test_a_leads_unusable_calling_code_is_kept_as_sent(client, api_key, value):
    response = post(client, api_key, lead(callingCode=value, localPhone="561231231"))

    assert response.status_code == 201, response.content
    assert Patient.objects.get().calling_code == value


# email --------------------------------------------------------------------------------------------

@pytest.mark.parametrize("is_lead", [True, False])
@pytest.mark.parametrize("value", ["not-an-email", "a@", "@example.com", "a b@example.com", "a" * 250 + "@x.io"])
def test_email_must_be_valid_when_given(client, api_key, is_lead, value):
    assert_refused(post(client, api_key, full_patient(isLead=is_lead, email=value)), 400, "1", ["email"])


@pytest.mark.parametrize("is_lead", [True, False])
def test_email_already_registered_is_409(client, organization, api_key, is_lead):
    existing = PatientFactory(organization=organization, email="amal@example.com")

    response = post(client, api_key, full_patient(isLead=is_lead, email="AMAL@example.com"))

    assert response.status_code == 409
    body = response.json()
    assert set(body) == ERROR_KEYS and body["status"] == "4" and body["data"] is None
    assert list(body["errors"]) == ["email"]
    assert list(Patient.objects.all()) == [existing]


def test_the_same_email_in_another_organization_is_fine(client, other_organization, api_key):
    PatientFactory(organization=other_organization, email="amal@example.com")

    assert post(client, api_key, full_patient()).status_code == 201


# All at once, and nothing written ----------------------------------------------------------------

def test_every_bad_field_is_reported_at_once(client, api_key):
    body = full_patient(fullName="", preferredName="", callingCode="", localPhone="", email="nope",
                        dateOfBirth={"date": "1111-01-01"})

    assert_refused(post(client, api_key, body), 400, "1",
                   ["fullName", "preferredName", "callingCode", "localPhone", "email", "dateOfBirth.date"])


def test_a_refused_full_patient_uses_no_patient_number(client, organization, api_key):
    post(client, api_key, full_patient(localPhone="abc"))
    response = post(client, api_key, full_patient())

    assert response.json()["data"]["patient"]["patientNo"] == "1"


def test_error_query_budget(client, api_key, django_assert_max_num_queries):
    with django_assert_max_num_queries(2):  # the key lookup and its last-used stamp; nothing written
        response = post(client, api_key, full_patient(localPhone="abc"))
    assert response.status_code == 400


def test_openapi_schema_documents_the_contract_and_its_errors(client, db):
    response = client.get("/api/schema/", HTTP_ACCEPT="application/json")

    assert response.status_code == 200
    schema = json.loads(response.content)
    operation = schema["paths"]["/api/user/v1/patients/add"]["post"]
    assert {"201", "400", "401", "409", "415"} <= set(operation["responses"])
    for code in ("400", "401", "409", "415"):
        examples = operation["responses"][code]["content"]["application/json"]["examples"]
        assert all(e["value"]["status"] != "0" for e in examples.values())
    request_examples = operation["requestBody"]["content"]["application/json"]["examples"]
    assert any(e["value"] == json.loads(CONTRACT_REQUEST) for e in request_examples.values())
    assert "`1` invalid fields" in operation["description"]


@pytest.mark.parametrize("field", ["fullName", "preferredName", "localPhone", "email"])
def test_nul_characters_are_refused_not_a_server_error(client, api_key, field):
    body = full_patient(**{field: "Amal\u0000 Haddad"})

    assert_refused(post(client, api_key, body), 400, "1", [field])


def test_too_many_requests_is_429_in_the_envelope(client, api_key, settings):
    cache.clear()
    rates = {**settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], "api_key": "2/minute"}
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": rates}
    try:
        assert [post(client, api_key, CONTRACT_REQUEST).status_code for _ in range(2)] == [201, 201]
        response = post(client, api_key, CONTRACT_REQUEST)
    finally:
        cache.clear()

    assert response.status_code == 429
    body = response.json()
    assert set(body) == ERROR_KEYS and body["status"] == "7" and body["data"] is None
    assert int(response["Retry-After"]) > 0
    assert Patient.objects.count() == 2

"""POST /api/v1/patients: each field rule of the contract, with a valid and an invalid case.

Errors come back keyed by the contract's field names (hcCard.number, not health_card.number).
"""

import pytest
from django.contrib.auth.hashers import check_password

from patients.models import Patient
from tests.api.patients_helpers import assert_error, create
from tests.factories import PatientGroupFactory, ProviderFactory

VALID = [
    # (changes to the minimal valid body, the contract field, its expected value in the answer)
    ({"email": "Jane.Doe@EXAMPLE.com"}, "email", "Jane.Doe@example.com"),
    ({"firstName": "  Élodie "}, "firstName", "Élodie"),
    ({"lastName": "O'Brien-Smith"}, "lastName", "O'Brien-Smith"),
    ({"gender": "Female"}, "gender", "female"),
    ({"gender": "M"}, "gender", "male"),
    ({"gender": {"value": "other"}}, "gender", "other"),
    ({"phone": "(416) 555-0123"}, "phone", "+14165550123"),
    ({"phone": "4165550123"}, "phone", "+14165550123"),
    ({"phone": "+44 20 7946 0958"}, "phone", "+442079460958"),
    ({"username": "jane.doe@example.com#maple"}, "username", "jane.doe@example.com#maple"),
    ({}, "username", "jane.doe@example.com#maple"),
    ({"roles": ["patient", "dependent"]}, "roles", ["patient", "dependent"]),
    ({}, "roles", ["patient"]),
    ({"dateOfBirth": "1900-01-01"}, "dateOfBirth", "1900-01-01"),
    ({"meta": {"a": {"b": [1, 2]}}}, "meta", {"a": {"b": [1, 2]}}),
    ({"unreadNotifications": 7}, "unreadNotifications", 7),
    ({"emrId": 123456789}, "emrId", 123456789),
    ({"referrer": "patient-1234"}, "referrer", "patient-1234"),
    ({"acceptsMarketing": True}, "acceptsMarketing", True),
    ({"hasInsurance": True}, "hasInsurance", True),
    ({}, "hasInsurance", False),
    ({"province": "bc"}, "province", "BC"),
    ({"province": "NY"}, "province", "NY"),
    ({"verifications": {"email": "pending"}}, "verifications", {"email": "pending", "phone": "unverified"}),
    ({"hcCard": {"number": "9287170261", "versionCode": "DK", "province": "ON"}}, "hcCard",
     {"number": "9287170261", "versionCode": "DK", "province": "ON", "expiryDate": None, "expired": False}),
    ({"hcCard": {"number": "9287170261 DK", "province": "ON"}}, "hcCard",
     {"number": "9287170261", "versionCode": "DK", "province": "ON", "expiryDate": None, "expired": False}),
    ({"hcCard": {"number": "9698 658 215", "province": "BC", "expiryDate": "2001-01-01"}}, "hcCard",
     {"number": "9698658215", "versionCode": "", "province": "BC", "expiryDate": "2001-01-01", "expired": True}),
    ({"hcCard": {"number": "123456789", "province": "AB"}}, "hcCard",
     {"number": "123456789", "versionCode": "", "province": "AB", "expiryDate": None, "expired": False}),
    ({"hcCard": None}, "hcCard", None),
]

INVALID = [
    # (changes to the minimal valid body, the contract field named in the 400, a word of its message)
    ({"email": "not-an-email"}, "email", "valid email"),
    ({"email": ""}, "email", "required"),
    ({"email": None}, "email", "required"),
    ({"email": "a" * 250 + "@example.com"}, "email", "254"),
    ({"password": "Short-1!"}, "password", "short"),
    ({"password": "abcdefghijkl"}, "password", "digit"),
    ({"password": "Jane.Doe@example.com1"}, "password", "similar"),
    ({"firstName": ""}, "firstName", "required"),
    ({"firstName": "x" * 151}, "firstName", "150"),
    ({"lastName": None}, "lastName", "required"),
    ({"gender": "robot"}, "gender", "male, female"),
    ({"gender": {"value": "robot"}}, "gender", "male, female"),
    ({"gender": None}, "gender", ""),
    ({"phone": "416-555-CALL"}, "phone", "letters"),
    ({"phone": "123"}, "phone", "valid phone"),
    ({"phone": ""}, "phone", "required"),
    ({"username": "jane"}, "username", "jane.doe@example.com#maple"),
    ({"roles": ["admin"]}, "roles", "Unknown role"),
    ({"roles": "patient"}, "roles", "list"),
    ({"dateOfBirth": "2999-01-01"}, "dateOfBirth", "future"),
    ({"dateOfBirth": "1899-12-31"}, "dateOfBirth", "1900"),
    ({"dateOfBirth": "12/04/1985"}, "dateOfBirth", "YYYY-MM-DD"),
    ({"dateOfBirth": "2001-02-30"}, "dateOfBirth", "real date"),
    ({"dateOfBirth": "1111-01-01"}, "dateOfBirth", "unknown"),
    ({"meta": "text"}, "meta", "object"),
    ({"unreadNotifications": -1}, "unreadNotifications", "negative"),
    ({"unreadNotifications": "many"}, "unreadNotifications", "whole number"),
    ({"unreadNotifications": 2**40}, "unreadNotifications", "too large"),
    ({"emrId": "abc"}, "emrId", "number"),
    ({"emrId": "42"}, "emrId", "whole number"),  # a number, not text that looks like one
    ({"emrId": -5}, "emrId", "positive"),
    ({"emrId": 1.5}, "emrId", "whole"),
    ({"referrer": "r" * 201}, "referrer", "200"),
    ({"acceptsMarketing": "yes"}, "acceptsMarketing", "true or false"),
    ({"hasInsurance": 1}, "hasInsurance", "true or false"),
    ({"province": "ZZ"}, "province", "two-letter"),
    ({"verifications": {"fax": "verified"}}, "verifications", "email or phone"),
    ({"verifications": {"email": "sure"}}, "verifications", "Unknown status"),
    ({"verifications": "verified"}, "verifications", "object"),
    ({"hcCard": {"number": "9876543210", "province": "ON"}}, "hcCard.number", "check digit"),
    ({"hcCard": {"number": "12345", "province": "SK"}}, "hcCard.number", "Saskatchewan"),
    ({"hcCard": {"number": "", "province": "ON"}}, "hcCard.number", "Enter"),
    ({"hcCard": {"number": "9876543217", "province": "XX"}}, "hcCard.province", "province"),
    ({"hcCard": {"number": "9698658215", "province": "BC", "versionCode": "A"}}, "hcCard.versionCode", "no version"),
    ({"hcCard": {"number": "9876543217", "province": "ON", "versionCode": "ABC"}}, "hcCard.versionCode", "2 letters"),
    ({"hcCard": {"number": "9876543217", "province": "ON", "expiryDate": "soon"}}, "hcCard.expiryDate", "YYYY"),
    ({"hcCard": {"number": "9876543217", "province": "ON", "colour": "red"}}, "hcCard.colour", "Unknown field"),
    ({"hcCard": "9876543217"}, "hcCard", "object"),
    ({"firstname": "Jane"}, "firstname", "Unknown field"),
]


@pytest.mark.parametrize(("changes", "field", "expected"), VALID, ids=lambda v: str(v)[:40])
def test_valid_value_is_stored_and_answered(api, body, changes, field, expected):
    response = create(api, {**body, **changes})

    assert response.status_code == 201, response.content
    assert response.json()[field] == expected
    assert Patient.objects.count() == 1


@pytest.mark.parametrize(("changes", "field", "word"), INVALID, ids=lambda v: str(v)[:40])
def test_invalid_value_is_a_400_naming_the_field(api, body, changes, field, word):
    response = create(api, {**body, **changes})

    data = assert_error(response, 400, "invalid", [field])
    assert word.lower() in " ".join(data["errors"][field]).lower()
    assert Patient.objects.count() == 0


@pytest.mark.parametrize("field", ["email", "firstName", "lastName", "gender", "phone", "dateOfBirth"])
def test_required_field_left_out(api, body, field):
    del body[field]
    assert_error(create(api, body), 400, "invalid", [field])


def test_password_is_optional_and_makes_the_login(api, body):
    del body["password"]
    without = Patient.objects.get(pk=create(api, body).json()["id"])
    assert without.password == ""

    with_password = create(api, {**body, "email": "second@example.com", "password": "Another-Pass-77?"})
    assert check_password("Another-Pass-77?", Patient.objects.get(pk=with_password.json()["id"]).password)


def test_quebec_card_that_does_not_match_the_name_is_a_warning(api, body):
    body.update({"hcCard": {"number": "LASF80021411", "province": "QC"}})

    response = create(api, body)

    assert response.status_code == 201
    assert response.json()["hcCard"]["number"] == "LASF80021411"
    assert any("family name" in w for w in response.json()["warnings"])


class TestProvidersAndGroups:
    def test_ids_of_the_organization_are_linked(self, api, body, providers, group):
        body.update({"providers": [str(providers[0].pk)], "groups": [str(group.pk)]})

        data = create(api, body).json()

        assert data["providers"] == [str(providers[0].pk)]
        assert data["groups"] == [str(group.pk)]

    @pytest.mark.parametrize("field", ["providers", "groups"])
    def test_unknown_ids_are_each_named(self, api, body, field, other_organization):
        foreign = (ProviderFactory if field == "providers" else PatientGroupFactory)(organization=other_organization)
        missing = "7d1f6c1e-3a44-4c1b-9f55-2f0c7c3f5a10"
        body[field] = [missing, str(foreign.pk), "not-an-id"]

        data = assert_error(create(api, body), 400, "invalid", [field])

        messages = " ".join(data["errors"][field])
        for wanted in (missing, str(foreign.pk), "not-an-id"):
            assert wanted in messages
        assert Patient.objects.count() == 0

    @pytest.mark.parametrize("field", ["providers", "groups"])
    def test_not_a_list_is_refused(self, api, body, field):
        body[field] = "7d1f6c1e-3a44-4c1b-9f55-2f0c7c3f5a10"
        assert_error(create(api, body), 400, "invalid", [field])


class TestBodyShape:
    def test_body_that_is_not_an_object_is_a_400(self, api):
        response = api.post("/api/v1/patients", [{"email": "x@example.com"}], format="json")
        assert_error(response, 400, "invalid", ["nonFieldErrors"])

    def test_malformed_json_is_a_400(self, api):
        response = api.post("/api/v1/patients", '{"email": ', content_type="application/json")
        assert_error(response, 400, "parse_error")

    def test_form_encoded_body_is_a_415(self, api, body):
        response = api.post("/api/v1/patients", body)  # multipart, not JSON
        assert_error(response, 415, "unsupported_media_type")

    def test_answer_fields_sent_back_are_ignored(self, api, body):
        response = create(api, {**body, "id": "x", "status": "lead", "patientNo": 99, "createdAt": "now"})
        assert response.status_code == 201
        assert response.json()["status"] == "active"
        assert response.json()["patientNo"] == 1

"""No input yields a 500: odd JSON types, NUL characters, huge numbers, deep nesting, bad headers.

The test client re-raises server exceptions, so a crash fails these tests loudly.
"""

import pytest

from patients.models import Patient
from tests.api.patients_helpers import PATIENTS_URL, assert_error, create, detail_url, patch
from tests.factories import PatientFactory

ODD_VALUES = [
    {"firstName": ["Jane"]},
    {"firstName": {"value": "Jane"}},
    {"lastName": 12},
    {"firstName": "Ja\x00ne"},
    {"referrer": "r\x00"},
    {"email": ["jane@example.com"]},
    {"email": "ja\x00ne@example.com"},
    {"password": 12345678901},
    {"password": ["Maple-Syrup-2024!"]},
    {"gender": ["female"]},
    {"gender": {"value": ["female"]}},
    {"phone": 4165550123.5},
    {"phone": {"number": "4165550123"}},
    {"phone": "4" * 300},
    {"username": 5},
    {"roles": [["patient"]]},
    {"roles": [None]},
    {"dateOfBirth": 19850412},
    {"dateOfBirth": ["1985-04-12"]},
    {"meta": {"note": "a\x00b"}},
    {"meta": {"a\x00": 1}},
    {"meta": ["a"]},
    {"unreadNotifications": 1e300},
    {"unreadNotifications": [1]},
    {"emrId": 10**30},
    {"emrId": {"id": 1}},
    {"emrId": True},
    {"province": ["ON"]},
    {"providers": [{"id": 1}]},
    {"providers": [["x"]]},
    {"providers": [None]},
    {"groups": {"a": 1}},
    {"verifications": {"email": ["verified"]}},
    {"verifications": {"email": {"status": ["verified"]}}},
    {"verifications": {"email": None}},
    {"verifications": ["email"]},
    {"hcCard": {"number": 9876543217, "province": "ON"}},
    {"hcCard": {"number": "9876543217", "province": 5}},
    {"hcCard": {"number": "9876543217", "province": "ON", "versionCode": 1}},
    {"hcCard": {"number": "9876543217", "province": "ON", "expiryDate": 20300101}},
    {"hcCard": {"number": ["9876543217"], "province": ["ON"]}},
    {"hcCard": {"number": "98765\x0043217", "province": "ON"}},
    {"hcCard": []},
]


@pytest.mark.parametrize("changes", ODD_VALUES, ids=lambda v: repr(v)[:50])
def test_odd_values_are_400_or_stored_never_500(api, body, changes):
    response = create(api, {**body, **changes})

    assert response.status_code in (201, 400), response.content
    if response.status_code == 400:
        assert_error(response, 400)
    else:
        assert "\x00" not in str(Patient.objects.values_list().get())


@pytest.mark.parametrize("changes", ODD_VALUES[:12], ids=lambda v: repr(v)[:50])
def test_odd_values_in_a_patch_are_400_or_stored_never_500(api, organization, changes):
    patient = PatientFactory(organization=organization)

    response = patch(api, patient.pk, changes)

    assert response.status_code in (200, 400), response.content


def test_deeply_nested_json_is_a_400(api):
    nested = "[" * 100_000 + "]" * 100_000
    response = api.post(PATIENTS_URL, nested, content_type="application/json")
    assert_error(response, 400)


def test_invalid_utf8_is_a_400(api):
    response = api.post(PATIENTS_URL, b'{"firstName": "\xff"}', content_type="application/json")
    assert_error(response, 400, "parse_error")


@pytest.mark.parametrize("value", ["\x00", "a" * 5000, "maple\x00", "../../etc"])
def test_odd_organization_header_is_a_403_never_500(api, body, value):
    response = create(api, body, HTTP_X_ORGANIZATION_ID=value)
    assert_error(response, 403)


@pytest.mark.parametrize("query", ["\x00", "a\x00b", "%", "'; drop table x; --", "9" * 400, "2001-02-30", "@"])
def test_odd_search_text_never_fails(api, query):
    response = api.get(PATIENTS_URL, {"q": query})
    assert response.status_code in (200, 400), response.content


def test_unknown_address_under_the_api_answers_in_the_error_shape(api):
    assert_error(api.get(detail_url("not-a-uuid")), 404, "not_found")
    assert_error(api.get("/api/v1/nothing-here"), 404, "not_found")


def test_methods_the_contract_lacks_are_405(api, organization):
    patient = PatientFactory(organization=organization)
    assert_error(api.delete(detail_url(patient.pk)), 405, "method_not_allowed")
    assert_error(api.put(detail_url(patient.pk), {}, format="json"), 405)
    assert_error(api.delete(PATIENTS_URL), 405)

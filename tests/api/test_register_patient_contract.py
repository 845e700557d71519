"""The "Register Patient" contract, success paths: the contract's own example sent byte for byte,
leads and full patients, the answer's exact shape."""

import json
import re
from datetime import date
from pathlib import Path

import pytest

from patients.models import Patient
from patients.selectors import search_patients

URL = "/api/user/v1/patients/add"

# The contract's example request, byte for byte (its two trailing spaces on each line included).
CONTRACT_REQUEST = (
    "{  \n"
    '  "isLead": true,  \n'
    '  "preferredName": "Incomplete patient",  \n'
    '  "fullName": "Incomplete patient ",  \n'
    '  "callingCode": "+971",  \n'
    '  "localPhone": "",  \n'
    '  "email": null,  \n'
    '  "gender": "Male",  \n'
    '  "dateOfBirth": {  \n'
    '    "date": "1111-01-01"  \n'
    "  }  \n"
    "}"
)
# The contract's example response, with its placeholder ids.
CONTRACT_RESPONSE = {
    "data": {
        "patient": {
            "id": "0d004909-7a04-4909-8c7f-xxxxxxxxxxxx",
            "clinicId": "50dbdfc3-0155-424a-8c55-xxxxxxxxxxxx",
            "patientNo": "-1",
            "fullName": "Incomplete patient ",
            "preferredName": "Incomplete patient",
            "callingCode": "+971",
            "localPhone": "",
            "gender": "Male",
            "dateOfBirth": {"date": "1111-01-01"},
            "email": "",
            "additionalInfo": [],
            "insuranceInfo": [],
        }
    },
    "status": "0",
}
ADDED_KEYS = {"verifications"}  # our documented addition to the contract's patient
SEED = Path(__file__).resolve().parents[3] / "shared" / "seeds" / "001_9db53d76b87da539.txt"


def post(client, key, body, **extra):
    if not isinstance(body, str | bytes):
        body = json.dumps(body)
    return client.post(URL, data=body, content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {key.raw}",
                       **extra)


def full_patient(**changes):
    body = {
        "isLead": False, "preferredName": "Amal", "fullName": "Amal Haddad", "callingCode": "+971",
        "localPhone": "561231231", "email": "amal@example.com", "gender": "Female",
        "dateOfBirth": {"date": "1990-04-12"},
    }
    body.update(changes)
    return body


def assert_same_shape(actual, expected, path="body"):
    """Same keys and the same JSON types, recursively."""
    assert type(actual) is type(expected), f"{path}: {type(actual).__name__} != {type(expected).__name__}"
    if isinstance(expected, dict):
        assert set(actual) == set(expected), f"{path}: keys {sorted(actual)} != {sorted(expected)}"
        for key in expected:
            assert_same_shape(actual[key], expected[key], f"{path}.{key}")


@pytest.mark.skipif(not SEED.exists(), reason="the shared seeds are not beside this checkout")
def test_the_example_request_is_the_contracts_own_text():
    text = SEED.read_text()
    request_block = text.split("```json\n", 1)[1].split("\n```", 1)[0]
    assert request_block == CONTRACT_REQUEST
    response_block = text.split("```json\n")[2].split("\n```", 1)[0]
    assert json.loads(response_block) == CONTRACT_RESPONSE


def test_contract_example_registers_a_lead_in_the_contracts_shape(client, organization, api_key):
    response = post(client, api_key, CONTRACT_REQUEST.encode())

    assert response.status_code == 201, response.content
    assert response["Content-Type"] == "application/json"
    body = response.json()
    patient_json = body["data"]["patient"]
    added = {k: patient_json.pop(k) for k in ADDED_KEYS}
    assert_same_shape(body, CONTRACT_RESPONSE)
    assert body["status"] == "0"
    stored = Patient.objects.get()
    expected = dict(CONTRACT_RESPONSE["data"]["patient"], id=str(stored.id), clinicId=str(organization.id))
    assert patient_json == expected
    assert added == {"verifications": {"email": "unverified", "phone": "unverified"}}


def test_contract_example_is_stored_as_a_lead_without_number_or_birth_date(client, organization, api_key):
    post(client, api_key, CONTRACT_REQUEST)

    lead = Patient.objects.for_organization(organization).get()
    assert lead.status == Patient.Status.LEAD
    assert lead.patient_number is None
    assert lead.date_of_birth is None
    assert lead.full_name == "Incomplete patient "
    assert lead.preferred_name == "Incomplete patient"
    assert (lead.given_name, lead.family_name) == ("Incomplete", "patient")
    assert (lead.calling_code, lead.local_phone, str(lead.phone)) == ("+971", "", "")
    assert lead.gender == Patient.Gender.MALE
    assert lead.email == ""
    assert lead.created_via == "api"
    assert lead.created_by_api_key == api_key
    record = lead.history.get()
    assert record.history_actor == "API key: EMR bridge"
    assert record.history_channel == "api"
    organization.refresh_from_db()
    assert organization.last_patient_number == 0


def test_a_leads_split_name_makes_it_searchable(client, organization, api_key):
    post(client, api_key, CONTRACT_REQUEST)

    assert [p.full_name for p in search_patients(organization, "patient")] == ["Incomplete patient "]
    assert [p.full_name for p in search_patients(organization, "incompl")] == ["Incomplete patient "]


def test_names_are_returned_exactly_as_sent(client, api_key):
    response = post(client, api_key, full_patient(fullName="  Amal  Haddad ", preferredName=" Amal  "))

    patient = response.json()["data"]["patient"]
    assert (patient["fullName"], patient["preferredName"]) == ("  Amal  Haddad ", " Amal  ")
    stored = Patient.objects.get()
    assert (stored.given_name, stored.family_name) == ("Amal", "Haddad")


def test_lead_may_leave_names_and_phone_empty(client, api_key):
    response = post(client, api_key, {
        "isLead": True, "preferredName": "", "fullName": "", "callingCode": "", "localPhone": "",
        "email": None, "gender": "Female", "dateOfBirth": {"date": "1111-01-01"},
    })

    assert response.status_code == 201, response.content
    patient = response.json()["data"]["patient"]
    assert (patient["fullName"], patient["preferredName"], patient["callingCode"], patient["localPhone"]) == (
        "", "", "", "")
    assert patient["gender"] == "Female"
    assert Patient.objects.get().status == Patient.Status.LEAD


def test_lead_may_omit_the_optional_and_emptiable_fields(client, api_key):
    response = post(client, api_key, {"isLead": True, "gender": "Male", "dateOfBirth": {"date": "1111-01-01"}})

    assert response.status_code == 201, response.content
    assert response.json()["data"]["patient"]["fullName"] == ""


def test_lead_with_a_known_birth_date_keeps_it(client, api_key):
    response = post(client, api_key, {**json.loads(CONTRACT_REQUEST), "dateOfBirth": {"date": "1984-02-29"}})

    assert response.json()["data"]["patient"]["dateOfBirth"] == {"date": "1984-02-29"}
    assert Patient.objects.get().date_of_birth == date(1984, 2, 29)


def test_lead_phone_is_kept_as_sent_and_checked_only_when_promoted(client, api_key):
    response = post(client, api_key, {**json.loads(CONTRACT_REQUEST), "callingCode": "971", "localPhone": "12"})

    assert response.status_code == 201, response.content
    patient = response.json()["data"]["patient"]
    assert (patient["callingCode"], patient["localPhone"]) == ("971", "12")
    assert str(Patient.objects.get().phone) == ""


def test_lead_with_a_valid_phone_gets_its_international_form(client, api_key):
    post(client, api_key, {**json.loads(CONTRACT_REQUEST), "localPhone": "56 123 1231"})

    assert str(Patient.objects.get().phone) == "+971561231231"


def test_lead_email_is_returned_and_stored(client, api_key):
    response = post(client, api_key, {**json.loads(CONTRACT_REQUEST), "email": "Lead@Example.COM"})

    assert response.json()["data"]["patient"]["email"] == "Lead@example.com"
    assert Patient.objects.get().email == "Lead@example.com"


def test_full_patient_is_active_with_the_next_number_as_a_string(client, organization, api_key):
    first = post(client, api_key, full_patient())
    second = post(client, api_key, full_patient(email="second@example.com", fullName="Omar Haddad",
                                                localPhone="501234567"))

    assert first.status_code == 201, first.content
    assert second.status_code == 201, second.content
    assert first.json()["data"]["patient"]["patientNo"] == "1"
    assert second.json()["data"]["patient"]["patientNo"] == "2"
    patient = first.json()["data"]["patient"]
    assert_same_shape(patient, {**CONTRACT_RESPONSE["data"]["patient"], "verifications": {"email": "", "phone": ""}})
    assert patient["dateOfBirth"] == {"date": "1990-04-12"}
    assert patient["email"] == "amal@example.com"
    assert (patient["callingCode"], patient["localPhone"], patient["gender"]) == ("+971", "561231231", "Female")
    stored = Patient.objects.get(pk=patient["id"])
    assert stored.status == Patient.Status.ACTIVE
    assert stored.patient_number == 1
    assert str(stored.phone) == "+971561231231"
    assert stored.date_of_birth == date(1990, 4, 12)
    assert (stored.given_name, stored.family_name) == ("Amal", "Haddad")


def test_full_patient_with_a_multi_word_given_name(client, api_key):
    post(client, api_key, full_patient(fullName="Mary Anne de Souza"))

    stored = Patient.objects.get()
    assert (stored.given_name, stored.family_name, stored.full_name) == ("Mary Anne de", "Souza",
                                                                         "Mary Anne de Souza")


def test_full_patient_without_email(client, api_key):
    response = post(client, api_key, full_patient(email=None))

    assert response.status_code == 201, response.content
    assert response.json()["data"]["patient"]["email"] == ""


def test_full_patient_in_the_organizations_region_and_other_countries(client, api_key):
    response = post(client, api_key, full_patient(callingCode="+1", localPhone="(416) 555-0123"))

    assert response.status_code == 201, response.content
    assert str(Patient.objects.get().phone) == "+14165550123"


def test_the_patient_belongs_to_the_keys_organization(client, organization, other_organization, other_api_key):
    response = post(client, other_api_key, CONTRACT_REQUEST)

    assert response.json()["data"]["patient"]["clinicId"] == str(other_organization.id)
    assert Patient.objects.for_organization(organization).count() == 0
    assert Patient.objects.for_organization(other_organization).count() == 1


def test_ids_are_uuids(client, api_key):
    patient = post(client, api_key, CONTRACT_REQUEST).json()["data"]["patient"]

    uuid_text = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
    assert uuid_text.match(patient["id"]) and uuid_text.match(patient["clinicId"])


def test_unknown_extra_fields_are_ignored(client, api_key):
    response = post(client, api_key, {**json.loads(CONTRACT_REQUEST), "additionalInfo": [], "somethingElse": 1})

    assert response.status_code == 201, response.content


def test_lead_query_budget(client, api_key, django_assert_max_num_queries):
    post(client, api_key, CONTRACT_REQUEST)  # the key's last-used time is now fresh
    # key lookup, savepoint pair, insert, history insert, duplicate pairs; the verification statuses of
    # the answer are what the registration wrote (none: unverified), not read back.
    with django_assert_max_num_queries(6):
        response = post(client, api_key, CONTRACT_REQUEST)
    assert response.status_code == 201
    assert response.json()["data"]["patient"]["verifications"] == {"email": "unverified", "phone": "unverified"}


def test_full_patient_query_budget(client, api_key, django_assert_max_num_queries):
    post(client, api_key, full_patient(email="warm@example.com", localPhone="501234567"))  # key's last-used set
    # key lookup, savepoint pair, number (update + read), insert, history insert, duplicate pairs.
    with django_assert_max_num_queries(7):
        response = post(client, api_key, full_patient())
    assert response.status_code == 201

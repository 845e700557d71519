"""The organization's registration policy through both REST contracts and the promote endpoint:
the clinic's own requirements are refused field by field, in each contract's error shape."""

import pytest

from patients.models import Patient
from tests.api.patients_helpers import VALID_BODY, client_with_key, create
from tests.api.test_promote_api import promote
from tests.api.test_register_patient_contract import post as register

BY_CLINIC = ["Required by this clinic."]
CARD = {"number": "9876543217", "versionCode": "AB", "province": "ON"}


@pytest.fixture
def strict(organization):
    organization.required_fields = ["province", "health_card"]
    organization.lead_requires = "phone"
    organization.save()
    return organization


def test_create_a_patient_refuses_what_the_clinic_requires(strict, api_key):
    response = create(client_with_key(api_key.raw), VALID_BODY)

    assert response.status_code == 400
    assert response.json()["errors"] == {"province": BY_CLINIC, "hcCard": BY_CLINIC}
    assert not Patient.objects.exists()
    answer = create(client_with_key(api_key.raw), {**VALID_BODY, "province": "ON", "hcCard": CARD})
    assert answer.status_code == 201, answer.content


def test_register_patient_refuses_a_lead_the_clinic_cannot_reach(strict, client, api_key):
    lead = {"isLead": True, "preferredName": "Amal", "fullName": "Amal Haddad", "callingCode": "+971",
            "localPhone": "", "email": None, "gender": "Female", "dateOfBirth": {"date": "1111-01-01"}}
    response = register(client, api_key, lead)

    assert response.status_code == 400
    assert response.json()["status"] == "1"
    assert response.json()["errors"] == {"localPhone": BY_CLINIC}
    assert register(client, api_key, {**lead, "localPhone": "561231231"}).status_code == 201


def test_register_patient_refuses_a_full_patient_without_what_the_clinic_requires(strict, client, api_key):
    full = {"isLead": False, "preferredName": "Amal", "fullName": "Amal Haddad", "callingCode": "+971",
            "localPhone": "561231231", "email": "amal@example.com", "gender": "Female",
            "dateOfBirth": {"date": "1990-04-12"}}
    response = register(client, api_key, full)

    assert response.status_code == 400
    # The contract has no province or health card: its clinics requiring them complete leads by promotion.
    assert response.json()["errors"] == {"province": BY_CLINIC, "health_card": BY_CLINIC}
    assert not Patient.objects.exists()


def test_promotion_names_what_the_clinic_requires(strict, client, api_key):
    lead = {"isLead": True, "preferredName": "Amal", "fullName": "Amal Haddad", "callingCode": "+971",
            "localPhone": "561231231", "email": None, "gender": "Female", "dateOfBirth": {"date": "1990-04-12"}}
    patient_id = register(client, api_key, lead).json()["data"]["patient"]["id"]

    response = promote(client, api_key, patient_id, {})
    assert response.status_code == 400
    body = response.json()
    assert body["missing"] == ["province", "hcCard"]
    assert body["errors"] == {"province": BY_CLINIC, "hcCard": BY_CLINIC}

    response = promote(client, api_key, patient_id, {"province": "ON", "hcCard": CARD})
    assert response.status_code == 200, response.content
    assert response.json()["patientNo"] == 1

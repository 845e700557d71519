"""Our patient as a FHIR Patient and back (patients/fhir/mapping.py)."""

import datetime

import pytest

from patients.fhir.mapping import Version, incoming_patient, patient_resource
from patients.models import Patient, Verification
from tests.factories import HealthCardFactory, LeadFactory, PatientFactory, ProviderFactory
from tests.fhir.helpers import ON_CARD, VERSION_CODE, jane

pytestmark = pytest.mark.django_db
V2 = "http://terminology.hl7.org/CodeSystem/v2-0203"


@pytest.fixture
def patient(organization):
    patient = PatientFactory(
        organization=organization, given_name="Jane Mary", family_name="Doe", full_name="Jane Mary Doe",
        preferred_name="Janie", gender="female", date_of_birth=datetime.date(1985, 4, 12),
        email="jane@example.com", phone="+14165550123", province="ON", emr_id=777,
    )
    HealthCardFactory(patient=patient, number="9876543217", version_code="AB", province="ON",
                      expiry_date=datetime.date(2030, 1, 31))
    return Patient.objects.select_related("health_card").get(pk=patient.pk)


def render(patient, **kwargs):
    version = Version(7, datetime.datetime(2026, 1, 2, 3, 4, 5, tzinfo=datetime.UTC))
    return patient_resource(patient, version, **kwargs).model


def test_the_json_sent_is_what_fhir_resources_validated(patient):
    """Resources are sent as the data they were validated from: the same JSON as the model's own."""
    ada = ProviderFactory(organization=patient.organization, name="Dr. Ada Chen")
    version = Version(7, datetime.datetime(2026, 1, 2, 3, 4, 5, 123456, tzinfo=datetime.UTC))
    rendered = patient_resource(patient, version, health_card=patient.health_card, providers=[ada],
                                verifications={"email": "pending"})
    assert rendered.model.model_dump(mode="json", exclude_none=True) == rendered.data


def test_identifiers_patient_number_health_card_and_emr_id(patient):
    resource = render(patient, health_card=patient.health_card)

    mr, card, emr = resource.identifier
    assert (mr.type.coding[0].system, mr.type.coding[0].code) == (V2, "MR")
    assert mr.system == "https://intake.localhost/fhir/NamingSystem/maple/patient-number"
    assert mr.value == str(patient.patient_number)
    assert (card.type.coding[0].code, card.system, card.value) == ("JHN", ON_CARD, "9876543217")
    assert [(e.url, e.valueString) for e in card.extension] == [(VERSION_CODE, "AB")]
    assert card.period.end == datetime.date(2030, 1, 31) or str(card.period.end) == "2030-01-31"
    assert (emr.system, emr.value) == ("https://intake.localhost/fhir/NamingSystem/maple/emr-id", "777")


@pytest.mark.parametrize("province, system", [
    ("BC", "https://fhir.infoway-inforoute.ca/NamingSystem/ca-bc-patient-healthcare-id"),
    ("QC", "https://fhir.infoway-inforoute.ca/NamingSystem/ca-qc-patient-healthcare-id"),
    ("AB", "https://fhir.infoway-inforoute.ca/NamingSystem/ca-ab-patient-healthcare-id"),
])
def test_each_province_has_its_infoway_naming_system(organization, province, system):
    patient = PatientFactory(organization=organization)
    card = HealthCardFactory(patient=patient, province=province, version_code="")
    (_, identifier) = render(patient, health_card=card).identifier
    assert identifier.system == system
    assert identifier.extension is None


def test_names_telecom_gender_birth_date_address_and_active(patient):
    Verification.objects.create(organization=patient.organization, patient=patient, channel="phone",
                                status="verified")
    resource = render(patient, verifications={"phone": "verified"})

    official, usual = resource.name
    assert (official.use, official.family, official.given, official.text) == (
        "official", "Doe", ["Jane", "Mary"], "Jane Mary Doe")
    assert (usual.use, usual.text) == ("usual", "Janie")
    phone, email = resource.telecom
    assert (phone.system, phone.value, phone.extension[0].valueCode) == ("phone", "+14165550123", "verified")
    assert (email.system, email.value, email.extension[0].valueCode) == ("email", "jane@example.com", "unverified")
    assert phone.extension[0].url == "https://intake.localhost/fhir/StructureDefinition/contactpoint-verification"
    assert resource.gender == "female"
    assert str(resource.birthDate) == "1985-04-12"
    assert [(a.state, a.country) for a in resource.address] == [("ON", "CA")]
    assert resource.active is True
    assert (resource.meta.versionId, resource.meta.lastUpdated.isoformat()) == ("7", "2026-01-02T03:04:05+00:00")


def test_providers_are_general_practitioners_by_identifier(patient):
    ada = ProviderFactory(organization=patient.organization, name="Dr. Ada Chen")
    (gp,) = render(patient, providers=[ada]).generalPractitioner
    assert gp.display == "Dr. Ada Chen"
    assert (gp.identifier.system, gp.identifier.value) == (
        "https://intake.localhost/fhir/NamingSystem/maple/provider", str(ada.pk))


def test_a_lead_is_inactive_without_number_or_birth_date(organization):
    lead = LeadFactory(organization=organization, phone="", calling_code="+971", local_phone="501234567")
    resource = render(lead)
    assert resource.active is False
    assert resource.identifier is None
    assert resource.birthDate is None
    assert [t.value for t in resource.telecom if t.system == "phone"] == ["+971 501234567"]


def test_an_archived_patient_is_inactive(organization):
    assert render(PatientFactory(organization=organization, status="archived")).active is False


def test_incoming_patient_in_domain_terms(organization):
    ada = ProviderFactory(organization=organization, name="Dr. Ada Chen")
    body = jane(generalPractitioner=[{"reference": f"Practitioner/{ada.pk}"}])
    body["identifier"].append({"system": "https://intake.localhost/fhir/NamingSystem/maple/emr-id", "value": "55"})
    body["identifier"][0]["period"] = {"end": "2030-01-31"}

    got = incoming_patient(body, organization)

    assert got.problems == []
    assert got.data == {
        "given_name": "Jane", "family_name": "Doe", "preferred_name": "Janie", "phone": "416 555 0123",
        "email": "jane.doe@example.com", "gender": "female", "date_of_birth": "1985-04-12", "province": "ON",
        "health_card": {"number": "9876543217", "province": "ON", "version_code": "AB", "expiry_date": "2030-01-31"},
        "emr_id": "55", "providers": [str(ada.pk)],
    }
    assert got.paths["health_card.number"] == "Patient.identifier[0].value"
    assert got.paths["health_card.version_code"] == "Patient.identifier[0].extension[0].valueString"
    assert got.paths["emr_id"] == "Patient.identifier[1].value"
    assert got.paths["phone"] == "Patient.telecom[0].value"
    assert got.paths["email"] == "Patient.telecom[1].value"


def test_a_partial_birth_date_or_a_jhn_without_infoway_system_is_a_problem(organization):
    body = jane(birthDate="1985")
    body["identifier"][0]["system"] = "urn:oid:2.16.840.1.113883.4.59"

    got = incoming_patient(body, organization)
    assert sorted(p[2] for p in got.problems) == ["Patient.birthDate", "Patient.identifier[0].system"]


def test_round_trip_keeps_every_mapped_field(patient, organization):
    ada = ProviderFactory(organization=organization, name="Dr. Ada Chen")
    resource = render(patient, health_card=patient.health_card, providers=[ada])

    got = incoming_patient(resource.model_dump(mode="json", exclude_none=True), organization)
    assert got.data["given_name"] == "Jane Mary"
    assert got.data["full_name"] == "Jane Mary Doe"
    assert got.data["health_card"]["number"] == "9876543217"
    assert got.data["emr_id"] == "777"
    assert got.data["providers"] == [str(ada.pk)]
    assert got.data["date_of_birth"] == "1985-04-12"


def test_the_preferred_language_is_communication(organization):
    patient = PatientFactory(organization=organization, preferred_language="fr")
    (item,) = render(patient).communication
    assert item.preferred is True
    assert [(c.system, c.code, c.display) for c in item.language.coding] == [("urn:ietf:bcp:47", "fr", "Français")]
    assert render(PatientFactory(organization=organization)).communication is None

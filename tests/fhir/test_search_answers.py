"""A search page, $match and a read answer each patient as the mapping does from the ORM's own reads
(card, providers by name, verifications, merged records oldest first, version from history), every
shape parsed by fhir.resources: lists send their resources without validating them at run time."""

import datetime

import pytest
from fhir.resources.R4B.bundle import Bundle

from patients.actors import Actor
from patients.fhir.mapping import patient_resource
from patients.fhir.versions import current_version
from patients.merging.services import merge_patients
from patients.models import Channel, Patient, Verification, health_card_of
from tests.factories import HealthCardFactory, LeadFactory, PatientFactory, ProviderFactory
from tests.fhir.helpers import jane, parsed

pytestmark = pytest.mark.django_db
STAFF = Actor(channel=Channel.ADMIN)


@pytest.fixture
def shapes(organization):
    """Patients of every shape a resource can take, all named Shape."""
    def make(**fields):
        return PatientFactory(organization=organization, family_name="Shape", **fields)

    full = make(given_name="Anna Maria", full_name="Anna Maria Shape", preferred_name="Annie", gender="female",
                date_of_birth=datetime.date(1985, 4, 12), phone="+14165550123", email="anna@example.com",
                province="ON", emr_id=4242, preferred_language="fr")
    HealthCardFactory(patient=full, number="9876543217", province="ON", version_code="AB",
                      expiry_date=datetime.date(2030, 1, 31))
    full.providers.add(ProviderFactory(organization=organization, name="Dr. Zed"),
                       ProviderFactory(organization=organization, name="Dr. Ada"))
    Verification.objects.create(organization=organization, patient=full, channel="phone", status="verified")
    Verification.objects.create(organization=organization, patient=full, channel="email", status="pending")
    quebec = make(given_name="Luc", province="QC", gender="male", email="")
    HealthCardFactory(patient=quebec, number="TREL85041299", province="QC", version_code="", expiry_date=None)
    make(given_name="Abroad", province="NY", gender="unknown", date_of_birth=None)
    LeadFactory(organization=organization, family_name="Shape", given_name="Lead", phone="", email="",
                calling_code="+44", local_phone="20 7946 0958")
    make(given_name="Paris", phone="+33123456789", province="")
    survivor = make(given_name="Survivor")
    for _ in range(2):
        merge_patients(merged=make(given_name="Merged"), survivor=survivor, actor=STAFF)
    unversioned = make(given_name="Loaded")
    Patient.history.filter(id=unversioned.pk).delete()  # loaded in bulk: no history row, lastUpdated is updated_at
    changed = make(given_name="Changed")
    changed.gender = "other"
    changed.save()
    return organization


def expected(patient_id, *, listed=True) -> dict:
    """The resource as the mapping gives it from the ORM's reads, validated by fhir.resources."""
    patient = Patient.objects.select_related("health_card", "organization").get(pk=patient_id)
    return patient_resource(
        patient, current_version(patient), health_card=health_card_of(patient),
        providers=list(patient.providers.all()),
        verifications={v.channel: v.status for v in patient.verifications.all()},
        replaces=[m.pk for m in patient.merged_records.order_by("created_at")], mask_health_card=listed,
    ).data


def entries(response) -> list[dict]:
    assert response.status_code == 200, response.content
    bundle = response.json()
    Bundle.model_validate(bundle)
    return bundle["entry"]


@pytest.mark.parametrize("params", [
    {"family": "shape", "active": "false"}, {"family": "shape", "active": "true"}, {"family": "shape"},
    {"family": "shape", "_count": "3"}, {"family": "shape", "_count": "3", "_offset": "3"},
])
def test_a_search_page_answers_each_patient_as_the_mapping_does(fhir, shapes, params):
    found = entries(fhir.get("Patient", params))
    assert found
    for entry in found:
        assert entry["resource"] == expected(entry["resource"]["id"])


def test_every_shape_is_listed(fhir, shapes):
    found = entries(fhir.get("Patient", {"family": "shape", "active": "true", "_count": "100"}))
    found += entries(fhir.get("Patient", {"family": "shape", "active": "false", "_count": "100"}))
    resources = [e["resource"] for e in found]
    assert len(resources) == Patient.objects.filter(family_name="Shape").count() == 10
    shown = {key for r in resources for key in r}
    assert shown >= {"identifier", "name", "telecom", "birthDate", "address", "communication", "link",
                     "generalPractitioner", "meta"}
    assert any("versionId" not in r["meta"] for r in resources)  # the one without history
    assert any(link["type"] == "replaces" for r in resources for link in r.get("link", []))
    assert any(link["type"] == "replaced-by" for r in resources for link in r.get("link", []))
    # Phones as Patient.phone_as_typed gives them (E.164; a lead's calling code and local phone)
    phones = {r["id"]: [t["value"] for t in r.get("telecom", []) if t["system"] == "phone"] for r in resources}
    assert phones == {str(p.pk): [p.phone_as_typed()] if p.phone_as_typed() else []
                      for p in Patient.objects.filter(family_name="Shape")}
    assert {"+44 20 7946 0958", "+33123456789"} <= {phone for found in phones.values() for phone in found}


def test_match_answers_each_patient_as_the_mapping_does(fhir, shapes):
    sent = jane(name=[{"family": "Shape", "given": ["Anna"]}], birthDate="1985-04-12",
                telecom=[{"system": "phone", "value": "416 555 0123"}], identifier=[])
    found = entries(fhir.post("Patient/$match", {"resourceType": "Parameters",
                                                 "parameter": [{"name": "resource", "resource": sent}]}))
    assert found
    for entry in found:
        assert entry["resource"] == expected(entry["resource"]["id"])


def test_a_read_answers_the_patient_as_the_mapping_does(fhir, shapes):
    for patient in Patient.objects.filter(family_name="Shape"):
        response = fhir.get(f"Patient/{patient.pk}")
        parsed(response)
        assert response.json() == expected(patient.pk, listed=False)

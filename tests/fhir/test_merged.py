"""Merged and archived records through FHIR: inactive, linked (replaced-by / replaces), and left out of
searches unless asked for by id, identifier or `active`."""

import pytest

from patients.actors import Actor
from patients.merging.archiving import archive_patient
from patients.merging.services import merge_patients
from patients.models import Channel
from tests.factories import PatientFactory
from tests.fhir.helpers import expressions, outcome, parsed

pytestmark = pytest.mark.django_db
STAFF = Actor(channel=Channel.ADMIN)


@pytest.fixture
def merged_pair(organization):
    survivor = PatientFactory(organization=organization, family_name="Doe")
    merged = PatientFactory(organization=organization, family_name="Doe")
    merge_patients(merged=merged, survivor=survivor, actor=STAFF)
    return merged, survivor


def links(resource):
    return [(link.type, link.other.reference) for link in resource.link or []]


def test_a_merged_record_is_inactive_and_replaced_by_its_survivor(fhir, merged_pair):
    merged, survivor = merged_pair

    old = parsed(fhir.get(f"Patient/{merged.pk}"))
    new = parsed(fhir.get(f"Patient/{survivor.pk}"))

    assert old.active is False
    assert links(old) == [("replaced-by", f"Patient/{survivor.pk}")]
    assert new.active is True
    assert links(new) == [("replaces", f"Patient/{merged.pk}")]


def test_searches_leave_merged_and_archived_records_out_unless_asked(fhir, organization, merged_pair):
    merged, survivor = merged_pair
    archived = PatientFactory(organization=organization, family_name="Doe")
    archive_patient(archived, actor=STAFF)

    def found(params):
        return {e.resource.id for e in parsed(fhir.get("Patient", params)).entry or []}

    assert found({"family": "doe"}) == {str(survivor.pk)}
    assert found({"family": "doe", "active": "false"}) == {str(merged.pk), str(archived.pk)}
    assert found({"_id": str(merged.pk)}) == {str(merged.pk)}
    number = "https://intake.localhost/fhir/NamingSystem/maple/patient-number"
    assert found({"identifier": f"{number}|{merged.patient_number}"}) == {str(merged.pk)}


def test_a_merged_record_cannot_be_updated(fhir, merged_pair):
    merged, _ = merged_pair
    body = parsed(fhir.get(f"Patient/{merged.pk}")).model_dump(mode="json", exclude_none=True)
    body["gender"] = "other"
    result = outcome(fhir.put(f"Patient/{merged.pk}", body), 422)
    assert expressions(result) == ["Patient.active"]

"""Every FHIR answer that shows patients writes access events through the door `fhir`."""

import pytest

from patients.access_log import AccessEvent
from tests.factories import PatientFactory
from tests.fhir.helpers import jane, parsed

pytestmark = pytest.mark.django_db


def events():
    return list(AccessEvent.objects.order_by("at", "id").values_list("patient_id", "action", "door", "api_key_name"))


def test_read_and_vread_write_a_view_event(fhir, organization):
    patient = PatientFactory(organization=organization)
    fhir.get(f"Patient/{patient.pk}")
    fhir.get(f"Patient/{patient.pk}/_history/{patient.history.first().history_id}")
    assert events() == [(patient.pk, "view", "fhir", "EMR bridge")] * 2


def test_a_304_shows_nothing_and_writes_nothing(fhir, organization):
    patient = PatientFactory(organization=organization)
    version = patient.history.first().history_id
    assert fhir.get(f"Patient/{patient.pk}", HTTP_IF_NONE_MATCH=f'W/"{version}"').status_code == 304
    assert events() == []


@pytest.mark.parametrize("search", [{"family": "doe"}, {"name": "jane doe"}])  # the second read with its count
def test_a_search_page_writes_one_search_event_per_patient_shown(fhir, organization, other_organization, search):
    mine = [PatientFactory(organization=organization, given_name="Jane", family_name="Doe") for _ in range(3)]
    PatientFactory(organization=other_organization, given_name="Jane", family_name="Doe")

    bundle = parsed(fhir.get("Patient", {**search, "_count": "2"}))

    shown = {e.resource.id for e in bundle.entry}
    assert len(shown) == 2
    assert {str(e[0]) for e in events()} == shown
    assert {e[1:] for e in events()} == {("search", "fhir", "EMR bridge")}
    assert {p.pk for p in mine} >= {e[0] for e in events()}


def test_an_empty_search_writes_nothing(fhir):
    parsed(fhir.get("Patient", {"family": "nobody"}))
    assert events() == []


def test_match_writes_a_search_event_per_candidate(fhir, organization):
    same = PatientFactory(organization=organization, email="jane.doe@example.com")
    fhir.post("Patient/$match", {"resourceType": "Parameters", "parameter": [{"name": "resource", "resource": jane()}]})
    assert events() == [(same.pk, "search", "fhir", "EMR bridge")]


def test_create_update_and_a_conditional_match_write_events(fhir):
    created = parsed(fhir.post("Patient", jane()))
    body = created.model_dump(mode="json", exclude_none=True)
    body["gender"] = "other"
    fhir.put(f"Patient/{created.id}", body)
    fhir.post("Patient", jane(), HTTP_IF_NONE_EXIST="email=jane.doe@example.com")

    assert [e[1] for e in events()] == ["change", "change", "view"]
    assert {str(e[0]) for e in events()} == {created.id}


def test_refused_requests_write_nothing(fhir, other_fhir, organization):
    patient = PatientFactory(organization=organization)
    other_fhir.get(f"Patient/{patient.pk}")
    fhir.post("Patient", jane(birthDate="2999-01-01"))
    assert events() == []

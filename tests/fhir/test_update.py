"""update (PUT): the resource replaced, If-Match versions, and leads promoted by completing them."""

import pytest

from patients.models import HealthCard, Patient
from tests.factories import LeadFactory, PatientFactory
from tests.fhir.helpers import expressions, jane, outcome, parsed

pytestmark = pytest.mark.django_db


@pytest.fixture
def created(fhir):
    return parsed(fhir.post("Patient", jane()))


def body_of(resource, **changes) -> dict:
    body = resource.model_dump(mode="json", exclude_none=True)
    body.update(changes)
    return body


def test_put_replaces_the_patient_and_answers_a_new_version(fhir, created):
    body = body_of(created, birthDate="1985-04-13")
    body["name"][0]["family"] = "Smith"
    body["name"][0].pop("text")

    response = fhir.put(f"Patient/{created.id}", body)

    assert response.status_code == 200, response.content
    updated = parsed(response)
    assert updated.name[0].family == "Smith"
    assert str(updated.birthDate) == "1985-04-13"
    assert int(updated.meta.versionId) > int(created.meta.versionId)
    assert response["ETag"] == f'W/"{updated.meta.versionId}"'
    stored = Patient.objects.get(pk=created.id)
    assert (stored.family_name, stored.full_name, stored.patient_number) == ("Smith", "Jane Smith", 1)


def test_elements_left_out_of_a_put_are_cleared(fhir, created):
    body = body_of(created)
    body["identifier"] = [i for i in body["identifier"] if i["type"]["coding"][0]["code"] != "JHN"]
    del body["address"]

    parsed(fhir.put(f"Patient/{created.id}", body))

    stored = Patient.objects.get(pk=created.id)
    assert stored.province == ""
    assert not HealthCard.objects.filter(patient=stored).exists()


def test_clearing_what_an_active_patient_needs_is_422(fhir, created):
    body = body_of(created)
    del body["birthDate"]
    result = outcome(fhir.put(f"Patient/{created.id}", body), 422)
    assert expressions(result) == ["Patient.birthDate"]


def test_if_match_with_the_current_version_updates(fhir, created):
    response = fhir.put(f"Patient/{created.id}", body_of(created, gender="other"),
                        HTTP_IF_MATCH=f'W/"{created.meta.versionId}"')
    assert response.status_code == 200


def test_if_match_with_a_stale_version_is_412_and_changes_nothing(fhir, created):
    parsed(fhir.put(f"Patient/{created.id}", body_of(created, gender="other")))

    result = outcome(fhir.put(f"Patient/{created.id}", body_of(created, gender="male"),
                              HTTP_IF_MATCH=f'W/"{created.meta.versionId}"'), 412)

    assert result.issue[0].code == "conflict"
    assert Patient.objects.get(pk=created.id).gender == "other"


def test_the_id_in_the_body_must_be_the_urls(fhir, created, organization):
    other = PatientFactory(organization=organization)
    outcome(fhir.put(f"Patient/{other.pk}", body_of(created)), 400)
    body = body_of(created)
    del body["id"]
    outcome(fhir.put(f"Patient/{created.id}", body), 400)


def test_put_on_an_unknown_id_is_404(fhir):
    missing = "00000000-0000-0000-0000-000000000000"
    outcome(fhir.put(f"Patient/{missing}", jane(id=missing)), 404)
    assert Patient.objects.count() == 0


def test_an_active_patient_cannot_be_deactivated(fhir, created):
    result = outcome(fhir.put(f"Patient/{created.id}", body_of(created, active=False)), 422)
    assert expressions(result) == ["Patient.active"]


def test_updating_a_lead_to_complete_promotes_it(fhir, organization):
    lead = LeadFactory(organization=organization, given_name="Jane", family_name="Doe", gender="female",
                       email="", phone="")

    response = fhir.put(f"Patient/{lead.pk}", jane(id=str(lead.pk)))

    assert response.status_code == 200, response.content
    promoted = parsed(response)
    assert promoted.active is True
    lead.refresh_from_db()
    assert lead.status == "active" and lead.patient_number == 1
    assert lead.promoted_by_label == "API key: EMR bridge"
    assert [i.value for i in promoted.identifier if i.type.coding[0].code == "MR"] == ["1"]


def test_a_lead_updated_still_incomplete_stays_a_lead(fhir, organization):
    lead = LeadFactory(organization=organization, given_name="Jane", family_name="Doe", gender="female",
                       email="", phone="")
    body = jane(id=str(lead.pk))
    del body["birthDate"]

    updated = parsed(fhir.put(f"Patient/{lead.pk}", body))

    assert updated.active is False
    lead.refresh_from_db()
    assert lead.status == "lead" and str(lead.phone) == "+14165550123"


def test_active_true_on_an_incomplete_lead_names_what_is_missing(fhir, organization):
    lead = LeadFactory(organization=organization, given_name="Jane", family_name="Doe", gender="female", phone="")
    body = jane(id=str(lead.pk), active=True)
    del body["birthDate"]

    result = outcome(fhir.put(f"Patient/{lead.pk}", body), 422)

    assert [i.code for i in result.issue] == ["required"]
    assert expressions(result) == ["Patient.birthDate"]
    lead.refresh_from_db()
    assert lead.status == "lead"

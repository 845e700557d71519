"""POST /api/v1/patients/{id}/archive and /restore."""

import pytest

from patients.access_log import AccessEvent
from patients.models import Patient
from tests.api.patients_helpers import PATIENTS_URL, assert_error, detail_url
from tests.factories import PatientFactory

pytestmark = pytest.mark.django_db


def act(api, patient, action, body=None):
    return api.post(f"{detail_url(patient.pk)}/{action}", body or {}, format="json")


def test_archive_hides_the_patient_from_search_and_restore_brings_it_back(api, organization):
    patient = PatientFactory(organization=organization, family_name="Tremblay")

    response = act(api, patient, "archive", {"reason": "Moved away"})
    assert response.status_code == 200 and response.json()["status"] == "archived"
    assert api.get(PATIENTS_URL, {"q": "tremblay"}).json()["results"] == []
    assert len(api.get(PATIENTS_URL, {"q": "tremblay", "status": "archived"}).json()["results"]) == 1
    assert api.get(detail_url(patient.pk)).json()["status"] == "archived"

    response = act(api, patient, "restore")
    assert response.status_code == 200 and response.json()["status"] == "active"
    assert len(api.get(PATIENTS_URL, {"q": "tremblay"}).json()["results"]) == 1
    row = Patient.history.filter(id=patient.pk).order_by("history_date")[1]
    assert (row.history_change_reason, row.history_actor) == ("Archived: Moved away", "API key: EMR bridge")


def test_archiving_twice_and_restoring_an_active_patient_are_409s(api, organization):
    patient = PatientFactory(organization=organization)
    assert_error(act(api, patient, "restore"), 409, "not_archived")
    act(api, patient, "archive")
    assert_error(act(api, patient, "archive"), 409, "already_archived")


def test_another_organizations_patient_is_a_404(api, other_organization):
    stranger = PatientFactory(organization=other_organization)
    assert_error(act(api, stranger, "archive"), 404, "not_found")
    assert Patient.objects.get(pk=stranger.pk).status == Patient.Status.ACTIVE


def test_a_reason_that_is_not_text_is_a_400(api, organization):
    patient = PatientFactory(organization=organization)
    assert_error(act(api, patient, "archive", {"reason": ["x"]}), 400, "invalid", ["reason"])


def test_archive_and_restore_each_write_an_access_event(api, organization):
    patient = PatientFactory(organization=organization)
    act(api, patient, "archive")
    act(api, patient, "restore")

    assert sorted(AccessEvent.objects.values_list("action", "patient_id")) == [("archive", patient.pk),
                                                                               ("restore", patient.pk)]

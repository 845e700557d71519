"""read and vread: the current patient, and each version from the history."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from patients.actors import Actor
from patients.models import Channel, Patient
from patients.services import update_patient
from tests.factories import HealthCardFactory, PatientFactory, ProviderFactory
from tests.fhir.helpers import jane, outcome, parsed

pytestmark = pytest.mark.django_db
FHIR_ACTOR = Actor(channel=Channel.FHIR)


def created(fhir, **changes):
    response = fhir.post("Patient", jane(**changes))
    assert response.status_code == 201, response.content
    return parsed(response)


def test_read_answers_the_patient_with_its_version(fhir):
    patient = created(fhir)

    response = fhir.get(f"Patient/{patient.id}")

    assert response.status_code == 200
    read = parsed(response)
    assert read.id == patient.id
    assert read.meta.versionId == patient.meta.versionId
    assert response["ETag"] == f'W/"{patient.meta.versionId}"'
    assert response["Last-Modified"]
    assert read.name[0].family == "Doe"


def test_read_costs_a_fixed_number_of_queries(fhir, organization):
    patient = PatientFactory(organization=organization)
    HealthCardFactory(patient=patient)
    patient.providers.add(ProviderFactory(organization=organization))
    fhir.get(f"Patient/{patient.pk}")  # the key's last use is now recorded (written at most once a minute)

    with CaptureQueriesContext(connection) as queries:
        response = fhir.get(f"Patient/{patient.pk}")
    assert response.status_code == 200
    # API key, patient + card, providers, verifications, merged records and version (one statement),
    # access event
    assert len(queries) == 4, [q["sql"] for q in queries]


def test_if_none_match_with_the_current_version_is_304(fhir):
    patient = created(fhir)
    response = fhir.get(f"Patient/{patient.id}", HTTP_IF_NONE_MATCH=f'W/"{patient.meta.versionId}"')
    assert response.status_code == 304
    assert fhir.get(f"Patient/{patient.id}", HTTP_IF_NONE_MATCH='W/"0"').status_code == 200


def test_vread_answers_each_version_as_it_was(fhir, organization):
    first = created(fhir)
    stored = Patient.objects.get(pk=first.id)
    update_patient(stored, {"family_name": "Smith", "health_card": None}, actor=FHIR_ACTOR)
    current = parsed(fhir.get(f"Patient/{first.id}"))
    assert current.meta.versionId != first.meta.versionId

    old = fhir.get(f"Patient/{first.id}/_history/{first.meta.versionId}")
    new = fhir.get(f"Patient/{first.id}/_history/{current.meta.versionId}")

    assert old.status_code == new.status_code == 200
    old, new = parsed(old), parsed(new)
    assert old.meta.versionId == first.meta.versionId
    assert old.name[0].family == "Doe"
    assert [i.system for i in old.identifier][1].endswith("ca-on-patient-hcn")  # its card then
    assert new.name[0].family == "Smith"
    assert len(new.identifier) == 1  # the card was removed


def test_vread_of_an_unknown_version_is_404(fhir, organization, other_organization):
    patient = created(fhir)
    outcome(fhir.get(f"Patient/{patient.id}/_history/999999"), 404)
    outcome(fhir.get(f"Patient/{patient.id}/_history/abc"), 404)
    theirs = PatientFactory(organization=other_organization)
    version = theirs.history.first().history_id
    outcome(fhir.get(f"Patient/{theirs.pk}/_history/{version}"), 404)
    # Another patient's version number is not this patient's version.
    outcome(fhir.get(f"Patient/{patient.id}/_history/{version}"), 404)


def test_history_rows_of_fhir_writes_name_the_fhir_door(fhir, api_key):
    patient = created(fhir)
    row = Patient.history.get(id=patient.id)
    assert row.history_channel == "fhir"
    assert row.history_actor == "API key: EMR bridge"
    assert Patient.objects.get(pk=patient.id).created_via == "fhir"

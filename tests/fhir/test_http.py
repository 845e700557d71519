"""The HTTP rules of the FHIR door: keys, tenancy, formats, and every refusal as an OperationOutcome."""

import pytest

from tests.factories import PatientFactory
from tests.fhir.helpers import FhirClient, expressions, jane, outcome, parsed

pytestmark = pytest.mark.django_db


def test_no_key_is_401_with_a_bearer_challenge():
    response = FhirClient().get("Patient")

    result = outcome(response, 401)
    assert result.issue[0].code == "login"
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_a_wrong_key_is_401():
    outcome(FhirClient("pik_not-a-real-key").get("Patient"), 401)


def test_a_revoked_key_is_401(api_key):
    api_key.revoked_at = api_key.created_at
    api_key.save()
    outcome(FhirClient(api_key.raw).get("Patient"), 401)


def test_another_organizations_patient_is_404_like_a_missing_one(fhir, other_organization):
    theirs = PatientFactory(organization=other_organization)

    result = outcome(fhir.get(f"Patient/{theirs.pk}"), 404)
    missing = outcome(fhir.get("Patient/00000000-0000-0000-0000-000000000000"), 404)
    assert result.issue[0].code == missing.issue[0].code == "not-found"
    assert outcome(fhir.get("Patient/not-a-uuid"), 404).issue[0].code == "not-found"


def test_another_organizations_patient_cannot_be_updated(fhir, other_organization):
    theirs = PatientFactory(organization=other_organization)
    outcome(fhir.put(f"Patient/{theirs.pk}", jane(id=str(theirs.pk))), 404)
    theirs.refresh_from_db()
    assert theirs.family_name != "Doe"


def test_search_never_shows_another_organizations_patients(fhir, organization, other_organization):
    PatientFactory(organization=other_organization, family_name="Smith")
    mine = PatientFactory(organization=organization, family_name="Smith")

    bundle = parsed(fhir.get("Patient", {"family": "smith"}))
    assert [e.resource.id for e in bundle.entry] == [str(mine.pk)]


def test_plain_json_is_accepted_and_answered_as_asked(fhir, organization):
    patient = PatientFactory(organization=organization)

    response = fhir.get(f"Patient/{patient.pk}", HTTP_ACCEPT="application/json")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json; charset=utf-8"
    created = fhir.raw("post", "Patient", data=jane(), content_type="application/json")
    assert created.status_code == 201


@pytest.mark.parametrize("accept", ["application/fhir+json; fhirVersion=4.0", "*/*", "application/*"])
def test_json_accept_headers_are_served_fhir_json(fhir, accept):
    response = fhir.get("Patient", HTTP_ACCEPT=accept)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/fhir+json")


@pytest.mark.parametrize("accept", ["application/fhir+xml", "text/html", "application/xml"])
def test_other_formats_are_406(fhir, accept):
    result = outcome(fhir.get("Patient", HTTP_ACCEPT=accept), 406)
    assert result.issue[0].code == "not-supported"


@pytest.mark.parametrize("wanted, status", [("json", 200), ("application/fhir+json", 200), ("xml", 406),
                                             ("application/fhir+xml", 406)])
def test_format_parameter_overrides_accept(fhir, wanted, status):
    response = fhir.get("Patient", {"_format": wanted}, HTTP_ACCEPT="text/html")
    assert response.status_code == status
    parsed(response)


def test_a_body_in_another_format_is_415(fhir):
    response = fhir.raw("post", "Patient", data="<Patient xmlns='http://hl7.org/fhir'/>",
                        content_type="application/fhir+xml")
    assert outcome(response, 415).issue[0].code == "not-supported"


@pytest.mark.parametrize("body", ["{not json", "[1, 2]", '"Patient"', "", "[" * 100_000])
def test_a_body_that_is_not_a_json_object_is_400(fhir, body):
    response = fhir.raw("post", "Patient", data=body, content_type="application/fhir+json")
    outcome(response, 400)


def test_unknown_resource_types_and_addresses_are_404_outcomes(fhir):
    assert outcome(fhir.get("Observation"), 404).issue[0].code == "not-found"
    assert outcome(fhir.get("Patient/x/y/z"), 404).issue[0].code == "not-found"


def test_unsupported_interactions_are_405(fhir, organization):
    patient = PatientFactory(organization=organization)
    outcome(fhir.raw("delete", f"Patient/{patient.pk}"), 405)
    outcome(fhir.raw("patch", f"Patient/{patient.pk}", data="{}", content_type="application/json-patch+json"), 405)


def test_a_bad_resource_names_the_fhir_paths_of_its_bad_elements(fhir):
    body = jane(birthDate="12/04/1985", unknownElement=1)
    body["identifier"][0]["value"] = 42

    result = outcome(fhir.post("Patient", body), 400)
    assert set(expressions(result)) == {"Patient.birthDate", "Patient.identifier[0].value", "Patient.unknownElement"}


def test_a_resource_of_another_type_is_400(fhir):
    result = outcome(fhir.post("Patient", {"resourceType": "Observation", "status": "final"}), 400)
    assert expressions(result) == ["Patient.resourceType"]


def test_a_bug_is_a_500_outcome_quoting_the_request_id(fhir, monkeypatch):
    from patients.fhir import views

    def broken(base_url):
        raise RuntimeError("a bug")

    monkeypatch.setattr(views, "capability_statement", broken)
    response = fhir.get("metadata")

    result = outcome(response, 500)
    assert result.issue[0].code == "exception"
    assert response["X-Request-ID"] in result.issue[0].diagnostics
    assert "a bug" not in response.content.decode()

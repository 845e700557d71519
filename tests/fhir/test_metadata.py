"""GET /fhir/R4/metadata: the CapabilityStatement lists exactly what is served."""

import pytest

from tests.fhir.helpers import FhirClient, parsed

pytestmark = pytest.mark.django_db


def test_metadata_needs_no_key_and_lists_the_patient_interactions():
    response = FhirClient().get("metadata")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/fhir+json; charset=utf-8"
    statement = parsed(response)
    assert statement.fhirVersion == "4.0.1"
    assert statement.kind == "instance"
    assert "application/fhir+json" in statement.format and "json" in statement.format
    (rest,) = statement.rest
    (patient,) = rest.resource
    assert patient.type == "Patient"
    assert sorted(i.code for i in patient.interaction) == ["create", "read", "search-type", "update", "vread"]
    assert patient.conditionalCreate is True
    assert patient.conditionalUpdate is False
    assert patient.conditionalDelete == "not-supported"
    assert patient.updateCreate is False
    assert patient.versioning == "versioned-update"
    assert [(o.name, o.definition) for o in patient.operation] == [
        ("match", "http://hl7.org/fhir/OperationDefinition/Patient-match")]


def test_metadata_lists_each_search_parameter_with_its_type():
    statement = parsed(FhirClient().get("metadata"))

    params = {p.name: p.type for p in statement.rest[0].resource[0].searchParam}
    assert params == {
        "_id": "token", "identifier": "token", "name": "string", "family": "string", "given": "string",
        "birthdate": "date", "gender": "token", "phone": "token", "email": "token", "telecom": "token",
        "active": "token",
    }


def test_the_base_address_answers_the_capability_statement_too():
    assert parsed(FhirClient().get("")).get_resource_type() == "CapabilityStatement"


def test_implementation_url_is_this_server():
    statement = parsed(FhirClient().get("metadata"))
    assert statement.implementation.url == "http://testserver/fhir/R4"

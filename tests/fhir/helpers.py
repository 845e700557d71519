"""Helpers of the FHIR tests: a client that speaks FHIR JSON and parses every answer with fhir.resources."""

import copy
import json

from django.test import Client
from fhir.resources.R4B import get_fhir_model_class

BASE = "/fhir/R4/"
FHIR_JSON = "application/fhir+json"
ON_CARD = "https://fhir.infoway-inforoute.ca/NamingSystem/ca-on-patient-hcn"
VERSION_CODE = "http://hl7.org/fhir/ca/baseline/StructureDefinition/ext-identifierversion"

JANE = {
    "resourceType": "Patient",
    "identifier": [{
        "type": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/v2-0203", "code": "JHN"}]},
        "system": ON_CARD, "value": "9876543217",
        "extension": [{"url": VERSION_CODE, "valueString": "AB"}],
    }],
    "name": [{"use": "official", "family": "Doe", "given": ["Jane"]}, {"use": "usual", "text": "Janie"}],
    "telecom": [{"system": "phone", "value": "416 555 0123"}, {"system": "email", "value": "jane.doe@example.com"}],
    "gender": "female",
    "birthDate": "1985-04-12",
    "address": [{"state": "ON"}],
}


def jane(**changes) -> dict:
    body = copy.deepcopy(JANE)
    body.update(changes)
    return body


def parsed(response):
    """The answer's body as a fhir.resources model (any resource type), checking the media type."""
    assert response["Content-Type"].startswith(("application/fhir+json", "application/json")), response
    data = json.loads(response.content)
    return get_fhir_model_class(data["resourceType"]).model_validate(data)


def outcome(response, status: int):
    """The OperationOutcome of a refused request, checked to be one."""
    assert response.status_code == status, response.content
    result = parsed(response)
    assert result.get_resource_type() == "OperationOutcome"
    return result


def expressions(result) -> list[str]:
    return [e for issue in result.issue for e in (issue.expression or [])]


class FhirClient:
    """Django's test client with an API key, sending FHIR JSON."""

    def __init__(self, raw_key=None):
        headers = {"HTTP_ACCEPT": FHIR_JSON}
        if raw_key:
            headers["HTTP_AUTHORIZATION"] = f"Bearer {raw_key}"
        self.client = Client(**headers)

    def get(self, path, params=None, **extra):
        return self.client.get(BASE + path, params or {}, **extra)

    def post(self, path, body, **extra):
        return self.client.post(BASE + path, json.dumps(body), content_type=FHIR_JSON, **extra)

    def put(self, path, body, **extra):
        return self.client.put(BASE + path, json.dumps(body), content_type=FHIR_JSON, **extra)

    def raw(self, method, path, **kwargs):
        return getattr(self.client, method)(BASE + path, **kwargs)

"""End to end with a real FHIR client (fhirpy) against the live test server: create, conditional
create, search with paging, read, vread, update, $match; every answer parsed by fhir.resources."""

import json

import pytest
from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.capabilitystatement import CapabilityStatement
from fhir.resources.R4B.patient import Patient as FhirPatient
from fhirpy import SyncFHIRClient
from fhirpy.base.exceptions import OperationOutcome, ResourceNotFound

from patients.models import Patient
from tests.fhir.helpers import ON_CARD, jane

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def client(live_server, api_key):
    return SyncFHIRClient(f"{live_server.url}/fhir/R4", authorization=f"Bearer {api_key.raw}")


def plain(data) -> dict:
    """fhirpy's answer (its own dict and resource classes) as plain JSON data."""
    return json.loads(json.dumps(data, default=lambda resource: resource.serialize()))


def valid(resource) -> FhirPatient:
    return FhirPatient.model_validate(resource.serialize())


def test_fhirpy_end_to_end(client, organization):
    CapabilityStatement.model_validate(client.execute("metadata", method="get"))

    # create
    created = client.resource("Patient", **jane())
    created.save()
    first = valid(created)
    assert first.id and first.meta.versionId and first.active is True

    # conditional create: the same card matches, nothing is created
    again, was_created = client.resources("Patient").search(identifier=f"{ON_CARD}|9876543217").get_or_create(
        client.resource("Patient", **jane()))
    assert was_created is False
    assert valid(again).id == first.id
    assert Patient.objects.count() == 1

    # ...and a new card does create
    other = jane(telecom=[{"system": "phone", "value": "4165550999"}])
    other["identifier"][0]["value"] = "9287170261"
    other["identifier"][0]["extension"][0]["valueString"] = "DK"
    second, was_created = client.resources("Patient").search(identifier=f"{ON_CARD}|9287170261").get_or_create(
        client.resource("Patient", **other))
    assert was_created is True
    for n in range(5):
        client.resource("Patient", **jane(name=[{"family": "Paging", "given": [f"P{n}"]}], identifier=[],
                                          telecom=[{"system": "phone", "value": f"41655510{n:02d}"}])).save()

    # search with paging: fhirpy follows the next links
    pages = client.resources("Patient").search(family="paging").limit(2)
    seen = [valid(p).id for p in pages]
    assert len(seen) == len(set(seen)) == 5
    raw = Bundle.model_validate(plain(client.resources("Patient").search(family="paging").limit(2).fetch_raw()))
    assert raw.total == 5
    assert [link.relation for link in raw.link] == ["self", "next"]

    # read
    read = client.reference("Patient", first.id).to_resource()
    assert valid(read).name[0].family == "Doe"

    # update
    read["gender"] = "other"
    read.save()
    updated = valid(read)
    assert updated.gender == "other"
    assert int(updated.meta.versionId) > int(first.meta.versionId)

    # vread: the first version as it was
    old = valid(client.resource("Patient", **client.execute(
        f"Patient/{first.id}/_history/{first.meta.versionId}", method="get")))
    assert old.gender == "female"

    # $match
    answer = Bundle.model_validate(client.execute("Patient/$match", method="post", data={
        "resourceType": "Parameters", "parameter": [{"name": "resource", "resource": jane()}]}))
    best = answer.entry[0]
    assert best.resource.id == first.id
    assert best.search.extension[0].valueCode == "certain"

    # refusals come back as OperationOutcome
    with pytest.raises(ResourceNotFound):
        client.reference("Patient", "00000000-0000-0000-0000-000000000000").to_resource()
    bad = jane()
    bad["identifier"][0]["value"] = "9876543210"
    with pytest.raises(OperationOutcome) as refused:
        client.resource("Patient", **bad).save()
    assert refused.value.resource["issue"][0]["expression"] == ["Patient.identifier[0].value"]

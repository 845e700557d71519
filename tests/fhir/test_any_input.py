"""No input makes the FHIR door answer 500: generated resources, searches and conditions.

Every answer is a FHIR resource (fhir.resources parses it) with a status the spec allows.
"""

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from patients.fhir.search import PARAMETERS
from tests.fhir.helpers import JANE, jane, parsed

pytestmark = pytest.mark.django_db
SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])

scalars = st.one_of(
    st.none(), st.booleans(), st.integers(min_value=-(2**70), max_value=2**70), st.floats(allow_nan=False),
    st.text(max_size=40), st.sampled_from(["", "\x00", "1985-04-12", "1985", "9876543217", "+14165550123",
                                           "ON", "QC", "female", "a@b.c", "9" * 400]),
)
json_values = st.recursive(scalars, lambda inner: st.one_of(
    st.lists(inner, max_size=3), st.dictionaries(st.text(max_size=12), inner, max_size=3)), max_leaves=12)
# The Patient's own elements (and some it does not have), each given a generated value.
elements = st.sampled_from(sorted(JANE) + ["active", "id", "meta", "generalPractitioner", "deceasedBoolean"])
identifier_systems = st.sampled_from([
    "https://fhir.infoway-inforoute.ca/NamingSystem/ca-on-patient-hcn",
    "https://fhir.infoway-inforoute.ca/NamingSystem/ca-qc-patient-healthcare-id",
    "https://fhir.infoway-inforoute.ca/NamingSystem/ca-xx-patient-healthcare-id",
    "https://intake.localhost/fhir/NamingSystem/maple/emr-id", "urn:x", "",
])


@st.composite
def patients(draw):
    body = jane()
    for name in draw(st.lists(elements, max_size=4, unique=True)):
        body[name] = draw(json_values)
    if draw(st.booleans()):
        body["identifier"] = [{"system": draw(identifier_systems), "value": draw(st.text(max_size=20)),
                               "period": {"end": draw(st.sampled_from(["2030-01-01", "2030", "1999-02-30"]))}}]
    if draw(st.booleans()):
        body["telecom"] = [{"system": draw(st.sampled_from(["phone", "email", "sms", "fax"])),
                            "value": draw(st.text(max_size=30))}]
    return body


search_keys = st.sampled_from(
    sorted(PARAMETERS) + ["_count", "_offset", "_total", "_format", "_sort", "birthdate:exact", "name:exact",
                          "name:contains", "family:exact", "given:exact", "identifier:of-type", "x"])
search_values = st.one_of(st.text(max_size=30), st.sampled_from([
    "ge1985", "lt1985-04", "eq1985-04-12", "ap1985", "1985-02-30", "9999", "true", "false", "a|b|c", "|",
    "https://fhir.infoway-inforoute.ca/NamingSystem/ca-on-patient-hcn|9876543217", "a,b,,c", "\\,", "0", "-1",
    "99999999999999999999", "male,female",
]))
queries = st.lists(st.tuples(search_keys, search_values), max_size=4)


def assert_fhir_answer(response, allowed):
    assert response.status_code in allowed, (response.status_code, response.content[:500])
    if response.content:
        parsed(response)


@SETTINGS
@given(body=patients())
def test_create_answers_a_resource_or_an_outcome(fhir, body):
    assert_fhir_answer(fhir.post("Patient", body), {201, 400, 422})


@SETTINGS
@given(body=patients())
def test_match_answers_a_bundle_or_an_outcome(fhir, body):
    response = fhir.post("Patient/$match", {"resourceType": "Parameters",
                                             "parameter": [{"name": "resource", "resource": body}]})
    assert_fhir_answer(response, {200, 400, 422})


@SETTINGS
@given(params=queries)
def test_search_answers_a_bundle_or_an_outcome(fhir, params):
    assert_fhir_answer(fhir.client.get("/fhir/R4/Patient", params), {200, 400, 406})


@SETTINGS
@given(params=queries)
def test_conditional_create_answers_as_the_spec_says(fhir, params):
    from urllib.parse import urlencode

    response = fhir.post("Patient", jane(), HTTP_IF_NONE_EXIST=urlencode(params))
    assert_fhir_answer(response, {200, 201, 400, 412, 422})


@SETTINGS
@given(body=patients())
def test_update_answers_a_resource_or_an_outcome(fhir, body):
    created = json.loads(fhir.post("Patient", jane(identifier=[], telecom=[
        {"system": "phone", "value": "4165550123"}])).content)
    body["id"] = created["id"]
    assert_fhir_answer(fhir.put(f"Patient/{created['id']}", body), {200, 400, 422})


@pytest.mark.parametrize("raw", [
    '{"resourceType": "Patient", "name": [{"family": "\\ud800"}]}',
    '{"resourceType": "Patient", "birthDate": "1985-04-12", "gender": "\\u0000"}',
    '{"resourceType": "Patient", "telecom": [{"system": "phone", "value": "\\ud83d"}]}',
    '{"resourceType": "Patient", "identifier": [{"system": "https://fhir.infoway-inforoute.ca/NamingSystem/'
    'ca-on-patient-hcn", "value": "\\udfff"}]}',
    '{"resourceType": "Patient", "name": [{"family": "' + "x" * 5000 + '"}]}',
    '{"resourceType": "Patient", "active": 1e999}',
])
def test_awkward_json_is_refused_cleanly(fhir, raw):
    response = fhir.raw("post", "Patient", data=raw.encode("utf-8", "surrogatepass"),
                        content_type="application/fhir+json")
    assert_fhir_answer(response, {201, 400, 422})

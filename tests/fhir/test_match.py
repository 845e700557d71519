"""Patient/$match: our duplicate rules, each candidate scored and graded."""

import datetime

import pytest

from patients.fhir.matching import grade, score
from tests.factories import HealthCardFactory, PatientFactory
from tests.fhir.helpers import expressions, jane, outcome, parsed

pytestmark = pytest.mark.django_db
GRADE = "http://hl7.org/fhir/StructureDefinition/match-grade"


def parameters(resource, **more):
    params = [{"name": "resource", "resource": resource}]
    if "only_certain" in more:
        params.append({"name": "onlyCertainMatches", "valueBoolean": more["only_certain"]})
    if "count" in more:
        params.append({"name": "count", "valueInteger": more["count"]})
    return {"resourceType": "Parameters", "parameter": params}


@pytest.fixture
def candidates(organization):
    card_holder = PatientFactory(organization=organization, given_name="Janet", family_name="Roe",
                                 date_of_birth=datetime.date(1970, 1, 1), phone="+14165550999", email="r@example.com")
    HealthCardFactory(patient=card_holder, number="9876543217", province="ON")
    same_family_and_birth = PatientFactory(organization=organization, given_name="Joan", family_name="Doe",
                                           date_of_birth=datetime.date(1985, 4, 12), phone="+14165550888",
                                           email="joan@example.com")
    same_phone = PatientFactory(organization=organization, given_name="Bob", family_name="Other",
                                date_of_birth=datetime.date(1960, 5, 5), phone="+14165550123", email="b@example.com")
    PatientFactory(organization=organization, given_name="Nobody", family_name="Else",
                   date_of_birth=datetime.date(1999, 9, 9), phone="+14165550777", email="n@example.com")
    return {"card": card_holder, "family": same_family_and_birth, "phone": same_phone}


def entries(response):
    assert response.status_code == 200, response.content
    bundle = parsed(response)
    assert bundle.type == "searchset"
    return [(e.resource.id, float(e.search.score), e.search.extension[0].valueCode, e.search.extension[0].url)
            for e in bundle.entry or []]


def test_match_answers_our_duplicates_scored_and_graded_best_first(fhir, candidates):
    found = entries(fhir.post("Patient/$match", parameters(jane())))

    assert [row[0] for row in found] == [str(candidates[k].pk) for k in ("card", "family", "phone")]
    assert [(row[1], row[2]) for row in found] == [(0.9, "certain"), (0.5, "possible"), (0.3, "possible")]
    assert {row[3] for row in found} == {GRADE}


def test_only_certain_matches_and_count(fhir, candidates):
    found = entries(fhir.post("Patient/$match", parameters(jane(), only_certain=True)))
    assert [row[0] for row in found] == [str(candidates["card"].pk)]
    found = entries(fhir.post("Patient/$match", parameters(jane(), count=2)))
    assert len(found) == 2


def test_no_match_is_an_empty_bundle(fhir, candidates):
    body = jane(identifier=[], telecom=[], birthDate="2001-01-01")
    assert entries(fhir.post("Patient/$match", parameters(body))) == []


def test_match_never_looks_at_another_organization(other_fhir, candidates):
    assert entries(other_fhir.post("Patient/$match", parameters(jane()))) == []


def test_match_without_a_resource_is_400(fhir):
    outcome(fhir.post("Patient/$match", {"resourceType": "Parameters", "parameter": []}), 400)
    outcome(fhir.post("Patient/$match", {"resourceType": "Observation"}), 400)


def test_match_with_an_invalid_patient_names_the_element(fhir):
    body = jane()
    body["identifier"][0]["value"] = "9876543210"
    result = outcome(fhir.post("Patient/$match", parameters(body)), 422)
    assert expressions(result) == ["Patient.identifier[0].value"]


@pytest.mark.parametrize("reasons, expected", [
    (["same health card"], "certain"),
    (["same phone", "same email"], "probable"),
    (["same family name and date of birth", "same phone"], "probable"),
    (["same family name and date of birth"], "possible"),
    (["similar name and same date of birth"], "possible"),
    (["same health card", "same phone", "same email"], "certain"),
])
def test_grades(reasons, expected):
    assert grade(score(reasons)) == expected
    assert 0 < score(reasons) <= 1

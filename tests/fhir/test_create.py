"""create and conditional create (If-None-Exist): the registration service's rules, FHIR's answers."""

import pytest

from patients.models import HealthCard, Patient
from tests.factories import PatientFactory, ProviderFactory
from tests.fhir.helpers import ON_CARD, expressions, jane, outcome, parsed

pytestmark = pytest.mark.django_db


def test_create_registers_an_active_patient(fhir, organization):
    response = fhir.post("Patient", jane())

    assert response.status_code == 201, response.content
    patient = parsed(response)
    stored = Patient.objects.get(pk=patient.id)
    assert stored.organization == organization
    assert stored.status == "active" and stored.patient_number == 1
    assert (stored.given_name, stored.family_name, stored.preferred_name) == ("Jane", "Doe", "Janie")
    assert str(stored.phone) == "+14165550123" and stored.province == "ON"
    card = HealthCard.objects.get(patient=stored)
    assert (card.number, card.version_code, card.province) == ("9876543217", "AB", "ON")
    assert patient.active is True
    assert response["Location"] == f"http://testserver/fhir/R4/Patient/{patient.id}/_history/{patient.meta.versionId}"
    assert response["ETag"] == f'W/"{patient.meta.versionId}"'


def test_create_links_providers(fhir, organization):
    ada = ProviderFactory(organization=organization, name="Dr. Ada Chen")
    patient = parsed(fhir.post("Patient", jane(generalPractitioner=[{"reference": f"Practitioner/{ada.pk}"}])))
    assert [gp.display for gp in patient.generalPractitioner] == ["Dr. Ada Chen"]
    assert list(Patient.objects.get(pk=patient.id).providers.all()) == [ada]


def test_prefer_return_minimal_answers_no_body(fhir):
    response = fhir.post("Patient", jane(), HTTP_PREFER="return=minimal")
    assert response.status_code == 201
    assert response.content == b""
    assert response["Location"]


def test_a_patient_without_birth_date_or_phone_is_a_lead(fhir):
    body = jane(telecom=[{"system": "email", "value": "lead@example.com"}])
    del body["birthDate"]

    lead = parsed(fhir.post("Patient", body))

    assert lead.active is False
    assert all(i.type.coding[0].code != "MR" for i in lead.identifier)
    assert Patient.objects.get(pk=lead.id).status == "lead"


def test_active_false_asks_for_a_lead(fhir):
    lead = parsed(fhir.post("Patient", jane(active=False)))
    assert Patient.objects.get(pk=lead.id).status == "lead"


def test_active_true_without_birth_date_is_refused_naming_it(fhir):
    body = jane(active=True)
    del body["birthDate"]
    result = outcome(fhir.post("Patient", body), 422)
    assert "Patient.birthDate" in expressions(result)
    assert Patient.objects.count() == 0


def test_a_bad_health_card_checksum_is_422_at_its_identifier(fhir):
    body = jane()
    body["identifier"][0]["value"] = "9876543210"

    result = outcome(fhir.post("Patient", body), 422)

    assert expressions(result) == ["Patient.identifier[0].value"]
    assert "check digit" in result.issue[0].diagnostics
    assert Patient.objects.count() == 0


@pytest.mark.parametrize("change, path", [
    ({"birthDate": "2999-01-01"}, "Patient.birthDate"),
    ({"birthDate": "1985"}, "Patient.birthDate"),
    ({"telecom": [{"system": "email", "value": "x@example.com"}, {"system": "phone", "value": "12"}]},
     "Patient.telecom[1].value"),
    ({"telecom": [{"system": "phone", "value": "4165550123"}, {"system": "email", "value": "not-an-email"}]},
     "Patient.telecom[1].value"),
    ({"address": [{"city": "Toronto"}, {"state": "XX"}]}, "Patient.address[1].state"),
    ({"gender": "unknown"}, "Patient.gender"),
    ({"name": [{"use": "official", "given": ["Jane"]}]}, "Patient.name[0].family"),
    ({"generalPractitioner": [{"display": "Dr. Who"}]}, "Patient.generalPractitioner[0]"),
    ({"generalPractitioner": [{"reference": "Practitioner/00000000-0000-0000-0000-000000000000"}]},
     "Patient.generalPractitioner"),
])
def test_rule_failures_are_422_naming_the_element(fhir, change, path):
    result = outcome(fhir.post("Patient", jane(**change)), 422)
    assert path in expressions(result), result
    assert Patient.objects.count() == 0


def test_an_emr_id_that_is_not_a_number_is_422_at_its_identifier(fhir):
    body = jane()
    body["identifier"].append({"system": "https://intake.localhost/fhir/NamingSystem/maple/emr-id", "value": "abc"})
    assert expressions(outcome(fhir.post("Patient", body), 422)) == ["Patient.identifier[1].value"]


def test_an_email_already_registered_is_a_422_duplicate(fhir, organization):
    PatientFactory(organization=organization, email="jane.doe@example.com")
    result = outcome(fhir.post("Patient", jane()), 422)
    assert result.issue[0].code == "duplicate"
    assert expressions(result) == ["Patient.telecom[1].value"]


def test_unkept_elements_are_accepted(fhir):
    body = jane(maritalStatus={"text": "Married"}, contact=[{"name": {"family": "Doe"}}])
    assert fhir.post("Patient", body).status_code == 201


def test_the_server_assigns_the_patient_number(fhir, organization):
    body = jane()
    body["identifier"].append({"system": "https://intake.localhost/fhir/NamingSystem/maple/patient-number",
                               "value": "999"})
    parsed(fhir.post("Patient", body))
    assert Patient.objects.get().patient_number == 1


# Conditional create

def card_condition(number="9876543217"):
    return f"identifier={ON_CARD}|{number}"


def test_conditional_create_without_a_match_creates(fhir):
    response = fhir.post("Patient", jane(), HTTP_IF_NONE_EXIST=card_condition())
    assert response.status_code == 201
    assert Patient.objects.count() == 1


def test_conditional_create_with_one_match_answers_it_and_creates_nothing(fhir):
    first = parsed(fhir.post("Patient", jane()))

    response = fhir.post("Patient", jane(), HTTP_IF_NONE_EXIST=card_condition())

    assert response.status_code == 200
    assert parsed(response).id == first.id
    assert Patient.objects.count() == 1


def test_conditional_create_with_several_matches_is_412(fhir, organization):
    PatientFactory(organization=organization, family_name="Doe")
    PatientFactory(organization=organization, family_name="Doe")
    result = outcome(fhir.post("Patient", jane(), HTTP_IF_NONE_EXIST="family=doe"), 412)
    assert result.issue[0].code == "multiple-matches"
    assert Patient.objects.count() == 2


def test_conditional_create_accepts_the_full_search_url(fhir):
    parsed(fhir.post("Patient", jane()))
    response = fhir.post("Patient", jane(), HTTP_IF_NONE_EXIST="Patient?" + card_condition())
    assert response.status_code == 200


def test_conditional_create_reads_search_parameters_on_the_query_string(fhir):
    parsed(fhir.post("Patient", jane()))
    response = fhir.client.post("/fhir/R4/Patient?email=JANE.DOE@example.com", jane(),
                                content_type="application/fhir+json")
    assert response.status_code == 200
    assert Patient.objects.count() == 1


@pytest.mark.parametrize("condition", ["", "_count=1", "unknown=1", "birthdate=someday"])
def test_a_condition_without_a_usable_search_is_400(fhir, condition):
    outcome(fhir.post("Patient", jane(), HTTP_IF_NONE_EXIST=condition), 400)
    assert Patient.objects.count() == 0


def test_a_condition_never_matches_another_organizations_patient(fhir, other_fhir):
    parsed(other_fhir.post("Patient", jane()))
    response = fhir.post("Patient", jane(), HTTP_IF_NONE_EXIST=card_condition())
    assert response.status_code == 201
    assert Patient.objects.count() == 2


def test_the_created_answer_is_what_a_read_answers(fhir, organization):
    ada = ProviderFactory(organization=organization, name="Dr. Ada Chen")
    created = fhir.post("Patient", jane(generalPractitioner=[{"reference": f"Practitioner/{ada.pk}"}]))
    read = fhir.get(f"Patient/{parsed(created).id}")
    assert created.content == read.content
    assert created["ETag"] == read["ETag"]


def test_a_create_costs_a_fixed_number_of_queries(fhir, organization):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    parsed(fhir.post("Patient", jane(identifier=[], telecom=[{"system": "phone", "value": "4165550100"}])))
    with CaptureQueriesContext(connection) as queries:
        assert fhir.post("Patient", jane()).status_code == 201
    # the API key; the service's transaction (a savepoint and its release in a test), the health card and the
    # patient with their history rows, the patient number, its duplicate pairs; the access event. Nothing is
    # read back.
    assert len(queries) == 10, [q["sql"][:80] for q in queries]


def test_the_preferred_language_is_read_from_communication(fhir):
    body = jane(communication=[{"language": {"text": "English"}},
                               {"language": {"coding": [{"system": "urn:ietf:bcp:47", "code": "fr-CA"}]},
                                "preferred": True}])
    created = parsed(fhir.post("Patient", body))
    assert Patient.objects.get(pk=created.id).preferred_language == "fr"
    assert created.communication[0].language.coding[0].code == "fr"


def test_a_language_we_do_not_speak_is_422_at_its_element(fhir):
    body = jane(communication=[{"language": {"coding": [{"system": "urn:ietf:bcp:47", "code": "de"}]}}])
    assert expressions(outcome(fhir.post("Patient", body), 422)) == ["Patient.communication[0].language"]

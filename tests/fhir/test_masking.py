"""Minimum necessary on FHIR too: a search or $match page never carries a full health card number
(its value is absent, data-absent-reason `masked`, with the last four characters in an extension
named for them); reading one record shows the full number."""

from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.patient import Patient as FhirPatient

from tests.factories import HealthCardFactory, PatientFactory

NUMBER = "9876543217"


def card_identifier(resource: dict) -> dict:
    return next(i for i in resource["identifier"] if i["type"]["coding"][0]["code"] == "JHN")


def test_a_search_page_masks_the_health_card(fhir, organization):
    patient = PatientFactory(organization=organization, family_name="Okafor")
    HealthCardFactory(patient=patient, number=NUMBER, province="ON")

    answer = fhir.get("Patient", {"family": "okafor"})

    assert answer.status_code == 200
    Bundle.model_validate(answer.json())
    assert NUMBER not in answer.content.decode()
    card = card_identifier(answer.json()["entry"][0]["resource"])
    assert "value" not in card
    extensions = {e["url"].rsplit("/", 1)[-1]: e for e in card["_value"]["extension"]}
    assert extensions["data-absent-reason"]["valueCode"] == "masked"
    assert extensions["identifier-last4"]["valueString"] == NUMBER[-4:]


def test_reading_one_record_shows_the_full_number(fhir, organization):
    patient = PatientFactory(organization=organization)
    HealthCardFactory(patient=patient, number=NUMBER, province="ON")

    answer = fhir.get(f"Patient/{patient.pk}")

    FhirPatient.model_validate(answer.json())
    assert card_identifier(answer.json())["value"] == NUMBER

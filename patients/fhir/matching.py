"""Patient/$match with our duplicate rules (patients/duplicates.py), each candidate scored.

Score: the reasons' weights added up (at most 1). Grade: certain from 0.9 (the same health card
alone is enough), probable from 0.6 (e.g. the same phone and email, or the same family name and
birth date and phone), possible below.
"""

from patients.cleaning import PatientCleaner
from patients.duplicates import find_possible_duplicates
from patients.fhir.outcome import FhirError

WEIGHTS = {
    "same health card": 0.9,
    "same family name and date of birth": 0.5,
    "similar name and same date of birth": 0.35,
    "same phone": 0.3,
    "same email": 0.3,
}
CERTAIN, PROBABLE = 0.9, 0.6


def score(reasons) -> float:
    return round(min(1.0, sum(WEIGHTS.get(r, 0.1) for r in reasons)), 2)


def grade(value: float) -> str:
    return "certain" if value >= CERTAIN else "probable" if value >= PROBABLE else "possible"


def read_parameters(body: dict) -> tuple[dict, bool, int | None]:
    """(the Patient, onlyCertainMatches, count) from a Parameters body (or a bare Patient)."""
    if body.get("resourceType") == "Patient":
        return body, False, None
    if body.get("resourceType") != "Parameters":
        raise FhirError(400, "Send a Parameters resource with a 'resource' parameter (a Patient).",
                        expression="Parameters")
    patient, only_certain, count = None, False, None
    for i, parameter in enumerate(body.get("parameter") or []):
        if not isinstance(parameter, dict):
            raise FhirError(400, "Each parameter is an object.", expression=f"Parameters.parameter[{i}]")
        name = parameter.get("name")
        if name == "resource":
            patient = parameter.get("resource")
        elif name == "onlyCertainMatches":
            only_certain = parameter.get("valueBoolean") is True
        elif name == "count":
            count = parameter.get("valueInteger")
            if not isinstance(count, int) or isinstance(count, bool) or count < 1:
                raise FhirError(400, "count is a positive integer.", expression=f"Parameters.parameter[{i}]")
    if not isinstance(patient, dict):
        raise FhirError(400, "The 'resource' parameter (a Patient) is required.", expression="Parameters.parameter")
    return patient, only_certain, count


def find_matches(organization, incoming, *, actor) -> list[tuple]:
    """[(patient, score, grade)] for a received Patient (an Incoming), best first."""
    cleaner = PatientCleaner(organization, incoming.data, actor=actor)
    cleaner.clean(allow_unknown_birth_date=True, unchecked_phone_parts=True)
    cleaner.raise_if_errors()
    values, card = cleaner.values, cleaner.values.get("health_card")
    matches = find_possible_duplicates(
        organization, given_name=values.get("given_name", ""), family_name=values.get("family_name", ""),
        date_of_birth=values.get("date_of_birth"), phone=values.get("phone", ""), email=values.get("email", ""),
        health_card_number=card.number if card else "", health_card_province=card.province if card else "",
    )
    scored = [(m.patient, score(m.reasons), None) for m in matches]
    scored = [(p, s, grade(s)) for p, s, _ in scored]
    scored.sort(key=lambda row: -row[1])
    return scored

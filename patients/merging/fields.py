"""Which fields a merge lets staff choose, the columns each one carries, and their values as JSON.

A choice is made per field (`keep = {"email": "merged"}`); some fields carry more than one column
(the phone carries a lead's calling code and local phone as sent; the email, the username made
from it). The health card is a row of its own (patients/merging/cards.py).
"""

from datetime import date

from patients.models import HealthCard, Patient, health_card_of

MERGED, SURVIVOR = "merged", "survivor"
HEALTH_CARD = "health_card"

# field -> the columns it carries (the first is the one shown and compared)
FIELDS = {
    "given_name": ("given_name",),
    "family_name": ("family_name",),
    "preferred_name": ("preferred_name",),
    "gender": ("gender",),
    "date_of_birth": ("date_of_birth",),
    "email": ("email", "username"),
    "phone": ("phone", "calling_code", "local_phone"),
    "province": ("province",),
    "emr_id": ("emr_id",),
    "referrer": ("referrer",),
    "accepts_marketing": ("accepts_marketing",),
    "has_insurance": ("has_insurance",),
}
CHOOSABLE = (*FIELDS, HEALTH_CARD)
# Kept by the service from other columns; restored with them.
DERIVED = {"full_name": "given_name"}
CARD_COLUMNS = ("number", "version_code", "province", "expiry_date")
NAME_COLUMNS = {"given_name", "family_name"}


def column_value(patient: Patient, column: str):
    """A column's value as JSON (phones as E.164 text, dates as ISO text)."""
    value = getattr(patient, column)
    if column == "phone":
        return str(value or "")
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value


def set_column(patient: Patient, column: str, value):
    if column == "date_of_birth" and value:
        value = date.fromisoformat(value)
    setattr(patient, column, value)


def all_columns() -> list[str]:
    return [c for columns in FIELDS.values() for c in columns] + list(DERIVED)


def snapshot(patient: Patient) -> dict:
    """Every column a merge may change, plus status and number, as JSON."""
    values = {c: column_value(patient, c) for c in all_columns()}
    values.update(status=patient.status, patient_number=patient.patient_number)
    return values


def field_value(patient: Patient, field: str):
    """What staff compare for `field`: the first column, or a lead's phone as it was sent."""
    if field == HEALTH_CARD:
        return card_value(health_card_of(patient))
    if field == "phone":
        return patient.phone_as_typed()
    return column_value(patient, FIELDS[field][0])


def card_value(card: HealthCard | None) -> dict | None:
    if card is None:
        return None
    return {c: (getattr(card, c).isoformat() if c == "expiry_date" and card.expiry_date else getattr(card, c))
            for c in CARD_COLUMNS}


def lacks(patient: Patient, field: str) -> bool:
    """The record has nothing for `field` (what the merged record's value fills by default)."""
    if field in ("accepts_marketing", "has_insurance"):
        return False  # "no" is an answer, not a gap
    if field == "gender":
        return patient.gender == Patient.Gender.UNKNOWN
    value = field_value(patient, field)
    return value in (None, "")

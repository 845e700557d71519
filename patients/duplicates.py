"""Possible duplicates: who in the organization is probably the same person.

One indexed query narrows the organization's patients to those sharing a phone, an email,
a health card or a date of birth; the reasons are then worked out in Python.
"""

from dataclasses import dataclass, field
from difflib import SequenceMatcher

from django.db.models import Q
from django.db.models.functions import Lower

from patients.models import HealthCard, Patient
from patients.names import fold

MAX_CANDIDATES = 50
SIMILAR_NAME_RATIO = 0.8


@dataclass
class DuplicateMatch:
    patient: Patient
    reasons: list[str] = field(default_factory=list)


def _similar(a: str, b: str) -> bool:
    a, b = fold(a), fold(b)
    if not a or not b:
        return False
    if a == b:
        return True
    # Word order differs ("Li Wei" / "Wei Li") or a middle name is missing.
    if set(a.split()) <= set(b.split()) or set(b.split()) <= set(a.split()):
        return True
    return SequenceMatcher(None, a, b).ratio() >= SIMILAR_NAME_RATIO


def find_possible_duplicates(
    organization,
    *,
    given_name="",
    family_name="",
    date_of_birth=None,
    phone="",
    email="",
    health_card_number="",
    health_card_province="",
    exclude=None,
    statuses=(Patient.Status.ACTIVE, Patient.Status.LEAD),
) -> list[DuplicateMatch]:
    """Patients of `organization` that may be the person described, each with why.

    Reasons: same phone, same email, same health card, same family name and date of birth,
    similar name and same date of birth. Values must already be cleaned (E.164 phone, etc.).
    """
    conditions = Q()
    if phone:
        conditions |= Q(phone=str(phone))
    if email:
        conditions |= Q(email_lower=email.lower()) & ~Q(email="")  # lets PostgreSQL use the partial index
    if date_of_birth:
        conditions |= Q(date_of_birth=date_of_birth)
    card_patient_ids = []
    if health_card_number:
        cards = HealthCard.objects.for_organization(organization).filter(number=health_card_number)
        if health_card_province:
            cards = cards.filter(province=health_card_province)
        card_patient_ids = list(cards.values_list("patient_id", flat=True)[:MAX_CANDIDATES])
        if card_patient_ids:
            conditions |= Q(pk__in=card_patient_ids)
    if not conditions:
        return []

    candidates = (
        Patient.objects.for_organization(organization)
        .filter(status__in=statuses)
        .annotate(email_lower=Lower("email"))
        .filter(conditions)
    )
    if exclude is not None:
        candidates = candidates.exclude(pk=exclude.pk)
    candidates = candidates.order_by("patient_number", "created_at")[: MAX_CANDIDATES * 4]

    wanted_name = f"{given_name} {family_name}"
    family_key = fold(family_name)
    matches = []
    for patient in candidates:
        reasons = []
        if phone and str(patient.phone) == str(phone):
            reasons.append("same phone")
        if email and patient.email.lower() == email.lower():
            reasons.append("same email")
        if patient.pk in card_patient_ids:
            reasons.append("same health card")
        if date_of_birth and patient.date_of_birth == date_of_birth:
            if family_key and patient.family_name_key == family_key:
                reasons.append("same family name and date of birth")
            elif _similar(wanted_name, f"{patient.given_name} {patient.family_name}"):
                reasons.append("similar name and same date of birth")
        if reasons:
            matches.append(DuplicateMatch(patient, reasons))
        if len(matches) >= MAX_CANDIDATES:
            break
    # Strongest evidence first.
    matches.sort(key=lambda m: -len(m.reasons))
    return matches

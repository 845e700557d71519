"""Possible duplicates: who in the organization is probably the same person.

One indexed query narrows the organization's patients to those sharing a phone, an email,
a health card or a date of birth; the reasons are then worked out in Python.
"""

from dataclasses import dataclass, field
from difflib import SequenceMatcher

from django.db.models import CharField, Q
from django.db.models.functions import Cast, Lower

from patients.models import HealthCard, Patient
from patients.names import fold

MAX_CANDIDATES = 50
PHONE = Patient._meta.get_field("phone")
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
    # Rows are read as plain values and a Patient is built only for those that match: most candidates
    # (everyone born that day) match nothing, and building each (and parsing its phone) was most of
    # the time. The phone comes as text, as stored (E.164), and is parsed for the matches alone.
    columns = [f.attname for f in Patient._meta.concrete_fields]
    at = {name: i for i, name in enumerate(columns)}
    rows = candidates.annotate(phone_text=Cast("phone", CharField())).order_by("patient_number", "created_at")
    rows = rows.values_list(*["phone_text" if c == "phone" else c for c in columns])[: MAX_CANDIDATES * 4]

    wanted_name = f"{given_name} {family_name}"
    family_key = fold(family_name)
    matches = []
    for values in rows:
        reasons = []
        if phone and values[at["phone"]] == str(phone):
            reasons.append("same phone")
        if email and values[at["email"]].lower() == email.lower():
            reasons.append("same email")
        if values[at["id"]] in card_patient_ids:
            reasons.append("same health card")
        if date_of_birth and values[at["date_of_birth"]] == date_of_birth:
            if family_key and values[at["family_name_key"]] == family_key:
                reasons.append("same family name and date of birth")
            elif _similar(wanted_name, f"{values[at['given_name']]} {values[at['family_name']]}"):
                reasons.append("similar name and same date of birth")
        if reasons:
            values = list(values)
            values[at["phone"]] = PHONE.to_python(values[at["phone"]])
            matches.append(DuplicateMatch(Patient.from_db(rows.db, columns, values), reasons))
        if len(matches) >= MAX_CANDIDATES:
            break
    # Strongest evidence first.
    matches.sort(key=lambda m: -len(m.reasons))
    return matches


STORED_CARD = object()  # find_duplicates_of_lead: the lead's own health card, read from the database
LEAD_DETAILS = ("given_name", "family_name", "date_of_birth", "phone", "email")


def find_duplicates_of_lead(lead: Patient, details: dict | None = None,
                            health_card=STORED_CARD) -> list[DuplicateMatch]:
    """Active patients who may be the same person as `lead` once it is promoted.

    `details` (cleaned, domain names) replace the lead's own given_name, family_name, date_of_birth,
    phone and email; `health_card` (anything with a number and a province, or None for none) replaces
    the card the lead has.
    """
    values = {f: getattr(lead, f) for f in LEAD_DETAILS}
    values.update({f: details[f] for f in LEAD_DETAILS if details and f in details})
    if health_card is STORED_CARD:
        health_card = HealthCard.objects.for_organization(lead.organization_id).filter(patient=lead).first()
    return find_possible_duplicates(
        lead.organization, given_name=values["given_name"] or "", family_name=values["family_name"] or "",
        date_of_birth=values["date_of_birth"], phone=str(values["phone"] or ""), email=values["email"] or "",
        health_card_number=health_card.number if health_card else "",
        health_card_province=health_card.province if health_card else "",
        exclude=lead, statuses=(Patient.Status.ACTIVE,),
    )

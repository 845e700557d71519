"""Versions come from the history django-simple-history already keeps: a version id is the
history row's id (increasing for each patient, never reused), lastUpdated its date.

A patient written without a history row (a bulk load) has no version id; lastUpdated is then its
`updated_at`.
"""

from django.db.models import Max

from patients.fhir.mapping import Version
from patients.models import HealthCard, Patient


def current_versions(patients) -> dict:
    """{patient id: Version} for `patients`, in one query."""
    ids = [p.pk for p in patients]
    rows = (
        Patient.history.filter(id__in=ids).values("id")
        .annotate(version_id=Max("history_id"), last_updated=Max("history_date")).order_by()
    )
    found = {row["id"]: Version(row["version_id"], row["last_updated"]) for row in rows}
    return {p.pk: found.get(p.pk) or Version(None, p.updated_at) for p in patients}


def written_version(patient) -> Version | None:
    """The version the last save of this very instance wrote (None if it wrote no history row)."""
    row = getattr(patient, "written_history", None)
    return Version(row.history_id, row.history_date) if row is not None else None


def current_version(patient) -> Version:
    return current_versions([patient])[patient.pk]


def historical_patient(patient, version_id):
    """The history row `version_id` of `patient`, or None."""
    try:
        number = int(version_id)
    except (TypeError, ValueError):
        return None
    if not 0 < number < 2**63:
        return None
    return Patient.history.filter(id=patient.pk, history_id=number).select_related("organization").first()


def health_card_as_of(patient, moment):
    """The patient's health card as it stood at `moment` (None if it had none)."""
    row = (HealthCard.history.filter(patient_id=patient.pk, history_date__lte=moment)
           .order_by("-history_date", "-history_id").first())
    if row is None or row.history_type == "-":
        return None
    return row

"""Reads for the merge pages: the side-by-side comparison, and what a record's merges were."""

from dataclasses import dataclass

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from patients.merging.fields import CHOOSABLE, HEALTH_CARD, field_value
from patients.merging.models import PatientMerge
from patients.merging.services import card_conflict, choices_for  # noqa: F401  (card_conflict: for the pages)
from patients.models import Patient

LABELS = {
    "given_name": gettext_lazy("First name"),
    "family_name": gettext_lazy("Last name"),
    "preferred_name": gettext_lazy("Preferred name"),
    "gender": gettext_lazy("Gender"),
    "date_of_birth": gettext_lazy("Date of birth"),
    "email": gettext_lazy("Email"),
    "phone": gettext_lazy("Phone"),
    "province": gettext_lazy("Province or state"),
    "emr_id": gettext_lazy("EMR id"),
    "referrer": gettext_lazy("Referrer"),
    "accepts_marketing": gettext_lazy("News and offers"),
    "has_insurance": gettext_lazy("Private insurance"),
    HEALTH_CARD: gettext_lazy("Health card"),
}


@dataclass
class ComparedField:
    field: str
    label: str
    merged: str
    survivor: str
    differs: bool
    default: str  # "merged" or "survivor"


def _shown(value) -> str:
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    if isinstance(value, dict):  # a health card: never the whole number on a comparison page
        number = value["number"]
        return f"{value['province']} {'•' * max(len(number) - 4, 0)}{number[-4:]}"
    return str(value)


def compare_records(merged: Patient, survivor: Patient) -> list[ComparedField]:
    """Every field a merge chooses, both values as shown to staff, and what the survivor keeps by default."""
    defaults = choices_for(merged, survivor, {})
    rows = []
    for field in CHOOSABLE:
        mine, theirs = field_value(merged, field), field_value(survivor, field)
        rows.append(ComparedField(field, LABELS[field], _shown(mine), _shown(theirs), mine != theirs,
                                  defaults[field]))
    return rows


def open_merge_of(patient: Patient) -> PatientMerge | None:
    """The merge that closed `patient` (None unless it is merged)."""
    if not patient.is_merged:
        return None
    return (PatientMerge.objects.filter(merged=patient, undone_at__isnull=True)
            .select_related("survivor").first())


def merged_into(survivor: Patient):
    """The records merged into `survivor`, newest first."""
    return Patient.objects.filter(merged_into=survivor, status=Patient.Status.MERGED).order_by("-updated_at")


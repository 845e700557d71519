"""Archive a record (kept, hidden from searches, cannot sign in) and restore it.

Each is one transaction with one history row (who, which door, why) and one access event on the
locked record (`request`, optional, only gives the access log the client's address). A restored
record is a patient again if it has a number, else a lead.
"""

from django.db import transaction
from django.utils.translation import gettext as _

from patients.access_log import AccessAction, record_access
from patients.actors import Actor
from patients.errors import MergeRefusedError
from patients.merging.services import _reason, lock_patients
from patients.models import Patient
from patients.services import _save


def archive_patient(patient: Patient, *, actor: Actor, reason: str = "", request=None) -> Patient:
    with transaction.atomic():
        (patient,) = lock_patients(patient)
        if patient.is_merged:
            raise MergeRefusedError(_("A merged record cannot be archived: archive the surviving record."),
                                    "status", "merged")
        if patient.is_archived:
            raise MergeRefusedError(_("%(patient)s is already archived.") % {"patient": patient}, "status",
                                    "already_archived")
        patient.status = Patient.Status.ARCHIVED
        _save(patient, actor, _reason("Archived", str(reason or "").strip()))
        record_access(actor=actor, patient=patient, action=AccessAction.ARCHIVE, request=request)
        return patient


def restore_patient(patient: Patient, *, actor: Actor, reason: str = "", request=None) -> Patient:
    with transaction.atomic():
        (patient,) = lock_patients(patient)
        if not patient.is_archived:
            raise MergeRefusedError(_("%(patient)s is not archived.") % {"patient": patient}, "status",
                                    "not_archived")
        patient.status = Patient.Status.ACTIVE if patient.patient_number else Patient.Status.LEAD
        _save(patient, actor, _reason("Restored", str(reason or "").strip()))
        record_access(actor=actor, patient=patient, action=AccessAction.RESTORE, request=request)
        return patient

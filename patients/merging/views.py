"""Front-desk pages: "Same person as …" (compare side by side, choose, confirm), undo a merge,
archive and restore. They call patients/merging/services.py and archiving.py, which decide."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from organizations.scoping import get_for_organization_or_404
from patients.access_log import AccessAction, record_accesses
from patients.duplicates import find_duplicates_of_lead, find_possible_duplicates
from patients.errors import PatientRuleError
from patients.merging.archiving import archive_patient, restore_patient
from patients.merging.fields import MERGED, SURVIVOR
from patients.merging.selectors import card_conflict, compare_records, merged_into, open_merge_of
from patients.merging.services import default_survivor, merge_patients, unmerge_patient
from patients.models import Patient
from patients.views.access import desk_actor, frontdesk_view

KEEP_PREFIX = "keep_"


def _patient(request, pk) -> Patient:
    return get_for_organization_or_404(Patient.objects.select_related("health_card"), request.organization, pk=pk)


def same_person_url(record: Patient, other: Patient) -> str:
    """The compare page for two records, the default survivor kept."""
    survivor = default_survivor(record, other)
    merged = other if survivor is record else record
    return reverse("frontdesk:merge_into", args=[merged.pk, survivor.pk])


def chosen_keep(post, rows) -> dict:
    """Staff's choice for each differing field ("merged" or "survivor"); anything else is ignored."""
    keep = {}
    for row in rows:
        choice = post.get(KEEP_PREFIX + row.field)
        if row.differs and choice in (MERGED, SURVIVOR):
            keep[row.field] = choice
    return keep


@frontdesk_view
def merge_into(request, pk, into):
    merged, survivor = _patient(request, pk), _patient(request, into)
    rows = compare_records(merged, survivor)
    if request.method == "POST":
        try:
            merge_patients(merged=merged, survivor=survivor, keep=chosen_keep(request.POST, rows),
                           reason=request.POST.get("reason", "")[:500], actor=desk_actor(request), request=request)
        except PatientRuleError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("%(merged)s was merged into this record; undo it from its page.")
                             % {"merged": merged})
            return redirect("frontdesk:patient_detail", pk=survivor.pk)
    else:
        record_accesses(actor=desk_actor(request), patients=[merged, survivor], action=AccessAction.VIEW,
                        request=request)
    return render(request, "patients/merging/compare.html", {
        "merged": merged, "survivor": survivor, "rows": rows,
        "differing": [r for r in rows if r.differs],
        "card_conflict": card_conflict(merged, survivor),
        "reason": request.POST.get("reason", ""),
        "swap_allowed": not (merged.is_lead is False and survivor.is_lead),
    }, status=409 if request.method == "POST" else 200)


@require_POST
@frontdesk_view
def unmerge(request, pk):
    patient = _patient(request, pk)
    try:
        record = unmerge_patient(patient, actor=desk_actor(request), reason=request.POST.get("reason", "")[:500],
                                 request=request)
    except PatientRuleError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("The merge was undone: %(merged)s and %(survivor)s are two records again.")
                         % {"merged": record.merged, "survivor": record.survivor})
        if record.kept_later_edits:
            labels = ", ".join(r.label for r in compare_records(record.merged, record.survivor)
                               if r.field in record.kept_later_edits)
            messages.warning(request, _("Changed on %(survivor)s after the merge, so kept as they are: %(fields)s.")
                             % {"survivor": record.survivor, "fields": labels})
    return redirect("frontdesk:patient_detail", pk=patient.pk)


@require_POST
@frontdesk_view
def archive(request, pk):
    return _status_change(request, pk, archive_patient, _("%(patient)s was archived."))


@require_POST
@frontdesk_view
def restore(request, pk):
    return _status_change(request, pk, restore_patient, _("%(patient)s was restored."))


def _status_change(request, pk, service, done):
    patient = _patient(request, pk)
    try:
        service(patient, actor=desk_actor(request), reason=request.POST.get("reason", "")[:500], request=request)
    except PatientRuleError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, done % {"patient": patient})
    return redirect("frontdesk:patient_detail", pk=patient.pk)


def same_person_target(request) -> Patient | None:
    """The record the clerk pressed "Same person as …" for on a duplicate warning, or None."""
    raw = request.POST.get("same_person_as", "")
    return _patient(request, raw) if raw else None


def record_page_context(patient: Patient, organization) -> dict:
    """What the patient page shows about merging: the merge that closed it, the records merged into
    it, and, for a lead or patient, who may be the same person (each with its compare page)."""
    patient.organization = organization  # found within it: no need to load it again
    context = {"merge": open_merge_of(patient), "merged_here": list(merged_into(patient)[:20]), "same_person": []}
    if patient.status in Patient.LIVE_STATUSES:
        matches = find_duplicates_of_lead(patient) if patient.is_lead else find_possible_duplicates(
            patient.organization, given_name=patient.given_name, family_name=patient.family_name,
            date_of_birth=patient.date_of_birth, phone=str(patient.phone or ""), email=patient.email,
            exclude=patient)
        context["same_person"] = [{"match": m, "url": same_person_url(patient, m.patient)} for m in matches[:5]]
    return context

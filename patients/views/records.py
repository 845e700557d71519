"""One patient: the record page, editing, and completing a lead's registration."""

from django.contrib import messages
from django.shortcuts import redirect, render

from organizations.scoping import get_for_organization_or_404
from patients.actors import Actor
from patients.errors import LeadIncompleteError, NotALeadError, PatientRuleError, PossibleDuplicatesError
from patients.forms import PatientForm
from patients.models import Channel, HealthCard, Patient, Verification, health_card_of
from patients.services import promote_lead, update_patient
from patients.views.access import frontdesk_view
from patients.views.duplicates import confirmed_ids, duplicates_context, with_confirmation
from patients.views.once import new_form_token, save_once
from patients.views.register import saved_redirect

HISTORY_LIMIT = 50
# Kept by save() or bookkeeping: not changes anyone made.
HISTORY_HIDDEN = {"updated_at", "search_name", "family_name_key", "full_name", "username"}


def _patient(request, pk, *, details=False):
    patients = Patient.objects.select_related("health_card")
    if details:
        patients = patients.prefetch_related("providers", "groups", "verifications")
    return get_for_organization_or_404(patients, request.organization, pk=pk)


def _history(patient):
    """The latest changes to the patient and their health card, newest first, each with what changed."""
    rows = []
    for model, what in ((Patient, "Record"), (HealthCard, "Health card")):
        mine = model.history.filter(id=patient.pk) if model is Patient else model.history.filter(patient_id=patient.pk)
        versions = list(mine.order_by("-history_date", "-history_id")[: HISTORY_LIMIT + 1])
        # The extra version fetched is only there to tell what the oldest one shown changed.
        for newer, older in zip(versions[:HISTORY_LIMIT], versions[1:] + [None], strict=False):
            changed = []
            if older is not None and newer.history_type == "~":
                labels = {f.name: f.verbose_name for f in model._meta.fields}
                changed = [labels.get(name, name) for name in newer.diff_against(older).changed_fields
                           if name not in HISTORY_HIDDEN]
            rows.append({"entry": newer, "what": what, "changed": changed})
    rows.sort(key=lambda r: r["entry"].history_date, reverse=True)
    return rows[:HISTORY_LIMIT]


@frontdesk_view
def patient_detail(request, pk):
    patient = _patient(request, pk, details=True)
    by_channel = {v.channel: v for v in patient.verifications.all()}
    verification_channels = [
        {"channel": c.value, "label": c.label, "destination": str(getattr(patient, c.value) or ""),
         "verification": by_channel.get(c.value)}
        for c in Verification.ChannelName
    ]
    return render(request, "patients/detail.html", {
        "patient": patient,
        "card": health_card_of(patient),
        "verification_channels": verification_channels,
        "history": _history(patient),
    })


def _patient_form(request, patient, *, for_lead):
    initial = PatientForm.initial_for(patient)
    initial["form_token"] = new_form_token()
    data = request.POST if request.method == "POST" else None
    return PatientForm(data, organization=request.organization, initial=initial, for_lead=for_lead)


@frontdesk_view
def patient_edit(request, pk):
    patient = _patient(request, pk)
    form = _patient_form(request, patient, for_lead=patient.is_lead)
    if request.method == "POST" and form.is_valid():
        changes = form.changed_domain_data()
        if not changes:
            messages.info(request, "Nothing was changed.")
            return redirect("frontdesk:patient_detail", pk=patient.pk)
        try:
            update_patient(patient, changes, actor=Actor.for_user(request.user, Channel.INTAKE))
        except PatientRuleError as exc:
            form.add_rule_errors(exc)
        else:
            messages.success(request, "The changes were saved.")
            for warning in getattr(patient, "health_card_warnings", []):
                messages.warning(request, warning)
            return redirect("frontdesk:patient_detail", pk=patient.pk)
    return render(request, "patients/edit.html", {"form": form, "patient": patient},
                  status=400 if form.errors else 200)


@frontdesk_view
def complete_registration(request, pk):
    patient = _patient(request, pk)
    if not patient.is_lead and request.method == "GET":
        messages.info(request, "This patient's registration is already complete.")
        return redirect("frontdesk:patient_detail", pk=patient.pk)
    form = _patient_form(request, patient, for_lead=False)
    context = {"form": form, "patient": patient}
    if request.method == "POST" and form.is_valid():
        changes = form.changed_domain_data()
        actor = Actor.for_user(request.user, Channel.INTAKE)

        def save(confirmed):
            return promote_lead(patient, by=actor, confirm_duplicates=confirmed, **changes)

        try:
            promoted, saved_now = save_once(
                request.organization, form.cleaned_data["form_token"],
                lambda: with_confirmation(save, confirmed_ids(request.POST)),
            )
        except PossibleDuplicatesError as exc:
            context.update(duplicates_context(exc))
        except NotALeadError:
            messages.info(request, "This patient's registration is already complete.")
            return redirect("frontdesk:patient_detail", pk=patient.pk)
        except LeadIncompleteError as exc:
            form.add_rule_errors(exc)
            context["missing"] = [form.fields[f].label for f in exc.missing if f in form.fields]
        except PatientRuleError as exc:
            form.add_rule_errors(exc)
        else:
            return saved_redirect(request, promoted, saved_now)
    status = 400 if form.errors else 409 if "duplicates" in context else 200
    return render(request, "patients/complete.html", context, status=status)

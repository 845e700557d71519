"""One patient: the record page, editing, and completing a lead's registration."""

from django.contrib import messages
from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from organizations.scoping import get_for_organization_or_404
from patients.access_log import AccessAction, record_access
from patients.access_log.selectors import recent_accesses
from patients.actors import Actor
from patients.errors import LeadIncompleteError, NotALeadError, PatientRuleError, PossibleDuplicatesError
from patients.form_fields import card_number_as_sent
from patients.forms import PatientForm, field_in_words
from patients.merging.views import record_page_context, same_person_target, same_person_url
from patients.models import Channel, HealthCard, Patient, Verification, health_card_of
from patients.phones import readable_destination
from patients.services import promote_lead, update_patient
from patients.views.access import desk_actor, frontdesk_view, is_organization_admin
from patients.views.duplicates import confirmed_ids, duplicates_context, with_confirmation
from patients.views.once import new_form_token, save_once
from patients.views.register import saved_redirect

HISTORY_LIMIT = 50
REVEAL_BUTTON = "reveal_card_number"  # "Show" on a form, without script
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
    for model, what in ((Patient, _("Record")), (HealthCard, _("Health card"))):
        mine = model.history.filter(id=patient.pk) if model is Patient else model.history.filter(patient_id=patient.pk)
        versions = list(mine.order_by("-history_date", "-history_id")[: HISTORY_LIMIT + 1])
        # The extra version fetched is only there to tell what the oldest one shown changed.
        for newer, older in zip(versions[:HISTORY_LIMIT], versions[1:] + [None], strict=False):
            changed = []
            if older is not None and newer.history_type == "~":
                changed = [field_in_words(name, model) for name in newer.diff_against(older).changed_fields
                           if name not in HISTORY_HIDDEN]
            rows.append({"entry": newer, "what": what, "changed": changed})
    rows.sort(key=lambda r: r["entry"].history_date, reverse=True)
    return rows[:HISTORY_LIMIT]


@frontdesk_view
def patient_detail(request, pk):
    patient = _patient(request, pk, details=True)
    record_access(actor=desk_actor(request), patient=patient, action=AccessAction.VIEW, request=request)
    return _detail_page(request, patient)


@require_POST
@frontdesk_view
def reveal_health_card(request, pk):
    """"Show" on a masked health card number: the full number, once, written to the access log.
    The page's script asks for JSON; without script the patient page comes back with it shown."""
    wants_json = "application/json" in request.headers.get("Accept", "")
    patient = _patient(request, pk, details=not wants_json)
    card = health_card_of(patient)
    if card is None:
        raise Http404("No health card.")
    record_access(actor=desk_actor(request), patient=patient, action=AccessAction.REVEAL, request=request)
    if wants_json:
        return JsonResponse({"number": card.number})
    return _detail_page(request, patient, revealed=True)


def code_refused_page(request, pk, channel, problems):
    """The patient page again after a refused verification code: the error on the code's input (or the
    channel's actions when no code can be entered any more) and in a summary that takes the focus."""
    patient = _patient(request, pk, details=True)
    record_access(actor=desk_actor(request), patient=patient, action=AccessAction.VIEW, request=request)
    row = next((v for v in patient.verifications.all() if v.channel == channel), None)
    code_open = row is not None and row.status == Verification.Status.PENDING and row.code_expires_at is not None
    code_error = {"channel": channel, "messages": problems,
                  "target": f"code-{channel}" if code_open else f"verification-{channel}-actions"}
    return _detail_page(request, patient, code_error=code_error, status=400)


def _detail_page(request, patient, *, revealed=False, code_error=None, status=200):
    by_channel = {v.channel: v for v in patient.verifications.all()}
    verification_channels = [
        {"channel": c.value, "label": c.label,
         "destination": readable_destination(c.value, str(getattr(patient, c.value) or ""),
                                             request.organization.default_phone_region),
         "verification": by_channel.get(c.value), **CHANNEL_TEXTS[c.value]}
        for c in Verification.ChannelName
    ]
    return render(request, "patients/detail.html", {
        "patient": patient,
        "card": health_card_of(patient),
        "card_revealed": revealed,
        "verification_channels": verification_channels,
        "history": _history(patient),
        # "Who accessed this record": for the organization's admins only.
        "accesses": recent_accesses(patient) if is_organization_admin(request) else None,
        **record_page_context(patient, request.organization),
        "code_error": code_error,
    }, status=status)


# Whole sentences per channel: French agrees them with the noun ("aucun courriel", "aucun numéro").
CHANNEL_TEXTS = {
    "email": {
        "none_label": gettext_lazy("No email"),
        "none_hint": gettext_lazy("No email on file: add one with Edit to verify it."),
        "in_person_hint": gettext_lazy(
            "“Verified in person”: only when you checked the email with the patient in front of you. "
            "Your name is recorded."
        ),
    },
    "phone": {
        "none_label": gettext_lazy("No phone"),
        "none_hint": gettext_lazy("No phone on file: add one with Edit to verify it."),
        "in_person_hint": gettext_lazy(
            "“Verified in person”: only when you checked the phone with the patient in front of you. "
            "Your name is recorded."
        ),
    },
}


def _patient_form(request, patient, *, for_lead):
    """The patient's form, its health card number masked until "Show". The page counts as opening
    the record (a `view` event); "Show" without script posts the form back with REVEAL_BUTTON."""
    initial = PatientForm.initial_for(patient)
    initial["form_token"] = new_form_token()
    card = health_card_of(patient)
    data = request.POST if request.method == "POST" else None
    if data is not None and REVEAL_BUTTON in data and card is not None:
        record_access(actor=desk_actor(request), patient=patient, action=AccessAction.REVEAL, request=request)
        data = data.copy()
        data["health_card_number"] = card_number_as_sent(data.get("health_card_number"), card.number)
    elif request.method == "GET":
        record_access(actor=desk_actor(request), patient=patient, action=AccessAction.VIEW, request=request)
    return PatientForm(data, organization=request.organization, initial=initial, for_lead=for_lead,
                       card_number=card.number if card else "")


def _revealing(request) -> bool:
    return request.method == "POST" and REVEAL_BUTTON in request.POST


@frontdesk_view
def patient_edit(request, pk):
    patient = _patient(request, pk)
    form = _patient_form(request, patient, for_lead=patient.is_lead)
    if request.method == "POST" and not _revealing(request) and form.is_valid():
        changes = form.changed_domain_data()
        if not changes:
            messages.info(request, _("Nothing was changed."))
            return redirect("frontdesk:patient_detail", pk=patient.pk)
        try:
            update_patient(patient, changes, actor=desk_actor(request))
        except PatientRuleError as exc:
            form.add_rule_errors(exc)
        else:
            record_access(actor=desk_actor(request), patient=patient, action=AccessAction.CHANGE, request=request)
            messages.success(request, _("The changes were saved."))
            for warning in getattr(patient, "health_card_warnings", []):
                messages.warning(request, warning)
            return redirect("frontdesk:patient_detail", pk=patient.pk)
    return render(request, "patients/edit.html", {"form": form, "patient": patient},
                  status=400 if form.errors else 200)


@frontdesk_view
def complete_registration(request, pk):
    patient = _patient(request, pk)
    same_person = same_person_target(request) if request.method == "POST" else None
    if same_person is not None:
        return redirect(same_person_url(patient, same_person))
    if not patient.is_lead and request.method == "GET":
        messages.info(request, _("This patient's registration is already complete."))
        return redirect("frontdesk:patient_detail", pk=patient.pk)
    form = _patient_form(request, patient, for_lead=False)
    context = {"form": form, "patient": patient}
    if request.method == "POST" and not _revealing(request) and form.is_valid():
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
            context.update(duplicates_context(request, exc))
        except NotALeadError:
            messages.info(request, _("This patient's registration is already complete."))
            return redirect("frontdesk:patient_detail", pk=patient.pk)
        except LeadIncompleteError as exc:
            form.add_rule_errors(exc)
            context["missing"] = [form.fields[f].label for f in exc.missing if f in form.fields]
        except PatientRuleError as exc:
            form.add_rule_errors(exc)
        else:
            if saved_now:
                record_access(actor=actor, patient=promoted, action=AccessAction.CHANGE, request=request)
            return saved_redirect(request, promoted, saved_now)
    status = 400 if form.errors else 409 if "duplicates" in context else 200
    return render(request, "patients/complete.html", context, status=status)

"""Register a patient, take a quick lead, and the confirmation shown after saving."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from organizations.scoping import get_for_organization_or_404
from patients.access_log import AccessAction, record_access
from patients.actors import Actor
from patients.errors import PatientRuleError, PossibleDuplicatesError
from patients.forms import PatientForm, QuickLeadForm
from patients.merging.views import same_person_target, same_person_url
from patients.models import Channel, Patient
from patients.services import register_patient
from patients.views.access import desk_actor, frontdesk_view
from patients.views.duplicates import confirmed_ids, duplicates_context, with_confirmation
from patients.views.once import new_form_token, save_once


def saved_redirect(request, patient, saved_now):
    if not saved_now:
        messages.info(request, _("This form had already been saved; nothing new was created."))
    for warning in getattr(patient, "health_card_warnings", []):
        messages.warning(request, warning)
    return redirect("frontdesk:patient_saved", pk=patient.pk)


def _intake(request, form_class, template, *, as_lead):
    org = request.organization
    context = {}
    if request.method == "POST":
        form = form_class(request.POST, organization=org)
        if form.is_valid():
            actor = Actor.for_user(request.user, Channel.INTAKE)
            data = form.domain_data()
            same_person = same_person_target(request)
            if same_person is not None:
                return _keep_as_lead_to_merge(request, form, template, data, actor, same_person)

            def save(confirmed):
                return register_patient(org, data, actor=actor, as_lead=as_lead,
                                        allow_possible_duplicates=confirmed)

            try:
                patient, saved_now = save_once(
                    org, form.cleaned_data["form_token"],
                    lambda: with_confirmation(save, confirmed_ids(request.POST)),
                )
            except PossibleDuplicatesError as exc:
                context.update(duplicates_context(request, exc))
            except PatientRuleError as exc:
                form.add_rule_errors(exc)
            else:
                return saved_redirect(request, patient, saved_now)
    else:
        form = form_class(organization=org, initial={
            "form_token": new_form_token(), "phone_region": org.default_phone_region,
        })
    context["form"] = form
    status = 400 if form.errors else 409 if "duplicates" in context else 200
    return render(request, template, context, status=status)


def _keep_as_lead_to_merge(request, form, template, data, actor, same_person):
    """"Same person as …" on the duplicate warning: what was typed is kept as a lead (nothing is
    lost), and the compare page opens to merge it into that record."""
    org = request.organization
    try:
        lead, _ = save_once(org, form.cleaned_data["form_token"],
                            lambda: register_patient(org, data, actor=actor, as_lead=True))
    except PatientRuleError as exc:
        form.add_rule_errors(exc)
        return render(request, template, {"form": form}, status=400)
    return redirect(same_person_url(lead, same_person))


@frontdesk_view
def register(request):
    return _intake(request, PatientForm, "patients/register.html", as_lead=False)


@frontdesk_view
def quick_lead(request):
    return _intake(request, QuickLeadForm, "patients/quick_lead.html", as_lead=True)


@frontdesk_view
def saved(request, pk):
    patient = get_for_organization_or_404(Patient, request.organization, pk=pk)
    record_access(actor=desk_actor(request), patient=patient, action=AccessAction.VIEW, request=request)
    return render(request, "patients/saved.html", {"patient": patient})

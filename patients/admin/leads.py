"""Promoting leads from the admin: a bulk action and a "Complete registration" page, both on
patients.services.promote_lead (the rule lives there; these only report)."""

from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import FieldDoesNotExist, PermissionDenied
from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html

from patients.actors import Actor
from patients.duplicates import find_duplicates_of_lead
from patients.errors import LeadIncompleteError, NotALeadError, PatientRuleError, PossibleDuplicatesError
from patients.forms_admin import CompleteRegistrationForm, add_rule_errors
from patients.models import Channel, Patient
from patients.services import missing_for_promotion, promote_lead


def field_label(name: str) -> str:
    try:
        return str(Patient._meta.get_field(name).verbose_name)
    except (FieldDoesNotExist, AttributeError):  # AttributeError: a reverse relation (the health card)
        return name.replace("_", " ")


def describe_matches(matches, limit=3) -> str:
    shown = "; ".join(f"{m.patient} ({', '.join(m.reasons)})" for m in matches[:limit])
    return shown + (f" and {len(matches) - limit} more" if len(matches) > limit else "")


class LeadPromotionMixin:
    complete_registration_template = "admin/patients/patient/complete_registration.html"

    def get_urls(self):
        urls = [
            path(
                "<path:object_id>/complete-registration/",
                self.admin_site.admin_view(self.complete_registration_view),
                name="patients_patient_complete_registration",
            ),
        ]
        return urls + super().get_urls()

    def complete_registration_url(self, patient):
        return reverse("admin:patients_patient_complete_registration", args=[patient.pk])

    @admin.action(description="Promote selected leads", permissions=["change"])
    def promote_selected_leads(self, request, queryset):
        actor = Actor.for_user(request.user, Channel.ADMIN)
        promoted = []
        for patient in queryset.select_related("organization").order_by("created_at"):
            name = str(patient)
            link = format_html('<a href="{}">{}</a>', self.complete_registration_url(patient), "Complete registration")
            try:
                promoted.append(promote_lead(patient, by=actor))
            except NotALeadError:
                messages.warning(request, f"{name}: not promoted, it is not a lead ({patient.get_status_display()}).")
            except LeadIncompleteError as exc:
                missing = ", ".join(field_label(f) for f in exc.missing)
                messages.warning(request, format_html("{}: not promoted, missing {}. {}", name, missing, link))
            except PossibleDuplicatesError as exc:
                messages.warning(request, format_html(
                    "{}: not promoted, possibly already registered: {}. Check and confirm on {}.",
                    name, describe_matches(exc.matches), link,
                ))
            except PatientRuleError as exc:
                problems = "; ".join(f"{field_label(k)}: {' '.join(v)}" for k, v in exc.errors.items())
                messages.warning(request, format_html("{}: not promoted, {} {}", name, problems, link))
        if promoted:
            for patient in promoted:
                self.log_change(request, patient, f"Promoted from lead to patient #{patient.patient_number}.")
            listed = ", ".join(str(p) for p in promoted)
            messages.success(request, f"Promoted {len(promoted)} lead(s) to patients: {listed}.")
        elif not queryset.exists():
            messages.info(request, "No leads were selected.")

    def complete_registration_view(self, request, object_id):
        lead = self.get_object(request, unquote(object_id))  # 404 outside the user's organizations
        if not self.has_change_permission(request, lead):
            raise PermissionDenied
        change_url = reverse("admin:patients_patient_change", args=[lead.pk])
        if not lead.is_lead:
            messages.info(request, f"{lead} is already a {lead.get_status_display().lower()} patient.")
            return HttpResponseRedirect(change_url)
        missing = missing_for_promotion(lead)
        form = CompleteRegistrationForm(request.POST or None, lead=lead, missing=missing)
        if request.method == "POST" and form.is_valid():
            try:
                patient = promote_lead(
                    lead, by=Actor.for_user(request.user, Channel.ADMIN),
                    confirm_duplicates=form.cleaned_data["confirm"], **form.promotion_fields(),
                )
            except NotALeadError:
                messages.info(request, f"{lead} was already promoted.")
                return HttpResponseRedirect(change_url)
            except PossibleDuplicatesError as exc:
                form.show_possible_duplicates(exc.matches)
            except PatientRuleError as exc:
                add_rule_errors(form, exc.errors)
            else:
                self.log_change(request, patient, f"Promoted from lead to patient #{patient.patient_number}.")
                messages.success(request, f"{patient} is now a full patient.")
                return HttpResponseRedirect(change_url)
        elif request.method != "POST":
            matches = find_duplicates_of_lead(lead)
            if matches:
                form.offer_confirmation(matches)
        context = {
            **self.admin_site.each_context(request),
            "title": f"Complete the registration of {lead}",
            "opts": self.opts,
            "original": lead,
            "form": form,
            "missing": [field_label(f) for f in missing],
            "possible_duplicates": form.possible_duplicates,
            "change_url": change_url,
            "has_view_permission": True,
        }
        return TemplateResponse(request, self.complete_registration_template, context)

"""Promoting leads from the admin: a bulk action and a "Complete registration" page, both on
patients.services.promote_lead (the rule lives there; these only report)."""

from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from patients.actors import Actor
from patients.duplicates import find_duplicates_of_lead
from patients.errors import LeadIncompleteError, NotALeadError, PatientRuleError, PossibleDuplicatesError
from patients.forms import field_in_words
from patients.forms_admin import CompleteRegistrationForm, add_rule_errors
from patients.models import Channel
from patients.services import missing_for_promotion, promote_lead
from patients.templatetags.intake import match_reasons

field_label = field_in_words


def describe_matches(matches, limit=3) -> str:
    shown = "; ".join(f"{m.patient} ({match_reasons(m.reasons)})" for m in matches[:limit])
    if len(matches) > limit:
        shown += " " + _("and %(count)s more") % {"count": len(matches) - limit}
    return shown


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

    @admin.action(description=gettext_lazy("Promote selected leads"), permissions=["change"])
    def promote_selected_leads(self, request, queryset):
        actor = Actor.for_user(request.user, Channel.ADMIN)
        promoted = []
        for patient in queryset.select_related("organization").order_by("created_at"):
            name = str(patient)
            link = format_html(
                '<a href="{}">{}</a>', self.complete_registration_url(patient), _("Complete registration")
            )
            try:
                promoted.append(promote_lead(patient, by=actor))
            except NotALeadError:
                messages.warning(request, _("%(name)s: not promoted, it is not a lead (%(status)s).") % {
                    "name": name, "status": patient.get_status_display()})
            except LeadIncompleteError as exc:
                missing = ", ".join(field_label(f) for f in exc.missing)
                messages.warning(request, format_html(_("{}: not promoted, missing {}. {}"), name, missing, link))
            except PossibleDuplicatesError as exc:
                messages.warning(request, format_html(
                    _("{}: not promoted, possibly already registered: {}. Check and confirm on {}."),
                    name, describe_matches(exc.matches), link,
                ))
            except PatientRuleError as exc:
                problems = "; ".join(f"{field_label(k)}: {' '.join(v)}" for k, v in exc.errors.items())
                messages.warning(request, format_html(_("{}: not promoted, {} {}"), name, problems, link))
        if promoted:
            for patient in promoted:
                self.log_change(request, patient, f"Promoted from lead to patient #{patient.patient_number}.")
            listed = ", ".join(str(p) for p in promoted)
            messages.success(request, _("Promoted %(count)s lead(s) to patients: %(listed)s.") % {
                "count": len(promoted), "listed": listed})
        elif not queryset.exists():
            messages.info(request, _("No leads were selected."))

    def complete_registration_view(self, request, object_id):
        lead = self.get_object(request, unquote(object_id))  # 404 outside the user's organizations
        if not self.has_change_permission(request, lead):
            raise PermissionDenied
        change_url = reverse("admin:patients_patient_change", args=[lead.pk])
        if not lead.is_lead:
            messages.info(request, _("%(lead)s is already a patient (%(status)s).") % {
                "lead": lead, "status": lead.get_status_display().lower()})
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
                messages.info(request, _("%(lead)s was already promoted.") % {"lead": lead})
                return HttpResponseRedirect(change_url)
            except PossibleDuplicatesError as exc:
                form.show_possible_duplicates(exc.matches)
            except PatientRuleError as exc:
                add_rule_errors(form, exc.errors)
            else:
                self.log_change(request, patient, f"Promoted from lead to patient #{patient.patient_number}.")
                messages.success(request, _("%(patient)s is now a full patient.") % {"patient": patient})
                return HttpResponseRedirect(change_url)
        elif request.method != "POST":
            matches = find_duplicates_of_lead(lead)
            if matches:
                form.offer_confirmation(matches)
        context = {
            **self.admin_site.each_context(request),
            "title": _("Complete the registration of %(lead)s") % {"lead": lead},
            "opts": self.opts,
            "original": lead,
            "form": form,
            "missing": [field_label(f) for f in missing],
            "possible_duplicates": form.possible_duplicates,
            "change_url": change_url,
            "has_view_permission": True,
        }
        return TemplateResponse(request, self.complete_registration_template, context)

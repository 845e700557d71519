"""The patients admin: a changelist that stays fast with a million rows, and add/change forms that go
through the registration service, so they obey every rule of the API."""

import uuid

from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.contrib.admin.views.main import ChangeList
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.db.models.functions import Lower
from django.http import Http404
from django.utils import formats, timezone
from django.utils.translation import gettext_lazy as _
from import_export.admin import ExportMixin
from import_export.formats import base_formats
from simple_history.admin import SimpleHistoryAdmin

from config.replica import read_database
from organizations.admin.scoping import (
    OrganizationScopedAdmin,
    ScopedInlineMixin,
    organizations_for_admin,
)
from patients.admin.access import AccessLoggingMixin, log_duplicates_shown
from patients.admin.filters import ProvinceFilter, StatusFilter
from patients.admin.imports import PatientImportMixin
from patients.admin.leads import LeadPromotionMixin
from patients.dates import format_date
from patients.forms_admin import PatientAdminForm
from patients.merging.admin import MergeAdminMixin
from patients.models import HealthCard, Patient, Verification
from patients.pagination import EstimatedCountPaginator
from patients.resources import PatientResource
from patients.selectors import date_readings, patient_search_filter


class HealthCardInline(ScopedInlineMixin, admin.TabularInline):
    """Shown here; changed with the health card fields of the patient form (through the service)."""

    model = HealthCard
    read_only = True
    fields = readonly_fields = ["masked_number", "province", "version_code", "expiry_date", "expired"]
    extra = 0

    @admin.display(description=_("number"))
    def masked_number(self, card):
        return card.masked_number

    @admin.display(description=_("expired"), boolean=True)
    def expired(self, card):
        return card.is_expired()


class VerificationInline(ScopedInlineMixin, admin.TabularInline):
    model = Verification
    read_only = True
    fields = readonly_fields = ["channel", "status", "destination", "method", "verified_at", "verified_by_label"]
    extra = 0


def search_condition(organizations, term: str) -> Q:
    """patients.selectors.patient_search_filter (the API's search rule) across the organizations
    shown: phones are read in each organization's own region."""
    first_two = list(organizations[:2])
    if len(first_two) == 1:
        return patient_search_filter(first_two[0], term)
    if not first_two:
        return Q(pk__in=[])
    regions = list(organizations.order_by().values_list("default_phone_region", flat=True).distinct())
    if len(regions) == 1:
        return patient_search_filter(first_two[0], term, organizations=organizations)
    condition = Q(pk__in=[])
    for region in regions:
        in_region = organizations.filter(default_phone_region=region)
        condition |= Q(organization__in=in_region) & patient_search_filter(
            in_region.first(), term, organizations=in_region
        )
    return condition


class ReplicaChangeList(ChangeList):
    """The list and its search read from the replica (config/replica.py); actions (POST) from the primary."""

    def get_queryset(self, request, exclude_parameters=None):
        return super().get_queryset(request, exclude_parameters).using(read_database(request))


@admin.register(Patient)
class PatientAdmin(AccessLoggingMixin, MergeAdminMixin, LeadPromotionMixin, PatientImportMixin, ExportMixin,
                   OrganizationScopedAdmin, SimpleHistoryAdmin):
    form = PatientAdminForm
    list_display = ["number", "name", "birth_date", "phone_number", "status", "organization", "created"]
    list_display_links = ["number", "name"]
    list_filter = [StatusFilter, "organization", ProvinceFilter, "has_insurance", "created_at"]
    list_select_related = ["organization"]
    sortable_by = ["number", "birth_date", "created"]
    search_fields = ["search_name"]  # shows the search box; the search itself is get_search_results
    search_help_text = _("Name, email, phone (any format), patient number, health card number "
                         "or date of birth (e.g. 15 Mar 1984 or 15/03/1984).")
    # A million rows: no COUNT(*) of the whole table on every page (see paginator.py).
    show_full_result_count = False
    paginator = EstimatedCountPaginator
    list_per_page = 50
    autocomplete_fields = ["organization", "providers", "groups"]
    inlines = [HealthCardInline, VerificationInline]
    actions = ["promote_selected_leads", "merge_selected", "archive_selected", "restore_selected"]
    superuser_only_delete = True  # archive instead: a patient record is kept
    save_as = False
    history_list_display = ["actor", "channel"]  # who (an API key by name) and through which door
    object_history_template = "admin/patients/patient/object_history.html"
    import_export_change_list_template = "admin/patients/patient/patient_change_list.html"
    change_form_template = "admin/patients/patient/patient_change_form.html"
    resource_classes = [PatientResource]
    export_formats = [base_formats.CSV]

    class Media:
        css = {"all": ["admin_a11y/patients.css"]}
        # "Show" on the health card number (no inline script); names for the autocompletes' search boxes.
        js = ["frontdesk/frontdesk.js", "admin_a11y/select2_labels.js"]

    RECORD_FIELDS = ["created_via", "created_by", "created_by_api_key", "created_at", "updated_at",
                     "promoted_at", "promoted_by_label", "has_account"]

    @admin.display(description=_("number"), ordering="patient_number")
    def number(self, patient):
        return patient.patient_number or _("lead")

    @admin.display(description=_("name"))
    def name(self, patient):
        return patient.display_name or _("(no name)")

    @admin.display(description=_("date of birth"), ordering="date_of_birth")
    def birth_date(self, patient):
        return format_date(patient.date_of_birth) or "—"

    @admin.display(description=_("phone"))
    def phone_number(self, patient):
        return patient.phone_for_reading()

    @admin.display(description=_("created"), ordering="created_at")
    def created(self, patient):
        # In the patient's clinic's zone: a superuser's list mixes clinics.
        return formats.date_format(timezone.localtime(patient.created_at, patient.organization.zone),
                                   "SHORT_DATETIME_FORMAT")

    def actor(self, record):
        return record.history_actor or (record.history_user and str(record.history_user)) or ""

    def channel(self, record):
        return record.get_history_channel_display()

    @admin.display(description=_("patient account"), boolean=True)
    def has_account(self, patient):
        return patient.has_password

    def get_fieldsets(self, request, obj=None):
        head = ["organization", "confirm"] if obj is None else ["organization", "status", "patient_number"]
        fieldsets = [
            (None, {"fields": head}),
            (_("Name"), {"fields": ["given_name", "family_name", "preferred_name"]
                      + (["full_name"] if obj is not None else [])}),
            (_("Details"), {"fields": ["gender", "date_of_birth", "email", "phone", "province",
                                       "preferred_language"]}),
            (_("Health card"), {"fields": ["health_card_number", "health_card_province", "health_card_version_code",
                                        "health_card_expiry_date"]}),
            (_("Clinic"), {"fields": ["providers", "groups", "emr_id", "referrer", "accepts_marketing",
                                   "has_insurance"]}),
        ]
        if obj is not None:
            fieldsets.append((_("Record"), {"fields": self.RECORD_FIELDS, "classes": ["collapse"]}))
        return fieldsets

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return []
        return ["organization", "status", "patient_number", "full_name", *self.RECORD_FIELDS]

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        form.admin_user = request.user
        if obj is None and "organization" in form.base_fields:
            choices = list(organizations_for_admin(request)[:2])
            if len(choices) == 1:
                form.base_fields["organization"].initial = choices[0].pk
        return form

    def changelist_view(self, request, extra_context=None):
        # Which dates of birth the search looked for: both readings when day and month could swap.
        readings = date_readings(request.GET.get("q", ""))
        extra_context = {**(extra_context or {}), "date_readings": readings}
        return super().changelist_view(request, extra_context)

    def get_search_results(self, request, queryset, search_term):
        term = search_term.strip()
        if not term:
            return queryset, False
        organizations = organizations_for_admin(request)
        chosen = request.GET.get("organization")
        if chosen:
            try:
                organizations = organizations.filter(pk=uuid.UUID(chosen))
            except ValueError:
                return queryset.none(), False
        if "@" in term:
            queryset = queryset.annotate(email_lower=Lower("email"))
        return queryset.filter(search_condition(organizations, term)), False

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        # The service writes while the form is validated; if the page is shown again instead of
        # saved (an inline's error), undo that write too.
        with transaction.atomic():
            response = super().changeform_view(request, object_id, form_url, extra_context)
            if request.method == "POST" and not getattr(request, "_patient_saved", False):
                transaction.set_rollback(True)
        log_duplicates_shown(request, getattr(request, "duplicates_shown", ()))
        return response

    def save_model(self, request, obj, form, change):
        request._patient_saved = True  # register_patient / update_patient saved it in form.clean()
        for warning in getattr(obj, "health_card_warnings", []):
            messages.warning(request, warning)

    def has_export_permission(self, request):
        return self.has_view_permission(request)

    def get_export_queryset(self, request):
        return super().get_export_queryset(request).select_related("organization", "health_card").prefetch_related(
            "providers", "groups")

    def _history_object(self, request, object_id):
        """History pages, like every page, answer 404 outside the user's organizations."""
        try:
            patient = self.get_queryset(request).get(pk=unquote(object_id))
        except (Patient.DoesNotExist, ValueError, ValidationError) as exc:
            raise Http404(_("Not found.")) from exc
        self.show_in_its_clinic(request, patient)
        return patient

    def history_view(self, request, object_id, extra_context=None):
        patient = self._history_object(request, object_id)
        context = {
            "health_card_history": HealthCard.history.filter(patient_id=patient.pk).select_related("history_user")
            .order_by("-history_date")[:50],
            "verification_history": Verification.history.filter(patient_id=patient.pk)
            .select_related("history_user").order_by("-history_date")[:50],
        }
        context.update(extra_context or {})
        return super().history_view(request, object_id, extra_context=context)

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        self._history_object(request, object_id)
        if request.method == "POST":
            raise Http404(_("Reverting is not available: change the patient through its form."))
        return super().history_form_view(request, object_id, version_id, extra_context)

    def revert_disabled(self, request, obj=None):
        return True  # a revert would write around the registration rules

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        context["complete_registration_url"] = (
            self.complete_registration_url(obj) if obj is not None and obj.is_lead else None
        )
        context["possible_duplicates"] = getattr(context.get("adminform") and context["adminform"].form,
                                                 "possible_duplicates", ())
        context.update(self.merge_context(obj))
        return super().render_change_form(request, context, add, change, form_url, obj)

    def get_changelist(self, request, **kwargs):
        return ReplicaChangeList

    def get_changelist_instance(self, request):
        changelist = super().get_changelist_instance(request)
        changelist.count_is_estimate = getattr(changelist.paginator, "is_estimate", False)
        return changelist


"""The whole access log in the admin: read-only for everyone (superusers included), scoped to the
organizations an admin administers, filterable by patient, user or key and date, exportable as CSV."""

import csv
import uuid

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.http import StreamingHttpResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from organizations.admin.scoping import ALL, OrganizationScopedAdmin, admin_organization_ids, users_for_admin
from organizations.models import ApiKey
from patients.access_log.models import AccessEvent
from patients.pagination import EstimatedCountPaginator

CSV_COLUMNS = ["at", "organization", "patient_id", "patient_number", "action", "door", "actor_kind", "actor",
               "user_id", "api_key_id", "api_key_name", "client_address", "detail"]


class PatientFilter(admin.SimpleListFilter):
    """?patient=<id>: one patient's events (linked from the patient's pages)."""

    title = _("patient")
    parameter_name = "patient"

    def lookups(self, request, model_admin):
        value = self.value()
        return [(value, _("this patient"))] if value else []

    def queryset(self, request, queryset):
        value = self.value()
        if not value:
            return queryset
        try:
            return queryset.filter(patient_id=uuid.UUID(value))
        except ValueError:
            return queryset.none()


class ActorFilter(admin.SimpleListFilter):
    """By staff user or by API key (`user:<id>` or `key:<id>`), among the admin's organizations'."""

    title = _("user or API key")
    parameter_name = "actor"

    def lookups(self, request, model_admin):
        ids = admin_organization_ids(request)
        keys = ApiKey.objects.all() if ids is ALL else ApiKey.objects.filter(organization__in=ids)
        users = [(f"user:{pk}", name) for pk, name in users_for_admin(request).order_by("username")
                 .values_list("pk", "username")]
        keys = [(f"key:{pk}", _("API key: %(name)s") % {"name": name})
                for pk, name in keys.order_by("name").values_list("pk", "name")]
        return users + keys

    def queryset(self, request, queryset):
        kind, _, pk = (self.value() or "").partition(":")
        try:
            if kind == "user":
                return queryset.filter(user_id=int(pk))
            if kind == "key":
                return queryset.filter(api_key_id=uuid.UUID(pk))
        except ValueError:
            return queryset.none()
        return queryset


@admin.register(AccessEvent)
class AccessEventAdmin(OrganizationScopedAdmin):
    list_display = ["at", "patient_link", "action", "door", "actor_label", "client_address", "detail",
                    "organization"]
    list_filter = [PatientFilter, ActorFilter, "action", "door", ("at", admin.DateFieldListFilter), "organization"]
    list_select_related = ["organization", "patient"]
    search_fields = ["actor_label"]
    search_help_text = _("Who (user name or API key name), or a patient number.")
    # The event's own page, read-only: patients by number and id, never by name (as in the list).
    fields = ["at", "patient_link", "action", "door", "actor_kind", "actor_label", "user", "api_key", "api_key_name",
              "acting_patient_id", "client_address", "detail", "organization"]
    readonly_fields = fields
    list_per_page = 100
    # A log grows without end: no COUNT(*) of the whole table (see patients/pagination.py).
    show_full_result_count = False
    paginator = EstimatedCountPaginator
    change_list_template = "admin/access_log/accessevent/change_list.html"

    # Append-only: nobody changes or deletes an event here, superusers included.
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def get_actions(self, request):
        return {}

    @admin.display(description=_("patient"), ordering="patient__patient_number")
    def patient_link(self, event):
        # The patient's number (or id for a lead), never a name: reading the log is not reading records.
        number = event.patient.patient_number
        label = f"#{number}" if number else _("lead %(id)s") % {"id": str(event.patient_id)[:8]}
        return format_html('<a href="?patient={}">{}</a>', event.patient_id, label)

    def get_search_results(self, request, queryset, search_term):
        term = search_term.strip()
        if term.lstrip("#").isdecimal() and len(term) < 19:
            return queryset.filter(patient__patient_number=int(term.lstrip("#"))), False
        return super().get_search_results(request, queryset, search_term)

    def get_urls(self):
        export = self.admin_site.admin_view(self.export_csv)
        return [path("export/", export, name="access_log_accessevent_export"), *super().get_urls()]

    def changelist_view(self, request, extra_context=None):
        query = request.GET.urlencode()
        extra_context = {**(extra_context or {}), "export_url": reverse("admin:access_log_accessevent_export")
                         + (f"?{query}" if query else "")}
        return super().changelist_view(request, extra_context)

    def export_csv(self, request):
        """The events the changelist shows (its filters and search), as CSV, oldest first."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        changelist = self.get_changelist_instance(request)
        events = (changelist.get_queryset(request).select_related("organization", "patient")
                  .order_by("at", "id").iterator(chunk_size=2000))
        response = StreamingHttpResponse(_csv_lines(events), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="access-log-{timezone.now():%Y%m%d-%H%M}.csv"'
        return response


class _Echo:
    def write(self, value):
        return value


def _csv_lines(events):
    writer = csv.writer(_Echo())
    yield writer.writerow(CSV_COLUMNS)
    for e in events:
        yield writer.writerow([
            e.at.isoformat(), e.organization.slug, e.patient_id, e.patient.patient_number or "", e.action, e.door,
            e.actor_kind, e.actor_label, e.user_id or "", e.api_key_id or "", e.api_key_name,
            e.client_address or "", e.detail,
        ])

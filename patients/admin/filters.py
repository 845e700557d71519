"""Changelist filters with fixed choices: none of them reads the patients table to list its options."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from patients.health_cards import PROVINCES
from patients.models import Patient
from patients.selectors import shown_by_default
from patients.validation import PROVINCE_CODES


class StatusFilter(admin.SimpleListFilter):
    """Leads, active or archived patients (leads are the ones waiting for a complete registration)."""

    title = _("status")
    parameter_name = "status"

    def lookups(self, request, model_admin):
        return Patient.Status.choices

    def queryset(self, request, queryset):
        if self.value() in Patient.Status.values:
            return queryset.filter(status=self.value())
        term = request.GET.get("q", "").strip()
        # A search leaves out archived and merged records as every search does (the plain list shows all).
        return queryset.filter(shown_by_default(term)) if term else queryset


class ProvinceFilter(admin.SimpleListFilter):
    title = _("province")
    parameter_name = "province"
    OUTSIDE_CANADA = "other"
    NONE = "none"

    def lookups(self, request, model_admin):
        return [*PROVINCES.items(), (self.OUTSIDE_CANADA, _("Outside Canada")), (self.NONE, _("Not given"))]

    def queryset(self, request, queryset):
        value = self.value()
        if value in PROVINCES:
            return queryset.filter(province=value)
        if value == self.OUTSIDE_CANADA:
            return queryset.filter(province__in=sorted(PROVINCE_CODES - set(PROVINCES)))
        if value == self.NONE:
            return queryset.filter(province="")
        return queryset

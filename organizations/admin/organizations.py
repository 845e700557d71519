"""Organizations with their providers, patient groups, memberships and API keys; providers and groups."""

from django import forms
from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from organizations.admin.scoping import OrganizationScopedAdmin, ScopedInlineMixin
from organizations.models import (
    REQUIRABLE_FIELDS,
    ApiKey,
    Membership,
    Organization,
    PatientGroup,
    Provider,
    person_label,
)


class ProviderInline(ScopedInlineMixin, admin.TabularInline):
    model = Provider
    fields = ["name", "is_active"]
    extra = 0


class PatientGroupInline(ScopedInlineMixin, admin.TabularInline):
    model = PatientGroup
    fields = ["name"]
    extra = 0


class PersonChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, user):
        return person_label(user)


class MembershipInline(ScopedInlineMixin, admin.TabularInline):
    """One row per person: their name and username, never an id."""

    model = Membership
    fields = ["user", "role", "created_at"]
    readonly_fields = ["created_at"]
    extra = 0

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "user":
            kwargs["form_class"] = PersonChoiceField
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class ApiKeyInline(ScopedInlineMixin, admin.TabularInline):
    """Listed here; issued, renamed and revoked on the API key pages (the raw key is shown only there, once)."""

    model = ApiKey
    read_only = True
    fields = readonly_fields = ["name", "prefix", "created_at", "expires_at", "last_used_at", "revoked_at"]
    show_change_link = True
    extra = 0


class OrganizationForm(forms.ModelForm):
    """The registration policy's required fields as checkboxes (stored as a list)."""

    required_fields = forms.TypedMultipleChoiceField(
        required=False, choices=list(REQUIRABLE_FIELDS.items()), widget=forms.CheckboxSelectMultiple,
        label=_("Required for a full patient"),
        help_text=_("Beyond names, date of birth, gender and phone. Every way in (API, front desk, admin, CSV "
                    "import, promotion) refuses a patient without them: “Required by this clinic.”"),
    )

    class Meta:
        model = Organization
        fields = ["name", "slug", "portal_domain", "default_phone_region", "time_zone", "language", "is_active",
                  "allows_self_registration", "required_fields", "lead_requires"]


@admin.register(Organization)
class OrganizationAdmin(OrganizationScopedAdmin):
    form = OrganizationForm
    organization_path = "pk"
    list_display = ["name", "slug", "portal_domain", "default_phone_region", "time_zone", "language", "is_active",
                    "required_fields", "lead_requires", "allows_self_registration", "created_at"]
    list_filter = ["is_active", "lead_requires", "allows_self_registration"]
    search_fields = ["name", "slug"]
    ordering = ["name"]
    inlines = [ProviderInline, PatientGroupInline, MembershipInline, ApiKeyInline]
    fieldsets = [
        (None, {"fields": ["name", "slug", "portal_domain", "default_phone_region", "time_zone", "language",
                           "is_active", "allows_self_registration", "last_patient_number", "created_at"]}),
        (_("Registration policy"), {"fields": ["required_fields", "lead_requires"]}),
    ]

    def get_readonly_fields(self, request, obj=None):
        readonly = ["last_patient_number", "created_at"]
        if not request.user.is_superuser:
            # Only the platform operator renames a tenant's address or switches it off.
            readonly += ["slug", "portal_domain", "is_active"]
        return readonly

    def has_add_permission(self, request):
        return request.user.is_superuser

    def has_delete_permission(self, request, obj=None):
        return request.user.is_superuser


@admin.register(Provider)
class ProviderAdmin(OrganizationScopedAdmin):
    list_display = ["name", "organization", "is_active"]
    list_filter = ["organization", "is_active"]
    list_select_related = ["organization"]
    search_fields = ["name"]
    ordering = ["name"]


@admin.register(PatientGroup)
class PatientGroupAdmin(OrganizationScopedAdmin):
    list_display = ["name", "organization"]
    list_filter = ["organization"]
    list_select_related = ["organization"]
    search_fields = ["name"]
    ordering = ["name"]

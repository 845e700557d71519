"""Organization scoping for every admin page.

A superuser sees every organization. An organization admin (a staff user with an admin
membership) sees, picks and edits only the rows of the organizations they administer; any
other row answers 404 exactly like a missing one. Staff without an admin membership (front
desk) get no admin pages at all: access comes from memberships, not Django model permissions.
"""

import uuid

from django.contrib import admin
from django.contrib.auth import get_user_model
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from organizations.models import Organization
from organizations.scoping import OrganizationOwned
from organizations.selectors import admin_organizations_for_user

ALL = None  # what admin_organization_ids answers for a superuser


def admin_organization_ids(request):
    """The ids of the organizations `request.user` administers, or ALL for a superuser (once per request)."""
    if not hasattr(request, "_admin_organization_ids"):
        user = request.user
        if not user.is_active or not user.is_staff:
            request._admin_organization_ids = []
        elif user.is_superuser:
            request._admin_organization_ids = ALL
        else:
            request._admin_organization_ids = list(admin_organizations_for_user(user).values_list("id", flat=True))
    return request._admin_organization_ids


def is_organization_admin(request) -> bool:
    ids = admin_organization_ids(request)
    return ids is ALL or bool(ids)


def organizations_for_admin(request):
    ids = admin_organization_ids(request)
    return Organization.objects.all() if ids is ALL else Organization.objects.filter(pk__in=ids)


def scope_queryset(request, queryset, organization_path):
    ids = admin_organization_ids(request)
    if ids is ALL:
        return queryset
    return queryset.filter(**{f"{organization_path}__in": ids})


def users_for_admin(request):
    """Users an organization admin may pick (for memberships): those already in their organizations."""
    users = get_user_model().objects.all()
    ids = admin_organization_ids(request)
    if ids is ALL:
        return users
    return users.filter(memberships__organization__in=ids).distinct()


def scoped_choices(request, model):
    """The rows of `model` a form on an admin page may offer, or None when `model` is not tenant data."""
    if model is Organization:
        return organizations_for_admin(request)
    if issubclass(model, OrganizationOwned):
        return scope_queryset(request, model._default_manager.all(), "organization")
    if model is get_user_model():
        return users_for_admin(request)
    return None


class OrganizationListFilter(admin.SimpleListFilter):
    """Filter by organization, offering only the organizations the user administers."""

    title = _("organization")
    parameter_name = "organization"

    def __init__(self, request, params, model, model_admin):
        self.organization_path = getattr(model_admin, "organization_path", "organization")
        super().__init__(request, params, model, model_admin)

    def lookups(self, request, model_admin):
        return [(str(pk), name) for pk, name in organizations_for_admin(request).values_list("pk", "name")]

    def queryset(self, request, queryset):
        value = self.value()
        if not value:
            return queryset
        try:
            uuid.UUID(value)
        except ValueError:
            return queryset.none()
        return queryset.filter(**{self.organization_path: value})


class ScopedFormfieldsMixin:
    """Foreign keys and many-to-many pickers list only the user's organizations' rows."""

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        choices = scoped_choices(request, db_field.related_model)
        if choices is not None and "queryset" not in kwargs:
            kwargs["queryset"] = choices
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        choices = scoped_choices(request, db_field.related_model)
        if choices is not None and "queryset" not in kwargs:
            kwargs["queryset"] = choices
        return super().formfield_for_manytomany(db_field, request, **kwargs)


class OrganizationScopedAdmin(ScopedFormfieldsMixin, admin.ModelAdmin):
    """Base for every tenant model's admin. `organization_path` leads from the model to its Organization."""

    organization_path = "organization"
    superuser_only_delete = False

    def in_scope(self, request, obj) -> bool:
        ids = admin_organization_ids(request)
        if ids is ALL:
            return True
        if self.organization_path in ("pk", "id"):
            return obj.pk in ids
        return getattr(obj, f"{self.organization_path}_id") in ids

    def _allowed(self, request, obj=None) -> bool:
        return is_organization_admin(request) and (obj is None or self.in_scope(request, obj))

    def has_module_permission(self, request):
        return is_organization_admin(request)

    def has_view_permission(self, request, obj=None):
        return self._allowed(request, obj)

    def has_change_permission(self, request, obj=None):
        return self._allowed(request, obj)

    def has_add_permission(self, request):
        return is_organization_admin(request)

    def has_delete_permission(self, request, obj=None):
        if self.superuser_only_delete and not request.user.is_superuser:
            return False
        return self._allowed(request, obj)

    def get_queryset(self, request):
        return scope_queryset(request, super().get_queryset(request), self.organization_path)

    def get_object(self, request, object_id, from_field=None):
        # Django redirects with "doesn't exist" for a missing object; another organization's
        # object must look exactly like a missing one, and both answer 404.
        obj = super().get_object(request, object_id, from_field)
        if obj is None:
            raise Http404(_("Not found."))
        self.show_in_its_clinic(request, obj)
        return obj

    def show_in_its_clinic(self, request, obj):
        """The page shows the object's clinic: its name in the header, its time zone for every time
        (ClinicLocaleMiddleware restores the previous zone when the request ends)."""
        organization = obj if self.organization_path in ("pk", "id") else getattr(obj, self.organization_path)
        request.object_organization = organization
        timezone.activate(organization.zone)

    def get_list_filter(self, request):
        return [OrganizationListFilter if f == "organization" else f for f in super().get_list_filter(request)]


class ScopedInlineMixin(ScopedFormfieldsMixin):
    """Inline rows on a page the user may open are theirs: permissions follow the parent object."""

    read_only = False

    def _allowed(self, request, obj=None):
        return is_organization_admin(request)

    def has_view_permission(self, request, obj=None):
        return self._allowed(request, obj)

    def has_add_permission(self, request, obj=None):
        return not self.read_only and self._allowed(request, obj)

    def has_change_permission(self, request, obj=None):
        return not self.read_only and self._allowed(request, obj)

    def has_delete_permission(self, request, obj=None):
        return not self.read_only and self._allowed(request, obj)

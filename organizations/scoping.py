"""Tenancy: every tenant-owned row is reached through its organization.

`OrganizationScopedQuerySet.for_organization(org)` is the one way views, services and
admin code list tenant rows; `get_for_organization_or_404` answers a missing row and
another organization's row alike.
"""

from django.core.exceptions import ValidationError
from django.db import models
from django.http import Http404


class OrganizationScopedQuerySet(models.QuerySet):
    def for_organization(self, organization):
        if organization is None:
            return self.none()
        return self.filter(organization=organization)

    def for_organizations(self, organizations):
        return self.filter(organization__in=organizations)


OrganizationScopedManager = models.Manager.from_queryset(OrganizationScopedQuerySet)


class OrganizationOwned(models.Model):
    """Abstract base for tenant-owned rows."""

    organization = models.ForeignKey("organizations.Organization", on_delete=models.PROTECT, related_name="+")

    objects = OrganizationScopedManager()

    class Meta:
        abstract = True


def get_for_organization_or_404(queryset_or_model, organization, **lookup):
    """The row with `lookup` inside `organization`, else 404 (never a hint that it exists elsewhere)."""
    qs = queryset_or_model
    if isinstance(qs, type) and issubclass(qs, models.Model):
        qs = qs.objects.all()
    try:
        return qs.for_organization(organization).get(**lookup)
    except (qs.model.DoesNotExist, ValueError, TypeError, ValidationError) as exc:
        # ValueError, TypeError, ValidationError: a malformed id (not a UUID) is "not found" too.
        raise Http404("Not found.") from exc

"""Reads about organizations and who belongs to them."""

from django.db.models import OuterRef, Subquery, Value

from organizations.models import Membership, Organization


def organizations_for_user(user):
    """The active organizations a staff user works in (all of them for a superuser)."""
    if user is None or not user.is_authenticated:
        return Organization.objects.none()
    if user.is_superuser:
        return Organization.objects.filter(is_active=True)
    return Organization.objects.filter(is_active=True, memberships__user=user).distinct()


def with_role_of(organizations, user):
    """`organizations`, each annotated with `viewer_role`: `user`'s role there (admin for a superuser)."""
    if user.is_superuser:
        return organizations.annotate(viewer_role=Value(Membership.Role.ADMIN.value))
    roles = Membership.objects.filter(user=user, organization=OuterRef("pk")).values("role")[:1]
    return organizations.annotate(viewer_role=Subquery(roles))


def admin_organizations_for_user(user):
    """Organizations whose rows `user` may administer in the Django admin."""
    if user.is_superuser:
        return Organization.objects.all()
    return Organization.objects.filter(
        memberships__user=user, memberships__role=Membership.Role.ADMIN
    ).distinct()


def membership_role(user, organization):
    if user.is_superuser:
        return Membership.Role.ADMIN
    return (
        Membership.objects.filter(user=user, organization=organization).values_list("role", flat=True).first()
    )

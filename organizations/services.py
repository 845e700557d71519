"""Writes on organizations: creating them, their staff logins, and issuing or revoking their API keys."""

import secrets

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from organizations.models import KEY_PREFIX_LENGTH, ApiKey, Membership, Organization, hash_api_key


@transaction.atomic
def create_organization(name, *, slug, portal_domain=None, default_phone_region="CA", **extra) -> Organization:
    organization = Organization(
        name=name, slug=slug, portal_domain=portal_domain or None, default_phone_region=default_phone_region,
        **extra,
    )
    organization.full_clean()
    organization.save()
    return organization


@transaction.atomic
def add_staff_login(organization, *, username, role=Membership.Role.ADMIN) -> tuple[object, str | None]:
    """Give `username` a `role` membership of `organization`, creating the staff login when it is new.

    Returns (user, password): the new login's random password, to be shown once, or None when the
    login already existed (its password is left as it is)."""
    User = get_user_model()
    user = User.objects.filter(username=username).first()
    password = None
    if user is None:
        password = secrets.token_urlsafe(12)
        user = User.objects.create_user(username=username, password=password, is_staff=True)
    Membership.objects.get_or_create(user=user, organization=organization, defaults={"role": role})
    return user, password


def reset_password(user) -> str:
    """A new random password for a staff login, to be shown once."""
    password = secrets.token_urlsafe(12)
    user.set_password(password)
    user.save(update_fields=["password"])
    return password


def issue_api_key(organization, *, name, expires_at=None, created_by=None) -> tuple[ApiKey, str]:
    """A new key for `organization`. Returns (the stored key, the raw key): the raw key is shown
    once and never stored. A key is named (1 to 100 characters) after who uses it, else ValidationError."""
    name = str(name or "").strip()
    limit = ApiKey._meta.get_field("name").max_length
    if not name or len(name) > limit:
        raise ValidationError({"name": [f"Give the key a name of 1 to {limit} characters."]})
    raw = ApiKey.generate_raw_key()
    key = ApiKey.objects.create(
        organization=organization, name=name, prefix=raw[4 : 4 + KEY_PREFIX_LENGTH], key_hash=hash_api_key(raw),
        expires_at=expires_at, created_by=created_by,
    )
    return key, raw


def revoke_api_key(key: ApiKey) -> ApiKey:
    if key.revoked_at is None:
        key.revoked_at = timezone.now()
        key.save(update_fields=["revoked_at"])
    return key

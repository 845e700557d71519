"""`Authorization: Bearer <key>` for external systems: the key decides the organization."""

import copy
import time
from datetime import timedelta

from django.conf import settings
from django.db.models.signals import post_delete, post_save
from django.utils import timezone
from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication, get_authorization_header

from organizations.models import ApiKey, Organization, hash_api_key

LAST_USED_RESOLUTION = timedelta(minutes=1)  # write last_used_at at most once a minute per key

# Keys (with their organization) found in the last few seconds, per process: an integration sends
# thousands of requests a minute with one key, and the lookup was one query on each. A key revoked,
# expired or whose organization is deactivated is refused at once in the process that changed it
# (saving clears this cache) and within API_KEY_CACHE_SECONDS everywhere else.
_recent: dict[str, tuple[float, ApiKey]] = {}
MAX_CACHED_KEYS = 1000


def _cache_seconds() -> float:
    return getattr(settings, "API_KEY_CACHE_SECONDS", 10)


def forget_cached_keys(**kwargs):
    _recent.clear()


post_save.connect(forget_cached_keys, sender=ApiKey, dispatch_uid="api-key-cache-key-saved")
post_delete.connect(forget_cached_keys, sender=ApiKey, dispatch_uid="api-key-cache-key-deleted")
post_save.connect(forget_cached_keys, sender=Organization, dispatch_uid="api-key-cache-org-saved")
post_delete.connect(forget_cached_keys, sender=Organization, dispatch_uid="api-key-cache-org-deleted")


def _find_key(raw: str) -> ApiKey | None:
    key_hash = hash_api_key(raw)
    cached = _recent.get(key_hash)
    if cached is not None and time.monotonic() - cached[0] < _cache_seconds():
        # Each request gets its own copies: a view may change them (e.g. the organization's last number).
        key = copy.copy(cached[1])
        key.organization = copy.copy(cached[1].organization)
        # Expiry is a moment in time: check it on every request, not only when the key was read.
        return key if key.is_usable and key.organization.is_active else None
    key = ApiKey.objects.usable().select_related("organization").filter(key_hash=key_hash).first()
    if key is not None and _cache_seconds() > 0:
        if len(_recent) >= MAX_CACHED_KEYS:
            _recent.clear()
        cached = copy.copy(key)
        cached.organization = copy.copy(key.organization)
        _recent[key_hash] = (time.monotonic(), cached)
    return key


def bearer_credential(request, *, noun: str) -> str | None:
    """The credential of an `Authorization: Bearer <credential>` header, or None without one.
    A malformed header is refused, naming what was expected (`noun`: "key", "token")."""
    parts = get_authorization_header(request).split()
    if not parts or parts[0].lower() != b"bearer":
        return None
    if len(parts) != 2:
        raise exceptions.AuthenticationFailed(f"Send the {noun} as 'Authorization: Bearer <{noun}>'.")
    try:
        return parts[1].decode()
    except UnicodeDecodeError as exc:
        raise exceptions.AuthenticationFailed(f"Invalid {'API key' if noun == 'key' else noun}.") from exc


class ApiKeyAuthentication(BaseAuthentication):
    def authenticate(self, request):
        raw = bearer_credential(request, noun="key")
        if raw is None or not raw.startswith(ApiKey.generate_raw_key()[:4]):
            # Not an API key (patient tokens are handled by their own authentication class).
            return None
        key = _find_key(raw)
        if key is None:
            raise exceptions.AuthenticationFailed("Invalid, expired or revoked API key.")
        now = timezone.now()
        if key.last_used_at is None or now - key.last_used_at > LAST_USED_RESOLUTION:
            ApiKey.objects.filter(pk=key.pk).update(last_used_at=now)
            key.last_used_at = now
            remembered = _recent.get(key.key_hash)
            if remembered is not None:
                remembered[1].last_used_at = now
        request.api_key = key
        return (None, key)

    def authenticate_header(self, request):
        return 'Bearer realm="api"'

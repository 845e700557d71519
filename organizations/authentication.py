"""`Authorization: Bearer <key>` for external systems: the key decides the organization."""

from datetime import UTC, datetime, timedelta

from django.db import router
from django.utils import timezone
from django.utils.translation import gettext as _
from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication, get_authorization_header

from organizations.compiled_queries import CompiledLookup
from organizations.models import ApiKey, hash_api_key

LAST_USED_RESOLUTION = timedelta(minutes=1)  # write last_used_at at most once a minute per key


_usable_key = CompiledLookup(
    lambda key_hash, now: ApiKey.objects.usable(now).select_related("organization").filter(key_hash=key_hash),
    key_hash="\x00key-hash", now=datetime(1, 1, 1, 0, 0, 0, 424242, tzinfo=UTC),
)


def _find_key(raw: str) -> ApiKey | None:
    # Looked up on every request (one indexed query), never remembered by a worker: a key revoked
    # or expired, or an organization switched off, is refused on the very next request everywhere.
    return _usable_key.first(using=router.db_for_read(ApiKey), key_hash=hash_api_key(raw), now=timezone.now())


def bearer_credential(request, *, noun: str) -> str | None:
    """The credential of an `Authorization: Bearer <credential>` header, or None without one.
    A malformed header is refused, naming what was expected (`noun`: "key", "token")."""
    parts = get_authorization_header(request).split()
    if not parts or parts[0].lower() != b"bearer":
        return None
    if len(parts) != 2:
        raise exceptions.AuthenticationFailed(
            _("Send the key as 'Authorization: Bearer <key>'.") if noun == "key"
            else _("Send the token as 'Authorization: Bearer <token>'.")
        )
    try:
        return parts[1].decode()
    except UnicodeDecodeError as exc:
        raise exceptions.AuthenticationFailed(_("Invalid API key.") if noun == "key" else _("Invalid token.")) from exc


class ApiKeyAuthentication(BaseAuthentication):
    def authenticate(self, request):
        raw = bearer_credential(request, noun="key")
        if raw is None or not raw.startswith(ApiKey.generate_raw_key()[:4]):
            # Not an API key (patient tokens are handled by their own authentication class).
            return None
        key = _find_key(raw)
        if key is None:
            raise exceptions.AuthenticationFailed(_("Invalid, expired or revoked API key."))
        now = timezone.now()
        if key.last_used_at is None or now - key.last_used_at > LAST_USED_RESOLUTION:
            ApiKey.objects.filter(pk=key.pk).update(last_used_at=now)
            key.last_used_at = now
        request.api_key = key
        return (None, key)

    def authenticate_header(self, request):
        return 'Bearer realm="api"'

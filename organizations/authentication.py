"""`Authorization: Bearer <key>` for external systems: the key decides the organization."""

from datetime import timedelta

from django.utils import timezone
from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication, get_authorization_header

from organizations.models import ApiKey, hash_api_key

LAST_USED_RESOLUTION = timedelta(minutes=1)  # write last_used_at at most once a minute per key


class ApiKeyAuthentication(BaseAuthentication):
    keyword = b"bearer"

    def authenticate(self, request):
        parts = get_authorization_header(request).split()
        if not parts or parts[0].lower() != self.keyword:
            return None
        if len(parts) != 2:
            raise exceptions.AuthenticationFailed("Send the key as 'Authorization: Bearer <key>'.")
        try:
            raw = parts[1].decode()
        except UnicodeDecodeError as exc:
            raise exceptions.AuthenticationFailed("Invalid API key.") from exc
        if not raw.startswith(ApiKey.generate_raw_key()[:4]):
            # Not an API key (patient tokens are handled by their own authentication class).
            return None
        key = ApiKey.objects.usable().select_related("organization").filter(key_hash=hash_api_key(raw)).first()
        if key is None:
            raise exceptions.AuthenticationFailed("Invalid, expired or revoked API key.")
        now = timezone.now()
        if key.last_used_at is None or now - key.last_used_at > LAST_USED_RESOLUTION:
            ApiKey.objects.filter(pk=key.pk).update(last_used_at=now)
            key.last_used_at = now
        request.api_key = key
        return (None, key)

    def authenticate_header(self, request):
        return 'Bearer realm="api"'

"""The client's address, as far as it can be believed."""

from rest_framework.settings import api_settings
from rest_framework.throttling import BaseThrottle


def client_address(request) -> str:
    """REMOTE_ADDR, or the address X-Forwarded-For gives NUM_PROXIES proxies back.

    X-Forwarded-For is only believed behind a configured number of proxies (NUM_PROXIES);
    otherwise anyone could claim any address (and dodge a rate limit) by sending one.
    """
    if api_settings.NUM_PROXIES is None:
        return request.META.get("REMOTE_ADDR") or "unknown"
    return BaseThrottle().get_ident(request)

"""Every request's id, route and organization, for the logs, the metrics and API error bodies.

The id comes from `X-Request-ID` only when a trusted proxy sent it (`NUM_PROXIES` is set) and it
is well-formed; otherwise it is a fresh random one. The answer always carries it back.
"""

import contextvars
import re
import uuid

from django.conf import settings
from django.core.signals import request_finished
from django.utils.functional import SimpleLazyObject, empty

REQUEST_ID_HEADER = "X-Request-ID"
_WELL_FORMED = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:-]{0,127}")

_current = contextvars.ContextVar("intake_request", default=None)


def trusts_proxy() -> bool:
    return bool(settings.REST_FRAMEWORK.get("NUM_PROXIES"))


def request_id_for(request) -> str:
    sent = request.META.get("HTTP_X_REQUEST_ID", "")
    if sent and trusts_proxy() and _WELL_FORMED.fullmatch(sent):
        return sent
    return uuid.uuid4().hex


def begin(request) -> None:
    """Give `request` its id and make it the current request of this thread (or task) until the
    answer is closed: Django logs a refused request (django.request) after the middleware ran."""
    request.request_id = request_id_for(request)
    _current.set(request)


def end(**kwargs) -> None:
    _current.set(None)


request_finished.connect(end, dispatch_uid="operations-request-finished")


def current_request():
    return _current.get()


def current_request_id() -> str | None:
    request = _current.get()
    return getattr(request, "request_id", None)


def route_of(request) -> str:
    """The URL pattern's name (never the path: no ids or searched names), or "unmatched"."""
    match = getattr(request, "resolver_match", None)
    if match is None:
        return "unmatched"
    return match.view_name or match.route or "unnamed"


def organization_id_of(request) -> str | None:
    """The organization the request acted for, if it is already known: never costs a query."""
    if request is None:
        return None
    known = request.__dict__.get("log_organization_id")
    if known is not None:
        return str(known)
    auth = request.__dict__.get("auth")  # DRF copies the API key or patient token here
    if getattr(auth, "organization_id", None) is not None:
        return str(auth.organization_id)
    chosen = request.__dict__.get("organization")  # the staff member's, resolved lazily
    if isinstance(chosen, SimpleLazyObject):
        chosen = None if chosen._wrapped is empty else chosen._wrapped
    pk = getattr(chosen, "pk", None)
    return str(pk) if pk is not None else None


def note_organization(request, organization) -> None:
    """Record which organization a request acts for (called where the API resolves it)."""
    django_request = getattr(request, "_request", request)
    django_request.log_organization_id = organization.pk


def with_request_id(body: dict) -> dict:
    """An API error body plus `requestId` (the id the answer's X-Request-ID header carries), so
    that a clinic's support call can quote it. Additive: the contracts' fields stay as they are."""
    request_id = current_request_id()
    if request_id is not None:
        body["requestId"] = request_id
    return body

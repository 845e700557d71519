"""The HTTP side of the FHIR door: formats, bodies, callers, and every error as an OperationOutcome.

JSON only. Responses are `application/fhir+json` (or `application/json` when that is what the
client asks for); `_format` overrides Accept as the spec says; anything else is 406. A body must be
sent as `application/fhir+json` or `application/json` (415 otherwise).
"""

import json
import logging

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import RequestDataTooBig
from django.db import DataError
from django.http import Http404, HttpResponse
from rest_framework import exceptions
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.renderers import BaseRenderer
from rest_framework.views import APIView

from organizations.resolution import resolve_caller
from patients.actors import Actor
from patients.api.throttling import ApiKeyThrottle
from patients.errors import PatientRuleError
from patients.fhir.mapping import Rendered
from patients.fhir.outcome import FhirError, operation_outcome
from patients.models import Channel

logger = logging.getLogger(__name__)

FHIR_JSON = "application/fhir+json"
JSON = "application/json"
BODY_TYPES = (FHIR_JSON, JSON)
# `_format` values meaning JSON (a `+` in a query string arrives as a space).
JSON_FORMATS = {"json": FHIR_JSON, FHIR_JSON: FHIR_JSON, "application/fhir json": FHIR_JSON, JSON: JSON}


class FhirJsonRenderer(BaseRenderer):
    """Only names the media type for content negotiation: the views render their own bytes."""

    media_type = FHIR_JSON
    format = "fhir"
    charset = "utf-8"


class PlainJsonRenderer(FhirJsonRenderer):
    media_type = JSON
    format = "json"


class FhirNegotiation(DefaultContentNegotiation):
    def select_renderer(self, request, renderers, format_suffix=None):
        wanted = request.query_params.get("_format")
        if wanted is not None:
            media_type = JSON_FORMATS.get(wanted.strip().lower())
            if media_type is None:
                raise exceptions.NotAcceptable(f"Only JSON is served (_format={wanted!r} is not).")
            renderer = next(r for r in renderers if r.media_type == media_type)
            return renderer, media_type
        return super().select_renderer(request, renderers, format_suffix)


def fhir_response(resource, status=200, *, headers=None, media_type=FHIR_JSON) -> HttpResponse:
    """A resource as the HTTP answer: a fhir.resources model, a Rendered (validated, sent as its data),
    JSON data (a list's Bundle, see bundles.py), or None for an empty body."""
    if resource is None:
        body = b""
    elif isinstance(resource, Rendered | dict):
        data = resource.data if isinstance(resource, Rendered) else resource
        body = json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode()
    else:
        body = resource.model_dump_json(exclude_none=True)
    response = HttpResponse(body, status=status, content_type=f"{media_type}; charset=utf-8")
    for name, value in (headers or {}).items():
        response[name] = value
    return response


class FhirView(APIView):
    """Base of the FHIR views: API keys (or a staff session), the caller's organization, throttling,
    and every exception answered as an OperationOutcome (never a 500 for any input)."""

    renderer_classes = [FhirJsonRenderer, PlainJsonRenderer]
    content_negotiation_class = FhirNegotiation
    throttle_classes = [ApiKeyThrottle]
    schema = None  # not in the v1 OpenAPI schema: the CapabilityStatement describes this API
    needs_caller = True

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        if self.needs_caller:
            self.caller = resolve_caller(request)

    @property
    def organization(self):
        return self.caller.organization

    @property
    def actor(self) -> Actor:
        return Actor(channel=Channel.FHIR, api_key=self.caller.api_key, user=self.caller.user)

    @property
    def media_type(self) -> str:
        return getattr(self.request, "accepted_media_type", None) or FHIR_JSON

    def respond(self, resource, status=200, headers=None) -> HttpResponse:
        return fhir_response(resource, status, headers=headers, media_type=self.media_type)

    def read_json(self) -> dict:
        """The request body as a JSON object; 415 for another content type, 400 when it is not JSON."""
        body = self.request._request.body
        if not body:
            raise FhirError(400, "Send a resource in the body.", code="required")
        content_type = (self.request.content_type or "").split(";")[0].strip().lower()
        if content_type not in BODY_TYPES:
            raise FhirError(415, f"Send the body as {FHIR_JSON} (or {JSON}), not {content_type or 'nothing'}.")
        try:
            data = json.loads(body)
        except RecursionError as exc:
            raise FhirError(400, "The JSON body is nested too deeply.", code="structure") from exc
        except (ValueError, UnicodeDecodeError) as exc:
            raise FhirError(400, "The body is not valid JSON.", code="structure") from exc
        if not isinstance(data, dict):
            raise FhirError(400, "The body must be a JSON object (a FHIR resource).", code="structure")
        return data

    def handle_exception(self, exc):
        error = as_fhir_error(exc)
        if error is None:
            logger.exception("FHIR request failed", exc_info=exc)
            error = server_error_outcome(self.request)
        media_type = getattr(self.request, "accepted_media_type", None) or FHIR_JSON
        response = fhir_response(operation_outcome(error.issues), error.status, headers=error.headers,
                                 media_type=media_type)
        response.exception = True
        return response


def as_fhir_error(exc) -> FhirError | None:
    """The FhirError an exception stands for (None: a bug, answered as a logged 500)."""
    if isinstance(exc, FhirError):
        return exc
    if isinstance(exc, Http404):
        return FhirError(404, "Not found.")
    if isinstance(exc, DjangoPermissionDenied):
        return FhirError(403, "Forbidden.")
    if isinstance(exc, RequestDataTooBig):
        return FhirError(413, "The body is too large.")
    if isinstance(exc, PatientRuleError):
        return FhirError(422, exc.message)
    if isinstance(exc, DataError):
        return FhirError(400, "A value cannot be stored (too long, too large or containing NUL).", code="value")
    if isinstance(exc, exceptions.APIException):
        headers = {}
        if isinstance(exc, exceptions.NotAuthenticated | exceptions.AuthenticationFailed):
            headers["WWW-Authenticate"] = 'Bearer realm="api"'
            status = 401
        else:
            status = exc.status_code
        if isinstance(exc, exceptions.Throttled) and exc.wait is not None:
            headers["Retry-After"] = str(int(exc.wait) + 1)
        detail = exc.detail if isinstance(exc.detail, str) else json.dumps(exc.detail)
        return FhirError(status, str(detail), headers=headers)
    return None


def not_found_outcome(request) -> HttpResponse:
    """handler404 under /fhir/: an unknown address (or resource type) as an OperationOutcome."""
    return fhir_response(operation_outcome([("not-found", f"Nothing is served at {request.path}; this server "
                                              "has Patient and metadata only.", None)]), 404)


def server_error_outcome(request) -> FhirError:
    """A bug, as an OperationOutcome quoting the request id (its log line carries the traceback)."""
    request_id = getattr(request, "request_id", "") or getattr(getattr(request, "_request", None), "request_id", "")
    return FhirError(500, f"Something went wrong on our side. Quote request id {request_id or '(none)'} to support.",
                     code="exception")


def server_error_response(request) -> HttpResponse:
    """handler500 under /fhir/."""
    return fhir_response(operation_outcome(server_error_outcome(request).issues), 500)

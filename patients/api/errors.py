"""The one error shape of the v1 API, and the handler that turns every exception into it.

    {"status": 400, "code": "invalid", "message": "Some fields are not valid.",
     "errors": {"firstName": ["This field is required."], "hcCard.number": ["..."]}}

`errors` maps a contract field (dotted for nested fields, `nonFieldErrors` for the request as a
whole, a header name for a bad header) to its messages; it is `{}` when no field is to blame.

The handler is the project default (settings.REST_FRAMEWORK["EXCEPTION_HANDLER"]). A view whose
contract names fields differently sets `contract_field_names` (domain name -> contract name); a
contract with another envelope overrides `handle_exception` in its own views.
"""

import logging

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.db import DataError
from django.http import Http404, HttpResponseServerError, JsonResponse
from django.template import loader
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.defaults import page_not_found
from rest_framework import exceptions, serializers, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from operations.requests import with_request_id
from patients.api import strict
from patients.errors import PatientConflictError, PatientRuleError, PossibleDuplicatesError

logger = logging.getLogger(__name__)

NON_FIELD = strict.NON_FIELD

CODES = {
    400: "invalid",
    401: "not_authenticated",
    403: "permission_denied",
    404: "not_found",
    405: "method_not_allowed",
    406: "not_acceptable",
    409: "conflict",
    415: "unsupported_media_type",
    422: "idempotency_key_reused",
    429: "throttled",
}


class IdempotencyKeyReused(exceptions.APIException):
    status_code = status.HTTP_422_UNPROCESSABLE_ENTITY
    default_detail = gettext_lazy("This Idempotency-Key was already used with a different request body.")
    default_code = "idempotency_key_reused"


class IdempotencyKeyInProgress(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = gettext_lazy("A request with this Idempotency-Key is still being processed; retry shortly.")
    default_code = "idempotency_key_in_progress"


class FieldErrors(exceptions.APIException):
    """A 400 (or other status) naming the contract fields or headers at fault."""

    status_code = status.HTTP_400_BAD_REQUEST
    default_code = "invalid"

    def __init__(self, errors: dict[str, list[str]], message=None, status_code=None):
        super().__init__(_("Some fields are not valid.") if message is None else message)
        self.errors = errors
        if status_code is not None:
            self.status_code = status_code


def error_body(status_code: int, message: str, errors=None, code: str | None = None) -> dict:
    return with_request_id({
        "status": status_code,
        "code": code or CODES.get(status_code, "error"),
        "message": str(message),
        "errors": errors or {},
    })


def rename_errors(errors: dict, names: dict[str, str] | None, non_field: str = NON_FIELD) -> dict[str, list[str]]:
    """Domain field names (`health_card.number`, `__all__`) to the contract's (`hcCard.number`,
    `non_field`). Fields several domain names share get each message once."""
    names = names or {}
    renamed: dict[str, list[str]] = {}
    for field, messages in errors.items():
        if field in ("__all__", "non_field_errors"):
            key = non_field
        elif field in names:
            key = names[field]
        else:
            head, dot, rest = field.partition(".")
            key = names.get(head, head) + dot + rest
        shown = renamed.setdefault(key, [])
        shown.extend(m for m in dict.fromkeys(str(m) for m in messages) if m not in shown)
    return renamed


def _flatten_drf_detail(detail, prefix="") -> dict[str, list[str]]:
    """DRF's nested ValidationError detail to {"a.b": [messages]}."""
    flat: dict[str, list[str]] = {}
    if isinstance(detail, dict):
        for key, value in detail.items():
            name = NON_FIELD if key in ("non_field_errors", "__all__") else str(key)
            for sub, messages in _flatten_drf_detail(value, f"{prefix}{name}.").items():
                flat.setdefault(sub, []).extend(messages)
    elif isinstance(detail, list) and detail and all(isinstance(d, dict | list) for d in detail):
        for index, value in enumerate(detail):
            for sub, messages in _flatten_drf_detail(value, f"{prefix}{index}.").items():
                flat.setdefault(sub, []).extend(messages)
    else:
        items = detail if isinstance(detail, list) else [detail]
        flat[prefix.rstrip(".") or NON_FIELD] = [str(i) for i in items]
    return flat


def _domain_error(exc: PatientRuleError, view) -> Response:
    names = getattr(view, "contract_field_names", None)
    code = "invalid"
    if getattr(exc, "code", None):
        code = exc.code
    elif isinstance(exc, PossibleDuplicatesError):
        code = "possible_duplicates"
    elif isinstance(exc, PatientConflictError) or exc.status_code == 409:
        code = "conflict"
    body = error_body(exc.status_code, exc.message, rename_errors(exc.errors, names), code)
    return Response(body, status=exc.status_code)


def api_exception_handler(exc, context):
    """Every exception a v1 view raises, as the one error shape. Unknown exceptions stay 500s."""
    view = context.get("view")
    if isinstance(exc, PatientRuleError):
        return _domain_error(exc, view)
    if isinstance(exc, FieldErrors):
        return Response(error_body(exc.status_code, exc.detail, exc.errors), status=exc.status_code)
    if isinstance(exc, DataError):
        # The last line of defence: a value the database cannot store (the field rules should
        # have caught it). The input is to blame, so it is a 400, never a 500.
        logger.warning("Database refused a value: %s", exc.__class__.__name__)
        return Response(
            error_body(400, _("A value in the request cannot be stored (too long, too large or containing "
                              "characters such as NUL).")),
            status=400,
        )
    if isinstance(exc, RecursionError):
        return Response(error_body(400, _("The JSON body is nested too deeply."), code="parse_error"), status=400)
    if isinstance(exc, Http404):
        exc = exceptions.NotFound(_("Not found."))
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()

    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    errors = {}
    message = exc.detail if isinstance(exc.detail, str) else ""
    if isinstance(exc, exceptions.ValidationError):
        errors = rename_errors(_flatten_drf_detail(exc.detail), getattr(view, "contract_field_names", None))
        message = _("Some fields are not valid.")
    code = CODES.get(response.status_code, "error")
    if isinstance(exc, exceptions.ParseError):
        code = "parse_error"
    elif isinstance(exc, exceptions.AuthenticationFailed):
        code = "authentication_failed"
    elif isinstance(exc, IdempotencyKeyInProgress):
        code = exc.default_code
    response.data = error_body(response.status_code, message or _("Request refused."), errors, code)
    return response


def server_error(request):
    """handler500: a bug. Under /api/ the contract's error shape, elsewhere a plain page; both quote
    the request id, which the log line with the traceback carries too, so support can find it."""
    message = _("Something went wrong on our side. Quote the requestId to support.")
    if request.path.startswith("/api/user/"):
        from patients.api.leads import OTHER_ERROR

        return JsonResponse(with_request_id({"data": None, "status": OTHER_ERROR, "message": message, "errors": {}}),
                            status=500)
    if request.path.startswith("/api/"):
        return JsonResponse(error_body(500, message, code="server_error"), status=500)
    if request.path.startswith("/fhir/"):
        from patients.fhir.http import server_error_response

        return server_error_response(request)
    page = loader.get_template("500.html").render({"request_id": getattr(request, "request_id", "")})
    return HttpResponseServerError(page)


def not_found(request, exception=None):
    """handler404: an unknown address under /api/ answers in the error shape, the rest with Django's page."""
    if request.path.startswith("/api/"):
        return JsonResponse(error_body(404, _("Not found.")), status=404)
    if request.path.startswith("/fhir/"):
        from patients.fhir.http import not_found_outcome

        return not_found_outcome(request)
    return page_not_found(request, exception)


class ErrorSerializer(serializers.Serializer):
    """The error shape, for the OpenAPI schema."""

    status = serializers.IntegerField(help_text="The HTTP status code, repeated.")
    code = serializers.CharField(
        help_text="Machine-readable reason: invalid, parse_error, not_authenticated, authentication_failed, "
                  "permission_denied, not_found, conflict, idempotency_key_reused, throttled, ..."
    )
    message = serializers.CharField(help_text="A sentence for a person.")
    errors = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()),
        help_text="Messages per contract field (dotted for nested fields, e.g. hcCard.number; "
                  "nonFieldErrors for the request as a whole; a header name for a bad header). "
                  "Empty when no field is to blame.",
    )
    requestId = serializers.CharField(  # noqa: N815 (the contract's camelCase)
        help_text="The request's id, also in the X-Request-ID header: quote it to support. An addition to the "
                  "contract.",
    )

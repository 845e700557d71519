"""Strict input at the edge of every door, before any view runs:

- a query-string parameter (a search's `q`, the admin's `term`, `page`, ...) holding text no
  database can store (patients.validation.unstorable_text) is a 400 naming the parameter;
- an API body over DATA_UPLOAD_MAX_MEMORY_SIZE is a 413, in the contract's JSON shape
  (Django itself would answer its HTML "Bad Request" page).

Each answer is in the door's shape: the "Register Patient" envelope on its route, the v1 error
shape on the rest of /api/, an OperationOutcome under /fhir/, JSON for the front desk's scripts,
and a page for people.
JSON bodies are checked by patients.api.strict.StrictJSONParser, form fields by the forms.
"""

from django.conf import settings
from django.http import JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from patients import validation as v
from patients.api.errors import error_body
from patients.api.leads import INVALID_FIELDS, PAYLOAD_TOO_LARGE, envelope_error

TOO_LARGE = _("The request body is too large (at most {limit} bytes).")


def _is_leads_route(path: str) -> bool:
    return path == reverse("register-patient")


def refused(request, status: int, message, errors: dict):
    """A refusal in the shape of the door `request` came through."""
    path = request.path
    if path.startswith("/api/"):
        if _is_leads_route(path):
            code = PAYLOAD_TOO_LARGE if status == 413 else INVALID_FIELDS
            return JsonResponse(envelope_error(code, message, errors), status=status)
        code = "payload_too_large" if status == 413 else "invalid"
        return JsonResponse(error_body(status, message, errors, code), status=status)
    if path.startswith("/fhir/"):
        from patients.fhir.http import fhir_response
        from patients.fhir.outcome import operation_outcome

        issues = [("value", f"{field}: {m}", field) for field, messages in errors.items() for m in messages]
        return fhir_response(operation_outcome(issues or [("too-long", str(message), None)]), status)
    if "application/json" in request.headers.get("Accept", ""):
        return JsonResponse({"message": str(message), "errors": errors}, status=status)
    return render(request, "400_strict_input.html", {"message": message, "errors": errors}, status=status)


def _content_length(request) -> int:
    try:
        return int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return 0


class StrictInputMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        if request.path.startswith("/api/") and limit is not None and _content_length(request) > limit:
            return refused(request, 413, TOO_LARGE.format(limit=limit), {})
        bad = {name: [str(v.UNSTORABLE_TEXT_MESSAGE)] for name in _unstorable_parameters(request.GET)}
        if bad:
            return refused(request, 400, _("Some fields are not valid."), bad)
        return self.get_response(request)


def _unstorable_parameters(query) -> list[str]:
    return [v.printable_key(name) for name, values in query.lists()
            if v.has_unstorable_text(name) or v.has_unstorable_text(values)]

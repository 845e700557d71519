"""The "Register Patient" contract: `POST /api/user/v1/patients/add`, for leads and full patients.

A thin adapter: it checks the contract's shape (types, `Male`/`Female`, the date object), hands the
fields to `register_patient` under their domain names and answers in the contract's envelope.
Every answer, errors included, is `{"data": ..., "status": "<code>"}`; `"0"` means success.
"""

from django.db import DataError
from django.http import Http404
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiResponse,
    extend_schema,
    extend_schema_field,
    inline_serializer,
)
from rest_framework import exceptions, serializers
from rest_framework.permissions import BasePermission
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from operations.requests import with_request_id
from organizations.authentication import ApiKeyAuthentication
from patients.actors import Actor
from patients.api import patient_docs as docs
from patients.api.errors import rename_errors
from patients.api.patient_serializers import VerificationStatusesSerializer
from patients.api.strict import JsonTyped, StrictJSONParser, StrictSerializer
from patients.api.throttling import ApiKeyThrottle
from patients.cleaning import PHONE_PART_LIMITS, TEXT_FIELDS
from patients.errors import PatientConflictError, PatientRuleError
from patients.models import Patient
from patients.selectors import summary_of_registration
from patients.services import register_patient
from patients.validation import UNKNOWN_BIRTH_DATE
from patients.verification import status_by_channel

# The envelope's `status` (always a string). Documented in the OpenAPI schema and README.
OK = "0"
INVALID_FIELDS = "1"  # 400: field-level errors under the contract's field names
MALFORMED_BODY = "2"  # 400: not JSON, or not a JSON object
NOT_AUTHENTICATED = "3"  # 401: no, unknown, expired or revoked API key
ALREADY_REGISTERED = "4"  # 409: the email is already registered in the organization
UNSUPPORTED_MEDIA_TYPE = "5"  # 415: the body is not sent as application/json
METHOD_NOT_ALLOWED = "6"  # 405: only POST
TOO_MANY_REQUESTS = "7"  # 429
FORBIDDEN = "8"  # 403
OTHER_ERROR = "9"  # any other refusal (e.g. 404)
PAYLOAD_TOO_LARGE = "10"  # 413: the body is over the size limit
ERROR_CODES = [INVALID_FIELDS, MALFORMED_BODY, NOT_AUTHENTICATED, ALREADY_REGISTERED, UNSUPPORTED_MEDIA_TYPE,
               METHOD_NOT_ALLOWED, TOO_MANY_REQUESTS, FORBIDDEN, OTHER_ERROR, PAYLOAD_TOO_LARGE]

# Domain field -> the contract's field name, for errors.
CONTRACT_FIELDS = {
    "full_name": "fullName",
    "given_name": "fullName",
    "family_name": "fullName",
    "preferred_name": "preferredName",
    "calling_code": "callingCode",
    "local_phone": "localPhone",
    "phone": "localPhone",
    "email": "email",
    "username": "email",
    "gender": "gender",
    "date_of_birth": "dateOfBirth.date",
}
# A non-lead must send every field the contract marks Required, beyond what any full patient needs.
CONTRACT_REQUIRED = ("preferred_name", "calling_code")
NAME_NEEDED = gettext_lazy("Enter the full name: the given name(s), then the family name.")


class StrictBooleanField(serializers.BooleanField):
    default_error_messages = {"invalid": gettext_lazy("Send true or false.")}

    def to_internal_value(self, data):
        if not isinstance(data, bool):
            self.fail("invalid")
        return data


class TextField(serializers.CharField):
    """Text kept exactly as sent (no trimming); null counts as empty. `limit`: the length the
    registration rules allow, shown in the schema (they check it, with their own message)."""

    default_error_messages = {"invalid": gettext_lazy("Send text (a JSON string).")}

    def __init__(self, *, limit=None, **kwargs):
        super().__init__(allow_blank=True, allow_null=True, trim_whitespace=False, required=False, **kwargs)
        self.max_length = limit

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        return data


class GenderChoiceField(JsonTyped, serializers.ChoiceField):
    json_types = (str,)
    type_message = gettext_lazy("Send Male or Female.")


class DateOfBirthSerializer(serializers.Serializer):
    date = serializers.CharField(help_text="YYYY-MM-DD. Send 1111-01-01 (unknown) when isLead is true.")


@extend_schema_field(DateOfBirthSerializer)
class DateOfBirthField(JsonTyped, serializers.Field):
    """`{"date": "YYYY-MM-DD"}` -> the date text; the service reads and checks it."""

    json_types = (dict,)
    type_message = gettext_lazy(
        'Send the date of birth as {"date": "YYYY-MM-DD"} (1111-01-01 when unknown, leads only).')

    default_error_messages = {
        "required": gettext_lazy("This field is required."),
        "null": gettext_lazy("This field is required."),
        "invalid": gettext_lazy(
            'Send the date of birth as {{"date": "YYYY-MM-DD"}} (1111-01-01 when unknown, leads only).'
        ),
    }

    def to_internal_value(self, data):
        if not isinstance(data, dict) or not isinstance(data.get("date"), str) or not data["date"].strip():
            self.fail("invalid")
        return data["date"]


class RegisterPatientSerializer(StrictSerializer):
    isLead = StrictBooleanField(help_text="true: a lead; only gender and the date's format are checked.")
    preferredName = TextField(limit=TEXT_FIELDS["preferred_name"],
                              help_text="Required when isLead is false; can be empty (or left out) for a lead.")
    fullName = TextField(limit=TEXT_FIELDS["full_name"],
                         help_text="Given name(s) then family name; required when isLead is false, can be empty "
                                   "(or left out) for a lead. Kept and returned exactly as sent.")
    callingCode = TextField(limit=PHONE_PART_LIMITS["calling_code"],
                            help_text="e.g. +971. Required when isLead is false; can be empty for a lead.")
    localPhone = TextField(limit=PHONE_PART_LIMITS["local_phone"],
                           help_text="e.g. 561231231. Required when isLead is false; can be empty for a lead.")
    email = TextField(limit=254, help_text="Optional; null or empty for none.")
    gender = GenderChoiceField(
        choices=["Male", "Female"], error_messages={"invalid_choice": gettext_lazy("Send Male or Female.")},
        help_text="Male or Female. Always required.",
    )
    dateOfBirth = DateOfBirthField(help_text="Always required.")

    def to_domain(self) -> tuple[bool, dict]:
        """(is_lead, data for register_patient) from the validated body."""
        body = self.validated_data
        data = {
            "full_name": body.get("fullName") or "",
            "preferred_name": body.get("preferredName") or "",
            "calling_code": body.get("callingCode") or "",
            "local_phone": body.get("localPhone") or "",
            "email": body.get("email") or "",
            "gender": body["gender"].lower(),
            "date_of_birth": body["dateOfBirth"],
        }
        return body["isLead"], data


class ContractPatientSerializer(serializers.Serializer):
    """The patient as the contract answers it (documentation of `patient_to_contract`)."""

    id = serializers.UUIDField()
    clinicId = serializers.UUIDField(help_text="The organization of the API key.")
    patientNo = serializers.RegexField(r"^(-1|\d+)$", help_text='The patient number as a string; "-1" for a lead.')
    fullName = serializers.CharField()
    preferredName = serializers.CharField()
    callingCode = serializers.CharField()
    localPhone = serializers.CharField()
    gender = serializers.ChoiceField(choices=[g.label for g in Patient.Gender])
    dateOfBirth = DateOfBirthSerializer(help_text="1111-01-01 when unknown.")
    email = serializers.CharField(help_text='"" when none.')
    additionalInfo = serializers.ListField(child=serializers.DictField(), help_text="Always empty.")
    insuranceInfo = serializers.ListField(child=serializers.DictField(), help_text="Always empty.")
    verifications = VerificationStatusesSerializer(
        help_text="Addition to the contract: {\"email\": status, \"phone\": status}.",
    )


def patient_to_contract(patient) -> dict:
    return {
        "id": str(patient.id),
        "clinicId": str(patient.organization_id),
        "patientNo": str(patient.patient_number) if patient.patient_number is not None else "-1",
        "fullName": patient.full_name,
        "preferredName": patient.preferred_name,
        "callingCode": patient.calling_code,
        "localPhone": patient.local_phone,
        "gender": patient.gender.capitalize(),  # the contract's "Male"/"Female", whatever the language
        "dateOfBirth": {"date": patient.date_of_birth.isoformat() if patient.date_of_birth else UNKNOWN_BIRTH_DATE},
        "email": patient.email or "",
        "additionalInfo": [],
        "insuranceInfo": [],
        "verifications": status_by_channel(patient),
    }


def contract_errors(errors: dict) -> dict[str, list[str]]:
    """Domain field errors -> the contract's field names (several domain fields may share one)."""
    required = _("This field is required.")
    errors = {
        field: [str(NAME_NEEDED) if m == required else m for m in messages]
        if field in ("given_name", "family_name") else messages
        for field, messages in errors.items()
    }
    return rename_errors(errors, CONTRACT_FIELDS, non_field="__all__")


def envelope_error(code: str, message: str, errors: dict | None = None) -> dict:
    return with_request_id({"data": None, "status": code, "message": str(message), "errors": errors or {}})


def failure(code: str, message: str, http_status: int, errors: dict | None = None, headers=None) -> Response:
    return Response(envelope_error(code, message, errors), status=http_status, headers=headers)


# Refusals raised by DRF itself, in the order they are checked.
DRF_REFUSALS = (
    (exceptions.ParseError, MALFORMED_BODY),
    ((exceptions.NotAuthenticated, exceptions.AuthenticationFailed), NOT_AUTHENTICATED),
    (exceptions.UnsupportedMediaType, UNSUPPORTED_MEDIA_TYPE),
    (exceptions.MethodNotAllowed, METHOD_NOT_ALLOWED),
    (exceptions.Throttled, TOO_MANY_REQUESTS),
    (exceptions.PermissionDenied, FORBIDDEN),
)


def envelope_exception_handler(exc, context):
    """Every refusal of this contract in its envelope. Anything else propagates (a real bug)."""
    if isinstance(exc, PatientRuleError):
        code = ALREADY_REGISTERED if isinstance(exc, PatientConflictError) else INVALID_FIELDS
        return failure(code, exc.message, exc.status_code, contract_errors(exc.errors))
    if isinstance(exc, RecursionError):
        return failure(MALFORMED_BODY, _("The JSON body is nested too deeply."), 400)
    if isinstance(exc, DataError):
        # Last line of defence: the field rules should have refused a value the database cannot store.
        return failure(INVALID_FIELDS, _("A value in the request cannot be stored."), 400)
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    if not isinstance(exc, exceptions.APIException):
        return None
    code = next((c for kinds, c in DRF_REFUSALS if isinstance(exc, kinds)), OTHER_ERROR)
    headers = {}
    if getattr(exc, "auth_header", None):
        headers["WWW-Authenticate"] = exc.auth_header
    if getattr(exc, "wait", None) is not None:
        headers["Retry-After"] = str(int(exc.wait))
    if isinstance(exc, exceptions.ValidationError):
        return failure(INVALID_FIELDS, _("Some fields are not valid."), 400, flat_errors(exc.detail))
    return failure(code, str(exc.detail), exc.status_code, headers=headers)


def flat_errors(detail) -> dict[str, list[str]]:
    if not isinstance(detail, dict):
        return {"__all__": [str(m) for m in detail]} if isinstance(detail, list) else {"__all__": [str(detail)]}
    # The serializer's names are the contract's, except that the date is reported at its leaf.
    return {"dateOfBirth.date" if field == "dateOfBirth" else field: [str(m) for m in messages]
            for field, messages in detail.items()}


class HasApiKey(BasePermission):
    def has_permission(self, request, view):
        return getattr(request, "api_key", None) is not None


def _example(status_code, value, name, summary=""):
    return OpenApiExample(name, value=value, summary=summary, response_only=True, status_codes=[str(status_code)])


CONTRACT_EXAMPLE_REQUEST = {
    "isLead": True,
    "preferredName": "Incomplete patient",
    "fullName": "Incomplete patient ",
    "callingCode": "+971",
    "localPhone": "",
    "email": None,
    "gender": "Male",
    "dateOfBirth": {"date": "1111-01-01"},
}


class PatientEnvelopeSerializer(serializers.Serializer):
    data = inline_serializer("RegisterPatientData", {"patient": ContractPatientSerializer()})
    status = serializers.ChoiceField(choices=[OK], help_text='"0"')


class ErrorEnvelopeSerializer(serializers.Serializer):
    data = serializers.JSONField(allow_null=True, help_text="null")
    status = serializers.ChoiceField(
        choices=ERROR_CODES, help_text="Non-zero: 1 invalid fields, 2 malformed body, 3 bad key, 4 already "
                                       "registered, 5 not JSON, 6 wrong method, 7 throttled, 8 forbidden, 9 other, "
                                       "10 body too large")
    message = serializers.CharField()
    errors = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()),
        help_text="The contract's field name (fullName, callingCode, localPhone, gender, dateOfBirth.date, "
                  "email, isLead, preferredName) -> messages",
    )
    requestId = serializers.CharField(  # noqa: N815 (the contract's camelCase)
        help_text="The request's id, also in the X-Request-ID header: quote it to support. An addition to the "
                  "contract.",
    )


class RegisterPatientView(APIView):
    authentication_classes = [ApiKeyAuthentication]
    permission_classes = [HasApiKey]
    throttle_classes = [ApiKeyThrottle]
    parser_classes = [StrictJSONParser]
    renderer_classes = [JSONRenderer]

    def get_exception_handler(self):
        return envelope_exception_handler

    @extend_schema(
        operation_id="registerPatient",
        summary="Register Patient (a lead or a full patient)",
        description=(
            "The organization is the API key's (`clinicId`). `isLead: true` stores a lead (no patient number, "
            "`patientNo` \"-1\"); only `gender` and the date's format are checked, and the calling code and "
            "local phone are kept as sent. `isLead: false` needs every Required field valid and stores an active "
            "patient with the next patient number.\n\n" + docs.POLICY_NOTE + " This contract carries no province "
            "or health card: a clinic requiring them registers leads here and completes them by promotion."
            "\n\nThe envelope's `status`: `0` success; `1` invalid fields "
            "(400); `2` malformed body (400); `3` missing or bad API key (401); `4` email already registered "
            "(409); `5` not application/json (415); `6` method not allowed (405); `7` too many requests (429); "
            "`10` body over the size limit (413)."
        ),
        request=RegisterPatientSerializer,
        responses={
            201: OpenApiResponse(PatientEnvelopeSerializer, description="Registered"),
            400: OpenApiResponse(ErrorEnvelopeSerializer, description="Invalid fields (1) or malformed JSON (2)"),
            401: OpenApiResponse(ErrorEnvelopeSerializer, description="No or bad API key (3)"),
            405: OpenApiResponse(ErrorEnvelopeSerializer, description="Only POST (6)"),
            409: OpenApiResponse(ErrorEnvelopeSerializer, description="Email already registered (4)"),
            415: OpenApiResponse(ErrorEnvelopeSerializer, description="Body not sent as application/json (5)"),
            429: OpenApiResponse(ErrorEnvelopeSerializer, description="Too many requests with this key (7); see "
                                                                      "Retry-After"),
        },
        examples=[
            OpenApiExample("A lead (the contract's example)", value=CONTRACT_EXAMPLE_REQUEST, request_only=True),
            OpenApiExample("A full patient", request_only=True, value={
                "isLead": False, "preferredName": "Amal", "fullName": "Amal Haddad", "callingCode": "+971",
                "localPhone": "561231231", "email": "amal@example.com", "gender": "Female",
                "dateOfBirth": {"date": "1990-04-12"},
            }),
            _example(201, {"data": {"patient": {
                "id": "0d004909-7a04-4909-8c7f-3e8ab1c2d4f5", "clinicId": "50dbdfc3-0155-424a-8c55-6f7e8d9c0b1a",
                "patientNo": "-1", "fullName": "Incomplete patient ", "preferredName": "Incomplete patient",
                "callingCode": "+971", "localPhone": "", "gender": "Male", "dateOfBirth": {"date": "1111-01-01"},
                "email": "", "additionalInfo": [], "insuranceInfo": [],
                "verifications": {"email": "unverified", "phone": "unverified"},
            }}, "status": "0"}, "Lead registered"),
            _example(400, {"data": None, "status": "1", "message": "Some fields are not valid.", "errors": {
                "localPhone": ["Enter a valid phone number (numbers without a country code are read as CA)."],
                "dateOfBirth.date": [
                    "Enter the real date of birth (1111-01-01 stands for unknown and is only allowed for leads)."],
            }}, "Invalid fields"),
            _example(400, {"data": None, "status": "2", "message": "JSON parse error - Expecting value: line 1 "
                           "column 1 (char 0)", "errors": {}}, "Malformed JSON"),
            _example(401, {"data": None, "status": "3", "message": "Invalid, expired or revoked API key.",
                           "errors": {}}, "Bad API key"),
            _example(409, {"data": None, "status": "4", "message": "A patient with these details is already "
                           "registered.", "errors": {"email": ["A patient with this email is already registered."]}},
                     "Email already registered"),
            _example(415, {"data": None, "status": "5", "message": "Unsupported media type \"text/plain\" in "
                           "request.", "errors": {}}, "Not JSON"),
        ],
        tags=["Register Patient (leads)"],
    )
    def post(self, request):
        if not isinstance(request.data, dict):
            raise exceptions.ParseError("Send a JSON object.")
        incoming = RegisterPatientSerializer(data=request.data)
        if not incoming.is_valid():
            raise exceptions.ValidationError(incoming.errors)
        is_lead, data = incoming.to_domain()
        key = request.api_key
        patient = register_patient(
            key.organization, data, actor=Actor.for_api_key(key), as_lead=is_lead,
            also_required=() if is_lead else CONTRACT_REQUIRED,
        )
        patient.link_summary = summary_of_registration(patient)  # the answer from what was written
        return Response({"data": {"patient": patient_to_contract(patient)}, "status": OK}, status=201)


"""OpenAPI documentation of the "Create a Patient" endpoints: headers, examples, error answers."""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, OpenApiResponse

from organizations.resolution import ORGANIZATION_HEADER
from patients.api.errors import ErrorSerializer, error_body
from patients.api.idempotency import IDEMPOTENCY_HEADER, MAX_KEY_LENGTH
from patients.models import Patient

ORGANIZATION_PARAMETER = OpenApiParameter(
    ORGANIZATION_HEADER, OpenApiTypes.STR, OpenApiParameter.HEADER, required=False,
    description="Your organization's id (UUID) or slug. Only required when using a custom portal domain, "
                "otherwise optional; when sent, it must name the organization of the API key (or of the "
                "registration address), else 403.",
)
IDEMPOTENCY_PARAMETER = OpenApiParameter(
    IDEMPOTENCY_HEADER, OpenApiTypes.STR, OpenApiParameter.HEADER, required=False,
    description=f"Up to {MAX_KEY_LENGTH} printable characters (a UUID is ideal). A repeat with the same key and "
                "body returns the first answer (with `Idempotent-Replayed: true`) and creates nothing; the same "
                "key with a different body is a 422.",
)
PATIENT_ID_PARAMETER = OpenApiParameter("patient_id", OpenApiTypes.UUID, OpenApiParameter.PATH,
                                        description="The patient's `id`.")
LIST_PARAMETERS = [
    OpenApiParameter("q", OpenApiTypes.STR, description="Search text: name, phone, email, date of birth "
                                                          "(YYYY-MM-DD), patient number or health card number."),
    OpenApiParameter("status", OpenApiTypes.STR, enum=Patient.Status.values,
                     description="Only patients with this status."),
]

POLICY_NOTE = (
    "Organizations may require more: a clinic's registration policy can require further fields of a full "
    "patient (email, province, health card, ...) and a phone or an email of a lead; a missing one is refused "
    "with \"Required by this clinic.\" on that field."
)

CREATE_DESCRIPTION = """Register a new patient account within an organization.

Send `Authorization: Bearer <API key>`. Patients may also register themselves without a key on their
clinic's registration address (`<clinic>.<platform domain>`, or the clinic's portal domain with the
`X-Organization-ID` header) where the clinic allows it; they cannot set `verifications`, `roles`
other than `patient`, `providers`, `groups`, `emrId` or `unreadNotifications`, and are rate limited.

Required: `email`, `firstName`, `lastName`, `gender`, `phone` and `dateOfBirth`. **Organizations may
require more**: each clinic's registration policy can also require `province`, `hcCard` (and other
fields); a missing one is refused with `400` and "Required by this clinic." on that field.

The answer is the stored patient (never the password), with `id`, `status`, `patientNo`,
`createdAt` and `updatedAt`. `warnings` lists things staff should check (e.g. a Quebec health card
that does not match the name).
"""

EXAMPLE_REQUEST = {
    "email": "jane.doe@example.com",
    "password": "Maple-Syrup-2024!",
    "firstName": "Jane",
    "lastName": "Doe",
    "gender": "female",
    "phone": "416 555 0123",
    "roles": ["patient"],
    "dateOfBirth": "1985-04-12",
    "meta": {"source": "emr-bridge"},
    "unreadNotifications": 0,
    "emrId": 10234,
    "referrer": "dr-okafor",
    "hcCard": {"number": "9876543217", "versionCode": "AB", "province": "ON", "expiryDate": "2027-04-12"},
    "acceptsMarketing": False,
    "hasInsurance": True,
    "providers": ["7d1f6c1e-3a44-4c1b-9f55-2f0c7c3f5a10"],
    "groups": ["b0e3c9a2-5d6f-4e1a-8c7b-1a2b3c4d5e6f"],
    "verifications": {"email": "verified"},
    "province": "ON",
}
EXAMPLE_PATIENT = {
    "id": "3f0b2a9e-8c1d-4e5f-9a7b-6c5d4e3f2a1b",
    "status": "active",
    "patientNo": 1042,
    **{k: v for k, v in EXAMPLE_REQUEST.items() if k not in ("password", "hcCard", "verifications")},
    "username": "jane.doe@example.com#maple",
    "phone": "+14165550123",
    "hcCard": {**EXAMPLE_REQUEST["hcCard"], "expired": False},
    "verifications": {"email": "verified", "phone": "unverified"},
    "createdAt": "2025-01-15T14:03:07.123456Z",
    "updatedAt": "2025-01-15T14:03:07.123456Z",
    "warnings": [],
}

CREATE_EXAMPLES = [
    OpenApiExample("A patient with a health card", value=EXAMPLE_REQUEST, request_only=True),
    OpenApiExample("The minimum", request_only=True, value={
        "email": "sam.lee@example.com", "firstName": "Sam", "lastName": "Lee", "gender": {"value": "male"},
        "phone": "4165550199", "dateOfBirth": "1990-09-30",
    }),
    OpenApiExample("Created", value=EXAMPLE_PATIENT, response_only=True, status_codes=["201"]),
]
UPDATE_EXAMPLES = [
    OpenApiExample("New phone number", value={"phone": "+1 604 555 0147"}, request_only=True),
    OpenApiExample("Updated", value=EXAMPLE_PATIENT, response_only=True, status_codes=["200"]),
]

ERRORS = {
    400: ("A field, header or the JSON itself is not valid; `errors` names each field.", "invalid",
          "Some fields are not valid.",
          {"dateOfBirth": ["The date of birth cannot be in the future."],
           "hcCard.number": ["This is not a valid Ontario health card number (the check digit is wrong)."]}),
    401: ("No API key, or an invalid, expired or revoked one.", "not_authenticated",
          "Authentication credentials were not provided.", {}),
    403: ("The X-Organization-ID header names another organization, the staff member does not work for it, "
          "a CSRF token is missing (staff sessions) or the clinic does not accept self-registration.",
          "permission_denied", "The X-Organization-ID header names another organization than this API key's.", {}),
    404: ("No such patient in this organization (another organization's patient looks the same); on a list, a "
          "page past the last one.", "not_found",
          "Not found.", {}),
    409: ("The email, EMR id or health card is already registered in the organization.", "conflict",
          "A patient with these details is already registered.",
          {"email": ["A patient with this email is already registered."]}),
    422: ("The Idempotency-Key was already used with a different body.", "idempotency_key_reused",
          "This Idempotency-Key was already used with a different request body.", {}),
    429: ("Too many requests (per API key; self-registration per client address); see Retry-After.", "throttled",
          "Request was throttled. Expected available in 3599 seconds.", {}),
}


def errors(*statuses: int) -> dict:
    responses = {}
    for status in statuses:
        description, code, message, fields = ERRORS[status]
        responses[status] = OpenApiResponse(
            ErrorSerializer, description=description,
            examples=[OpenApiExample(code, value=error_body(status, message, fields, code), response_only=True,
                                     status_codes=[str(status)])],
        )
    return responses

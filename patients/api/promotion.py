"""`POST /api/v1/patients/{id}/promote`: turn a lead into an active patient through `promote_lead`.

The body carries the fields the lead still lacks, in the v1 shape (firstName, lastName, dateOfBirth,
phone, email, gender, hcCard, ...), plus `confirmDuplicates`. The answer is the promoted patient as
the v1 API shows a patient, or the v1 error shape with `missing` (400) or `matches` (409) added.
"""

from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.response import Response

from organizations.scoping import get_for_organization_or_404
from patients.access_log import AccessAction, record_access, record_accesses
from patients.api import patient_docs as docs
from patients.api.errors import NON_FIELD, ErrorSerializer, FieldErrors, error_body, rename_errors
from patients.api.patient_serializers import DOMAIN_TO_CONTRACT, PatientSerializer, PatientWriteSerializer
from patients.api.patients import PatientsApiView
from patients.errors import LeadIncompleteError, PossibleDuplicatesError
from patients.models import Patient
from patients.services import promote_lead

CONFIRM = "confirmDuplicates"


def contract_name(field: str) -> str:
    return DOMAIN_TO_CONTRACT.get(field, field)


def read_promotion_body(data) -> tuple[dict, bool]:
    """(fields for promote_lead under domain names, confirm_duplicates) from the request body."""
    if not isinstance(data, dict):
        raise FieldErrors({NON_FIELD: [_("Send the fields as a JSON object.")]})
    body = dict(data)
    confirm = body.pop(CONFIRM, False)
    if not isinstance(confirm, bool):
        raise FieldErrors({CONFIRM: [_("Send true or false.")]})
    fields = PatientWriteSerializer(data=body)
    fields.is_valid(raise_exception=True)
    return dict(fields.validated_data), confirm


def duplicate_json(match) -> dict:
    patient = match.patient
    return {
        "id": str(patient.id),
        "patientNo": patient.patient_number,
        "firstName": patient.given_name,
        "lastName": patient.family_name,
        "dateOfBirth": patient.date_of_birth.isoformat() if patient.date_of_birth else None,
        "reasons": list(match.reasons),
    }


class DuplicateMatchSerializer(serializers.Serializer):
    """One active patient who may be the same person (`duplicate_json`), for the schema."""

    id = serializers.UUIDField()
    patientNo = serializers.IntegerField(allow_null=True)
    firstName = serializers.CharField()
    lastName = serializers.CharField()
    dateOfBirth = serializers.DateField(allow_null=True)
    reasons = serializers.ListField(child=serializers.CharField(), help_text='e.g. "same phone"')


class PromotionSerializer(PatientWriteSerializer):
    """For the schema: every field optional; only what the lead lacks (or should change) is needed."""

    confirmDuplicates = serializers.BooleanField(
        required=False, help_text="true: promote even though active patients may be the same person.")

    def get_fields(self):
        fields = super().get_fields()
        for field in fields.values():
            field.required = False
        return fields


class PromoteLeadView(PatientsApiView):
    @extend_schema(
        operation_id="promoteLead",
        summary="Promote a lead to an active patient",
        description=(
            "Fills in what the lead lacks and makes it an active patient with the organization's next patient "
            "number, with the same rules as creating a patient. A full patient needs a first and last name, a "
            "real date of birth, a gender, a valid phone, and what the organization's registration policy "
            "requires (e.g. email, province, health card: \"Required by this clinic.\"). "
            "Refused with `400` and `missing` (the fields still needed), `409` `not_a_lead`, or `409` "
            "`possible_duplicates` with `matches` (each active patient who may be the same person, and why); "
            "send `confirmDuplicates: true` to promote anyway. Another organization's patient is a `404`."
        ),
        request=PromotionSerializer,
        parameters=[docs.ORGANIZATION_PARAMETER, docs.PATIENT_ID_PARAMETER],
        responses={
            200: PatientSerializer,
            400: OpenApiResponse(inline_serializer("LeadIncomplete", {
                **ErrorSerializer().get_fields(),
                "missing": serializers.ListField(child=serializers.CharField(), required=False),
            }), description="Invalid fields, or the lead still misses what a full patient needs (`missing`)"),
            **docs.errors(401, 403, 404, 429),
            409: OpenApiResponse(inline_serializer("PromotionConflict", {
                **ErrorSerializer().get_fields(),
                "matches": DuplicateMatchSerializer(many=True, required=False),
            }), description="Not a lead, possible duplicates (`matches`), or an email/health card already used"),
        },
        examples=[
            OpenApiExample("Fill in the missing fields", request_only=True,
                           value={"dateOfBirth": "1980-05-06", "phone": "+971 56 123 1231"}),
            OpenApiExample("Missing fields", response_only=True, status_codes=["400"], value={
                **error_body(400, "The lead is missing details a full patient needs: date_of_birth, phone",
                             {"dateOfBirth": ["This is needed to complete the registration."],
                              "phone": ["This is needed to complete the registration."]}, "lead_incomplete"),
                "missing": ["dateOfBirth", "phone"],
            }),
            OpenApiExample("Possible duplicates", response_only=True, status_codes=["409"], value={
                **error_body(409, "Possible duplicates found; confirm that this is a new patient.",
                             {"nonFieldErrors": ["This may be a patient who is already registered."]},
                             "possible_duplicates"),
                "matches": [{"id": "3f0b2a9e-8c1d-4e5f-9a7b-6c5d4e3f2a1b", "patientNo": 1042, "firstName": "Omar",
                             "lastName": "Haddad", "dateOfBirth": "1980-05-06", "reasons": ["same phone"]}],
            }),
        ],
        tags=["patients"],
    )
    def post(self, request, patient_id):
        lead = get_for_organization_or_404(Patient.objects.all(), self.organization, pk=patient_id)
        lead.organization = self.organization  # found within it: no need to load it again
        fields, confirm = read_promotion_body(request.data)
        try:
            patient = promote_lead(lead, by=self.actor, confirm_duplicates=confirm, **fields)
        except LeadIncompleteError as exc:
            body = error_body(400, exc.message, rename_errors(exc.errors, DOMAIN_TO_CONTRACT), "lead_incomplete")
            body["missing"] = list(dict.fromkeys(contract_name(f) for f in exc.missing))
            return Response(body, status=400)
        except PossibleDuplicatesError as exc:
            body = error_body(409, exc.message, rename_errors(exc.errors, DOMAIN_TO_CONTRACT), "possible_duplicates")
            body["matches"] = [duplicate_json(m) for m in exc.matches]
            record_accesses(actor=self.actor, patients=[m.patient for m in exc.matches], action=AccessAction.SEARCH,
                            request=request)
            return Response(body, status=409)
        record_access(actor=self.actor, patient=patient, action=AccessAction.CHANGE, request=request)
        return Response(self.represent(patient))

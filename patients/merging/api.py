"""The v1 API doors: POST /api/v1/patients/{id}/merge, /unmerge, /archive and /restore.

Thin adapters over patients/merging/services.py and archiving.py: they read the body in the
contract's names, find both records in the caller's organization (404 otherwise) and answer the
v1 patient shape, or the v1 error shape with `code` naming a refusal.
"""

from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.response import Response

from organizations.scoping import get_for_organization_or_404
from patients.api import patient_docs as docs
from patients.api.errors import NON_FIELD, ErrorSerializer, FieldErrors, error_body
from patients.api.patient_serializers import DOMAIN_TO_CONTRACT, PatientSerializer
from patients.api.patients import PatientsApiView
from patients.api.strict import StrictSerializer
from patients.merging.archiving import archive_patient, restore_patient
from patients.merging.fields import CHOOSABLE, MERGED, SURVIVOR
from patients.merging.services import merge_patients, unmerge_patient
from patients.models import Patient

KEEP_NAMES = {field: {"preferred_name": "preferredName"}.get(field, DOMAIN_TO_CONTRACT.get(field, field))
              for field in CHOOSABLE}
KEEP_FIELDS = {contract: field for field, contract in KEEP_NAMES.items()}


def contract_keep(fields) -> list[str]:
    return [KEEP_NAMES.get(f, f) for f in fields]


class MergeSerializer(StrictSerializer):
    into = serializers.UUIDField(help_text="The `id` of the record that survives (same organization).")
    keep = serializers.DictField(
        child=serializers.ChoiceField(choices=[MERGED, SURVIVOR]), required=False,
        help_text="Per field where the two differ, whose value the survivor keeps: `merged` or `survivor`. "
                  f"Fields: {', '.join(KEEP_FIELDS)}. Left out, the merged record's value only fills a field "
                  "the survivor lacks. Two different health cards of one province must be chosen (`hcCard`).",
    )
    reason = serializers.CharField(required=False, allow_blank=True, max_length=500)


class ReasonSerializer(StrictSerializer):
    reason = serializers.CharField(required=False, allow_blank=True, max_length=500)


def _read(serializer_class, data) -> dict:
    if data is None or data == "":
        data = {}
    if not isinstance(data, dict):
        raise FieldErrors({NON_FIELD: ["Send a JSON object."]})
    serializer = serializer_class(data=data)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


def _keep(keep: dict) -> dict:
    unknown = [k for k in keep if k not in KEEP_FIELDS]
    if unknown:
        raise FieldErrors({f"keep.{k}": [f"Not a field a merge chooses; use: {', '.join(KEEP_FIELDS)}."]
                           for k in unknown})
    return {KEEP_FIELDS[k]: v for k, v in keep.items()}


def _refusal(code, message, field=NON_FIELD, status=409):
    return OpenApiExample(code, response_only=True, status_codes=[str(status)],
                          value=error_body(status, message, {field: [message]}, code))


MERGE_CONFLICTS = OpenApiResponse(ErrorSerializer, description=(
    "Refused, `code` naming why: `already_merged`, `would_make_chain` (the survivor is itself merged, or "
    "records were merged into this one), `health_card_conflict` (two different cards of one province: choose "
    "with `keep.hcCard`), `survivor_is_lead`, `survivor_archived`, `same_record`, or `conflict` (an email, EMR "
    "id or health card now used by another patient)."), examples=[
    _refusal("already_merged", "Omar Hadad (lead) was already merged into another record.", "status"),
    _refusal("would_make_chain", "Omar Haddad #1042 was itself merged into another record: merge into that "
                                 "record instead.", "into"),
    _refusal("health_card_conflict", "Both records have a different ON health card: choose which one the "
                                     'patient keeps (keep "health_card").', "hcCard"),
])


class MergingApiView(PatientsApiView):
    contract_field_names = {**DOMAIN_TO_CONTRACT, **{f"keep.{f}": f"keep.{c}" for f, c in KEEP_NAMES.items()},
                            "health_card": "hcCard"}

    def patient(self, patient_id) -> Patient:
        return get_for_organization_or_404(Patient.objects.all(), self.organization, pk=patient_id)


class MergeView(MergingApiView):
    @extend_schema(
        operation_id="mergePatient",
        summary="Merge this record into another (same person)",
        description=(
            "Closes this record (a lead or a patient) as `merged` into `into`, which survives. Nothing is "
            "deleted: this record stays readable with `status: merged` and `mergedInto`, keeps its patient "
            "number (never reused; a search by it finds the survivor), and can be restored with `/unmerge`. "
            "The survivor gains this record's providers and groups, its verifications where it takes the "
            "verified address, its health card as chosen; this record's sign-in tokens are revoked and its "
            "password is not carried over. A patient cannot be merged into a lead. Answers the survivor."
        ),
        request=MergeSerializer,
        parameters=[docs.ORGANIZATION_PARAMETER, docs.PATIENT_ID_PARAMETER],
        responses={200: PatientSerializer, **docs.errors(400, 401, 403, 404), 409: MERGE_CONFLICTS},
        examples=[OpenApiExample("Attach a lead to a patient", request_only=True, value={
            "into": "3f0b2a9e-8c1d-4e5f-9a7b-6c5d4e3f2a1b", "keep": {"phone": "merged", "lastName": "survivor"},
            "reason": "The caller of the web form is our patient #1042."})],
        tags=["patients"],
    )
    def post(self, request, patient_id):
        merged = self.patient(patient_id)
        body = _read(MergeSerializer, request.data)
        keep = _keep(body.get("keep") or {})
        survivor = self.patient(body["into"])
        record = merge_patients(merged=merged, survivor=survivor, keep=keep, reason=body.get("reason", ""),
                                actor=self.actor, request=request)
        return Response(self.represent(record.survivor))


class UnmergeView(MergingApiView):
    @extend_schema(
        operation_id="unmergePatient",
        summary="Undo the merge of this record",
        description=(
            "Puts this record and its survivor back as they were before the merge. Fields the merge did not "
            "set keep any later change; a field the merge set that someone changed since keeps the later value "
            "and is listed in `keptLaterEdits`. Providers and groups go back; revoked tokens stay revoked."
        ),
        request=ReasonSerializer,
        parameters=[docs.ORGANIZATION_PARAMETER, docs.PATIENT_ID_PARAMETER],
        responses={
            200: inline_serializer("Unmerged", {
                "patient": PatientSerializer(help_text="This record, no longer merged."),
                "survivor": PatientSerializer(help_text="The record it had been merged into."),
                "keptLaterEdits": serializers.ListField(child=serializers.CharField()),
            }),
            **docs.errors(401, 403, 404),
            409: OpenApiResponse(ErrorSerializer, description="`not_merged`, or `conflict` (an email or EMR id "
                                                              "taken since by another patient)",
                                 examples=[_refusal("not_merged", "Omar Hadad (lead) is not merged into another "
                                                                  "record.", "status")]),
        },
        tags=["patients"],
    )
    def post(self, request, patient_id):
        merged = self.patient(patient_id)
        body = _read(ReasonSerializer, request.data)
        record = unmerge_patient(merged, actor=self.actor, reason=body.get("reason", ""), request=request)
        return Response({
            "patient": self.represent(record.merged),
            "survivor": self.represent(record.survivor),
            "keptLaterEdits": contract_keep(record.kept_later_edits),
        })


class ArchiveView(MergingApiView):
    service = staticmethod(archive_patient)

    @extend_schema(
        operation_id="archivePatient",
        summary="Archive a patient",
        description="The record is kept, hidden from searches (unless `status=archived`) and cannot sign in. "
                    "`409` `already_archived`, or `merged` for a merged record.",
        request=ReasonSerializer,
        parameters=[docs.ORGANIZATION_PARAMETER, docs.PATIENT_ID_PARAMETER],
        responses={200: PatientSerializer, **docs.errors(401, 403, 404),
                   409: OpenApiResponse(ErrorSerializer, description="Already archived, or merged")},
        tags=["patients"],
    )
    def post(self, request, patient_id):
        patient = self.patient(patient_id)
        body = _read(ReasonSerializer, request.data)
        changed = self.service(patient, actor=self.actor, reason=body.get("reason", ""), request=request)
        return Response(self.represent(changed))


class RestoreView(ArchiveView):
    service = staticmethod(restore_patient)

    @extend_schema(
        operation_id="restorePatient",
        summary="Restore an archived patient",
        description="An archived record becomes a patient again (a lead if it never had a number). "
                    "`409` `not_archived`.",
        request=ReasonSerializer,
        parameters=[docs.ORGANIZATION_PARAMETER, docs.PATIENT_ID_PARAMETER],
        responses={200: PatientSerializer, **docs.errors(401, 403, 404),
                   409: OpenApiResponse(ErrorSerializer, description="Not archived")},
        tags=["patients"],
    )
    def post(self, request, patient_id):
        return super().post(request, patient_id)

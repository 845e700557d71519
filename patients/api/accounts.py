"""Patient accounts and contact verification over the v1 API.

- `POST /api/v1/patients/sign-in`, `POST /api/v1/patients/sign-out`
- `GET`/`PATCH /api/v1/me`: the signed-in patient's own contact details
- `POST /api/v1/patients/{id}/verifications/{channel}` (send a code) and `.../confirm`

Who may do what: a patient token reaches only its own patient (sign-out, /me, send and confirm
its own codes). An organization's API keys and staff sessions may send a code to any of the
organization's patients; staff may also confirm a code the patient reads out to them (as the front
desk's "Enter code" does), API keys may not. Anything else: 401, 403, or 404 for a patient out of reach.
Thin adapters over patients/accounts.py and patients/verification.py; errors in the v1 error shape.
"""

import uuid

from django.contrib.auth.models import AnonymousUser
from django.http import Http404
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_field
from rest_framework import exceptions, serializers, status
from rest_framework.authentication import SessionAuthentication
from rest_framework.permissions import AllowAny, BasePermission
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from organizations.authentication import ApiKeyAuthentication
from organizations.resolution import resolve_caller
from patients import accounts, verification
from patients.access_log import AccessAction, record_access
from patients.actors import Actor
from patients.api.authentication import PatientTokenAuthentication, signed_in_patient
from patients.api.errors import ErrorSerializer, error_body, rename_errors
from patients.api.patient_serializers import (
    EmailOrEmptyField,
    ProvinceOrEmptyField,
    VerificationStatusesSerializer,
)
from patients.api.strict import StrictJSONParser, StrictSerializer, refuse_wrong_json_types
from patients.api.throttling import AccountThrottle
from patients.cleaning import TEXT_FIELDS
from patients.errors import PatientRuleError, SignInError, TooManyRequestsError
from patients.models import Channel, Patient, Verification
from patients.services import update_patient

ME_FIELDS = {
    "email": "email",
    "phone": "phone",
    "preferredName": "preferred_name",
    "province": "province",
    "acceptsMarketing": "accepts_marketing",
}
CONTRACT_FIELD_NAMES = {domain: name for name, domain in ME_FIELDS.items()} | {
    "username": "email", "local_phone": "phone", "calling_code": "phone",
}


def _errors(*statuses):
    return {code: OpenApiResponse(ErrorSerializer) for code in statuses}


class AccountView(APIView):
    parser_classes = [StrictJSONParser]
    renderer_classes = [JSONRenderer]
    throttle_classes = [AccountThrottle]
    contract_field_names = CONTRACT_FIELD_NAMES

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        if signed_in_patient(request) is not None:
            # DRF copies request.user onto the Django request, where django-simple-history reads
            # it as the staff user behind a change: a patient is not one.
            request._request.user = AnonymousUser()

    def handle_exception(self, exc):
        # Two refusals the shared handler would call "invalid": give them their own code and headers.
        if isinstance(exc, TooManyRequestsError):
            body = error_body(429, exc.message, rename_errors(exc.errors, self.contract_field_names), "throttled")
            headers = {"Retry-After": str(exc.retry_after)} if exc.retry_after else None
            return Response(body, status=429, headers=headers)
        if isinstance(exc, SignInError):
            body = error_body(401, exc.message, rename_errors(exc.errors, None), "invalid_credentials")
            return Response(body, status=401, headers={"WWW-Authenticate": 'Bearer realm="patients"'})
        return super().handle_exception(exc)

    def body(self, request) -> dict:
        if not isinstance(request.data, dict):
            raise exceptions.ParseError(_("Send a JSON object."))
        return request.data


class IsSignedInPatient(BasePermission):
    message = gettext_lazy("Sign in as a patient: send 'Authorization: Bearer <patient token>'.")

    def has_permission(self, request, view):
        return signed_in_patient(request) is not None


# --- sign-in, sign-out ----------------------------------------------------------------------------

class SignIn(StrictSerializer):
    username = serializers.CharField(max_length=400, help_text="`email#organization-slug`, e.g. ana@example.com#maple")
    password = serializers.CharField(max_length=4096, trim_whitespace=False, style={"input_type": "password"})


class SignInAnswer(serializers.Serializer):
    token = serializers.CharField(help_text="Send as `Authorization: Bearer <token>`. Shown once.")
    tokenType = serializers.CharField(default="Bearer")
    expiresAt = serializers.DateTimeField()
    patientId = serializers.UUIDField()


class SignInView(AccountView):
    contract_field_names: dict = {}  # its username is the patient's username, not the email
    authentication_classes: list = []
    permission_classes = [AllowAny]
    throttle_scope = "sign_in"

    @extend_schema(
        operation_id="signIn", tags=["Patient accounts"], request=SignIn,
        responses={200: SignInAnswer, **_errors(400, 401, 429)},
        summary="Sign in as a patient",
        description="Answers a patient token valid for 12 hours. Every refusal (unknown username, wrong or "
                    "unset password, account locked for 15 minutes after 10 failures in a row) is the same 401.",
    )
    def post(self, request):
        form = SignIn(data=self.body(request))
        form.is_valid(raise_exception=True)
        token, raw = accounts.sign_in(form.validated_data["username"], form.validated_data["password"])
        return Response({
            "token": raw, "tokenType": "Bearer", "expiresAt": token.expires_at, "patientId": str(token.patient_id),
        })


class SignOutView(AccountView):
    authentication_classes = [PatientTokenAuthentication]
    permission_classes = [IsSignedInPatient]
    throttle_scope = "sign_in"

    @extend_schema(
        operation_id="signOut", tags=["Patient accounts"], request=None,
        responses={204: None, **_errors(401, 403, 429)}, summary="Revoke the patient token sent with this request",
    )
    def post(self, request):
        accounts.sign_out(request.auth)
        return Response(status=status.HTTP_204_NO_CONTENT)


# --- the patient's own details --------------------------------------------------------------------

class MeSerializer(serializers.Serializer):
    """The signed-in patient's own details, as /me answers them (and the fields PATCH may send)."""

    id = serializers.UUIDField(read_only=True)
    username = serializers.CharField(read_only=True, help_text="`email#organization-slug`; follows the email.")
    firstName = serializers.CharField(source="given_name", read_only=True)
    lastName = serializers.CharField(source="family_name", read_only=True)
    preferredName = serializers.CharField(source="preferred_name", required=False, allow_blank=True,
                                          max_length=TEXT_FIELDS["preferred_name"])
    email = EmailOrEmptyField(required=False, allow_blank=True, help_text="Changing it resets its verification.")
    phone = serializers.CharField(required=False, allow_blank=True, max_length=250,
                                  help_text="E.164 in answers; changing it resets its verification.")
    province = ProvinceOrEmptyField(required=False, allow_blank=True)
    acceptsMarketing = serializers.BooleanField(source="accepts_marketing", required=False)
    verifications = serializers.SerializerMethodField(help_text='{"email": "verified", "phone": "unverified"}')

    @extend_schema_field(VerificationStatusesSerializer)
    def get_verifications(self, patient):
        return verification.status_by_channel(patient)


class MeView(AccountView):
    authentication_classes = [PatientTokenAuthentication]
    permission_classes = [IsSignedInPatient]
    throttle_scope = "verification"

    @extend_schema(
        operation_id="getMe", tags=["Patient accounts"], responses={200: MeSerializer, **_errors(401, 403, 429)},
        summary="The signed-in patient's contact details",
    )
    def get(self, request):
        patient = self.own_record(request.auth.patient)
        record_access(actor=self.me(patient), patient=patient, action=AccessAction.VIEW, request=request)
        return Response(MeSerializer(patient).data)

    @extend_schema(
        operation_id="updateMe", tags=["Patient accounts"], request=MeSerializer,
        responses={200: MeSerializer, **_errors(400, 401, 403, 409, 429)},
        summary="Change the signed-in patient's contact details",
        description=f"Only {', '.join(ME_FIELDS)} can be changed. A new email or phone resets that "
                    "channel to unverified; a new email also changes the username.",
    )
    def patch(self, request):
        data = self.body(request)
        refused = {key: [_("This field cannot be changed here.")] for key in data if key not in ME_FIELDS}
        if refused:
            raise PatientRuleError(refused)
        refuse_wrong_json_types(MeSerializer().fields, data)
        patient = request.auth.patient
        changes = {ME_FIELDS[key]: value for key, value in data.items()}
        update_patient(patient, changes, actor=self.me(patient))
        record_access(actor=self.me(patient), patient=patient, action=AccessAction.CHANGE, request=request)
        return Response(MeSerializer(self.own_record(patient)).data)

    @staticmethod
    def me(patient) -> Actor:
        return Actor(channel=Channel.PATIENT, patient=patient)

    @staticmethod
    def own_record(patient) -> Patient:
        """The signed-in patient's row as stored now, with its verifications."""
        rows = Patient.objects.for_organization(patient.organization_id).prefetch_related("verifications")
        return rows.get(pk=patient.pk)


# --- verification ---------------------------------------------------------------------------------

class VerificationAnswer(serializers.Serializer):
    channel = serializers.ChoiceField(choices=Verification.ChannelName.choices)
    status = serializers.ChoiceField(choices=Verification.Status.choices)
    destination = serializers.CharField(help_text="The email address or phone number the code went to.")
    method = serializers.CharField(allow_null=True, help_text="code, in_person or external once verified.")
    verifiedAt = serializers.DateTimeField(allow_null=True)
    codeExpiresAt = serializers.DateTimeField(allow_null=True)
    resendAfter = serializers.IntegerField(required=False, help_text="Seconds before another code may be sent.")


def render_verification(row: Verification) -> dict:
    verified = row.status == Verification.Status.VERIFIED
    answer = {
        "channel": row.channel,
        "status": row.status,
        "destination": row.destination,
        "method": row.method if verified else None,
        "verifiedAt": row.verified_at if verified else None,
        "codeExpiresAt": row.code_expires_at if row.code_hash else None,
    }
    if hasattr(row, "resend_after"):
        answer["resendAfter"] = row.resend_after
    return answer


PATH_PARAMETERS = [
    OpenApiParameter("patient_id", OpenApiTypes.UUID, OpenApiParameter.PATH, description="The patient's `id`."),
    OpenApiParameter("channel", OpenApiTypes.STR, OpenApiParameter.PATH, enum=list(verification.CHANNELS),
                     description="email or phone."),
]


class VerificationView(AccountView):
    authentication_classes = [ApiKeyAuthentication, PatientTokenAuthentication, SessionAuthentication]
    throttle_scope = "verification"

    def reach(self, request, patient_id, channel) -> tuple[Patient, Actor]:
        """The patient this caller may act on (else 401, 403 or 404), and the caller as an Actor."""
        patient = signed_in_patient(request)
        if patient is not None:
            candidates = Patient.objects.for_organization(patient.organization_id).filter(pk=patient.pk)
            actor = Actor(channel=Channel.PATIENT, patient=patient)
        else:
            # An API key, or a staff session (its chosen organization, or X-Organization-ID).
            caller = resolve_caller(request)
            candidates = Patient.objects.for_organization(caller.organization)
            if caller.api_key is not None:
                actor = Actor.for_api_key(caller.api_key)
            else:
                actor = Actor.for_user(caller.user, Channel.API)
        if channel not in verification.CHANNELS:
            raise Http404(_("Unknown channel: use email or phone."))
        try:
            found = candidates.select_related("organization").get(pk=uuid.UUID(str(patient_id)))
        except (ValueError, Patient.DoesNotExist) as exc:
            raise Http404(_("Not found.")) from exc
        return found, actor


class StartVerificationView(VerificationView):
    @extend_schema(
        operation_id="startVerification", tags=["Contact verification"], request=None, parameters=PATH_PARAMETERS,
        responses={202: VerificationAnswer, **_errors(400, 401, 403, 404, 409, 429)},
        summary="Send a one-time code to the patient's email address or phone number",
        description="Channel `email` or `phone`. The code (6 digits, valid 10 minutes) is delivered in the "
                    "background. One code a minute and 10 a day per channel (429 with Retry-After). Allowed "
                    "for the patient themself (patient token), the organization's API keys and staff.",
    )
    def post(self, request, patient_id, channel):
        patient, actor = self.reach(request, patient_id, channel)
        row = verification.start_verification(patient, channel, actor=actor)
        # The answer names the patient's email or phone: a `change` in the access log.
        record_access(actor=actor, patient=patient, action=AccessAction.CHANGE, request=request)
        return Response(render_verification(row), status=status.HTTP_202_ACCEPTED)


class VerificationCode(StrictSerializer):
    code = serializers.CharField(max_length=20, help_text="The 6-digit code.")


class ConfirmVerificationView(VerificationView):
    @extend_schema(
        operation_id="confirmVerification", tags=["Contact verification"], request=VerificationCode,
        parameters=PATH_PARAMETERS,
        responses={200: VerificationAnswer, **_errors(400, 401, 403, 404, 409, 429)},
        summary="Confirm the one-time code: the channel becomes verified",
        description="Allowed for the patient themself and for staff (a code the patient reads out); not for API "
                    "keys. A wrong code counts against 5 tries, after which the code no longer works.",
    )
    def post(self, request, patient_id, channel):
        patient, actor = self.reach(request, patient_id, channel)
        if actor.api_key is not None:
            raise exceptions.PermissionDenied(
                "An API key can send a code but not confirm it: the patient confirms it, signed in, or the "
                "front desk enters it."
            )
        form = VerificationCode(data=self.body(request))
        form.is_valid(raise_exception=True)
        row = verification.confirm_verification(patient, channel, form.validated_data["code"], actor=actor)
        record_access(actor=actor, patient=patient, action=AccessAction.CHANGE, request=request)
        return Response(render_verification(row))


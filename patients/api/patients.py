"""The "Create a Patient" contract: POST/GET /api/v1/patients, GET/PATCH /api/v1/patients/{id}.

Thin adapters: who is calling and for which organization (organizations/resolution.py), the
contract's field names (patient_serializers.py), and the registration services, which decide.
"""

from django.urls import reverse
from django.utils.translation import gettext as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.utils import extend_schema
from rest_framework.generics import GenericAPIView
from rest_framework.pagination import PageNumberPagination
from rest_framework.response import Response

from config.replica import read_database
from organizations.resolution import resolve_caller
from organizations.scoping import get_for_organization_or_404
from patients.access_log import AccessAction, record_access, record_accesses
from patients.actors import Actor
from patients.api import patient_docs as docs
from patients.api.errors import FieldErrors
from patients.api.idempotency import run_idempotently
from patients.api.patient_serializers import (
    DOMAIN_TO_CONTRACT,
    PatientListItemSerializer,
    PatientSerializer,
    PatientWriteSerializer,
)
from patients.api.throttling import ApiKeyThrottle, SelfRegistrationThrottle
from patients.models import Channel, Patient
from patients.pagination import EstimatedCountPaginator, PageReading
from patients.selectors import (
    date_readings,
    load_link_summaries,
    page_reading,
    search_patients,
    summary_of_registration,
)
from patients.services import register_patient, update_patient


class ApiKeyScheme(OpenApiAuthenticationExtension):
    target_class = "organizations.authentication.ApiKeyAuthentication"
    name = "apiKey"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "An organization's API key (`pik_...`), from `manage.py create_api_key` or the admin.",
        }


class PatientsSchema(AutoSchema):
    def get_auth(self):
        auths = super().get_auth()
        if self.method in getattr(self.view, "self_registration_methods", ()):
            auths.append({})  # patient self-registration needs no credentials
        return auths


class SearchCountPaginator(EstimatedCountPaginator):
    # A search answers in a few milliseconds; counting 10,000 matches exactly would cost more than that.
    exact_below = 1_000


class PatientPagination(PageNumberPagination):
    """`count` is exact up to 1,000 matches and PostgreSQL's estimate beyond (`countIsEstimate`)."""

    page_size = 25
    page_size_query_param = "pageSize"
    max_page_size = 100

    reading = PageReading.ROWS  # set by the view for its search (selectors.page_reading)

    def django_paginator_class(self, queryset, page_size):
        return SearchCountPaginator(queryset, page_size, reading=self.reading)

    def get_paginated_response(self, data):
        response = super().get_paginated_response(data)
        response.data["countIsEstimate"] = self.page.paginator.is_estimate
        return response

    def get_paginated_response_schema(self, schema):
        schema = super().get_paginated_response_schema(schema)
        schema["properties"]["countIsEstimate"] = {
            "type": "boolean",
            "description": "true when `count` is PostgreSQL's estimate (more than 1,000 matches).",
        }
        schema["properties"]["searchedDatesOfBirth"] = {
            "type": "array", "items": {"type": "string", "format": "date"},
            "description": "The dates of birth `q` was read as (empty when it is not a date). Two when day and "
                           "month can swap: `03/04/1984` searches both 1984-04-03 and 1984-03-04.",
        }
        return schema


class PatientsApiView(GenericAPIView):
    contract_field_names = DOMAIN_TO_CONTRACT  # error keys: domain names -> contract names
    serializer_class = PatientSerializer
    throttle_classes = [SelfRegistrationThrottle, ApiKeyThrottle]
    schema = PatientsSchema()
    self_registration_methods: tuple[str, ...] = ()

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        self.caller = resolve_caller(
            request, allow_self_registration=request.method in self.self_registration_methods
        )

    @property
    def organization(self):
        return self.caller.organization

    @property
    def actor(self) -> Actor:
        if self.caller.api_key is not None:
            return Actor.for_api_key(self.caller.api_key)
        if self.caller.user is not None:
            return Actor.for_user(self.caller.user, channel=Channel.API)
        return Actor(channel=Channel.SELF_REGISTRATION)

    def patients(self):
        return (
            Patient.objects.for_organization(self.organization)
            .select_related("health_card")
            .prefetch_related("providers", "groups", "verifications")
        )

    def read_body(self) -> dict:
        """The request body with domain field names (the services check the values)."""
        serializer = PatientWriteSerializer(data=self.request.data)
        serializer.is_valid(raise_exception=True)
        return serializer.validated_data

    def represent(self, patient, *, just_created=False) -> dict:
        """The answer for `patient`. A patient register_patient just created already carries its
        health card, links and verifications; anything else is read back as stored."""
        if just_created:
            patient.link_summary = summary_of_registration(patient)
            return PatientSerializer(patient).data
        stored = self.patients().get(pk=patient.pk)
        stored.health_card_warnings = getattr(patient, "health_card_warnings", [])
        return PatientSerializer(stored).data


class PatientListView(PatientsApiView):
    pagination_class = PatientPagination
    self_registration_methods = ("POST",)

    @extend_schema(
        operation_id="listPatients",
        summary="Search patients",
        description="The organization's patients, newest first. `q` matches a name (partial, accent- and "
                    "case-insensitive), a phone number in any format, an email, a date of birth (`1984-03-15`, "
                    "`15 Mar 1984`, `15 mars 1984`, `15/03/1984`, `15031984`: a day and month that can swap "
                    "search both readings, listed in `searchedDatesOfBirth`), "
                    "a patient number or a health card number. Minimum necessary: a result's health card "
                    "shows only `numberLast4`; the full `number` is in one patient's answer. Every patient "
                    "listed is recorded in the organization's access log.",
        parameters=[docs.ORGANIZATION_PARAMETER, *docs.LIST_PARAMETERS],
        responses={200: PatientListItemSerializer(many=True), **docs.errors(400, 401, 403, 404, 429)},
        tags=["patients"],
    )
    def get(self, request):
        status = request.query_params.get("status") or None
        if status is not None and status not in Patient.Status.values:
            raise FieldErrors({"status": [_("Use one of: %(values)s.") % {"values": ", ".join(Patient.Status.values)}]})
        query = request.query_params.get("q", "")
        patients = search_patients(self.organization, query, status=status)
        database = read_database(request)
        self.paginator.reading = page_reading(query)
        page = self.paginate_queryset(patients.select_related("health_card").using(database))
        load_link_summaries(page, using=database)
        record_accesses(actor=self.actor, patients=page, action=AccessAction.SEARCH, request=request)
        response = self.get_paginated_response(PatientListItemSerializer(page, many=True).data)
        readings = date_readings(query)
        response.data["searchedDatesOfBirth"] = [d.isoformat() for d in readings.dates] if readings else []
        return response

    @extend_schema(
        operation_id="createPatient",
        summary="Create a Patient",
        description=docs.CREATE_DESCRIPTION,
        request=PatientWriteSerializer,
        parameters=[docs.ORGANIZATION_PARAMETER, docs.IDEMPOTENCY_PARAMETER],
        responses={201: PatientSerializer, **docs.errors(400, 401, 403, 409, 422, 429)},
        examples=docs.CREATE_EXAMPLES,
        tags=["patients"],
    )
    def post(self, request):
        data = self.read_body()

        def create():
            patient = register_patient(self.organization, data, actor=self.actor, with_account=True)
            location = reverse("api-v1-patient-detail", kwargs={"patient_id": patient.pk})
            return Response(self.represent(patient, just_created=True), status=201, headers={"Location": location})

        return run_idempotently(request, self.caller, create)


class PatientDetailView(PatientsApiView):
    @extend_schema(
        operation_id="getPatient",
        summary="Read a patient",
        parameters=[docs.ORGANIZATION_PARAMETER, docs.PATIENT_ID_PARAMETER],
        responses={200: PatientSerializer, **docs.errors(401, 403, 404, 429)},
        tags=["patients"],
    )
    def get(self, request, patient_id):
        patient = get_for_organization_or_404(self.patients(), self.organization, pk=patient_id)
        record_access(actor=self.actor, patient=patient, action=AccessAction.VIEW, request=request)
        return Response(PatientSerializer(patient).data)

    @extend_schema(
        operation_id="updatePatient",
        summary="Change some of a patient's fields",
        description="Send only the fields to change, with the same rules as creating. A new email or phone "
                    "number resets that channel's verification. `hcCard: null` removes the health card. "
                    + docs.POLICY_NOTE,
        request=PatientWriteSerializer,
        parameters=[docs.ORGANIZATION_PARAMETER, docs.PATIENT_ID_PARAMETER],
        responses={200: PatientSerializer, **docs.errors(400, 401, 403, 404, 409, 429)},
        examples=docs.UPDATE_EXAMPLES,
        tags=["patients"],
    )
    def patch(self, request, patient_id):
        patient = get_for_organization_or_404(Patient.objects.all(), self.organization, pk=patient_id)
        patient = update_patient(patient, self.read_body(), actor=self.actor)
        record_access(actor=self.actor, patient=patient, action=AccessAction.CHANGE, request=request)
        return Response(self.represent(patient))

"""The FHIR interactions on Patient: read, vread, search (GET and POST _search), create (and
conditional create), update, $match; and the CapabilityStatement. Each translates, then calls the
same services and selectors as every other door."""

from django.db import transaction
from django.http import HttpResponse, QueryDict
from django.urls import reverse
from django.utils.http import http_date

from config.replica import read_database
from organizations.scoping import get_for_organization_or_404
from patients.access_log import AccessAction, record_access, record_accesses
from patients.errors import PatientRuleError
from patients.fhir.bundles import bundle, page_of, patients_for_answer, resources_for, searchset
from patients.fhir.capability import capability_statement
from patients.fhir.conditional import lock_condition
from patients.fhir.details import load_shown
from patients.fhir.http import FhirView
from patients.fhir.identifiers import MATCH_GRADE_EXTENSION
from patients.fhir.mapping import incoming_patient, patient_resource, validated
from patients.fhir.matching import find_matches, read_parameters
from patients.fhir.outcome import FhirError
from patients.fhir.search import RESULT_PARAMETERS, parse_search
from patients.fhir.versions import current_version, health_card_as_of, historical_patient, written_version
from patients.models import Patient, health_card_of
from patients.services import missing_for_full_patient, promote_lead, register_patient, update_patient

FORM = "application/x-www-form-urlencoded"
DEFAULT_MATCHES = 10


def pairs_of(query) -> list[tuple[str, str]]:
    return [(key, value) for key, values in query.lists() for value in values]


def base_url(request) -> str:
    return request.build_absolute_uri(reverse("fhir-base"))


def version_headers(version) -> dict:
    headers = {"Last-Modified": http_date(version.last_updated.timestamp())}
    if version.version_id is not None:
        headers["ETag"] = f'W/"{version.version_id}"'
    return headers


def etag_value(header: str) -> str:
    """'W/"12"' or '"12"' or '12' -> '12'."""
    text = header.strip()
    if text.startswith("W/"):
        text = text[2:]
    return text.strip('"')


class MetadataView(FhirView):
    needs_caller = False
    authentication_classes = []
    throttle_classes = []

    def get(self, request):
        return self.respond(capability_statement(base_url(request)))


class PatientsView(FhirView):
    def patients(self):
        return Patient.objects.for_organization(self.organization)

    def one_patient(self, patient_id):
        patient = get_for_organization_or_404(patients_for_answer(self.patients()), self.organization, pk=patient_id)
        load_shown([patient], using=patient._state.db)
        return patient

    def log(self, patient, action):
        record_access(actor=self.actor, patient=patient, action=action, request=self.request)

    def log_page(self, patients):
        record_accesses(actor=self.actor, patients=patients, action=AccessAction.SEARCH, request=self.request)

    def resource(self, patient):
        """One record read alone (loaded by one_patient), validated."""
        return validated(resources_for([patient], self.organization, listed=False)[0])

    def search_answer(self, request, pairs):
        strict = "handling=strict" in request.headers.get("Prefer", "").replace(" ", "")
        search = parse_search(pairs, self.organization, strict=strict)
        rows, total, has_next = page_of(self.patients().filter(search.condition).using(read_database(request)),
                                        search)
        resources = resources_for(rows, self.organization)
        self.log_page(rows)
        return self.respond(searchset(request, search, rows, resources, total, has_next, base_url=base_url(request)))

    def answer_with(self, patient, status=200, *, created=False, action=AccessAction.CHANGE):
        """The answer to a write (or a conditional create's match): the patient as stored."""
        patient = patient if created else self.one_patient(patient.pk)
        self.log(patient, action)
        version = (written_version(patient) or current_version(patient)) if created else patient.shown.version
        headers = version_headers(version)
        if created:
            suffix = f"/_history/{version.version_id}" if version.version_id is not None else ""
            headers["Location"] = f"{base_url(self.request)}Patient/{patient.pk}{suffix}"
        if "return=minimal" in self.request.headers.get("Prefer", "").replace(" ", ""):
            return self.respond(None, status, headers)
        if created:
            # register_patient's answer carries its card and providers; this door states no verifications.
            patient.organization = self.organization
            resource = patient_resource(patient, version, health_card=health_card_of(patient),
                                        providers=list(patient.providers.all()), verifications={})
            return self.respond(resource, status, headers)
        return self.respond(self.resource(patient), status, headers)


class PatientTypeView(PatientsView):
    """GET Patient?params (search), POST Patient (create, conditional with If-None-Exist)."""

    def get(self, request):
        return self.search_answer(request, pairs_of(request.query_params))

    def post(self, request):
        incoming = incoming_patient(self.read_json(), self.organization)
        incoming.raise_problems()
        condition = self.condition()
        data = incoming.data
        as_lead = incoming.active is False or (
            incoming.active is not True and not (data.get("date_of_birth") and data.get("phone")))
        try:
            if condition is None:
                patient = register_patient(self.organization, data, actor=self.actor, as_lead=as_lead)
                return self.answer_with(patient, 201, created=True)
            with transaction.atomic():
                lock_condition(self.organization, condition.normalized)
                found = list(self.patients().filter(condition.condition).order_by("-created_at")[:2])
                if len(found) > 1:
                    raise FhirError(412, "More than one patient matches If-None-Exist.", code="multiple-matches")
                if found:
                    return self.answer_with(found[0], 200, action=AccessAction.VIEW)
                patient = register_patient(self.organization, data, actor=self.actor, as_lead=as_lead)
        except PatientRuleError as exc:
            raise incoming.rule_error(exc) from exc
        return self.answer_with(patient, 201, created=True)

    def condition(self):
        """The If-None-Exist search, or None. Search parameters on the POST's own query string
        (as some clients, e.g. fhirpy's get_or_create, send them) are read the same way."""
        header = self.request.headers.get("If-None-Exist")
        pairs = [(k, v) for k, v in pairs_of(self.request.query_params) if k not in RESULT_PARAMETERS]
        if header is not None:
            text = header.strip()
            text = text.split("?", 1)[1] if "?" in text else text
            header_pairs = pairs_of(QueryDict(text))
            if pairs and sorted(pairs) != sorted(header_pairs):
                raise FhirError(400, "Send the condition once: in If-None-Exist or in the query string.")
            pairs = header_pairs
        if header is None and not pairs:
            return None
        condition = parse_search(pairs, self.organization, strict=True)
        if condition.is_empty:
            raise FhirError(400, "If-None-Exist needs at least one search parameter.")
        return condition


class PatientSearchView(PatientsView):
    """POST Patient/_search: the parameters in a form body (and/or the query string)."""

    def post(self, request):
        content_type = (request.content_type or "").split(";")[0].strip().lower()
        body = request._request.body
        if body and content_type != FORM:
            raise FhirError(415, f"Send the search parameters as {FORM}.")
        pairs = pairs_of(request.query_params)
        try:
            pairs += pairs_of(QueryDict(body)) if body else []
        except UnicodeDecodeError as exc:
            raise FhirError(400, "The form body is not valid UTF-8.") from exc
        return self.search_answer(request, pairs)


class PatientInstanceView(PatientsView):
    """GET Patient/<id> (read), PUT Patient/<id> (update; If-Match W/"version")."""

    def get(self, request, patient_id):
        patient = self.one_patient(patient_id)
        version = patient.shown.version
        wanted = request.headers.get("If-None-Match")
        if wanted and version.version_id is not None and etag_value(wanted) == str(version.version_id):
            return HttpResponse(status=304, headers=version_headers(version))
        self.log(patient, AccessAction.VIEW)
        return self.respond(self.resource(patient), headers=version_headers(version))

    def put(self, request, patient_id):
        incoming = incoming_patient(self.read_json(), self.organization)
        if incoming.id != str(patient_id):
            raise FhirError(400, "The Patient's id must be the id in the URL.", expression="Patient.id")
        incoming.raise_problems()
        with transaction.atomic():
            patient = get_for_organization_or_404(Patient.objects.select_for_update(), self.organization,
                                                  pk=patient_id)
            patient.organization = self.organization
            self.check_version(patient)
            try:
                patient = self.apply(patient, incoming)
            except PatientRuleError as exc:
                raise incoming.rule_error(exc) from exc
        return self.answer_with(patient)

    def check_version(self, patient):
        wanted = self.request.headers.get("If-Match")
        if wanted is None:
            return
        version = current_version(patient)
        if str(version.version_id) != etag_value(wanted):
            raise FhirError(412, f"The patient has changed: its current version is {version.version_id}.",
                            code="conflict")

    def apply(self, patient, incoming):
        data = incoming.replacing()
        if patient.is_lead:
            completes = incoming.active is True or (
                incoming.active is None and not missing_for_full_patient(self.organization, data))
            if completes:
                # Duplicates are not refused here, as on create: $match and If-None-Exist find them.
                return promote_lead(patient, by=self.actor, confirm_duplicates=None, **data)
            return update_patient(patient, data, actor=self.actor)
        wants_active = patient.status == Patient.Status.ACTIVE
        if incoming.active is not None and incoming.active != wants_active:
            raise FhirError(422, "A patient cannot be archived or restored through FHIR; leave active as it is.",
                            code="business-rule", expression="Patient.active")
        return update_patient(patient, data, actor=self.actor)


class PatientVersionView(PatientsView):
    """GET Patient/<id>/_history/<version> (vread)."""

    def get(self, request, patient_id, version_id):
        patient = self.one_patient(patient_id)
        row = historical_patient(patient, version_id)
        if row is None:
            raise FhirError(404, f"Patient {patient_id} has no version {version_id}.")
        current = patient.shown.version
        self.log(patient, AccessAction.VIEW)
        if row.history_id == current.version_id:
            return self.respond(self.resource(patient), headers=version_headers(current))
        row.organization = self.organization
        version = type(current)(row.history_id, row.history_date)
        # Providers and verification statuses are not versioned: an old version shows neither.
        resource = patient_resource(row, version, health_card=health_card_as_of(patient, row.history_date))
        return self.respond(resource, headers=version_headers(version))


class PatientMatchView(PatientsView):
    """POST Patient/$match: the organization's patients our duplicate rules link to the one sent."""

    def post(self, request):
        sent, only_certain, count = read_parameters(self.read_json())
        incoming = incoming_patient(sent, self.organization)
        incoming.raise_problems()
        try:
            scored = find_matches(self.organization, incoming, actor=self.actor)
        except PatientRuleError as exc:
            raise incoming.rule_error(exc) from exc
        if only_certain:
            scored = [row for row in scored if row[2] == "certain"]
        scored = scored[: count or DEFAULT_MATCHES]
        loaded = {p.pk: p for p in patients_for_answer(self.patients().filter(pk__in=[p.pk for p, _, _ in scored]))}
        scored = [(loaded[p.pk], s, g) for p, s, g in scored if p.pk in loaded]
        patients = [p for p, _, _ in scored]
        load_shown(patients, using=self.patients().db)
        resources = resources_for(patients, self.organization)
        self.log_page(patients)
        base = base_url(request)
        return self.respond(bundle({"resourceType": "Bundle", "type": "searchset", "total": len(scored)}, [{
            "fullUrl": f"{base}Patient/{p.pk}", "resource": r,
            "search": {"mode": "match", "score": s, "extension": [{"url": MATCH_GRADE_EXTENSION, "valueCode": g}]},
        } for (p, s, g), r in zip(scored, resources, strict=True)]))

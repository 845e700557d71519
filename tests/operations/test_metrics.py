"""`/metrics` (Prometheus): behind a bearer token; request latency by route and status; the clinic
counters, counted in the services whichever door is used; the task queue's depth."""

import datetime

import pytest
from django.core import mail
from prometheus_client import REGISTRY

from patients.actors import Actor
from patients.errors import AlreadyMergedError, PossibleDuplicatesError
from patients.merging.services import merge_patients
from patients.models import Channel, Patient
from patients.services import promote_lead, register_patient
from patients.verification import confirm_verification, start_verification
from tests.api.patients_helpers import PATIENTS_URL, VALID_BODY, client_with_key
from tests.factories import LeadFactory, PatientFactory

TOKEN = "metrics-scrape-token-0123456789"


def sample(name, **labels) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


class Delta:
    """How much a counter moved while the block ran (counters are per process, shared by all tests)."""

    def __init__(self, name, **labels):
        self.name, self.labels = name, labels

    def __enter__(self):
        self.before = sample(self.name, **self.labels)
        return self

    def __exit__(self, *exc):
        self.value = sample(self.name, **self.labels) - self.before


@pytest.fixture
def scrape_token(settings):
    settings.METRICS_TOKEN = TOKEN
    return TOKEN


def scrape(client, token=TOKEN):
    return client.get("/metrics", HTTP_AUTHORIZATION=f"Bearer {token}")


def test_no_token_configured_means_no_endpoint(client, db, settings):
    settings.METRICS_TOKEN = ""

    assert scrape(client, "").status_code == 404
    assert scrape(client, "anything").status_code == 404


def test_a_missing_or_wrong_token_is_refused(client, db, scrape_token):
    assert client.get("/metrics").status_code == 401
    assert scrape(client, "wrong-token").status_code == 401
    assert client.get("/metrics", HTTP_AUTHORIZATION=TOKEN).status_code == 401  # no "Bearer"
    assert client.get("/metrics")["WWW-Authenticate"] == 'Bearer realm="metrics"'


def test_request_latency_by_route_and_status_never_by_path(api_key, client, scrape_token):
    api = client_with_key(api_key.raw)
    labels = {"method": "GET", "route": "api-v1-patient-detail", "status": "404"}
    with Delta("intake_http_request_duration_seconds_count", **labels) as requests:
        api.get(f"{PATIENTS_URL}/2b0f6d5e-0000-4000-8000-000000000001")
        api.get(f"{PATIENTS_URL}/2b0f6d5e-0000-4000-8000-000000000002")
    api.get(PATIENTS_URL, {"q": "Quillbottom"})

    text = scrape(client).content.decode()

    assert requests.value == 2
    assert 'route="api-v1-patient-detail",status="404"' in text
    assert "2b0f6d5e" not in text and "Quillbottom" not in text
    assert 'route="api-v1-patients",status="200"' in text


def test_registrations_by_door_and_kind(api_key, organization, member):
    with Delta("intake_registrations_total", door="api", kind="patient") as api_patients, \
         Delta("intake_registrations_total", door="api", kind="lead") as api_leads, \
         Delta("intake_registrations_total", door="intake", kind="lead") as desk_leads:
        client_with_key(api_key.raw).post(PATIENTS_URL, VALID_BODY, format="json")
        client_with_key(api_key.raw).post("/api/user/v1/patients/add", {
            "isLead": True, "fullName": "Incomplete patient", "preferredName": "", "callingCode": "+1",
            "localPhone": "", "email": None, "gender": "Male", "dateOfBirth": {"date": "1111-01-01"}}, format="json")
        register_patient(organization, {"full_name": "Marc Gagnon", "phone": "514 555 0142", "gender": "male"},
                         actor=Actor.for_user(member), as_lead=True)

    assert (api_patients.value, api_leads.value, desk_leads.value) == (1, 1, 1)


def test_refusals_by_reason(api_key):
    api = client_with_key(api_key.raw)
    api.post(PATIENTS_URL, VALID_BODY, format="json")
    with Delta("intake_refusals_total", action="register", reason="invalid") as invalid, \
         Delta("intake_refusals_total", action="register", reason="already_registered") as conflict:
        api.post(PATIENTS_URL, {**VALID_BODY, "dateOfBirth": "2999-01-01"}, format="json")
        api.post(PATIENTS_URL, VALID_BODY, format="json")

    assert (invalid.value, conflict.value) == (1, 1)


def test_duplicate_warnings_shown_and_overridden_and_promotions(organization, member):
    actor = Actor.for_user(member, Channel.INTAKE)
    data = {"given_name": "Dana", "family_name": "Double", "date_of_birth": "1990-01-01", "gender": "female",
            "phone": "+14165550399"}
    register_patient(organization, data, actor=actor)
    lead = LeadFactory(organization=organization, given_name="Dana", family_name="Double",
                       date_of_birth=datetime.date(1990, 1, 1), phone="+14165550399")
    with Delta("intake_duplicate_warnings_total", action="register", outcome="shown") as shown, \
         Delta("intake_duplicate_warnings_total", action="register", outcome="overridden") as overridden, \
         Delta("intake_duplicate_warnings_total", action="promote", outcome="shown") as promote_shown, \
         Delta("intake_refusals_total", action="register", reason="possible_duplicates") as refusals, \
         Delta("intake_promotions_total", door="intake") as promotions:
        with pytest.raises(PossibleDuplicatesError):
            register_patient(organization, data, actor=actor, allow_possible_duplicates=False)
        register_patient(organization, data, actor=actor, allow_possible_duplicates=True)
        with pytest.raises(PossibleDuplicatesError):
            promote_lead(lead, by=actor)
        promote_lead(lead, by=actor, confirm_duplicates=True)

    assert (shown.value, overridden.value, refusals.value) == (1, 1, 1)
    assert (promote_shown.value, promotions.value) == (1, 1)
    assert Patient.objects.filter(status="active").count() == 3


def test_codes_requested_sent_failed_and_confirmed(organization, settings, staff_actor):
    settings.SMS_BACKEND = "console"  # refuses with DEBUG off: every SMS try fails
    patient = register_patient(organization, {**{"given_name": "Ana", "family_name": "Silva", "gender": "female",
                                                 "date_of_birth": "1985-04-12"},
                                              "email": "ana@example.com", "phone": "416 555 0134"}, actor=staff_actor)
    with Delta("intake_verification_codes_total", channel="email", outcome="requested") as requested, \
         Delta("intake_verification_codes_total", channel="email", outcome="sent") as sent, \
         Delta("intake_verification_codes_total", channel="email", outcome="confirmed") as confirmed, \
         Delta("intake_verification_codes_total", channel="phone", outcome="failed") as failed, \
         Delta("intake_refusals_total", action="confirm_code", reason="invalid") as wrong:
        start_verification(patient, "email", actor=staff_actor)
        code = mail.outbox[-1].body.split("code is ")[1][:6]
        with pytest.raises(Exception):  # noqa: B017 - a wrong code, any rule error
            confirm_verification(patient, "email", "000000" if code != "000000" else "111111", actor=staff_actor)
        confirm_verification(patient, "email", code, actor=staff_actor)
        start_verification(patient, "phone", actor=staff_actor)

    assert (requested.value, sent.value, confirmed.value, failed.value, wrong.value) == (1, 1, 1, 1, 1)


def test_merges_and_refused_merges_are_counted(organization, member):
    actor = Actor.for_user(member, Channel.INTAKE)
    first, second = (PatientFactory(organization=organization, given_name="Ana", family_name="Silva")
                     for _ in range(2))
    with Delta("intake_merges_total", door="intake") as merges, \
         Delta("intake_refusals_total", action="merge", reason="already_merged") as refused:
        merge_patients(merged=second, survivor=first, actor=actor)
        with pytest.raises(AlreadyMergedError):
            merge_patients(merged=second, survivor=first, actor=actor)

    assert (merges.value, refused.value) == (1, 1)


def test_the_task_queue_depth_is_counted_at_scrape(client, organization, staff_actor, settings, scrape_token):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    patient = register_patient(organization, {"given_name": "Ana", "family_name": "Silva", "gender": "female",
                                              "date_of_birth": "1985-04-12", "email": "ana@example.com",
                                              "phone": "416 555 0134"},
                               actor=staff_actor)
    start_verification(patient, "email", actor=staff_actor)  # queued, no worker runs here

    text = scrape(client).content.decode()

    assert 'intake_task_queue_depth{status="ready"} 1.0' in text
    assert 'intake_task_queue_depth{status="failed"} 0.0' in text


def test_a_scrape_costs_one_query(client, db, scrape_token, django_assert_num_queries):
    with django_assert_num_queries(1):  # the queue depth's GROUP BY
        assert scrape(client).status_code == 200

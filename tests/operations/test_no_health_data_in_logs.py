"""No health data in logs, ever: patients are registered, searched, promoted and verified through
every door (both API contracts, the front desk, the admin), and every line written meanwhile (the
app's loggers, django.request, the access line, what the development server and gunicorn with the
recommended format would write per request) holds none of their names, phones, emails, health card
numbers, birth dates or one-time codes."""

import datetime
import re
import runpy
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.conf import settings as django_settings
from django.core.servers.basehttp import WSGIRequestHandler
from django.test import Client
from gunicorn.config import Config
from gunicorn.glogging import Logger as GunicornLogger

from patients import sms
from patients.models import Patient
from tests.admin.conftest import form_data
from tests.api.patients_helpers import client_with_key
from tests.date_parts import with_date_parts
from tests.factories import LeadFactory

GUNICORN_CONF = Path(django_settings.BASE_DIR) / "deploy" / "gunicorn.conf.py"

# One person per door; every value is distinctive, so a hit in the logs is a leak and nothing else.
FIELDS = ("given", "family", "phone", "email", "card", "birth")
API_PATIENT, API_LEAD, DESK_PATIENT, DESK_LEAD, ADMIN_PATIENT, ADMIN_LEAD = PEOPLE = [
    dict(zip(FIELDS, values, strict=True)) for values in (
        ("Zephyrine", "Quillbottom", "4165550187", "zephyrine.q@example.org", "9876543217", "1983-07-19"),
        ("Barnaby", "Wextonhall", "6045550163", "barnaby.w@example.net", "", "1979-02-28"),
        ("Ottoline", "Fernsby", "6475550145", "ottoline.f@example.com", "123456782", "1991-11-23"),
        ("Cassius", "Trevellyan", "9055550133", "cassius.t@example.com", "", "1966-05-30"),
        ("Marigold", "Pennyworth", "2895550156", "marigold.p@example.com", "987654321", "1972-09-14"),
        ("Desmond", "Ashgrove", "7805550177", "", "", "1959-12-02"),
    )
]


def spaced(phone):  # "416 555 0187", as a clerk types it
    return f"{phone[:3]} {phone[3:6]} {phone[6:]}"


class ServerLines:
    """What runserver (django.server) and gunicorn (the format deploy/gunicorn.conf.py recommends)
    write for each request, fed from the test client's requests."""

    def __init__(self):
        self.gunicorn_format = runpy.run_path(str(GUNICORN_CONF))["access_log_format"]
        self.gunicorn = GunicornLogger(Config())
        self.lines: list[str] = []

    def add(self, response):
        environ = dict(response.request)
        query = environ.get("QUERY_STRING", "")
        uri = environ["PATH_INFO"] + (f"?{query}" if query else "")
        handler = WSGIRequestHandler.__new__(WSGIRequestHandler)
        handler.request = None
        handler.requestline = f"{environ['REQUEST_METHOD']} {uri} HTTP/1.1"
        handler.log_request(response.status_code, len(response.content))  # through logging: captured as JSON
        environ.update(RAW_URI=uri, SERVER_PROTOCOL="HTTP/1.1", REMOTE_ADDR="10.0.0.7",
                       HTTP_REFERER="https://clinic.example/patients/?q=" + API_PATIENT["family"])
        resp = SimpleNamespace(status=f"{response.status_code} X", headers=list(response.items()),
                               sent=len(response.content))
        atoms = self.gunicorn.atoms(resp, SimpleNamespace(headers=[]), environ, datetime.timedelta(milliseconds=3))
        self.lines.append(self.gunicorn_format % self.gunicorn.atoms_wrapper_class(atoms))
        return response


@pytest.fixture
def served():
    return ServerLines()


@pytest.fixture(autouse=True)
def _sms_outbox(settings):
    settings.SMS_BACKEND = "memory"
    sms.outbox.clear()
    yield
    sms.outbox.clear()


def codes_sent(mailoutbox) -> set[str]:
    texts = [m.body for m in mailoutbox] + [m.body for m in sms.outbox]
    return {code for text in texts for code in re.findall(r"\b\d{6}\b", text)}


def last_code(mailoutbox, channel="email") -> str:
    text = mailoutbox[-1].body if channel == "email" else sms.outbox[-1].body
    return re.search(r"\b(\d{6})\b", text).group(1)


def through_the_api(api_key, served, mailoutbox):
    api = client_with_key(api_key.raw)
    p = API_PATIENT
    body = {"email": p["email"], "password": "Maple-Syrup-2024!", "firstName": p["given"], "lastName": p["family"],
            "gender": "female", "phone": spaced(p["phone"]), "dateOfBirth": p["birth"],
            "hcCard": {"number": p["card"], "versionCode": "AB", "province": "ON"}}
    created = served.add(api.post("/api/v1/patients", body, format="json"))
    assert created.status_code == 201, created.content
    assert served.add(api.post("/api/v1/patients", body, format="json")).status_code == 409  # django.request logs it
    bad = {**body, "email": "other@example.org", "dateOfBirth": "2999-" + p["birth"][5:]}
    assert served.add(api.post("/api/v1/patients", bad, format="json")).status_code == 400
    for q in (p["given"], p["family"], p["phone"], spaced(p["phone"]), p["email"], p["card"], p["birth"]):
        assert served.add(api.get("/api/v1/patients", {"q": q})).status_code == 200
    patient_id = created.json()["id"]
    refused = served.add(api.post("/api/v1/patients/sign-in", {"username": f"{p['email']}#maple",
                                                                "password": "wrong-password-1!"}, format="json"))
    assert refused.status_code == 401
    signed_in = served.add(api.post("/api/v1/patients/sign-in", {"username": f"{p['email']}#maple",
                                                                  "password": "Maple-Syrup-2024!"}, format="json"))
    own = client_with_key(signed_in.json()["token"])  # the patient's own token
    for channel in ("email", "phone"):
        sent = served.add(api.post(f"/api/v1/patients/{patient_id}/verifications/{channel}"))
        assert sent.status_code == 202, sent.content
        wrong = "000000" if last_code(mailoutbox, channel) != "000000" else "111111"
        served.add(own.post(f"/api/v1/patients/{patient_id}/verifications/{channel}/confirm", {"code": wrong},
                            format="json"))
        confirmed = served.add(own.post(f"/api/v1/patients/{patient_id}/verifications/{channel}/confirm",
                                        {"code": last_code(mailoutbox, channel)}, format="json"))
        assert confirmed.status_code == 200, confirmed.content
    assert served.add(own.get("/api/v1/me")).status_code == 200

    lead = API_LEAD
    registered = served.add(api.post("/api/user/v1/patients/add", {
        "isLead": True, "fullName": f"{lead['given']} {lead['family']}", "preferredName": lead["given"],
        "callingCode": "+1", "localPhone": lead["phone"], "email": lead["email"], "gender": "Male",
        "dateOfBirth": {"date": "1111-01-01"}}, format="json"))
    assert registered.status_code == 201, registered.content
    lead_id = registered.json()["data"]["patient"]["id"]
    incomplete = served.add(api.post(f"/api/v1/patients/{lead_id}/promote", {}, format="json"))
    assert incomplete.status_code == 400
    promoted = served.add(api.post(f"/api/v1/patients/{lead_id}/promote",
                                   {"dateOfBirth": lead["birth"], "firstName": lead["given"]}, format="json"))
    assert promoted.status_code == 200, promoted.content


def through_the_front_desk(member, organization, served, mailoutbox):
    desk = Client()
    desk.force_login(member)
    p = DESK_PATIENT
    form = with_date_parts({
        "form_token": "t-1", "given_name": p["given"], "family_name": p["family"], "date_of_birth": p["birth"],
        "gender": "female", "phone_region": "CA", "phone": spaced(p["phone"]), "email": p["email"],
        "province": "AB", "health_card_number": p["card"], "health_card_province": "AB"})
    saved = served.add(desk.post("/patients/new/", form))
    assert saved.status_code == 302, saved.content
    patient = Patient.objects.get(email=p["email"])
    served.add(desk.get(saved["Location"]))
    for q in (p["given"], f"{p['given']} {p['family']}", spaced(p["phone"]), p["email"], p["card"], p["birth"]):
        assert served.add(desk.get("/patients/", {"q": q})).status_code == 200
    served.add(desk.get("/patients/possible-duplicates/", {
        "given_name": p["given"], "family_name": p["family"], "date_of_birth": p["birth"],
        "phone": p["phone"], "email": p["email"], "health_card_number": p["card"], "health_card_province": "AB"}))
    same_person = {k: v for k, v in form.items() if not k.startswith("health_card") and k != "email"}
    again = served.add(desk.post("/patients/new/", {**same_person, "form_token": "t-2"}))
    assert "possible" in again.content.decode().lower() and again.status_code < 500
    served.add(desk.get(f"/patients/{patient.pk}/"))
    served.add(desk.post(f"/patients/{patient.pk}/verification/email/send/"))
    served.add(desk.post(f"/patients/{patient.pk}/verification/email/confirm/",
                         {"code": last_code(mailoutbox)}, follow=True))

    lead = DESK_LEAD
    quick = served.add(desk.post("/patients/new-lead/", {
        "form_token": "t-3", "full_name": f"{lead['given']} {lead['family']}", "phone_region": "CA",
        "phone": spaced(lead["phone"]), "gender": "male", "date_of_birth": "", "email": ""}))
    assert quick.status_code == 302, quick.content
    saved_lead = Patient.objects.get(family_name=lead["family"])
    complete_url = f"/patients/{saved_lead.pk}/complete/"
    initial = served.add(desk.get(complete_url)).context["form"].initial
    values = {k: v for k, v in initial.items() if v not in (None, False, "", [])}
    values.update(date_of_birth=lead["birth"], email=lead["email"])
    done = served.add(desk.post(complete_url, with_date_parts(values)))
    assert done.status_code == 302, done.content


def through_the_admin(owner, organization, served):
    admin = Client()
    admin.force_login(owner)
    p = ADMIN_PATIENT
    add_url = "/admin/patients/patient/add/"
    data = form_data(served.add(admin.get(add_url)))
    data.update({"organization": str(organization.pk), "given_name": p["given"], "family_name": p["family"],
                 "gender": "female", "date_of_birth": p["birth"], "email": p["email"], "phone": spaced(p["phone"]),
                 "province": "MB", "health_card_number": p["card"], "health_card_province": "MB"})
    added = served.add(admin.post(add_url, with_date_parts(data)))
    assert added.status_code == 302, added.content
    for q in (p["family"], p["phone"], p["email"], p["card"]):
        assert served.add(admin.get("/admin/patients/patient/", {"q": q})).status_code == 200

    lead = ADMIN_LEAD
    saved = LeadFactory(organization=organization, given_name=lead["given"], family_name=lead["family"],
                        date_of_birth=datetime.date.fromisoformat(lead["birth"]), phone="+1" + lead["phone"])
    promoted = served.add(admin.post("/admin/patients/patient/", {
        "action": "promote_selected_leads", "_selected_action": [str(saved.pk)]}, follow=True))
    assert promoted.status_code == 200
    assert Patient.objects.get(pk=saved.pk).status == Patient.Status.ACTIVE


def forbidden_values(mailoutbox) -> set[str]:
    values = set(codes_sent(mailoutbox))
    for person in PEOPLE:
        values |= {person["given"], person["family"], person["phone"], person["phone"][-7:], spaced(person["phone"]),
                   person["birth"]}
        if person["email"]:
            values |= {person["email"], person["email"].replace("@", "%40"), person["email"].split("@")[0]}
        if person["card"]:
            values.add(person["card"])
    return values


def test_no_patient_data_reaches_any_log(api_key, member, owner, organization, logs, served, mailoutbox):
    through_the_api(api_key, served, mailoutbox)
    through_the_front_desk(member, organization, served, mailoutbox)
    through_the_admin(owner, organization, served)

    assert len(codes_sent(mailoutbox)) >= 3
    assert Patient.objects.filter(status="active").count() == 6
    written = logs.text + "\n".join(served.lines)
    assert len(logs.of("intake.access")) > 40 and logs.of("django.request") and logs.of("django.server")
    leaked = sorted(value for value in forbidden_values(mailoutbox) if value.lower() in written.lower())
    assert leaked == [], f"health data in the logs: {leaked}"


def test_the_recommended_gunicorn_format_leaves_out_query_strings_and_referrers():
    fmt = runpy.run_path(str(GUNICORN_CONF))["access_log_format"]

    assert "%(U)s" in fmt and "x-request-id" in fmt
    for atom in ("%(r)s", "%(q)s", "%(f)s", "%({referer}i)s"):
        assert atom not in fmt

"""The patients admin writes the access log: changelist rows, the change page, saved changes, each
"Show" of a health card number and each exported row; exports carry full numbers only on request."""

import csv
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from patients.access_log import AccessEvent
from patients.models import HealthCard
from tests.access_log.helpers import events, log_statements
from tests.admin.conftest import form_data
from tests.admin.test_patient_forms import ADD, add_form
from tests.factories import HealthCardFactory, LeadFactory, PatientFactory

pytestmark = pytest.mark.django_db

LIST = reverse("admin:patients_patient_changelist")
EXPORT = reverse("admin:patients_patient_export")
ADMIN = "owner (Admin)"


def change_url(patient):
    return reverse("admin:patients_patient_change", args=[patient.pk])


def reveal_url(patient):
    return reverse("admin:patients_patient_reveal_health_card", args=[patient.pk])


def test_the_changelist_rows_are_searches_in_one_statement(as_owner, organization, holder, other_organization):
    PatientFactory.create_batch(60, organization=organization)
    PatientFactory(organization=other_organization)
    as_owner.get(LIST)  # warm the session
    before = len(events())
    with CaptureQueriesContext(connection) as captured:
        response = as_owner.get(LIST)
    shown = [p.pk for p in response.context["cl"].result_list]
    assert len(shown) == 50
    assert len(log_statements(captured)) == 1
    assert [e[3] for e in events()[before:]] == shown
    assert {e[:3] for e in events()} == {("search", "admin", ADMIN)}
    assert "9876543217" not in response.content.decode()


def test_the_change_page_is_a_view_with_the_number_masked(as_owner, holder):
    response = as_owner.get(change_url(holder))
    html = response.content.decode()
    assert 'value="••••••3217"' in html and "9876543217" not in html
    assert f'data-reveal-url="{reveal_url(holder)}"' in html and "frontdesk/frontdesk.js" in html
    assert events() == [("view", "admin", ADMIN, holder.pk)]


def test_show_on_the_change_page_is_a_reveal(as_owner, holder):
    response = as_owner.post(reveal_url(holder))
    assert response.json() == {"number": "9876543217"}
    assert events() == [("reveal", "admin", ADMIN, holder.pk)]
    assert as_owner.get(reveal_url(holder)).status_code == 405


def test_show_is_scoped_to_the_admins_organizations(as_owner, other_organization):
    theirs = PatientFactory(organization=other_organization)
    HealthCardFactory(patient=theirs, number="9287170261", province="ON")
    response = as_owner.post(reveal_url(theirs))
    assert response.status_code == 404 and b"9287170261" not in response.content
    assert events() == []


def test_a_saved_change_is_logged_and_the_masked_number_kept(as_owner, holder):
    data = form_data(as_owner.get(change_url(holder))) | {"referrer": "Dr. Who"}
    assert as_owner.post(change_url(holder), data).status_code == 302
    assert HealthCard.objects.get(patient=holder).number == "9876543217"
    assert [e[:3] for e in events()] == [("view", "admin", ADMIN), ("change", "admin", ADMIN)]


def test_a_revealed_number_sent_back_is_no_card_change(as_owner, holder):
    versions = HealthCard.history.filter(patient_id=holder.pk).count()
    data = form_data(as_owner.get(change_url(holder))) | {"health_card_number": "9876543217", "referrer": "x"}
    assert as_owner.post(change_url(holder), data).status_code == 302
    assert HealthCard.history.filter(patient_id=holder.pk).count() == versions


def _export(client, **choices):
    form = client.get(EXPORT).context["form"]
    data = {"format": "0", **{name: "on" for name in form.fields if name.startswith("patientresource_")}, **choices}
    response = client.post(EXPORT, data)
    assert response.status_code == 200
    return list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))


def test_an_export_shows_only_the_last_four_digits_and_logs_every_row(as_owner, organization, holder):
    other = PatientFactory(organization=organization)
    rows = _export(as_owner)
    assert {r["health_card_number_last4"] for r in rows} == {"3217", ""}
    assert "health_card_number" not in rows[0]
    assert sorted((e[0], e[3]) for e in events()) == sorted([("export", holder.pk), ("export", other.pk)])
    assert set(AccessEvent.objects.values_list("detail", flat=True)) == {""}


def test_full_numbers_are_an_explicit_choice_and_logged_so(as_owner, holder):
    page = as_owner.get(EXPORT).content.decode()
    assert 'name="full_card_numbers"' in page
    rows = _export(as_owner, full_card_numbers="on")
    assert rows[0]["health_card_number"] == "9876543217" and rows[0]["health_card_number_last4"] == "3217"
    event = AccessEvent.objects.get()
    assert (event.action, event.patient, event.detail) == ("export", holder, "with full health card numbers")


def test_possible_duplicates_shown_on_the_add_form_are_searches(as_owner, organization):
    existing = PatientFactory(organization=organization, given_name="Nadia", family_name="Haddad",
                              phone="+14165550177", email="other@example.com")
    response = as_owner.post(ADD, add_form(as_owner, organization))
    assert "Possible duplicates" in response.content.decode()
    assert events() == [("search", "admin", ADMIN, existing.pk)]  # kept, though the form's write was undone


def test_completing_a_leads_registration_in_the_admin(as_owner, organization):
    lead = LeadFactory(organization=organization, given_name="Lou", family_name="Lead", phone="+14165550188")
    twin = PatientFactory(organization=organization, phone="+14165550188")
    url = reverse("admin:patients_patient_complete_registration", args=[lead.pk])
    assert as_owner.get(url).status_code == 200
    assert events() == [("view", "admin", ADMIN, lead.pk), ("search", "admin", ADMIN, twin.pk)]

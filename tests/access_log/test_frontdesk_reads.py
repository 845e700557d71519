"""Front-desk pages that show patients write the access log (one statement a page); the health card
number is masked until "Show", each reveal an event; org admins see "Who accessed this record"."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from patients.access_log import AccessAction, record_access
from patients.actors import Actor
from patients.models import Channel, HealthCard
from tests.access_log.helpers import events, log_statements
from tests.admin.conftest import form_data
from tests.factories import HealthCardFactory, PatientFactory
from tests.frontdesk.data import patient_form

pytestmark = pytest.mark.django_db

DESK = "member (Intake form)"


def page(patient, name="patient_detail"):
    return reverse(f"frontdesk:{name}", args=[patient.pk])


def test_the_patient_page_is_a_view_with_the_number_masked(desk, holder):
    with CaptureQueriesContext(connection) as captured:
        response = desk.get(page(holder), REMOTE_ADDR="203.0.113.5")
    html = response.content.decode()
    assert "••••••3217" in html and "9876543217" not in html
    assert events() == [("view", "intake", DESK, holder.pk)]
    assert len(log_statements(captured)) == 1


def test_another_organizations_patient_is_404_and_logs_nothing(desk, other_organization):
    theirs = PatientFactory(organization=other_organization)
    assert desk.get(page(theirs)).status_code == 404
    assert events() == []


def test_a_search_page_is_one_statement_for_its_rows(desk, organization, holder):
    PatientFactory.create_batch(30, organization=organization, family_name="Roe")
    with CaptureQueriesContext(connection) as captured:
        response = desk.get(reverse("frontdesk:patient_list"), {"q": "roe"})
    shown = [p.pk for p in response.context["patients"]]
    assert len(shown) == 25
    assert len(log_statements(captured)) == 1
    assert [e[3] for e in events()] == shown and {e[0] for e in events()} == {"search"}
    assert "9876543217" not in response.content.decode()


def test_show_reveals_the_number_once_and_logs_it(desk, holder):
    response = desk.post(page(holder, "reveal_health_card"), HTTP_ACCEPT="application/json")
    assert response.json() == {"number": "9876543217"}
    assert events() == [("reveal", "intake", DESK, holder.pk)]


def test_show_without_script_renders_the_page_with_the_number(desk, holder):
    response = desk.post(page(holder, "reveal_health_card"))
    assert response.status_code == 200
    assert 'data-testid="health-card-full-number">9876543217<' in response.content.decode()
    assert events() == [("reveal", "intake", DESK, holder.pk)]


def test_show_needs_a_post_and_a_card(desk, organization, holder):
    assert desk.get(page(holder, "reveal_health_card")).status_code == 405
    no_card = PatientFactory(organization=organization)
    assert desk.post(page(no_card, "reveal_health_card")).status_code == 404
    assert events() == []


def test_show_is_scoped_to_the_organization(desk, other_organization):
    theirs = PatientFactory(organization=other_organization)
    HealthCardFactory(patient=theirs, number="9287170261", province="ON")
    response = desk.post(page(theirs, "reveal_health_card"), HTTP_ACCEPT="application/json")
    assert response.status_code == 404 and b"9287170261" not in response.content
    assert events() == []


def test_the_show_controls_use_no_inline_script(desk, holder):
    html = desk.get(page(holder)).content.decode()
    assert f'action="{page(holder, "reveal_health_card")}"' in html and "data-reveal-text" in html
    assert "<script>" not in html and "onclick" not in html and "style=" not in html


def test_the_edit_page_is_a_view_and_masks_the_number(desk, holder):
    response = desk.get(page(holder, "patient_edit"))
    html = response.content.decode()
    assert 'value="••••••3217"' in html and "9876543217" not in html
    assert f'data-reveal-url="{page(holder, "reveal_health_card")}"' in html
    assert events() == [("view", "intake", DESK, holder.pk)]


def test_saving_the_masked_number_back_keeps_the_card(desk, holder):
    card_versions = HealthCard.history.filter(patient_id=holder.pk).count()
    data = form_data(desk.get(page(holder, "patient_edit"))) | {"preferred_name": "Janie"}
    response = desk.post(page(holder, "patient_edit"), data)
    assert response.status_code == 302
    assert HealthCard.objects.get(patient=holder).number == "9876543217"
    assert HealthCard.history.filter(patient_id=holder.pk).count() == card_versions  # the card was not touched
    assert [e[0] for e in events()] == ["view", "change"]


def test_a_revealed_number_sent_back_unchanged_is_no_change(desk, holder):
    data = form_data(desk.get(page(holder, "patient_edit"))) | {"health_card_number": "9876543217"}
    response = desk.post(page(holder, "patient_edit"), data, follow=True)
    assert "Nothing was changed" in response.content.decode()


def test_typing_a_new_number_over_the_masked_one_changes_it(desk, holder):
    data = form_data(desk.get(page(holder, "patient_edit"))) | {"health_card_number": "9287170261",
                                                              "health_card_version_code": "DK"}
    assert desk.post(page(holder, "patient_edit"), data).status_code == 302
    assert HealthCard.objects.get(patient=holder).number == "9287170261"


def test_show_on_the_edit_form_without_script_keeps_what_was_typed(desk, holder):
    data = form_data(desk.get(page(holder, "patient_edit"))) | {"preferred_name": "Typed", "reveal_card_number": "1"}
    response = desk.post(page(holder, "patient_edit"), data)
    html = response.content.decode()
    assert response.status_code == 200
    assert 'value="9876543217"' in html and 'value="Typed"' in html
    holder.refresh_from_db()
    assert holder.preferred_name != "Typed"  # shown, not saved
    assert [e[0] for e in events()] == ["view", "reveal"]


def test_the_confirmation_page_after_saving_is_a_view(desk, holder):
    assert desk.get(page(holder, "patient_saved")).status_code == 200
    assert events() == [("view", "intake", DESK, holder.pk)]


def test_possible_duplicates_shown_are_searches(desk, organization):
    twin = PatientFactory(organization=organization, given_name="Elodie", family_name="Tremblay",
                          date_of_birth=datetime.date(1984, 3, 9), phone="+14165550199")
    assert desk.post(reverse("frontdesk:register"), patient_form(email="")).status_code == 409
    assert events() == [("search", "intake", DESK, twin.pk)]
    response = desk.get(reverse("frontdesk:duplicates_check"), {"phone": "416 555 0199"})
    assert [m["name"] for m in response.json()["matches"]] == ["Elodie Tremblay"]
    assert events()[-1] == ("search", "intake", DESK, twin.pk) and len(events()) == 2


def test_org_admins_see_who_accessed_the_record(as_owner, holder, member, api_key):
    record_access(actor=Actor.for_user(member, Channel.INTAKE), patient=holder, action=AccessAction.REVEAL)
    record_access(actor=Actor.for_api_key(api_key), patient=holder, action=AccessAction.VIEW)
    response = as_owner.get(page(holder))
    section = response.content.decode().split('data-testid="accesses"')[1].split("</section>")[0]
    assert "Who accessed this record" in section
    assert section.index("owner (Intake form)") < section.index("API key: EMR bridge") < section.index(DESK)
    assert "Health card number shown" in section
    assert f"?patient={holder.pk}" in section  # the whole log, in the admin


def test_members_do_not_see_who_accessed(desk, holder, django_assert_num_queries):
    response = desk.get(page(holder))
    assert response.context["accesses"] is None
    assert "Who accessed this record" not in response.content.decode()


def test_a_member_pays_one_statement_and_an_admin_two(client, member, owner, holder):
    counts = {}
    for user in (member, owner):
        client.force_login(user)
        client.get(page(holder))  # warm the session
        with CaptureQueriesContext(connection) as captured:
            client.get(page(holder))
        counts[user.username] = (len(captured.captured_queries), len(log_statements(captured)))
    # The owner's page also reads the log for "Who accessed this record"; the role costs no query.
    assert counts["member"][1] == counts["owner"][1] == 1
    assert counts["owner"][0] == counts["member"][0] + 1

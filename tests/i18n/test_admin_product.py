"""The admin as a product: titled with the product and the clinic, phones for reading, people in
membership rows, and links between the admin and the front desk both ways."""

from django.test import Client
from django.urls import reverse

from organizations.models import Membership
from tests.factories import MembershipFactory, PatientFactory, UserFactory


def test_the_admin_is_titled_with_the_product_and_the_clinic(login, owner, organization):
    page = login(owner).get(reverse("admin:index")).content.decode()
    assert "Patient Intake — Maple Clinic" in page
    assert "Django administration" not in page and "Django site admin" not in page


def test_the_admin_links_back_to_the_front_desk(login, owner):
    page = login(owner).get(reverse("admin:index")).content.decode()
    assert f'href="{reverse("frontdesk:home")}" data-testid="frontdesk-link"' in page
    assert "View site" not in page


def test_the_admin_offers_the_language_switcher_and_speaks_french(login, owner, organization):
    organization.language = "fr"
    organization.save()
    page = login(owner).get(reverse("admin:patients_patient_changelist")).content.decode()
    assert 'data-testid="language-switcher"' in page
    assert "Accueil" in page and "Importer un CSV" in page  # ours
    assert "Rechercher" in page  # Django's own French


def test_an_organization_admin_sees_the_admin_link_on_the_front_desk(login, owner, member):
    assert 'data-testid="admin-link"' in login(owner).get(reverse("frontdesk:patient_list")).content.decode()
    assert 'data-testid="admin-link"' not in login(member).get(reverse("frontdesk:patient_list")).content.decode()


def test_phones_are_formatted_for_reading_in_the_admin(login, owner, organization, other_organization):
    patient = PatientFactory(organization=organization, phone="+14165550101")
    PatientFactory(organization=organization, phone="+33123456789", given_name="Jean")
    client = login(owner)
    listing = client.get(reverse("admin:patients_patient_changelist")).content.decode()
    assert "(416) 555-0101" in listing and "+33 1 23 45 67 89" in listing
    assert "+14165550101" not in listing
    assert client.get(reverse("admin:patients_patient_change", args=[patient.pk])).status_code == 200


def test_membership_rows_show_people_not_ids(login, owner, organization):
    person = UserFactory(username="mtremblay", first_name="Marie", last_name="Tremblay")
    membership = MembershipFactory(user=person, organization=organization, role=Membership.Role.FRONT_DESK)
    assert str(membership) == "Marie Tremblay (mtremblay) · Front desk · Maple Clinic"
    page = login(owner).get(reverse("admin:organizations_organization_change", args=[organization.pk]))
    text = page.content.decode()
    assert "Marie Tremblay (mtremblay) · Front desk · Maple Clinic" in text  # the row's title
    assert f"· {organization.pk}" not in text
    assert f'<option value="{person.pk}" selected>Marie Tremblay (mtremblay)</option>' in text


def test_a_superuser_without_a_clinic_sees_the_product_title(superuser):
    client = Client()
    client.force_login(superuser)
    page = client.get(reverse("admin:index")).content.decode()
    assert "Patient Intake" in page

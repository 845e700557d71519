"""Organizations with their providers, groups, memberships and API keys."""

from django.urls import reverse

from organizations.models import Membership, Organization, Provider
from tests.admin.conftest import form_data


def change_url(organization):
    return reverse("admin:organizations_organization_change", args=[organization.pk])


def test_the_organization_page_shows_its_providers_groups_members_and_keys(
        login, owner, organization, maple_provider, maple_group, api_key):
    text = login(owner).get(change_url(organization)).content.decode()
    for shown in ("Dr. Maple", "Maple diabetes", "owner", "EMR bridge", api_key.prefix):
        assert shown in text
    assert api_key.key_hash not in text


def test_an_organization_admin_edits_settings_but_not_the_slug(login, owner, organization, maple_provider):
    client = login(owner)
    data = form_data(client.get(change_url(organization)))
    data.update({"name": "Maple Family Clinic", "slug": "stolen"})
    response = client.post(change_url(organization), data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    organization.refresh_from_db()
    assert organization.name == "Maple Family Clinic"
    assert organization.slug == "maple"


def test_adding_a_provider_inline(login, owner, organization):
    client = login(owner)
    data = form_data(client.get(change_url(organization)))
    prefix = next(k for k in data if k.endswith("-__prefix__-is_active")).rsplit("-__prefix__", 1)[0]
    data.update({f"{prefix}-TOTAL_FORMS": "1", f"{prefix}-0-name": "Dr. New", f"{prefix}-0-is_active": "on"})
    response = client.post(change_url(organization), data)
    assert response.status_code == 302
    assert Provider.objects.get(name="Dr. New").organization == organization


def test_saving_does_not_move_the_patient_numbers(login, owner, organization):
    client = login(owner)
    data = form_data(client.get(change_url(organization)))
    Organization.objects.filter(pk=organization.pk).update(last_patient_number=41)
    assert client.post(change_url(organization), data).status_code == 302
    organization.refresh_from_db()
    assert organization.last_patient_number == 41


def test_superuser_creates_an_organization(login, superuser):
    client = login(superuser)
    add = reverse("admin:organizations_organization_add")
    data = form_data(client.get(add))
    data.update({"name": "Cedar Clinic", "slug": "cedar", "default_phone_region": "CA",
                 "time_zone": "America/Toronto"})
    response = client.post(add, data)
    assert response.status_code == 302
    assert Organization.objects.filter(slug="cedar").exists()


def test_memberships_are_listed_per_organization(login, owner, outsider, organization):
    text = login(owner).get(change_url(organization)).content.decode()
    assert str(Membership.Role.ADMIN.label) in text


def test_an_organization_admin_sets_the_registration_policy(login, owner, organization):
    client = login(owner)
    page = client.get(change_url(organization))
    assert "Registration policy" in page.content.decode()
    data = form_data(page)
    data.update({"required_fields": ["health_card", "email"], "lead_requires": "phone"})
    response = client.post(change_url(organization), data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    organization.refresh_from_db()
    assert organization.required_fields == ["email", "health_card"]
    assert organization.lead_requires == "phone"

    data.pop("required_fields")  # no box ticked: the base only
    assert client.post(change_url(organization), data).status_code == 302
    organization.refresh_from_db()
    assert organization.required_fields == []


def test_an_unknown_required_field_is_refused(login, owner, organization):
    client = login(owner)
    data = form_data(client.get(change_url(organization)))
    data["required_fields"] = ["shoe_size"]
    response = client.post(change_url(organization), data)
    assert response.status_code == 200
    assert "required_fields" in response.context["adminform"].form.errors
    organization.refresh_from_db()
    assert organization.required_fields == []

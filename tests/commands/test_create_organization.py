"""`manage.py create_organization`."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from organizations.models import Organization


def run(*args) -> str:
    out = StringIO()
    call_command("create_organization", *args, stdout=out)
    return out.getvalue()


def test_creates_an_organization_with_its_options(db):
    output = run("Maple Clinic", "--slug", "maple", "--portal-domain", "portal.maple.ca", "--region", "us",
                 "--allow-self-registration", "--require", "email, health_card,province",
                 "--lead-requires", "phone-or-email")

    organization = Organization.objects.get(slug="maple")
    assert organization.name == "Maple Clinic"
    assert organization.portal_domain == "portal.maple.ca"
    assert organization.default_phone_region == "US"
    assert organization.allows_self_registration
    assert organization.required_fields == ["email", "province", "health_card"]
    assert organization.lead_requires == "phone-or-email"
    assert str(organization.pk) in output


def test_defaults(db):
    run("Birch Clinic", "--slug", "birch")

    organization = Organization.objects.get(slug="birch")
    assert (organization.portal_domain, organization.default_phone_region) == (None, "CA")
    assert not organization.allows_self_registration
    assert (organization.required_fields, organization.lead_requires) == ([], "nothing")


@pytest.mark.parametrize(
    ("args", "problem"),
    [
        (["Again", "--slug", "maple"], "slug"),
        (["Bad slug", "--slug", "not a slug!"], "slug"),
        (["Bad region", "--slug", "elm", "--region", "XX"], "default_phone_region"),
        (["Bad policy", "--slug", "oak", "--require", "email,shoe_size"], "required_fields"),
    ],
)
def test_refuses_bad_options_and_creates_nothing(db, args, problem):
    run("Maple Clinic", "--slug", "maple")

    with pytest.raises(CommandError, match=problem):
        run(*args)

    assert Organization.objects.count() == 1


def test_slug_is_required(db):
    with pytest.raises(CommandError):
        run("No slug")


def test_admin_creates_a_staff_login_that_administers_the_organization(db):
    from django.contrib.auth import get_user_model

    from organizations.models import Membership

    output = run("Maple Clinic", "--slug", "maple", "--admin", "maple-admin")

    password = output.split("password '")[1].split("'")[0]
    user = get_user_model().objects.get(username="maple-admin")
    assert user.is_staff and user.check_password(password)
    membership = Membership.objects.get(user=user)
    assert (membership.organization.slug, membership.role) == ("maple", Membership.Role.ADMIN)


def test_admin_reuses_an_existing_login_without_touching_its_password(db):
    from tests.factories import UserFactory

    user = UserFactory(username="network-admin")
    output = run("Birch Clinic", "--slug", "birch", "--admin", "network-admin")

    assert "password unchanged" in output
    user.refresh_from_db()
    assert user.check_password("front-desk-pass-1!")
    assert user.memberships.get().organization.slug == "birch"

"""`manage.py seed_demo` (run by `make run`): the demo clinic and a staff login, created once."""

import re
from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command

from organizations.models import Membership, Organization, PatientGroup, Provider
from organizations.selectors import organizations_for_user

pytestmark = pytest.mark.django_db

PASSWORD_LINE = re.compile(r"username 'frontdesk', password '([^']+)'")


def seed(*args) -> str:
    out = StringIO()
    call_command("seed_demo", *args, stdout=out)
    return out.getvalue()


def test_first_run_creates_the_clinic_its_providers_groups_and_a_staff_login():
    output = seed()
    organization = Organization.objects.get(slug="demo-clinic")
    assert Provider.objects.for_organization(organization).count() == 3
    assert PatientGroup.objects.for_organization(organization).count() == 3
    user = get_user_model().objects.get(username="frontdesk")
    assert user.is_staff and not user.is_superuser
    assert Membership.objects.get(user=user, organization=organization).role == Membership.Role.ADMIN
    assert list(organizations_for_user(user)) == [organization]

    password = PASSWORD_LINE.search(output).group(1)
    assert user.check_password(password)
    assert output.count(password) == 1
    assert len(password) >= 12


def test_the_password_differs_on_every_fresh_machine():
    first = PASSWORD_LINE.search(seed()).group(1)
    get_user_model().objects.all().delete()
    second = PASSWORD_LINE.search(seed()).group(1)
    assert first != second


def test_second_run_keeps_everything_and_prints_no_password():
    first_output = seed()
    password = PASSWORD_LINE.search(first_output).group(1)
    organization = Organization.objects.get(slug="demo-clinic")
    organization.allocate_patient_number()
    Provider.objects.create(organization=organization, name="Dr. Added Later")

    second_output = seed()
    assert PASSWORD_LINE.search(second_output) is None
    assert password not in second_output
    assert "already exists" in second_output
    assert Organization.objects.count() == 1
    assert Provider.objects.count() == 4 and PatientGroup.objects.count() == 3
    assert Membership.objects.count() == 1
    user = get_user_model().objects.get(username="frontdesk")
    assert user.check_password(password)
    organization.refresh_from_db()
    assert organization.last_patient_number == 1


def test_another_username_can_be_chosen():
    output = seed("--username", "reception")
    assert "'reception'" in output
    assert get_user_model().objects.filter(username="reception").exists()


def test_reset_password_gives_the_demo_login_a_new_password_prints_it_and_lifts_a_lock():
    from axes.models import AccessAttempt

    first = PASSWORD_LINE.search(seed()).group(1)
    AccessAttempt.objects.create(username="frontdesk", ip_address="10.0.0.1", failures_since_start=5,
                                 user_agent="", http_accept="", path_info="/login/", get_data="", post_data="")
    output = seed("--reset-password")

    assert not AccessAttempt.objects.filter(username="frontdesk").exists()
    second = PASSWORD_LINE.search(output).group(1)
    assert second != first
    user = get_user_model().objects.get(username="frontdesk")
    assert user.check_password(second) and not user.check_password(first)


def test_a_second_run_says_how_to_reset_the_password():
    seed()
    assert "seed_demo --reset-password" in seed()

"""Create the demo organization, its providers and groups, and a staff login (once).

Safe to run again: existing rows are kept, and the password is printed only when the login
is first created (or with --reset-password).
"""

from django.core.management.base import BaseCommand
from django.db import transaction

from organizations.models import Organization, PatientGroup, Provider
from organizations.services import add_staff_login, reset_password
from organizations.sign_in_limits import unlock_staff_sign_in

PROVIDERS = ["Dr. Amara Okafor", "Dr. Louis Tremblay", "Dr. Mei Chen"]
GROUPS = ["Diabetes clinic", "Prenatal", "Walk-in"]


class Command(BaseCommand):
    help = "Create a demo organization with providers, groups and a staff login (idempotent)."

    def add_arguments(self, parser):
        parser.add_argument("--username", default="frontdesk")
        parser.add_argument("--reset-password", action="store_true", dest="reset_password_",
                            help="Give the demo login a new password and print it.")

    @transaction.atomic
    def handle(self, *args, username, reset_password_, **options):
        organization, created = Organization.objects.get_or_create(
            slug="demo-clinic",
            defaults={"name": "Demo Clinic", "default_phone_region": "CA", "time_zone": "America/Toronto"},
        )
        for name in PROVIDERS:
            Provider.objects.get_or_create(organization=organization, name=name)
        for name in GROUPS:
            PatientGroup.objects.get_or_create(organization=organization, name=name)

        user, password = add_staff_login(organization, username=username)
        if password is None and reset_password_:
            password = reset_password(user)
            unlock_staff_sign_in(username=username)
        if password is not None:
            self.stdout.write(self.style.SUCCESS(
                f"Demo staff login (shown once): username {username!r}, password {password!r}"
            ))
        else:
            self.stdout.write(
                f"Demo staff login {username!r} already exists; its password is unchanged "
                f"(new one: python manage.py seed_demo --reset-password)."
            )
        self.stdout.write(f"Demo organization: {organization.name} (slug {organization.slug}).")

"""Create the demo organization, its providers and groups, and a staff login (once).

Safe to run again: existing rows are kept, and the password is printed only when the login
is first created.
"""

import secrets

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.db import transaction

from organizations.models import Membership, Organization, PatientGroup, Provider

PROVIDERS = ["Dr. Amara Okafor", "Dr. Louis Tremblay", "Dr. Mei Chen"]
GROUPS = ["Diabetes clinic", "Prenatal", "Walk-in"]


class Command(BaseCommand):
    help = "Create a demo organization with providers, groups and a staff login (idempotent)."

    def add_arguments(self, parser):
        parser.add_argument("--username", default="frontdesk")

    @transaction.atomic
    def handle(self, *args, username, **options):
        organization, created = Organization.objects.get_or_create(
            slug="demo-clinic",
            defaults={"name": "Demo Clinic", "default_phone_region": "CA", "time_zone": "America/Toronto"},
        )
        for name in PROVIDERS:
            Provider.objects.get_or_create(organization=organization, name=name)
        for name in GROUPS:
            PatientGroup.objects.get_or_create(organization=organization, name=name)

        User = get_user_model()
        user = User.objects.filter(username=username).first()
        if user is None:
            password = secrets.token_urlsafe(12)
            user = User.objects.create_user(username=username, password=password, is_staff=True)
            Membership.objects.get_or_create(
                user=user, organization=organization, defaults={"role": Membership.Role.ADMIN}
            )
            self.stdout.write(self.style.SUCCESS(
                f"Demo staff login (shown once): username {username!r}, password {password!r}"
            ))
        else:
            self.stdout.write(f"Demo staff login {username!r} already exists; its password is unchanged.")
        self.stdout.write(f"Demo organization: {organization.name} (slug {organization.slug}).")

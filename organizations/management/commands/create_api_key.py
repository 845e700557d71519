"""`manage.py create_api_key --organization SLUG --name NAME`: the new key is the last line of output."""

from datetime import timedelta

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from organizations.models import Organization
from organizations.resolution import find_by_id_or_slug
from organizations.services import issue_api_key


class Command(BaseCommand):
    help = "Issue an API key for an organization. The key is printed once, alone on the last line."

    def add_arguments(self, parser):
        parser.add_argument("--organization", required=True, help="The organization's slug or id.")
        parser.add_argument("--name", required=True, help="Who uses the key, e.g. 'EMR bridge'.")
        parser.add_argument("--expires-in-days", type=int, default=None, help="Default: never expires.")

    def handle(self, *args, organization, name, expires_in_days, **options):
        found = find_by_id_or_slug(Organization.objects.all(), organization)
        if found is None:
            raise CommandError(f"No organization {organization!r}.")
        if not found.is_active:
            raise CommandError(f"{found.name} is not active.")
        if expires_in_days is not None and expires_in_days < 1:
            raise CommandError("--expires-in-days must be at least 1.")
        expires_at = timezone.now() + timedelta(days=expires_in_days) if expires_in_days else None
        try:
            key, raw = issue_api_key(found, name=name, expires_at=expires_at)
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from exc
        until = f", expires {key.expires_at:%Y-%m-%d %H:%M %Z}" if key.expires_at else ""
        self.stdout.write(
            f"API key {key.name!r} for {found.name} (prefix {key.prefix}{until}). "
            "Store it now: it is not shown again."
        )
        self.stdout.write(raw)

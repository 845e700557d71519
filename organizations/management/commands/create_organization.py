"""`manage.py create_organization NAME --slug SLUG [--portal-domain HOST] [--region CA]`."""

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from organizations.services import create_organization


class Command(BaseCommand):
    help = "Create an organization (a clinic, or a network of clinics sharing one patient register)."

    def add_arguments(self, parser):
        parser.add_argument("name")
        parser.add_argument("--slug", required=True, help="Short name used in addresses, e.g. maple-clinic.")
        parser.add_argument("--portal-domain", default=None, help="The clinic's own patient portal host.")
        parser.add_argument("--region", default="CA", help="Phone region for numbers without a country code.")
        parser.add_argument("--allow-self-registration", action="store_true",
                            help="Let patients register themselves through the API without a key.")
        parser.add_argument("--requires-email", action="store_true", help="A full patient must have an email.")

    def handle(self, *args, name, slug, portal_domain, region, allow_self_registration, requires_email, **options):
        try:
            organization = create_organization(
                name, slug=slug, portal_domain=portal_domain, default_phone_region=region.upper(),
                allows_self_registration=allow_self_registration, requires_email=requires_email,
            )
        except ValidationError as exc:
            problems = "; ".join(f"{field}: {' '.join(messages)}" for field, messages in exc.message_dict.items())
            raise CommandError(f"Organization not created. {problems}") from exc
        self.stdout.write(self.style.SUCCESS(
            f"Created organization {organization.name} (slug {organization.slug}, id {organization.pk})."
        ))

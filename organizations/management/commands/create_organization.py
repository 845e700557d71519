"""`manage.py create_organization NAME --slug SLUG [--portal-domain HOST] [--region CA]
[--require FIELD[,FIELD...]] [--lead-requires nothing|phone|email|phone-or-email] [--admin USERNAME]`."""

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from organizations.models import REQUIRABLE_FIELDS, LeadContact
from organizations.services import add_staff_login, create_organization


class Command(BaseCommand):
    help = "Create an organization (a clinic, or a network of clinics sharing one patient register)."

    def add_arguments(self, parser):
        parser.add_argument("name")
        parser.add_argument("--slug", required=True, help="Short name used in addresses, e.g. maple-clinic.")
        parser.add_argument("--portal-domain", default=None, help="The clinic's own patient portal host.")
        parser.add_argument("--region", default="CA", help="Phone region for numbers without a country code.")
        parser.add_argument("--allow-self-registration", action="store_true",
                            help="Let patients register themselves through the API without a key.")
        parser.add_argument(
            "--require", default="", metavar="FIELD[,FIELD...]",
            help=f"What a full patient needs beyond the base, among: {', '.join(REQUIRABLE_FIELDS)}.",
        )
        parser.add_argument("--lead-requires", default=LeadContact.NOTHING, choices=LeadContact.values,
                            help="How a lead must be reachable (default: nothing).")
        parser.add_argument("--admin", default=None, metavar="USERNAME",
                            help="A staff login to administer it (created, with its password printed once, when new).")

    def handle(self, *args, name, slug, portal_domain, region, allow_self_registration, require, lead_requires,
               admin, **options):
        try:
            organization = create_organization(
                name, slug=slug, portal_domain=portal_domain, default_phone_region=region.upper(),
                allows_self_registration=allow_self_registration,
                required_fields=[f.strip() for f in require.split(",") if f.strip()], lead_requires=lead_requires,
            )
        except ValidationError as exc:
            problems = "; ".join(f"{field}: {' '.join(messages)}" for field, messages in exc.message_dict.items())
            raise CommandError(f"Organization not created. {problems}") from exc
        self.stdout.write(self.style.SUCCESS(
            f"Created organization {organization.name} (slug {organization.slug}, id {organization.pk})."
        ))
        if admin:
            user, password = add_staff_login(organization, username=admin)
            shown = f", password {password!r} (shown once)" if password else " (existing login, password unchanged)"
            self.stdout.write(self.style.SUCCESS(f"Organization admin: username {user.get_username()!r}{shown}."))

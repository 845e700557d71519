"""Rebuild the duplicates worklist (patients/merging/worklist.py), for one organization or all."""

from django.core.management.base import BaseCommand, CommandError

from organizations.models import Organization
from patients.merging.worklist import build_worklist


class Command(BaseCommand):
    help = "Find the pairs of records that are probably one person (set-based SQL); prints the time and count."

    def add_arguments(self, parser):
        parser.add_argument("--organization", metavar="SLUG", help="Only this organization (default: all).")

    def handle(self, *args, **options):
        organization = None
        if options["organization"]:
            organization = Organization.objects.filter(slug=options["organization"]).first()
            if organization is None:
                raise CommandError(f"No organization with the slug {options['organization']!r}.")
        result = build_worklist(organization)
        self.stdout.write(f"Found {result.pairs} pairs in {result.seconds:.2f} s.")

"""python manage.py prune [--dry-run] [--batch-size N]: see operations/retention.py."""

from django.core.management.base import BaseCommand

from operations.retention import BATCH_SIZE, prune


class Command(BaseCommand):
    help = ("Remove idempotency records past their replay window, old message deliveries and task results, "
            "and expired or revoked patient tokens. Never patients, history or access events.")

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="Count what would go; remove nothing.")
        parser.add_argument("--batch-size", type=int, default=BATCH_SIZE, help="Rows per delete (default %(default)s).")

    def handle(self, *args, dry_run, batch_size, **options):
        removed = prune(batch_size=max(batch_size, 1), dry_run=dry_run)
        verb = "would remove" if dry_run else "removed"
        for name, count in removed.items():
            self.stdout.write(f"{name}: {verb} {count}")

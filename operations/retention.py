"""What `python manage.py prune` removes, and only that.

- idempotency records past their replay window (IDEMPOTENCY_REPLAY_HOURS);
- message deliveries older than PRUNE_MESSAGE_DELIVERIES_DAYS;
- finished background-task results older than PRUNE_TASK_RESULTS_DAYS (a queued or running task is
  never touched);
- patient sign-in tokens expired or revoked more than PRUNE_TOKENS_DAYS ago.

Never patients, their history, or access events: those are the clinic's records. Rows go in batches
of a few hundred, each its own short transaction, so the app keeps serving while it runs; every cut-off
is fixed when the run starts, so running it twice (or two at once) removes nothing more.
"""

from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db.models import Q
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from patients.models import IdempotencyRecord, MessageDelivery, PatientToken

BATCH_SIZE = 500


@dataclass(frozen=True)
class Rule:
    name: str
    model: type
    condition: Q


def rules(now=None) -> list[Rule]:
    now = now or timezone.now()
    replay = now - timedelta(hours=settings.IDEMPOTENCY_REPLAY_HOURS)
    deliveries = now - timedelta(days=settings.PRUNE_MESSAGE_DELIVERIES_DAYS)
    tasks = now - timedelta(days=settings.PRUNE_TASK_RESULTS_DAYS)
    tokens = now - timedelta(days=settings.PRUNE_TOKENS_DAYS)
    return [
        Rule("idempotency records", IdempotencyRecord, Q(created_at__lt=replay)),
        Rule("message deliveries", MessageDelivery, Q(created_at__lt=deliveries)),
        Rule("task results", DBTaskResult,
             Q(status__in=("SUCCESSFUL", "FAILED"), finished_at__lt=tasks)),
        Rule("patient tokens", PatientToken, Q(expires_at__lt=tokens) | Q(revoked_at__lt=tokens)),
    ]


def prune_rows(rule: Rule, *, batch_size: int = BATCH_SIZE, dry_run: bool = False) -> int:
    """Delete `rule`'s rows a batch at a time; returns how many went (or would go)."""
    rows = rule.model._base_manager.filter(rule.condition).order_by()
    if dry_run:
        return rows.count()
    removed = 0
    while True:
        batch = list(rows.values_list("pk", flat=True)[:batch_size])
        if not batch:
            return removed
        rule.model._base_manager.filter(pk__in=batch).delete()
        removed += len(batch)


def prune(*, batch_size: int = BATCH_SIZE, dry_run: bool = False, now=None) -> dict[str, int]:
    return {rule.name: prune_rows(rule, batch_size=batch_size, dry_run=dry_run) for rule in rules(now)}

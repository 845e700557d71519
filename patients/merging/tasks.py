"""Keeping the duplicates worklist current as patients register, in the background (django-tasks)."""

import logging

from django.db import transaction
from django_tasks import task

from patients.merging.worklist import refresh_pairs_of

logger = logging.getLogger(__name__)


@task()
def refresh_duplicates_of(patient_id: str) -> None:
    refresh_pairs_of(patient_id)


def refresh_duplicates_later(patient) -> None:
    """Once the current transaction commits, queue the refresh of `patient`'s pairs. Never raises:
    the worklist's next full build catches up on anything missed."""

    def enqueue():
        try:
            refresh_duplicates_of.enqueue(patient_id=str(patient.pk))
        except Exception:
            logger.exception("Could not refresh the duplicates of patient %s.", patient.pk)

    transaction.on_commit(enqueue)

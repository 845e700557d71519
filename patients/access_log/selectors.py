"""Reading the access log."""

from patients.access_log.models import AccessEvent

RECENT_LIMIT = 50


def recent_accesses(patient, limit=RECENT_LIMIT):
    """The latest events on `patient`, newest first (one query, through the organization's index)."""
    return list(
        AccessEvent.objects.for_organization(patient.organization_id).filter(patient=patient)
        .order_by("-at", "-id")[:limit]
    )

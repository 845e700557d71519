"""Writing the access log: one event per patient read, a page of patients in one INSERT."""

import ipaddress

from django.db import router
from django.utils import timezone

from patients.access_log.models import AccessEvent
from patients.client_address import client_address

MAX_ROWS_PER_INSERT = 1000  # 13 values a row: well under SQLite's 32,766 parameters


def record_access(*, actor, patient, action, request=None, detail="", door=None) -> AccessEvent:
    """Append one event: `actor` did `action` on `patient` (through `door`, by default the actor's channel)."""
    event = _event(actor, patient, action, _address(request), timezone.now(), detail, door)
    event.save()
    return event


def record_accesses(*, actor, patients, action, request=None, detail="", door=None) -> None:
    """Append one event per patient, in one INSERT statement (none for an empty list)."""
    patients = list(patients)
    if not patients:
        return
    address, now = _address(request), timezone.now()
    events = [_event(actor, patient, action, address, now, detail, door) for patient in patients]
    fields = [f for f in AccessEvent._meta.concrete_fields if not f.primary_key]
    using = router.db_for_write(AccessEvent)
    for start in range(0, len(events), MAX_ROWS_PER_INSERT):
        # QuerySet._insert is what bulk_create runs per batch; called directly it is one statement
        # for the whole page, where bulk_create would split at SQLite's default of 999 parameters.
        AccessEvent.objects._insert(events[start:start + MAX_ROWS_PER_INSERT], fields=fields, using=using)


def _event(actor, patient, action, address, now, detail, door) -> AccessEvent:
    api_key, user, acting_patient = actor.api_key, actor.user, actor.patient
    if api_key is not None:
        kind = AccessEvent.ActorKind.API_KEY
    elif user is not None:
        kind = AccessEvent.ActorKind.STAFF
    elif acting_patient is not None:
        kind = AccessEvent.ActorKind.PATIENT
    else:
        kind = AccessEvent.ActorKind.SYSTEM
    return AccessEvent(
        organization_id=patient.organization_id,
        patient_id=patient.pk,
        action=action,
        door=door or actor.channel,
        actor_kind=kind,
        user_id=getattr(user, "pk", None),
        api_key_id=getattr(api_key, "pk", None),
        api_key_name=api_key.name[:100] if api_key is not None else "",
        acting_patient_id=getattr(acting_patient, "pk", None),
        actor_label=actor.label[:200],
        detail=detail[:200],
        at=now,
        client_address=address,
    )


def _address(request):
    """The client's address when it is one (an unproxied test client or a forged header may say anything)."""
    if request is None:
        return None
    try:
        return str(ipaddress.ip_address((client_address(request) or "").strip()))
    except ValueError:
        return None

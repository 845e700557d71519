"""Writing the access log: one event per patient read, a page of patients in one INSERT."""

import ipaddress

from django.db import connections, router
from django.utils import timezone

from patients.access_log.models import AccessEvent
from patients.client_address import client_address

MAX_ROWS_PER_INSERT = 1000  # 13 values a row: well under SQLite's 32,766 parameters


def record_access(*, actor, patient, action, request=None, detail="", door=None) -> None:
    """Append one event: `actor` did `action` on `patient` (through `door`, by default the actor's channel)."""
    record_accesses(actor=actor, patients=[patient], action=action, request=request, detail=detail, door=door)


def record_accesses(*, actor, patients, action, request=None, detail="", door=None) -> None:
    """Append one event per patient, in one INSERT statement (none for an empty list)."""
    patients = list(patients)
    if not patients:
        return
    shared = _shared_values(actor, action, _address(request), timezone.now(), detail, door)
    connection = connections[router.db_for_write(AccessEvent)]
    for start in range(0, len(patients), MAX_ROWS_PER_INSERT):
        _insert(connection, patients[start:start + MAX_ROWS_PER_INSERT], shared)


# Written by hand, not through save() or bulk_create(): on every read of a patient the ORM's model
# instances and statement compilation cost more than the insert itself (6.6 → 1 ms of CPU for a page
# of 25). Every value still goes through its field's own conversion.
def _insert(connection, patients, shared: dict):
    fields = [f for f in AccessEvent._meta.concrete_fields if not f.primary_key]
    qn = connection.ops.quote_name
    columns = ", ".join(qn(f.column) for f in fields)
    table = qn(AccessEvent._meta.db_table)
    constants = {f.attname: f.get_db_prep_save(shared[f.attname], connection)
                 for f in fields if f.attname in shared}
    org_field, patient_field = AccessEvent._meta.get_field("organization"), AccessEvent._meta.get_field("patient")
    pairs = [(org_field.get_db_prep_save(p.organization_id, connection),
              patient_field.get_db_prep_save(p.pk, connection)) for p in patients]
    if connection.vendor == "postgresql":
        # What differs between the rows (organization, patient) as two arrays; the rest once.
        values = ", ".join("e.o" if f.attname == "organization_id" else "e.p" if f.attname == "patient_id"
                           else "%s" for f in fields)
        sql = (f"INSERT INTO {table} ({columns}) SELECT {values} "
               "FROM unnest(%s::uuid[], %s::uuid[]) AS e(o, p)")
        params = [constants[f.attname] for f in fields if f.attname in constants]
        params += [[o for o, _ in pairs], [p for _, p in pairs]]
    else:
        row = "(" + ", ".join(["%s"] * len(fields)) + ")"
        sql = f"INSERT INTO {table} ({columns}) VALUES " + ", ".join([row] * len(pairs))
        params = []
        for organization_id, patient_id in pairs:
            params += [organization_id if f.attname == "organization_id" else patient_id
                       if f.attname == "patient_id" else constants[f.attname] for f in fields]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def _shared_values(actor, action, address, now, detail, door) -> dict:
    """The column values (by attname) every event of one read shares: all but organization and patient."""
    api_key, user, acting_patient = actor.api_key, actor.user, actor.patient
    if api_key is not None:
        kind = AccessEvent.ActorKind.API_KEY
    elif user is not None:
        kind = AccessEvent.ActorKind.STAFF
    elif acting_patient is not None:
        kind = AccessEvent.ActorKind.PATIENT
    else:
        kind = AccessEvent.ActorKind.SYSTEM
    return {
        "action": str(action),
        "door": str(door or actor.channel),
        "actor_kind": str(kind),
        "user_id": getattr(user, "pk", None),
        "api_key_id": getattr(api_key, "pk", None),
        "api_key_name": api_key.name[:100] if api_key is not None else "",
        "acting_patient_id": getattr(acting_patient, "pk", None),
        "actor_label": actor.label[:200],
        "detail": detail[:200],
        "at": now,
        "client_address": address,
    }


def _address(request):
    """The client's address when it is one (an unproxied test client or a forged header may say anything)."""
    if request is None:
        return None
    try:
        return str(ipaddress.ip_address((client_address(request) or "").strip()))
    except ValueError:
        return None

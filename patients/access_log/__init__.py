"""The access log: who read which patient, when, through which door (append-only).

    from patients.access_log import record_access, record_accesses, AccessAction
    record_access(actor=actor, patient=patient, action=AccessAction.VIEW, request=request)
    record_accesses(actor=actor, patients=page, action=AccessAction.SEARCH, request=request)  # one INSERT

The names are loaded on first use, so that importing this package never needs the app registry.
"""

from patients.access_log.actions import AccessAction

__all__ = ["AccessAction", "AccessEvent", "record_access", "record_accesses"]


def __getattr__(name):
    if name in ("record_access", "record_accesses"):
        from patients.access_log import services

        return getattr(services, name)
    if name == "AccessEvent":
        from patients.access_log.models import AccessEvent

        return AccessEvent
    raise AttributeError(name)

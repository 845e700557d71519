"""Reading the access log back in tests."""

from patients.access_log import AccessEvent
from patients.access_log.triggers import TABLE


def events(**filters):
    """(action, door, actor_label, patient_id) of every event, oldest first."""
    return [(e.action, e.door, e.actor_label, e.patient_id)
            for e in AccessEvent.objects.filter(**filters).order_by("id")]


def log_statements(captured) -> list[str]:
    """The statements of a captured request that wrote to the access log."""
    return [q["sql"] for q in captured.captured_queries if TABLE in q["sql"] and q["sql"].lstrip().startswith("INSERT")]

"""The clinic-side counters Prometheus scrapes (see operations/metrics.py for HTTP and the queue).

The services call these, once, where the work is done: every door (both API contracts, front desk,
admin, import, FHIR) is counted without counting code of its own. Labels are bounded: a door is an
Actor channel, never an id or a name.

    intake_registrations_total{door, kind}              kind: patient | lead
    intake_refusals_total{action, reason}               what a service refused, and why
    intake_duplicate_warnings_total{action, outcome}    outcome: shown | overridden
    intake_promotions_total{door}
    intake_merges_total{door}                           record_merge(actor) from the merge service
    intake_verification_codes_total{channel, outcome}   outcome: requested | sent | failed | confirmed
"""

import functools

from prometheus_client import Counter

from patients.errors import (
    AlreadyMergedError,
    HealthCardConflictError,
    LeadIncompleteError,
    MergeChainError,
    MergeRefusedError,
    NotALeadError,
    PatientConflictError,
    PatientRuleError,
    PossibleDuplicatesError,
    SignInError,
    TooManyRequestsError,
)

REGISTRATIONS = Counter("intake_registrations", "Patients and leads registered, by door.", ["door", "kind"])
REFUSALS = Counter("intake_refusals", "Requests a service refused, by action and reason.", ["action", "reason"])
DUPLICATE_WARNINGS = Counter(
    "intake_duplicate_warnings", "Possible-duplicate warnings shown, and confirmed anyway.", ["action", "outcome"]
)
PROMOTIONS = Counter("intake_promotions", "Leads promoted to patients, by door.", ["door"])
MERGES = Counter("intake_merges", "Duplicate patients merged, by door.", ["door"])
CODES = Counter("intake_verification_codes", "One-time codes, by channel and outcome.", ["channel", "outcome"])

# Most specific first.
REASONS = (
    (AlreadyMergedError, "already_merged"),
    (MergeChainError, "merge_chain"),
    (HealthCardConflictError, "health_card_conflict"),
    (MergeRefusedError, "merge_refused"),
    (PossibleDuplicatesError, "possible_duplicates"),
    (LeadIncompleteError, "lead_incomplete"),
    (NotALeadError, "not_a_lead"),
    (TooManyRequestsError, "too_many_requests"),
    (SignInError, "sign_in_refused"),
    (PatientConflictError, "already_registered"),
    (PatientRuleError, "invalid"),
)


def reason_of(error: PatientRuleError) -> str:
    return next(name for kind, name in REASONS if isinstance(error, kind))


def counts_refusals(action: str):
    """Decorate a service: each PatientRuleError it raises is counted under `action` and its reason
    (a possible-duplicates refusal is also a warning shown)."""

    def decorate(service):
        @functools.wraps(service)
        def counted(*args, **kwargs):
            try:
                return service(*args, **kwargs)
            except PatientRuleError as error:
                refused(action, error)
                raise

        return counted

    return decorate


def refused(action: str, error: PatientRuleError) -> None:
    REFUSALS.labels(action, reason_of(error)).inc()
    if isinstance(error, PossibleDuplicatesError):
        DUPLICATE_WARNINGS.labels(action, "shown").inc()


def registered(door: str, *, lead: bool, count: int = 1) -> None:
    if count:
        REGISTRATIONS.labels(door, "lead" if lead else "patient").inc(count)


def duplicates_overridden(action: str) -> None:
    DUPLICATE_WARNINGS.labels(action, "overridden").inc()


def promoted(door: str) -> None:
    PROMOTIONS.labels(door).inc()


def record_merge(actor) -> None:
    """One merge done by `actor` (an Actor), counted by patients.merging.merge_patients."""
    MERGES.labels(actor.channel).inc()


def code(channel: str, outcome: str) -> None:
    CODES.labels(channel, outcome).inc()

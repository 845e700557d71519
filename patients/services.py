"""Writes on patients: registration, updates and lead promotion.

The REST contracts, the intake form, the admin and the CSV import all call these; they only
translate shapes. Every function runs in one transaction: on any error nothing is written.
Field names in errors are the domain's (`date_of_birth`, `health_card.number`); each adapter
renames them to its own contract's names.
"""

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, gettext_noop

from patients import metrics
from patients import validation as v
from patients.actors import Actor
from patients.cleaning import (  # noqa: F401  (re-exported: callers import the rules from services)
    FULL_PATIENT_FIELDS,
    MODEL_FIELDS,
    PatientCleaner,
    clean_registration,
    missing_for_full_patient,
    required_message,
    values_after,
)
from patients.duplicates import STORED_CARD, find_duplicates_of_lead, find_possible_duplicates
from patients.errors import (
    LeadIncompleteError,
    MergeRefusedError,
    NotALeadError,
    PatientConflictError,
    PossibleDuplicatesError,
)
from patients.models import HealthCard, Patient, Verification, health_card_of

# Which unique constraint (by name, or by its columns as SQLite reports them) means which field.
EMAIL_TAKEN = gettext_lazy("A patient with this email is already registered.")
EMR_ID_TAKEN = gettext_lazy("A patient with this EMR id is already registered.")
HEALTH_CARD_TAKEN = gettext_lazy("A patient with this health card is already registered.")
CONFLICTS = {
    "patient_email_unique_per_org": ("email", EMAIL_TAKEN),
    "patient_username_unique_per_org": ("email", EMAIL_TAKEN),
    "patient_emr_id_unique_per_org": ("emr_id", EMR_ID_TAKEN),
    "patients_patient.organization_id, patients_patient.username": (
        "email", EMAIL_TAKEN),
    "patients_patient.organization_id, patients_patient.emr_id": (
        "emr_id", EMR_ID_TAKEN),
    "healthcard_unique_per_org_province": (
        "health_card.number", HEALTH_CARD_TAKEN),
    "patients_healthcard.organization_id, patients_healthcard.province, patients_healthcard.number": (
        "health_card.number", HEALTH_CARD_TAKEN),
}


def _conflict_from(exc: IntegrityError) -> PatientConflictError:
    text = str(exc)
    for marker, (field, message) in CONFLICTS.items():
        if marker in text:
            return PatientConflictError({field: [str(message)]})
    raise exc


DUPLICATE_KEYS = {"phone", "family_name", "date_of_birth"}  # what the duplicates worklist pairs records on


def _refresh_duplicate_pairs(patient, *, new: bool = False):
    """Keep the duplicates worklist current, in the write's own transaction."""
    from patients.merging import worklist  # the worklist builds on these services

    if new:
        worklist.add_pairs_of_new(patient.pk)
    else:
        worklist.refresh_pairs_of(patient.pk)


def _save(instance, actor: Actor, reason: str = "", **kwargs):
    instance._history_actor = actor
    if reason:
        instance._change_reason = reason
    instance.save(**kwargs)


def _apply_verifications(patient, statuses, actor, *, reset_channels=(), new_patient=False):
    """Record the statuses a trusted caller stated, and reset the channels whose address changed."""
    now = timezone.now()
    for channel in reset_channels:
        for ver in Verification.objects.for_organization(patient.organization).filter(
            patient=patient, channel=channel
        ).exclude(status=Verification.Status.UNVERIFIED, code_hash=""):
            ver.status, ver.method, ver.verified_at, ver.verified_by, ver.verified_by_label = (
                Verification.Status.UNVERIFIED, "", None, None, "")
            ver.code_hash, ver.code_expires_at, ver.code_attempts = "", None, 0
            ver.destination = str(getattr(patient, channel) or "")
            _save(ver, actor, f"{channel} changed")
    for channel, status in statuses.items():
        if new_patient:
            ver = Verification(organization=patient.organization, patient=patient, channel=channel)
        else:
            ver, _ = Verification.objects.get_or_create(
                organization=patient.organization, patient=patient, channel=channel,
                defaults={"destination": str(getattr(patient, channel) or "")},
            )
        ver.status = status
        ver.destination = str(getattr(patient, channel) or "")
        if status == Verification.Status.VERIFIED:
            ver.method, ver.verified_at = Verification.Method.EXTERNAL, now
            ver.verified_by = actor.user
            ver.verified_by_label = actor.label
        else:
            ver.method, ver.verified_at, ver.verified_by, ver.verified_by_label = "", None, None, ""
        _save(ver, actor, "stated by caller")


def _write_health_card(patient, checked, actor, *, new_patient=False):
    existing = (
        None if new_patient
        else HealthCard.objects.for_organization(patient.organization_id).filter(patient=patient).first()
    )
    if checked is None:
        if existing is not None:
            existing._history_actor = actor
            existing.delete()
        return
    card = existing or HealthCard(organization=patient.organization, patient=patient)
    card.number, card.version_code = checked.number, checked.version_code
    card.province, card.expiry_date = checked.province, checked.expiry_date
    _save(card, actor)


def _phone_from_lead_parts(lead) -> str:
    """A lead's calling code and local phone, kept as sent, as an E.164 phone ("" when they make none)."""
    if not lead.local_phone:
        return ""
    try:
        return v.phone_from_parts(lead.calling_code, lead.local_phone, lead.organization.default_phone_region)
    except v.FieldError:
        return ""


def missing_for_promotion(lead: Patient) -> list[str]:
    """What `lead` lacks to be promoted as it is (a calling code and local phone that make a valid
    number count as its phone), as `promote_lead` would report it."""
    values = {f: getattr(lead, f) for f in FULL_PATIENT_FIELDS}
    values["phone"] = values["phone"] or _phone_from_lead_parts(lead)
    if lead.organization.requires("health_card"):
        values["health_card"] = health_card_of(lead)
    return missing_for_full_patient(lead.organization, values)


@metrics.counts_refusals("register")
def register_patient(
    organization,
    data: dict,
    *,
    actor: Actor,
    as_lead: bool = False,
    with_account: bool = False,
    allow_possible_duplicates: bool | None = None,
    also_required: tuple[str, ...] = (),
) -> Patient:
    """Register a patient (or, with `as_lead`, a lead) in `organization`.

    `data` uses domain names: given_name, family_name, preferred_name, full_name, gender,
    date_of_birth, email, phone (or calling_code + local_phone; optional phone_region, a region code
    such as GB, reads a phone typed without a country code in that region), province, password, username,
    roles, emr_id, referrer, meta, unread_notifications, accepts_marketing, has_insurance,
    providers, groups (ids), health_card ({number, version_code, province, expiry_date}),
    verifications ({channel: status}).

    `with_account`: the "Create a Patient" contract, which always creates a login, so it needs an email.
    `allow_possible_duplicates=False` (intake form until the clerk confirms) refuses when
    `find_possible_duplicates` finds someone; `True` means the person saw them and confirmed (counted
    as a warning overridden); None (the API contracts) does not look.
    `also_required`: fields a contract requires beyond what a full patient needs (the Register
    Patient contract: preferred_name and calling_code for a non-lead).
    A lead's calling_code + local_phone are stored as sent even when they are not a valid number yet.
    """
    values = clean_registration(
        organization, data, actor=actor, as_lead=as_lead, with_account=with_account, also_required=also_required
    )

    card = values.get("health_card")
    if allow_possible_duplicates is False:
        matches = find_possible_duplicates(
            organization, given_name=values.get("given_name", ""), family_name=values.get("family_name", ""),
            date_of_birth=values.get("date_of_birth"), phone=values.get("phone", ""),
            email=values.get("email", ""), health_card_number=card.number if card else "",
            health_card_province=card.province if card else "",
        )
        if matches:
            raise PossibleDuplicatesError(matches)

    patient = Patient(organization=organization, **{f: values[f] for f in MODEL_FIELDS if f in values})
    patient.status = Patient.Status.LEAD if as_lead else Patient.Status.ACTIVE
    if not patient.roles:
        patient.roles = ["patient"]
    patient.created_via = actor.channel
    patient.created_by = actor.user
    patient.created_by_api_key = actor.api_key
    try:
        with transaction.atomic():
            # The patient's own row goes in last. Foreign keys are checked at commit (Django creates
            # them DEFERRABLE INITIALLY DEFERRED), so links, card and verifications can be written
            # first, and the organization's row, locked by allocate_patient_number() until commit,
            # stays locked only for the final insert (a health card conflict is found before it).
            # A new patient has no links yet: add() skips set()'s read of the current ones.
            if values.get("providers"):
                patient.providers.add(*values["providers"])
            if values.get("groups"):
                patient.groups.add(*values["groups"])
            if card is not None:
                _write_health_card(patient, card, actor, new_patient=True)
            if values.get("verifications"):
                _apply_verifications(patient, values["verifications"], actor, new_patient=True)
            if not as_lead:
                patient.patient_number = organization.allocate_patient_number()
            _save(patient, actor, gettext_noop("Registered as a lead") if as_lead else gettext_noop("Registered"))
            _refresh_duplicate_pairs(patient, new=True)
    except IntegrityError as exc:
        raise _conflict_from(exc) from exc
    if card is None:
        Patient.health_card.related.set_cached_value(patient, None)  # known absent: no query to find out
    # Verifications are not remembered as the patient's (they change through other services, which
    # would leave them stale); what this registration stated is kept apart, for its own answer only.
    _remember_related(patient, providers=values.get("providers", []), groups=values.get("groups", []))
    patient.stated_at_registration = dict(values.get("verifications") or {})
    patient.health_card_warnings = card.warnings if card else []
    metrics.registered(actor.channel, lead=as_lead)
    if allow_possible_duplicates:
        metrics.duplicates_overridden("register")
    return patient


def _remember_related(patient, **rows):
    """Keep the links just written as the patient's prefetched relations, so reading them back
    (the API's answer) costs no query. This is what prefetch_related() itself stores; the
    managers' add/set/remove clear it again."""
    cache = patient.__dict__.setdefault("_prefetched_objects_cache", {})
    for name, objects in rows.items():
        manager = getattr(patient, name)
        queryset = manager.get_queryset()
        queryset._result_cache = list(objects)
        queryset._prefetch_done = True
        cache[getattr(manager, "prefetch_cache_name", name)] = queryset


@metrics.counts_refusals("update")
def update_patient(patient: Patient, changes: dict, *, actor: Actor) -> Patient:
    """Change some fields of `patient` (only the keys present in `changes`), with the same rules.

    Clearing a field an active patient needs is refused. A new email or phone resets that
    channel's verification. The row is locked and read again first, so that an edit racing a merge
    (or another edit) applies to what is stored; a merged record is refused (edit its survivor).
    """
    try:
        with transaction.atomic():
            _lock_current(patient)
            return _update(patient, changes, actor)
    except IntegrityError as exc:
        patient.refresh_from_db()  # the caller's object shows what is stored, not the refused change
        raise _conflict_from(exc) from exc


def _lock_current(patient: Patient):
    """Lock `patient`'s row and load what is stored into it (the caller's object stays the one changed)."""
    stored = Patient.objects.select_for_update().get(pk=patient.pk)
    for field in Patient._meta.concrete_fields:
        setattr(patient, field.attname, getattr(stored, field.attname))
    if patient.is_merged:
        raise MergeRefusedError(_("This record was merged into another one: change the surviving record."),
                                "status", "merged")


def _update(patient: Patient, changes: dict, actor: Actor) -> Patient:
    organization = patient.organization
    cleaner = PatientCleaner(organization, changes, actor=actor, patient=patient)
    cleaner.clean(allow_unknown_birth_date=patient.is_lead)
    values = cleaner.values
    if not patient.is_lead:
        for field in missing_for_full_patient(organization, values_after(cleaner)):
            if field in values and field not in cleaner.errors:
                cleaner.error(field, required_message(organization, field))
    cleaner.raise_if_errors()

    changed_channels = [
        c for c in ("email", "phone") if c in values and str(values[c] or "") != str(getattr(patient, c) or "")
    ]
    for field in MODEL_FIELDS:
        if field in values:
            setattr(patient, field, values[field])
    if "email" in values and not values["email"]:
        patient.username = ""
    _save(patient, actor, gettext_noop("Updated"))
    if DUPLICATE_KEYS & set(values):
        _refresh_duplicate_pairs(patient)
    if "providers" in values:
        patient.providers.set(values["providers"])
    if "groups" in values:
        patient.groups.set(values["groups"])
    if "health_card" in values:
        _write_health_card(patient, values["health_card"], actor)
    if changed_channels or values.get("verifications"):
        _apply_verifications(patient, values.get("verifications", {}), actor, reset_channels=changed_channels)
    card = values.get("health_card")
    patient.health_card_warnings = card.warnings if card else []
    return patient


@metrics.counts_refusals("promote")
def promote_lead(patient: Patient, *, by, confirm_duplicates: bool | None = False, **missing_fields) -> Patient:
    """Turn a lead into an active patient with the organization's next patient number.

    `by` is an Actor (or a staff user, taken as acting from the admin). `missing_fields` use
    the domain names of `register_patient` and fill in what the lead lacks. Refuses with
    `LeadIncompleteError` (listing what is missing), `NotALeadError`, or
    `PossibleDuplicatesError` when active patients may be the same person and
    `confirm_duplicates` is false. True: the person saw them and confirmed (counted as a warning
    overridden); None: a door that does not look for duplicates here (FHIR has $match).
    """
    actor = by if isinstance(by, Actor) else Actor(channel="admin", user=by)
    organization = patient.organization
    with transaction.atomic():
        locked = Patient.objects.select_for_update().get(pk=patient.pk, organization=organization)
        locked.organization = organization  # the same row: spares a query wherever the patient's org is read
        if not locked.is_lead:
            raise NotALeadError()
        cleaner = PatientCleaner(organization, missing_fields, actor=actor, patient=locked)
        cleaner.clean()
        cleaner.raise_if_errors()
        values = cleaner.values
        merged = values_after(cleaner)
        if not merged["phone"] and "phone" not in values:
            phone = _phone_from_lead_parts(locked)
            if phone:
                merged["phone"] = values["phone"] = phone
        missing = missing_for_full_patient(organization, merged)
        if missing:
            raise LeadIncompleteError(missing, {
                f: [required_message(organization, f)] for f in missing if organization.requires(f)})

        if confirm_duplicates is False:
            matches = find_duplicates_of_lead(locked, merged, values.get("health_card", STORED_CARD))
            if matches:
                raise PossibleDuplicatesError(matches)

        changed_channels = [
            c for c in ("email", "phone") if c in values and str(values[c] or "") != str(getattr(locked, c) or "")
        ]
        for field in MODEL_FIELDS:
            if field in values:
                setattr(locked, field, values[field])
        locked.status = Patient.Status.ACTIVE
        locked.patient_number = organization.allocate_patient_number()
        locked.promoted_at = timezone.now()
        locked.promoted_by = actor.user
        locked.promoted_by_label = actor.label
        try:
            with transaction.atomic():
                _save(locked, actor, gettext_noop("Promoted from lead to patient"))
                _refresh_duplicate_pairs(locked)
                if changed_channels:  # a new email or phone is not the one that was verified
                    _apply_verifications(locked, {}, actor, reset_channels=changed_channels)
                if "providers" in values:
                    locked.providers.set(values["providers"])
                if "groups" in values:
                    locked.groups.set(values["groups"])
                if "health_card" in values:
                    _write_health_card(locked, values["health_card"], actor)
        except IntegrityError as exc:
            raise _conflict_from(exc) from exc
    metrics.promoted(actor.channel)
    if confirm_duplicates:
        metrics.duplicates_overridden("promote")
    return locked

"""Merging two records of one person, and undoing it.

`merge_patients` closes `merged` as status "merged", pointing at `survivor`, and gives the survivor
what staff chose; `unmerge_patient` puts both back. Each is one transaction with one history row on
each record (who, which door, why) and a PatientMerge row holding everything needed to undo it.

Races: both rows are locked (SELECT ... FOR UPDATE, in primary-key order, so two merges of the same
pair cannot deadlock) and their status is read again under the lock. Any merge touching a record
locks it, so "already merged", "would make a chain" and a promotion or edit of either record are
decided on what is committed, never on what the caller read earlier.
"""

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from patients import metrics
from patients.access_log import AccessAction, record_accesses
from patients.actors import Actor
from patients.cleaning import missing_for_full_patient
from patients.errors import (
    AlreadyMergedError,
    HealthCardConflictError,
    MergeChainError,
    MergeRefusedError,
    PatientRuleError,
)
from patients.merging import moves
from patients.merging.fields import (
    CHOOSABLE,
    DERIVED,
    FIELDS,
    HEALTH_CARD,
    MERGED,
    NAME_COLUMNS,
    SURVIVOR,
    all_columns,
    column_value,
    field_value,
    lacks,
    set_column,
    snapshot,
)
from patients.merging.models import PatientMerge
from patients.models import HealthCard, Patient
from patients.services import _conflict_from, _phone_from_lead_parts, _save

REASON_LENGTH = 100  # simple-history's change reason column


def lock_patients(*patients) -> list[Patient]:
    """The rows of `patients`, locked in primary-key order, in the order given."""
    ids = [p.pk for p in patients]
    rows = {p.pk: p for p in Patient.objects.select_for_update().filter(pk__in=ids).order_by("pk")}
    return [rows[pk] for pk in ids]


def default_survivor(first: Patient, second: Patient) -> Patient:
    """Which record survives unless staff choose: a registered patient over a lead, else the older."""
    if first.is_lead != second.is_lead:
        return second if first.is_lead else first
    return min(first, second, key=lambda p: (p.created_at, str(p.pk)))


def check_keep(keep) -> dict:
    """`keep` as {field: "merged" | "survivor"}; a bad key or value is a 400 naming it."""
    if keep is None:
        return {}
    if not isinstance(keep, dict):
        raise PatientRuleError({"keep": [_('Send an object such as {"email": "merged"}.')]})
    errors = {}
    for field, choice in keep.items():
        if field not in CHOOSABLE:
            errors[f"keep.{field}"] = [_("Not a field a merge chooses; use: %(fields)s.")
                                       % {"fields": ", ".join(CHOOSABLE)}]
        elif choice not in (MERGED, SURVIVOR):
            errors[f"keep.{field}"] = [_('Use "merged" or "survivor".')]
    if errors:
        raise PatientRuleError(errors)
    return dict(keep)


def choices_for(merged: Patient, survivor: Patient, keep: dict) -> dict:
    """Each field's choice: as given, else the merged record's value only where the survivor has none."""
    choices = {}
    for field in CHOOSABLE:
        if field in keep:
            choices[field] = keep[field]
        else:
            choices[field] = MERGED if lacks(survivor, field) and not lacks(merged, field) else SURVIVOR
    return choices


def card_conflict(merged: Patient, survivor: Patient) -> str | None:
    """The province when both records hold a different card of it (staff must choose), else None."""
    cards = {c.patient_id: c for c in HealthCard.objects.filter(patient__in=[merged.pk, survivor.pk])}
    mine, theirs = cards.get(survivor.pk), cards.get(merged.pk)
    if mine and theirs and mine.province == theirs.province and mine.number != theirs.number:
        return mine.province
    return None


def _refuse_unless_mergeable(merged: Patient, survivor: Patient):
    if merged.pk == survivor.pk:
        raise MergeRefusedError(_("A record cannot be merged into itself."), "into", "same_record")
    if merged.organization_id != survivor.organization_id:
        raise MergeRefusedError(_("Both records must belong to the same organization."), "into",
                                "other_organization")
    if merged.is_merged:
        raise AlreadyMergedError(merged)
    if survivor.is_merged:
        raise MergeChainError(
            _("%(patient)s was itself merged into another record: merge into that record instead.")
            % {"patient": survivor}, "into")
    if Patient.objects.filter(merged_into=merged).exists():
        raise MergeChainError(
            _("Other records were merged into %(patient)s: merge the other way, or undo those merges first.")
            % {"patient": merged}, "into")
    if survivor.is_archived:
        raise MergeRefusedError(_("%(patient)s is archived: restore it first.") % {"patient": survivor}, "into",
                                "survivor_archived")
    if survivor.is_lead and not merged.is_lead:
        raise MergeRefusedError(_("A registered patient cannot be merged into a lead: merge the lead into the "
                                  "patient."), "into", "survivor_is_lead")


def _take(survivor: Patient, merged: Patient, field: str):
    for column in FIELDS[field]:
        setattr(survivor, column, getattr(merged, column))
    if field == "phone" and not survivor.phone and not survivor.is_lead:
        # A lead's phone is kept as it was sent; a registered patient needs it as a valid number.
        survivor.phone = _phone_from_lead_parts(merged)
    if field in NAME_COLUMNS:
        survivor.full_name = " ".join(p for p in (survivor.given_name, survivor.family_name) if p)


@metrics.counts_refusals("merge")
def merge_patients(*, merged: Patient, survivor: Patient, keep: dict | None = None, reason: str = "",
                   actor: Actor, request=None) -> PatientMerge:
    """Merge `merged` into `survivor`; returns the PatientMerge (its `.merged` and `.survivor` as stored).

    `keep` chooses, per field where the two differ, whose value the survivor keeps ("merged" or
    "survivor"); a field left out keeps the survivor's value unless it has none. Two different
    health cards of one province must be chosen (`HealthCardConflictError`). Refuses with
    `AlreadyMergedError`, `MergeChainError` or `MergeRefusedError`.
    """
    keep = check_keep(keep)
    reason = str(reason or "").strip()
    try:
        with transaction.atomic():
            merged, survivor = lock_patients(merged, survivor)
            _refuse_unless_mergeable(merged, survivor)
            province = card_conflict(merged, survivor)
            if province and HEALTH_CARD not in keep:
                raise HealthCardConflictError(province)
            record = _merge(merged, survivor, choices_for(merged, survivor, keep), reason, actor)
            record_accesses(actor=actor, patients=[merged, survivor], action=AccessAction.MERGE, request=request,
                            detail=f"{merged.pk} into {survivor.pk}")
    except IntegrityError as exc:
        raise _conflict_from(exc) from exc
    metrics.record_merge(actor)
    return record


def _merge(merged, survivor, choices, reason, actor) -> PatientMerge:
    merged_before, survivor_before = snapshot(merged), snapshot(survivor)
    fields_set = [f for f in FIELDS if choices[f] == MERGED and field_value(merged, f) != field_value(survivor, f)]
    for field in fields_set:
        _take(survivor, merged, field)
    if not survivor.is_lead:
        missing = [f for f in missing_for_full_patient(survivor.organization, survivor) if f in fields_set]
        if missing:
            raise PatientRuleError({f"keep.{f}": [_("The surviving patient would have no valid value for this.")]
                                    for f in missing})
    changed = [c for c in all_columns() if column_value(survivor, c) != survivor_before[c]]

    merged.status, merged.merged_into = Patient.Status.MERGED, survivor
    # The merged record first: it stops holding its email, EMR id and username for uniqueness.
    _save(merged, actor, _reason(f"Merged into {survivor}", reason))
    _save(survivor, actor, _reason(f"Merged {merged} into this record", reason))
    card = moves.move_health_card(merged, survivor, choices[HEALTH_CARD], actor)
    if card:
        fields_set.append(HEALTH_CARD)
    record = PatientMerge.objects.create(
        organization_id=survivor.organization_id, merged=merged, survivor=survivor, reason=reason,
        channel=actor.channel, actor_label=actor.label[:200], actor_user=_user(actor),
        fields_set=fields_set, merged_before=merged_before, survivor_before=survivor_before,
        survivor_after={c: column_value(survivor, c) for c in changed},
        links=moves.move_links(merged, survivor), health_card=card,
        verifications=moves.move_verifications(merged, survivor, fields_set, actor),
        revoked_tokens=moves.revoke_tokens(merged),
    )
    return record


def unmerge_patient(merged: Patient, *, actor: Actor, reason: str = "", request=None) -> PatientMerge:
    """Undo the merge that closed `merged`: both records as they were before it.

    A field the merge gave the survivor goes back, unless someone changed it since: then the later
    value stays and the field is listed in the answer's `kept_later_edits`. Fields the merge did not
    touch keep whatever was changed since. Providers and groups go back; revoked tokens stay revoked.
    """
    reason = str(reason or "").strip()
    try:
        with transaction.atomic():
            survivor_id = Patient.objects.filter(pk=merged.pk).values_list("merged_into_id", flat=True).first()
            if survivor_id is None:
                raise MergeRefusedError(_("%(patient)s is not merged into another record.") % {"patient": merged},
                                        "status", "not_merged")
            merged, survivor = lock_patients(merged, Patient(pk=survivor_id))
            if merged.merged_into_id != survivor.pk:  # undone (or undone and merged again) meanwhile
                raise MergeRefusedError(_("%(patient)s is not merged into another record.") % {"patient": merged},
                                        "status", "not_merged")
            record = PatientMerge.objects.select_for_update().get(merged=merged, undone_at__isnull=True)
            record = _unmerge(record, merged, survivor, reason, actor)
            record_accesses(actor=actor, patients=[merged, survivor], action=AccessAction.UNMERGE, request=request,
                            detail=f"{merged.pk} out of {survivor.pk}")
            return record
    except IntegrityError as exc:
        raise _conflict_from(exc) from exc


def _unmerge(record, merged, survivor, reason, actor) -> PatientMerge:
    kept, rebuild_name = [], False
    for column, after in record.survivor_after.items():
        if column_value(survivor, column) == after:
            set_column(survivor, column, record.survivor_before[column])
        elif column in DERIVED:  # changed with a later name edit: made again from the names below
            rebuild_name = True
        else:
            kept.append(_field_of(column))
    if rebuild_name:
        survivor.full_name = " ".join(p for p in (survivor.given_name, survivor.family_name) if p)
    merged.status, merged.merged_into = record.merged_before["status"], None
    # The survivor first: it gives back what it took before the merged record holds it again.
    _save(survivor, actor, _reason(f"Merge of {merged} undone", reason))
    _save(merged, actor, _reason(f"Merge into {survivor} undone", reason))
    kept += moves.move_health_card_back(merged, survivor, record.health_card, actor)
    kept += moves.move_verifications_back(record.verifications, actor)
    moves.move_links_back(merged, survivor, record.links)

    record.undone_at = timezone.now()
    record.undone_by, record.undone_by_label, record.undo_channel = _user(actor), actor.label[:200], actor.channel
    record.kept_later_edits = [f for f in CHOOSABLE if f in kept]  # in a fixed order (JSONB keeps none)
    record.save()
    record.merged, record.survivor = merged, survivor
    return record


def _field_of(column: str) -> str:
    return next(field for field, columns in FIELDS.items() if column in columns)


def _reason(what: str, why: str) -> str:
    text = f"{what}: {why}" if why else what
    return text if len(text) <= REASON_LENGTH else text[: REASON_LENGTH - 1] + "…"


def _user(actor: Actor):
    return actor.user if getattr(actor.user, "pk", None) else None

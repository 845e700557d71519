"""What a merge moves besides the record's own columns (health card, verifications, providers and
groups), each with how it was, so that an unmerge can move it back. Called inside the merge's
transaction, with both patients' rows locked."""

from datetime import date, datetime

from django.utils import timezone

from patients.merging.fields import CARD_COLUMNS, HEALTH_CARD, MERGED, card_value
from patients.models import HealthCard, PatientToken, Verification
from patients.services import _save

VERIFICATION_STATE = ("status", "destination", "method", "verified_at", "verified_by_id", "verified_by_label")
CHANNEL_FIELDS = {Verification.ChannelName.EMAIL: "email", Verification.ChannelName.PHONE: "phone"}


def _card_of(patient):
    return HealthCard.objects.select_for_update().filter(patient=patient).first()


def _set_card(card, values):
    for column in CARD_COLUMNS:
        value = values[column]
        if column == "expiry_date" and value:
            value = date.fromisoformat(value)
        setattr(card, column, value)


def _swap_cards(first, second, actor, reason):
    """Exchange the contents of two cards (each patient has at most one card row, so rows cannot
    change hands). The first is parked on a number no card has, so that the unique (province,
    number) rule holds at every step."""
    first_values, second_values = card_value(first), card_value(second)
    HealthCard.objects.filter(pk=first.pk).update(number=f"~{first.pk.hex[:19]}")
    _set_card(second, first_values)
    _set_card(first, second_values)
    _save(second, actor, reason)
    _save(first, actor, reason)


def move_health_card(merged, survivor, choice, actor) -> dict:
    """Give the survivor the merged record's card when chosen. Nothing is deleted: with a card of its
    own, the survivor's former card goes to the merged record in exchange."""
    merged_card, survivor_card = _card_of(merged), _card_of(survivor)
    if choice != MERGED or merged_card is None:
        return {}
    if survivor_card is None:
        merged_card.patient = survivor
        _save(merged_card, actor, "Moved by a merge")
        return {"action": "moved", "card": str(merged_card.pk), "after": card_value(merged_card)}
    before = {"survivor": card_value(survivor_card), "merged": card_value(merged_card)}
    _swap_cards(survivor_card, merged_card, actor, "Exchanged by a merge")
    return {"action": "swapped", "survivor_card": str(survivor_card.pk), "merged_card": str(merged_card.pk),
            "before": before}


def move_health_card_back(merged, survivor, moved: dict, actor) -> list[str]:
    """Undo move_health_card, unless the card changed since (then it stays: the answer says so)."""
    if not moved:
        return []
    reason = "Merge undone"
    if moved["action"] == "moved":
        card = HealthCard.objects.select_for_update().filter(pk=moved["card"], patient=survivor).first()
        if card is None or card_value(card) != moved["after"]:
            return [HEALTH_CARD]
        card.patient = merged
        _save(card, actor, reason)
        return []
    survivor_card = HealthCard.objects.select_for_update().filter(pk=moved["survivor_card"], patient=survivor).first()
    merged_card = HealthCard.objects.select_for_update().filter(pk=moved["merged_card"], patient=merged).first()
    before = moved["before"]
    if (survivor_card is None or merged_card is None or card_value(survivor_card) != before["merged"]
            or card_value(merged_card) != before["survivor"]):
        return [HEALTH_CARD]
    _swap_cards(survivor_card, merged_card, actor, reason)
    return []


def _state(row) -> dict:
    return {k: (v.isoformat() if hasattr(v, "isoformat") else v)
            for k, v in ((k, getattr(row, k)) for k in VERIFICATION_STATE)}


def _apply_state(row, state: dict):
    for key, value in state.items():
        if key == "verified_at" and value:
            value = datetime.fromisoformat(value)
        setattr(row, key, value)
    row.code_hash, row.code_expires_at, row.code_attempts = "", None, 0


def move_verifications(merged, survivor, fields_set, actor) -> dict:
    """For each channel whose address the survivor took from the merged record: the merged record's
    verification comes along if it verified that very address, else the channel is unverified.
    A channel whose address the survivor kept keeps its own verification."""
    moved = {}
    rows = {(v.patient_id, v.channel): v for v in Verification.objects.select_for_update().filter(
        patient__in=[merged.pk, survivor.pk])}
    for channel, field in CHANNEL_FIELDS.items():
        if field not in fields_set:
            continue
        address = str(getattr(survivor, field) or "")
        mine, theirs = rows.get((survivor.pk, channel)), rows.get((merged.pk, channel))
        before = _state(mine) if mine is not None else None
        if mine is None:
            mine = Verification(organization_id=survivor.organization_id, patient=survivor, channel=channel)
        if theirs is not None and theirs.status == Verification.Status.VERIFIED and theirs.destination == address:
            _apply_state(mine, _state(theirs))
        else:
            _apply_state(mine, {"status": Verification.Status.UNVERIFIED, "destination": address, "method": "",
                                "verified_at": None, "verified_by_id": None, "verified_by_label": ""})
        _save(mine, actor, "Merge")
        moved[channel] = {"id": str(mine.pk), "before": before, "after": _state(mine)}
    return moved


def move_verifications_back(moved: dict, actor) -> list[str]:
    kept = []
    for channel, change in moved.items():
        row = Verification.objects.select_for_update().filter(pk=change["id"]).first()
        if row is None or _state(row) != change["after"]:
            kept.append(CHANNEL_FIELDS[channel])
            continue
        row._history_actor = actor
        if change["before"] is None:
            row.delete()  # the merge created it
        else:
            _apply_state(row, change["before"])
            _save(row, actor, "Merge undone")
    return kept


def move_links(merged, survivor) -> dict:
    """Providers and groups of the merged record go to the survivor (which keeps its own)."""
    moved = {}
    for name in ("providers", "groups"):
        had = {str(pk) for pk in getattr(merged, name).values_list("pk", flat=True)}
        own = {str(pk) for pk in getattr(survivor, name).values_list("pk", flat=True)}
        added = sorted(had - own)
        if added:
            getattr(survivor, name).add(*added)
        if had:
            getattr(merged, name).clear()
        moved[name] = {"merged_had": sorted(had), "added": added}
    return moved


def move_links_back(merged, survivor, moved: dict):
    for name, change in moved.items():
        if change["added"]:
            getattr(survivor, name).remove(*change["added"])
        if change["merged_had"]:
            getattr(merged, name).add(*change["merged_had"])


def revoke_tokens(merged) -> list[int]:
    """The merged record can no longer sign in: its tokens are revoked (an unmerge does not revive them)."""
    tokens = PatientToken.objects.filter(patient=merged, revoked_at__isnull=True)
    ids = list(tokens.values_list("pk", flat=True))
    tokens.update(revoked_at=timezone.now())
    return ids

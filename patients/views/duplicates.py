"""Possible duplicates: the confirmation the clerk gives, and the live check while typing."""

import re
import uuid

from django.http import JsonResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from organizations.models import PHONE_REGIONS
from patients import validation as v
from patients.access_log import AccessAction, record_accesses
from patients.date_input import PARTS
from patients.dates import DateParts, format_date
from patients.duplicates import find_possible_duplicates
from patients.errors import PossibleDuplicatesError
from patients.health_cards import PROVINCES, normalize_health_card_number
from patients.models import Patient
from patients.templatetags.intake import REASONS
from patients.views.access import desk_actor, frontdesk_view

LIVE_LIMIT = 10


def confirmed_ids(post) -> set[str]:
    """The possible duplicates the clerk saw when pressing "This is a new patient"."""
    if not post.get("confirm_new"):
        return set()
    return {i for i in post.get("seen_duplicates", "").split(",") if i}


def with_confirmation(save, confirmed: set[str]):
    """Call `save(confirmed=False)`; if it finds only duplicates the clerk already saw and
    confirmed, call `save(confirmed=True)`. New matches are shown again: the check always runs."""
    try:
        return save(confirmed=False)
    except PossibleDuplicatesError as exc:
        if confirmed and {str(m.patient.pk) for m in exc.matches} <= confirmed:
            return save(confirmed=True)
        raise


def duplicates_context(request, error: PossibleDuplicatesError) -> dict:
    """The possible duplicates to show: each one is a patient the clerk sees (a `search` event)."""
    record_accesses(actor=desk_actor(request), patients=[m.patient for m in error.matches],
                    action=AccessAction.SEARCH, request=request)
    return {
        "duplicates": error.matches,
        "duplicate_ids": ",".join(str(m.patient.pk) for m in error.matches),
    }


def _clean(rule, *args, **kwargs):
    try:
        return rule(*args, **kwargs)
    except v.FieldError:
        return None


@require_GET
@frontdesk_view
def live_check(request):
    """JSON for the form's script: who already registered looks like the person being typed in."""
    org = request.organization
    params = request.GET
    region = params.get("phone_region", "").upper()
    region = region if region in PHONE_REGIONS else org.default_phone_region
    card_number = normalize_health_card_number(params.get("health_card_number", ""))[:20]
    if len(card_number) < 6 or not re.fullmatch(r"[A-Z0-9]+", card_number):
        card_number = ""  # half typed, or not a card number at all (what no card holds is never looked up)
    card_province = params.get("health_card_province", "").upper()
    exclude = None
    if params.get("exclude"):
        exclude = Patient.objects.for_organization(org).filter(pk=_clean(_uuid, params["exclude"])).first()
    matches = find_possible_duplicates(
        org,
        given_name=params.get("given_name", "")[:150], family_name=params.get("family_name", "")[:150],
        date_of_birth=_clean(v.clean_date_of_birth, DateParts(
            *(params.get(f"date_of_birth_{part}", "") for part in PARTS)) if "date_of_birth_year" in params
            else params.get("date_of_birth", "")),
        phone=_clean(v.clean_phone, params.get("phone", "")[:32], region) or "",
        email=_clean(v.clean_email, params.get("email", "")[:254]) or "",
        health_card_number=card_number,
        health_card_province=card_province if card_province in PROVINCES else "",
        exclude=exclude,
    )[:LIVE_LIMIT]
    record_accesses(actor=desk_actor(request), patients=[m.patient for m in matches], action=AccessAction.SEARCH,
                    request=request)
    return JsonResponse({"matches": [
        {
            "name": m.patient.display_name or _("(no name)"),
            "date_of_birth": m.patient.date_of_birth.isoformat() if m.patient.date_of_birth else None,
            "date_of_birth_shown": format_date(m.patient.date_of_birth) or None,
            "patient_number": m.patient.patient_number,
            "status": m.patient.get_status_display(),
            "reasons": [str(REASONS.get(reason, reason)) for reason in m.reasons],  # in the clerk's language
            "url": reverse("frontdesk:patient_detail", args=[m.patient.pk]),
        }
        for m in matches
    ]})


def _uuid(value):
    try:
        return uuid.UUID(str(value))
    except ValueError as exc:
        raise v.FieldError("not an id") from exc

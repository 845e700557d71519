"""Template filters for staff pages: duplicate reasons in the reader's language, phones for reading."""

from django import template
from django.utils.translation import gettext_lazy as _

from patients.phones import readable_phone as _readable_phone

register = template.Library()

# patients.duplicates gives its reasons as stable English phrases (the API returns them as they are).
REASONS = {
    "same phone": _("same phone"),
    "same email": _("same email"),
    "same health card": _("same health card"),
    "same family name and date of birth": _("same family name and date of birth"),
    "similar name and same date of birth": _("similar name and same date of birth"),
}


@register.filter
def match_reasons(reasons) -> str:
    return ", ".join(str(REASONS.get(reason, reason)) for reason in reasons)


@register.filter
def readable_phone(phone) -> str:
    return _readable_phone(phone)

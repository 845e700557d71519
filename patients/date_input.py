"""A date of birth typed as day, month (by name) and year: the GOV.UK Design System's date input for
memorable dates, as one form field for the front desk and the admin.

The field only splits and joins: it hands the parts to the registration service as `DateParts`,
and `validation.clean_date_of_birth` says what is wrong with them (the month must be between 1 and
12, the date is in the future, ...), next to the field like any other rule.
"""

from datetime import date

from django import forms
from django.utils.dates import MONTHS
from django.utils.translation import gettext_lazy as _

from patients.dates import DateParts

PARTS = ("day", "month", "year")


class BirthDateWidget(forms.MultiWidget):
    template_name = "patients/widgets/date_input.html"

    class Media:
        css = {"all": ["frontdesk/date-input.css"]}

    def __init__(self, attrs=None):
        number = {"inputmode": "numeric", "autocomplete": "off", "class": "date-input__number"}
        widgets = {
            "day": forms.TextInput(attrs={**number, "maxlength": 2, "size": 2}),
            "month": forms.Select(choices=[("", _("Month")), *((str(n), name) for n, name in MONTHS.items())]),
            "year": forms.TextInput(attrs={**number, "maxlength": 4, "size": 4}),
        }
        super().__init__(widgets, attrs)

    def decompress(self, value):
        if isinstance(value, DateParts):
            return [value.day, value.month, value.year]
        if isinstance(value, str) and value:
            try:
                value = date.fromisoformat(value)
            except ValueError:
                return [None, None, None]
        if isinstance(value, date):
            return [str(value.day), str(value.month), str(value.year)]
        return [None, None, None]

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        labels = (_("Day"), _("Month"), _("Year"))
        context["widget"]["parts"] = list(zip(PARTS, labels, context["widget"]["subwidgets"], strict=True))
        return context

    def id_for_label(self, id_):
        return f"{id_}_0" if id_ else id_


class BirthDateField(forms.MultiValueField):
    """Day, month and year in; `DateParts` (or None when all three are empty) out."""

    widget = BirthDateWidget

    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        kwargs.setdefault("help_text", _("For example, 15 March 1984."))
        fields = (forms.CharField(required=False), forms.CharField(required=False), forms.CharField(required=False))
        super().__init__(fields, require_all_fields=False, **kwargs)

    def compress(self, data_list):
        parts = DateParts(*(data_list or (None, None, None)))
        return None if parts.empty else parts

    def has_changed(self, initial, data):
        before = self.compress(self.widget.decompress(initial))
        after = self.compress(data)
        return _as_tuple(before) != _as_tuple(after)


def _as_tuple(parts: DateParts | None):
    if parts is None:
        return None
    if parts.problem() is None:
        return parts.as_date()
    return (parts.day, parts.month, parts.year)

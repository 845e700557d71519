"""Admin forms. They only translate: every rule is the registration service's (patients/services.py)."""

import copy

from django import forms
from django.contrib.admin.widgets import AdminDateWidget
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from patients.actors import Actor
from patients.date_input import BirthDateField
from patients.errors import PatientRuleError, PossibleDuplicatesError
from patients.form_fields import HEALTH_CARD_FIELDS, card_number_as_sent, field_for_error
from patients.form_fields import add_rule_errors as add_errors_to_form
from patients.forms import FIELD_LABELS
from patients.health_cards import PROVINCES
from patients.models import Channel, Patient, health_card_of
from patients.services import register_patient, update_patient

# Admin renames beyond the shared ones (patients.form_fields); None: above the form.
ERROR_FIELDS = {"status": None}
PATIENT_INPUTS = [
    "given_name", "family_name", "preferred_name", "gender", "date_of_birth", "email", "phone", "province",
    "preferred_language", "emr_id", "referrer", "accepts_marketing", "has_insurance", "providers", "groups",
]
PROVINCE_CHOICES = [("", "---------"), *PROVINCES.items()]


def health_card_from(cleaned: dict) -> dict | None:
    """The health card inputs as the services take the card; None when every one is empty."""
    values = {key: cleaned.get(name) for name, key in HEALTH_CARD_FIELDS.items()}
    if not any(values.values()):
        return None
    return {k: ("" if v is None else v) for k, v in values.items()}


def add_rule_errors(form, errors: dict[str, list[str]]):
    """Show a PatientRuleError's messages on the form fields they concern."""
    add_errors_to_form(form, errors, ERROR_FIELDS)


class PossibleDuplicatesMixin:
    """Adds the confirmation a clerk ticks once they have seen the possible duplicates."""

    confirm_field = "confirm"
    possible_duplicates = ()

    def offer_confirmation(self, matches):
        self.possible_duplicates = matches
        self.fields[self.confirm_field].widget = forms.CheckboxInput()

    def show_possible_duplicates(self, matches):
        self.offer_confirmation(matches)
        self.add_error(None, _("This may be a patient who is already registered: check the possible duplicates "
                               "below, then tick the confirmation to go on."))


class MaskedCardNumberInput(forms.TextInput):
    """The masked number, and a "Show" button that fetches the full one (static/frontdesk/frontdesk.js)."""

    def __init__(self, reveal_url, attrs=None):
        super().__init__(attrs)
        self.reveal_url = reveal_url

    def render(self, name, value, attrs=None, renderer=None):
        html = super().render(name, value, attrs, renderer)
        return format_html(
            '{} <button type="button" class="button" data-reveal-url="{}" data-reveal-input="{}">{}</button>',
            html, self.reveal_url, (attrs or {}).get("id", ""), _("Show"),
        )


class PatientAdminForm(PossibleDuplicatesMixin, forms.ModelForm):
    """Adds and changes a patient through register_patient / update_patient.

    The service runs in clean() (inside the admin's transaction), so a broken rule becomes a
    form error and a saved patient comes back as `instance`.
    """

    phone = forms.CharField(
        required=False, max_length=40,
        label=_("Phone"),
        help_text=_("Any format. A number without a country code is read in the organization's region."),
    )
    email = forms.CharField(required=False, max_length=254, label=_("Email"))
    date_of_birth = BirthDateField(label=_("Date of birth"))
    health_card_number = forms.CharField(required=False, max_length=40, label=_("Health card number"))
    health_card_province = forms.ChoiceField(required=False, choices=PROVINCE_CHOICES, label=_("Health card province"))
    health_card_version_code = forms.CharField(required=False, max_length=10, label=_("Version code"))
    health_card_expiry_date = forms.DateField(required=False, widget=AdminDateWidget, label=_("Card expiry date"))
    confirm = forms.BooleanField(
        required=False, widget=forms.HiddenInput,
        label=_("This is a new patient, not one of the possible duplicates listed"),
    )

    admin_user = None  # set by PatientAdmin.get_form
    card_number = ""  # the stored health card number, shown masked until "Show"

    class Meta:
        model = Patient
        fields = PATIENT_INPUTS
        labels = {name: label for name, label in FIELD_LABELS.items() if name in PATIENT_INPUTS}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        patient = self.instance
        if not patient._state.adding:
            self.initial["phone"] = patient.phone_for_reading()
            card = health_card_of(patient)
            if card is not None:
                self.card_number = card.number
                self.fields["health_card_number"].widget = MaskedCardNumberInput(
                    reverse("admin:patients_patient_reveal_health_card", args=[patient.pk]))
                self.initial.update(health_card_number=card.masked_number, health_card_province=card.province,
                                    health_card_version_code=card.version_code,
                                    health_card_expiry_date=card.expiry_date)

    def clean_health_card_number(self):
        return card_number_as_sent(self.cleaned_data["health_card_number"], self.card_number)

    def _card_changed(self) -> bool:
        changed = set(self.changed_data) & set(HEALTH_CARD_FIELDS)
        if self.cleaned_data.get("health_card_number") == self.card_number:
            changed.discard("health_card_number")  # shown ("Show") and sent back as it is stored
        return bool(changed)

    def _value(self, name):
        value = self.cleaned_data.get(name)
        if name in ("providers", "groups"):
            return [str(obj.pk) for obj in value or []]
        return value

    def clean(self):
        cleaned = super().clean()
        if self.errors:
            return cleaned  # what the form itself cannot read (a date) first; the rules next
        actor = Actor.for_user(self.admin_user, Channel.ADMIN)
        try:
            if self.instance._state.adding:
                data = {name: self._value(name) for name in PATIENT_INPUTS if name in self.fields}
                card = health_card_from(cleaned)
                if card is not None:
                    data["health_card"] = card
                self.instance = register_patient(
                    cleaned["organization"], data, actor=actor,
                    allow_possible_duplicates=bool(cleaned.get("confirm")),
                )
            else:
                changes = {name: self._value(name) for name in self.changed_data if name in PATIENT_INPUTS}
                if self._card_changed():
                    changes["health_card"] = health_card_from(cleaned)
                if changes:
                    self.instance = update_patient(self.instance, changes, actor=actor)
        except PossibleDuplicatesError as exc:
            self.show_possible_duplicates(exc.matches)
        except PatientRuleError as exc:
            add_rule_errors(self, exc.errors)
        return cleaned

    def _post_clean(self):
        # The service validated and wrote the patient; the model's own validation would only
        # repeat it in other words (and cannot know the patient number rule).
        pass

    def _save_m2m(self):
        pass  # providers and groups were set by the service


class CompleteRegistrationForm(PossibleDuplicatesMixin, forms.Form):
    """The details a lead needs to become a full patient, prefilled with what it has."""

    given_name = forms.CharField(required=False, max_length=150, label=FIELD_LABELS["given_name"])
    family_name = forms.CharField(required=False, max_length=150, label=FIELD_LABELS["family_name"])
    date_of_birth = BirthDateField(label=FIELD_LABELS["date_of_birth"])
    gender = forms.ChoiceField(required=False, choices=[("", "---------"), *Patient.Gender.choices],
                               label=FIELD_LABELS["gender"])
    phone = forms.CharField(required=False, max_length=40, help_text=_("Any format."), label=FIELD_LABELS["phone"])
    email = forms.CharField(required=False, max_length=254, label=FIELD_LABELS["email"])
    confirm = forms.BooleanField(
        required=False, widget=forms.HiddenInput,
        label=_("These are different people: promote this lead anyway"),
    )

    def __init__(self, *args, lead, missing=(), **kwargs):
        initial = {
            "given_name": lead.given_name, "family_name": lead.family_name, "date_of_birth": lead.date_of_birth,
            "gender": "" if lead.gender == Patient.Gender.UNKNOWN else lead.gender,
            "phone": lead.phone_for_reading(), "email": lead.email,
        }
        super().__init__(*args, initial=initial, **kwargs)
        # What the clinic's registration policy adds to a full patient can be filled in here too.
        policy_inputs = {"province": ["province"], "health_card": list(HEALTH_CARD_FIELDS)}
        for required in lead.organization.required_fields:
            for name in policy_inputs.get(required, ()):
                self.fields[name] = copy.deepcopy(PatientAdminForm.base_fields[name])
        self.initial["province"] = lead.province
        for name in missing:
            name = field_for_error(name)
            if name in self.fields:
                self.fields[name].widget.attrs["class"] = "missing"
                self.fields[name].help_text = _("Missing: a full patient needs this.")

    def promotion_fields(self) -> dict:
        """Only what the clerk changed: untouched details stay exactly as the lead has them."""
        fields = {name: self.cleaned_data[name] for name in self.changed_data
                  if name != "confirm" and name not in HEALTH_CARD_FIELDS}
        card = health_card_from(self.cleaned_data)
        if card is not None:
            fields["health_card"] = card
        return fields


class ImportUploadForm(forms.Form):
    organization = forms.ModelChoiceField(queryset=None, empty_label=None, label=_("Organization"))
    file = forms.FileField(label=_("CSV file"), help_text=_("UTF-8 CSV with a header row (see the columns below)."))
    allow_possible_duplicates = forms.BooleanField(
        required=False,
        label=_("Import rows that only look like existing patients (same phone, or same family name and birth "
                "date). Same email, health card or EMR id is always refused."),
    )

    def __init__(self, *args, organizations, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organization"].queryset = organizations
        if len(organizations) == 1:
            self.fields["organization"].initial = organizations[0].pk

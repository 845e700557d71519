"""Front-desk forms: they carry HTML form fields to the services' domain names and the services'
errors back next to the inputs.

The rules (what is required, what a valid phone or health card is) live in patients.services and
patients.validation; these forms only check shapes, such as a choice among the ones offered, so
that one submit shows every problem the service finds at once.
"""

import phonenumbers
from django import forms
from django.conf import settings
from django.core.exceptions import FieldDoesNotExist
from django.utils.translation import gettext_lazy as _
from localflavor.ca.ca_provinces import PROVINCE_CHOICES as CA_PROVINCES
from localflavor.us.us_states import STATE_CHOICES as US_STATES

from organizations.models import PHONE_REGIONS, LeadContact, PatientGroup, Provider
from patients.cleaning import TEXT_FIELDS
from patients.date_input import BirthDateField
from patients.errors import PatientRuleError
from patients.form_fields import HEALTH_CARD_FIELDS, add_rule_errors, card_number_as_sent, field_for_error
from patients.health_cards import PROVINCES
from patients.models import Patient, health_card_of
from patients.services import missing_for_full_patient

GENDER_CHOICES = [("", _("Choose…"))] + [
    (g.value, g.label) for g in Patient.Gender if g != Patient.Gender.UNKNOWN
]


def phone_region_choices(default_region):
    def label(region):
        return f"{region} (+{phonenumbers.country_code_for_region(region)})"

    others = [(r, label(r)) for r in PHONE_REGIONS if r != default_region]
    return [(default_region, label(default_region))] + others


def province_choices():
    return [("", _("Choose…")), (_("Canada"), list(CA_PROVINCES)), (_("United States"), list(US_STATES))]


def text_field(label, name, **kwargs):
    widget = forms.TextInput(attrs={"maxlength": TEXT_FIELDS[name], "autocomplete": "off"})
    return forms.CharField(label=label, required=False, strip=True, widget=widget, **kwargs)


def date_field(label, **kwargs):
    # A text value handed to the service as typed: it says what is wrong with a bad date.
    return forms.CharField(label=label, required=False, widget=forms.DateInput(attrs={"type": "date"}), **kwargs)


def phone_fields():
    region = forms.ChoiceField(label=_("Phone country"), required=False)
    phone = forms.CharField(
        label=_("Phone"), required=False,
        widget=forms.TextInput(attrs={"type": "tel", "inputmode": "tel", "autocomplete": "off", "maxlength": 32}),
        help_text=_("Any format, e.g. (416) 555-0123. Start with + for another country."),
    )
    return region, phone


class FrontDeskForm(forms.Form):
    """Shared by the intake forms: the one-time token, required marks and service errors."""

    form_token = forms.CharField(widget=forms.HiddenInput, required=False)
    required_fields: tuple[str, ...] = ()

    def __init__(self, *args, organization, **kwargs):
        self.organization = organization
        super().__init__(*args, **kwargs)
        if "phone_region" in self.fields:
            self.fields["phone_region"].choices = phone_region_choices(organization.default_phone_region)
        self.mark_required(self.required_fields)

    def mark_required(self, names):
        # Shown and announced as required; the service decides (the form is `novalidate`).
        for name in names:
            name = field_for_error(name)
            if name in self.fields:
                self.fields[name].show_required = True
                self.fields[name].widget.attrs.update({"required": True, "aria-required": "true"})

    def add_rule_errors(self, error: PatientRuleError):
        """Put a service's errors (domain keys) next to the matching inputs."""
        add_rule_errors(self, error.errors)


class PatientForm(FrontDeskForm):
    """A full patient: registration, editing, and completing a lead's registration."""

    given_name = text_field(_("Given name"), "given_name")
    family_name = text_field(_("Family name"), "family_name")
    preferred_name = text_field(
        _("Preferred name"), "preferred_name", help_text=_("Only if different from the given name.")
    )
    date_of_birth = BirthDateField(label=_("Date of birth"))
    gender = forms.ChoiceField(label=_("Gender"), choices=GENDER_CHOICES, required=False)
    phone_region, phone = phone_fields()
    email = forms.CharField(
        label=_("Email"), required=False,
        widget=forms.EmailInput(attrs={"autocomplete": "off", "maxlength": 254}),
    )
    province = forms.ChoiceField(label=_("Province or state"), required=False)
    preferred_language = forms.ChoiceField(
        label=_("Preferred language"), required=False,
        choices=[("", _("The clinic's language"))] + list(settings.LANGUAGES),
        help_text=_("For the emails and text messages the patient receives."),
    )
    health_card_number = forms.CharField(
        label=_("Health card number"), required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off", "maxlength": 30}),
        help_text=_("Spaces and dashes are fine."),
    )
    health_card_version_code = forms.CharField(
        label=_("Version code"), required=False, widget=forms.TextInput(attrs={"maxlength": 2, "size": 3}),
    )
    health_card_province = forms.ChoiceField(
        label=_("Issuing province"), required=False, choices=[("", _("Choose…"))] + sorted(PROVINCES.items()),
    )
    health_card_expiry_date = date_field(_("Card expiry date"))
    providers = forms.MultipleChoiceField(label=_("Providers"), required=False, widget=forms.CheckboxSelectMultiple)
    groups = forms.MultipleChoiceField(label=_("Groups"), required=False, widget=forms.CheckboxSelectMultiple)
    accepts_marketing = forms.BooleanField(label=_("Agrees to receive news and offers"), required=False)
    has_insurance = forms.BooleanField(label=_("Has private insurance"), required=False)

    def __init__(self, *args, organization, for_lead=False, card_number="", **kwargs):
        self.required_fields = ("gender",) if for_lead else tuple(missing_for_full_patient(organization, {}))
        self.card_number = card_number  # the stored health card number, shown masked until "Show"
        super().__init__(*args, organization=organization, **kwargs)
        self.fields["province"].choices = province_choices()
        self.fields["providers"].choices = [
            (str(pk), name) for pk, name in Provider.objects.for_organization(organization)
            .filter(is_active=True).values_list("pk", "name")
        ]
        self.fields["groups"].choices = [
            (str(pk), name)
            for pk, name in PatientGroup.objects.for_organization(organization).values_list("pk", "name")
        ]

    @classmethod
    def initial_for(cls, patient):
        """The form's starting values for an existing patient (or lead)."""
        card = health_card_of(patient)
        return {
            "given_name": patient.given_name, "family_name": patient.family_name,
            "preferred_name": patient.preferred_name,
            "date_of_birth": patient.date_of_birth,
            "gender": patient.gender if patient.gender != Patient.Gender.UNKNOWN else "",
            "phone_region": patient.organization.default_phone_region,
            "phone": patient.phone_as_typed(international=True),
            "email": patient.email, "province": patient.province, "preferred_language": patient.preferred_language,
            "health_card_number": card.masked_number if card else "",
            "health_card_version_code": card.version_code if card else "",
            "health_card_province": card.province if card else "",
            "health_card_expiry_date": card.expiry_date.isoformat() if card and card.expiry_date else "",
            "providers": [str(p.pk) for p in patient.providers.all()],
            "groups": [str(g.pk) for g in patient.groups.all()],
            "accepts_marketing": patient.accepts_marketing, "has_insurance": patient.has_insurance,
        }

    def domain_data(self) -> dict:
        """Every field, under the service's names (for a registration)."""
        d = self.cleaned_data
        data = {name: d[name] for name in ("given_name", "family_name", "preferred_name", "date_of_birth",
                                           "email", "province", "preferred_language", "phone", "providers", "groups",
                                           "accepts_marketing", "has_insurance")}
        if d["gender"]:
            data["gender"] = d["gender"]
        if d["phone_region"]:
            data["phone_region"] = d["phone_region"]
        card = self.health_card()
        if card is not None:
            data["health_card"] = card
        return data

    def changed_domain_data(self) -> dict:
        """Only what the clerk changed (for an edit or a lead's completion): history stays meaningful."""
        everything = self.domain_data()
        changes = {}
        for name in self.changed_data:
            if name == "health_card_number" and self.cleaned_data[name] == self.card_number:
                continue  # shown ("Show") and sent back as it is stored
            if name in HEALTH_CARD_FIELDS:
                changes["health_card"] = self.health_card()
            elif name in ("phone", "phone_region"):
                changes["phone"] = everything["phone"]
                if "phone_region" in everything:
                    changes["phone_region"] = everything["phone_region"]
            elif name == "gender":
                if "gender" in everything:
                    changes["gender"] = everything["gender"]
            elif name in everything:
                changes[name] = everything[name]
        return changes

    def clean_health_card_number(self):
        return card_number_as_sent(self.cleaned_data["health_card_number"], self.card_number)

    def health_card(self):
        """The card as the service wants it, or None when every card field is empty."""
        card = {key: (self.cleaned_data.get(name) or "").strip() for name, key in HEALTH_CARD_FIELDS.items()}
        return card if any(card.values()) else None


class QuickLeadForm(FrontDeskForm):
    """A caller who gives only a name and a phone: the "Register Patient" contract's lead."""

    full_name = text_field(_("Name"), "full_name", help_text=_("As the caller says it, e.g. Marie Tremblay."))
    phone_region, phone = phone_fields()
    gender = forms.ChoiceField(label=_("Gender"), choices=GENDER_CHOICES, required=False)
    date_of_birth = BirthDateField(label=_("Date of birth"), help_text=_("Optional. For example, 15 March 1984."))
    email = forms.CharField(
        label=_("Email"), required=False, help_text=_("Optional."),
        widget=forms.EmailInput(attrs={"autocomplete": "off", "maxlength": 254}),
    )
    def __init__(self, *args, organization, **kwargs):
        # The contract lets a lead come without a name or a phone; the clinic may want a way to reach it.
        rule = organization.lead_requires
        self.required_fields = ("gender", *{LeadContact.PHONE: ("phone",), LeadContact.EMAIL: ("email",)}.get(rule, ()))
        super().__init__(*args, organization=organization, **kwargs)
        if "email" in self.required_fields:
            self.fields["email"].help_text = ""
        if rule == LeadContact.PHONE_OR_EMAIL:
            self.fields["email"].help_text = _("This clinic needs a phone or an email for a lead.")

    def add_rule_errors(self, error):
        # A lead has one name box: name errors go next to it.
        errors = {("full_name" if k in ("given_name", "family_name") else k): m for k, m in error.errors.items()}
        super().add_rule_errors(PatientRuleError(errors))

    def domain_data(self) -> dict:
        d = self.cleaned_data
        data = {"full_name": d["full_name"], "phone": d["phone"], "email": d["email"],
                "date_of_birth": d["date_of_birth"] or None}
        if d["gender"]:
            data["gender"] = d["gender"]
        if d["phone_region"]:
            data["phone_region"] = d["phone_region"]
        return data


# A domain field's name for staff, in their language (history of changes, messages).
FIELD_LABELS = {name: field.label for name, field in PatientForm.base_fields.items() if field.label}
FIELD_LABELS["health_card"] = _("Health card")


def field_in_words(name: str, model=Patient) -> str:
    """A field's name mid-sentence, in the reader's language: "missing date of birth", "(email)"."""
    if model is Patient and name in FIELD_LABELS:
        label = str(FIELD_LABELS[name])
        return label[:1].lower() + label[1:]
    try:
        return str(model._meta.get_field(name).verbose_name)
    except (FieldDoesNotExist, AttributeError):  # AttributeError: a reverse relation
        return name.replace("_", " ")


class SearchForm(forms.Form):
    STATUS_CHOICES = [("", _("All")), (Patient.Status.ACTIVE, _("Patients")), (Patient.Status.LEAD, _("Leads")),
                      (Patient.Status.ARCHIVED, _("Archived")), (Patient.Status.MERGED, _("Merged"))]

    q = forms.CharField(
        label=_("Search"), required=False, max_length=200,
        widget=forms.TextInput(attrs={"type": "search", "autocomplete": "off"}),
        help_text=_("Name, phone, date of birth (e.g. 15 Mar 1984 or 15/03/1984), patient number, health card "
                    "number or email."),
    )
    status = forms.ChoiceField(label=_("Show"), choices=STATUS_CHOICES, required=False)

"""One table says where a service error shows: the front-desk form, the admin form and the CSV import agree."""

from django import forms

from patients.errors import PatientRuleError
from patients.form_fields import ERROR_FIELDS, HEALTH_CARD_FIELDS, add_rule_errors
from patients.forms import PatientForm
from patients.forms_admin import PatientAdminForm
from patients.importing import COLUMNS, ERROR_COLUMNS


class Form(forms.Form):
    email = forms.CharField(required=False)
    phone = forms.CharField(required=False)
    health_card_number = forms.CharField(required=False)


def errors_of(errors, names=None):
    form = Form({})
    form.is_valid()
    add_rule_errors(form, errors, names)
    return dict(form.errors)


def test_domain_keys_land_on_the_flat_inputs():
    assert errors_of({
        "health_card.number": ["Bad card."], "calling_code": ["Bad code."], "local_phone": ["Bad phone."],
        "username": ["Taken."],
    }) == {"health_card_number": ["Bad card."], "phone": ["Bad code.", "Bad phone."], "email": ["Taken."]}


def test_what_no_input_shows_goes_above_the_form_once():
    assert errors_of({"__all__": ["Maybe a duplicate."], "emr_id": ["Taken."], "phone": ["Bad.", "Bad."]}) == {
        "__all__": ["Maybe a duplicate.", "Emr id: Taken."], "phone": ["Bad."]}
    assert errors_of({"status": ["Not a lead."]}, {"status": None}) == {"__all__": ["Not a lead."]}


def test_the_forms_and_the_import_use_the_same_names():
    for form_class in (PatientForm, PatientAdminForm):
        assert set(HEALTH_CARD_FIELDS) <= set(form_class.base_fields)
        assert {"phone", "email"} <= set(form_class.base_fields)
    assert set(HEALTH_CARD_FIELDS) <= set(COLUMNS)
    assert {key: ERROR_COLUMNS[key] for key in ERROR_FIELDS} == ERROR_FIELDS


def test_a_rule_error_on_the_front_desk_form(organization):
    form = PatientForm({}, organization=organization)
    form.is_valid()
    form.add_rule_errors(PatientRuleError({"username": ["Taken."], "health_card.province": ["Choose one."]}))
    assert form.errors == {"email": ["Taken."], "health_card_province": ["Choose one."]}

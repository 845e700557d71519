"""The intake form's phone country: register_patient reads a national number in the region sent."""

import pytest

from patients.errors import PatientRuleError
from patients.services import register_patient

BASE = {"given_name": "Ada", "family_name": "Byron", "gender": "female", "date_of_birth": "1990-12-10"}


def test_a_number_without_country_code_is_read_in_the_phone_region(organization, staff_actor):
    patient = register_patient(organization, BASE | {"phone": "020 7946 0958", "phone_region": "GB"},
                               actor=staff_actor)

    assert str(patient.phone) == "+442079460958"


def test_without_a_phone_region_the_organizations_region_is_used(organization, staff_actor):
    with pytest.raises(PatientRuleError) as raised:
        register_patient(organization, BASE | {"phone": "020 7946 0958"}, actor=staff_actor)

    assert "read as CA" in raised.value.errors["phone"][0]


def test_an_unknown_phone_region_is_an_error_on_the_phone(organization, staff_actor):
    with pytest.raises(PatientRuleError) as raised:
        register_patient(organization, BASE | {"phone": "4165550123", "phone_region": "ZZ"}, actor=staff_actor)

    assert list(raised.value.errors) == ["phone"]

"""Shared by the register_patient and update_patient tests: a valid person, and a check that a
refused call wrote nothing."""

import pytest

from organizations.models import Organization
from patients.actors import Actor
from patients.errors import PatientRuleError
from patients.models import Channel, HealthCard, Patient, Verification

SELF = Actor(channel=Channel.SELF_REGISTRATION)
PASSWORD = "Maple-Leaf-2024!"


def person(**overrides):
    data = {
        "given_name": "Ana", "family_name": "Lima", "gender": "female", "date_of_birth": "1985-04-12",
        "email": "Ana.Lima@Example.com", "phone": "(416) 555-0123", "province": "on",
    }
    data.update(overrides)
    return data


def rows_written():
    """Everything a registration could write, counted."""
    return {
        "patients": Patient.objects.count(),
        "history": Patient.history.count(),
        "cards": HealthCard.objects.count(),
        "verifications": Verification.objects.count(),
        "numbers": list(Organization.objects.values_list("slug", "last_patient_number").order_by("slug")),
    }


def refused(call, error=PatientRuleError) -> dict[str, list[str]]:
    """Run `call`, expect `error`, check nothing was written, and return the field errors."""
    before = rows_written()
    with pytest.raises(error) as caught:
        call()
    assert type(caught.value) is error
    assert rows_written() == before
    return caught.value.errors

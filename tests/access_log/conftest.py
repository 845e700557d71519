"""The front desk's and the admin's signed-in clients (shared with their own tests) and a patient
with a health card."""

import pytest

from tests.admin.conftest import login  # noqa: F401
from tests.factories import HealthCardFactory, PatientFactory
from tests.frontdesk.conftest import desk  # noqa: F401


@pytest.fixture
def as_owner(login, owner):  # noqa: F811
    """The organization admin's browser session (front desk and admin)."""
    return login(owner)


@pytest.fixture
def holder(organization):
    """A patient of "maple" with an Ontario health card, 9876543217."""
    patient = PatientFactory(organization=organization, given_name="Jane", family_name="Roe", phone="+14165550123")
    HealthCardFactory(patient=patient, number="9876543217", version_code="AB", province="ON")
    return patient

"""Front-desk view tests: a signed-in member of "maple" and form data that registers a patient."""

import pytest

from tests.factories import PatientGroupFactory, ProviderFactory


@pytest.fixture
def desk(client, member):
    """A browser session of a front-desk member of the "maple" organization."""
    client.force_login(member)
    return client


@pytest.fixture
def outsider_desk(client, outsider):
    """A staff member of "birch", who must never see maple's patients."""
    client.force_login(outsider)
    return client


@pytest.fixture
def provider(organization):
    return ProviderFactory(organization=organization, name="Dr. Amara Okafor")


@pytest.fixture
def group(organization):
    return PatientGroupFactory(organization=organization, name="Diabetes clinic")

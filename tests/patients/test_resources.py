"""The export resource cannot be used to import: imports go through patients.importing (every rule)."""

import pytest

from patients.models import Patient
from patients.resources import PatientResource


def test_the_export_resource_refuses_to_import(organization):
    with pytest.raises(RuntimeError, match="patients.importing"):
        PatientResource().import_data(None, dry_run=True)

    assert Patient.objects.count() == 0

"""The Django admin for patients, scoped per organization (organizations/admin/scoping.py)."""

from patients.admin import patients  # noqa: F401  (registers PatientAdmin)
from patients.merging import admin as merging  # noqa: E402, F401  (registers the duplicates worklist)

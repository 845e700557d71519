"""The Django admin for patients, scoped per organization (organizations/admin/scoping.py)."""

from patients.admin import patients  # noqa: F401  (registers PatientAdmin)

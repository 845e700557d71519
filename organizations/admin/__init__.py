"""The Django admin for organizations, scoped per organization (see scoping.py)."""

from organizations.admin import api_keys, organizations, sign_in_locks  # noqa: F401  (registers the model admins)

"""Settings for the test suite: production settings with test-only secrets and fast hashing."""

import os

os.environ.setdefault("SECRET_KEY", "test-only-secret-key-not-for-production-0123456789abcdef")
os.environ.setdefault("DEBUG", "0")
os.environ.setdefault("SECURE_SSL_REDIRECT", "0")
os.environ.setdefault("EMAIL_URL", "smtp://127.0.0.1:25")  # replaced by the in-memory backend below

from .settings import *  # noqa: E402,F403
from .settings import DATABASES

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
ALLOWED_HOSTS = ["*"]
SESSION_COOKIE_SECURE = False
CSRF_COOKIE_SECURE = False
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

if "replica" in DATABASES:
    # The standby replicates the test database pytest-django creates on the primary: same name,
    # the standby's own host and port (Django copies only NAME to a mirror), nothing created there.
    DATABASES["replica"]["TEST"] = {"MIRROR": "default"}
# Tests run in transactions a standby never sees: only the replica tests (marker needs_replica,
# tests/replica/) read from it.
READ_FROM_REPLICA = False

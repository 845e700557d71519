"""The reference: a bare Django + DRF project (one model, a plain serializer, one create endpoint).

No authentication, no rules, no history: what "validate a body and insert a row" costs on this
machine, served the same way as the app, so the app's throughput is reported as a ratio of it.
"""

import os

SECRET_KEY = os.environ.get("SECRET_KEY") or "reference-benchmark-only"
DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]

INSTALLED_APPS = ["rest_framework", "bench.reference"]
MIDDLEWARE = ["django.middleware.security.SecurityMiddleware", "django.middleware.common.CommonMiddleware"]
ROOT_URLCONF = "bench.reference.urls"
WSGI_APPLICATION = "bench.reference.wsgi.application"

_url = os.environ.get("REFERENCE_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/intake_bench_ref")
_rest = _url.split("://", 1)[1]
_auth, _, _hostpart = _rest.rpartition("@")
_hostport, _, _name = _hostpart.partition("/")
_host, _, _port = _hostport.partition(":")
DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": _name,
        "USER": _auth.split(":")[0] or "postgres",
        "PASSWORD": _auth.split(":")[1] if ":" in _auth else "",
        "HOST": _host,
        "PORT": _port or "5432",
        "CONN_MAX_AGE": 60,  # as the app
    }
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
USE_TZ = True
TIME_ZONE = "UTC"

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [],
    "DEFAULT_PERMISSION_CLASSES": [],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "UNAUTHENTICATED_USER": None,
}

"""Settings, read from the environment (django-environ).

Development: `DEBUG=1` (set by `make run`) and nothing else.
Production: set `SECRET_KEY`, `ALLOWED_HOSTS`, `DATABASE_URL` and leave `DEBUG` unset;
`python manage.py check --deploy` then passes with no warnings.
"""

from datetime import timedelta
from pathlib import Path

import environ
from csp.constants import NONCE
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env.bool("DEBUG", default=False)

SECRET_KEY = env.str("SECRET_KEY", default="")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off.")
    SECRET_KEY = "development-only-insecure-key-never-use-in-production"

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "phonenumber_field",
    "localflavor",
    "simple_history",
    "import_export",
    "django_tasks",
    "django_tasks_db",
    "axes",
    "organizations",
    "patients",
    "patients.access_log",
    "operations",
]

MIDDLEWARE = [
    # First: every answer (redirects and refusals included) gets its X-Request-ID, log line and metric.
    "operations.middleware.RequestMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "config.replica.ReadYourWritesMiddleware",
    "organizations.middleware.CurrentOrganizationMiddleware",
    "organizations.middleware.ClinicLocaleMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_permissions_policy.PermissionsPolicyMiddleware",
    "patients.strict_input.StrictInputMiddleware",
    # Last: turns a locked-out staff sign-in into the same answer as a wrong password.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "organizations.context_processors.current_organization",
            ],
        },
    },
]

DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("CONN_MAX_AGE", default=60))
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL + a busy timeout let the dev server and a second process write without "database is locked".
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {"timeout": 20, "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;"}
    )
    DATABASES["default"]["CONN_MAX_AGE"] = 0
elif DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # The name indexes (GIN) queue new entries in a pending list that every name search scans and
    # that the insert crossing its limit merges, inside its registration: at the 4 MB default that
    # was 100-200 ms at 1M patients. Small, it is merged a little at a time (a larger one for the
    # import bought it 3-5 %, within noise, and would leave the next registration a big merge).
    options = DATABASES["default"].setdefault("OPTIONS", {})
    gin_limit = f"-c gin_pending_list_limit={env.int('GIN_PENDING_LIST_LIMIT_KB', default=256)}"
    options["options"] = f"{options.get('options', '')} {gin_limit}".strip()

# Reads that tolerate a moment of lag (searches, lists) on a streaming replica: config/replica.py.
if env.str("REPLICA_DATABASE_URL", default=""):
    DATABASES["replica"] = env.db("REPLICA_DATABASE_URL")
    DATABASES["replica"].setdefault("CONN_MAX_AGE", DATABASES["default"]["CONN_MAX_AGE"])
    DATABASES["replica"].setdefault("OPTIONS", {}).setdefault("connect_timeout", 2)
DATABASE_ROUTERS = ["config.replica.ReplicaRouter"]
READ_FROM_REPLICA = env.bool("READ_FROM_REPLICA", default=True)
REPLICA_READ_YOUR_WRITES_SECONDS = env.int("REPLICA_READ_YOUR_WRITES_SECONDS", default=10)
REPLICA_RETRY_SECONDS = env.int("REPLICA_RETRY_SECONDS", default=5)

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTHENTICATION_BACKENDS = [
    # First: refuses a locked-out username or client address before any password is checked.
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]

# Staff sign-in (/login/ and /admin/login/) limits, kept in the database so that they hold across
# workers and servers. A username or a client address with AXES_FAILURE_LIMIT failures is locked
# for STAFF_LOCKOUT_MINUTES; a locked account is refused even with the right password, with the
# very answer a wrong password gets. Organization admins and superusers unlock in the admin.
AXES_FAILURE_LIMIT = env.int("STAFF_SIGN_IN_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("STAFF_LOCKOUT_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "organizations.sign_in_limits.same_answer_as_a_wrong_password"
AXES_CLIENT_IP_CALLABLE = "organizations.sign_in_limits.client_ip"
AXES_VERBOSE = False
AXES_ENABLE_ACCESS_FAILURE_LOG = False
AXES_ENABLE_ADMIN = False  # one admin page for locks: organizations/admin/sign_in_locks.py

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    {"NAME": "patients.passwords.ComplexityValidator"},
]

# English and French. The codes are the generic "en" and "fr" (not "en-ca"/"fr-ca"): Django ships its
# own admin and form translations as "fr", browsers send "fr-CA" which Django matches to "fr", and
# our catalogue (locale/fr/) is written in Canadian French. Dates and times follow config/formats/.
LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English"), ("fr", "Français")]
LOCALE_PATHS = [BASE_DIR / "locale"]
FORMAT_MODULE_PATH = ["config.formats"]
TIME_ZONE = env.str("TIME_ZONE", default="UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = env.path("STATIC_ROOT", default=BASE_DIR / "staticfiles")
# The app serves its own assets (WhiteNoise), also when DEBUG is off: no CDN, no separate static
# server needed. After `collectstatic` files come from STATIC_ROOT; without it, from the apps.
WHITENOISE_USE_FINDERS = True

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "frontdesk:home"
LOGOUT_REDIRECT_URL = "login"

# Front-desk sessions end after 30 minutes without a request.
SESSION_COOKIE_AGE = env.int("SESSION_COOKIE_AGE", default=30 * 60)
SESSION_SAVE_EVERY_REQUEST = True
SESSION_EXPIRE_AT_BROWSER_CLOSE = True

EMAIL_CONFIG = env.email_url("EMAIL_URL", default="consolemail://")
vars().update(EMAIL_CONFIG)
if not DEBUG and EMAIL_BACKEND == "django.core.mail.backends.console.EmailBackend":  # noqa: F821
    # The console backend prints every message, one-time codes included, to the server's log.
    raise ImproperlyConfigured(
        "EMAIL_URL must name a mail server when DEBUG is off (e.g. smtp+tls://user:pass@host:587); "
        "the console backend would print one-time codes to the log."
    )
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="Patient Intake <no-reply@localhost>")

# Patient self-registration host: `<org-slug>.<PLATFORM_BASE_DOMAIN>`.
PLATFORM_BASE_DOMAIN = env.str("PLATFORM_BASE_DOMAIN", default="intake.localhost")

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "organizations.authentication.ApiKeyAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": [],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["patients.api.strict.StrictJSONParser"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "patients.api.errors.api_exception_handler",
    "UNAUTHENTICATED_USER": None,
    # How many proxies stand in front of the app: only then is X-Forwarded-For believed for rate limits.
    "NUM_PROXIES": env.int("NUM_PROXIES", default=None),
    "DEFAULT_THROTTLE_RATES": {
        "self_registration": env.str("SELF_REGISTRATION_RATE", default="10/hour"),
        "sign_in": env.str("SIGN_IN_RATE", default="30/minute"),
        "verification": env.str("VERIFICATION_RATE", default="30/minute"),
        "api_key": env.str("API_KEY_RATE", default="100000/hour"),
    },
}

SPECTACULAR_SETTINGS = {
    "TITLE": "Patient Intake API",
    "DESCRIPTION": "Patient registration for clinics: the 'Create a Patient' and 'Register Patient' contracts.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    # Swagger UI is served from our own static files (drf-spectacular-sidecar), never a CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # One name for a choice set used under several field names (e.g. verifications.email and .phone).
    "ENUM_NAME_OVERRIDES": {
        "VerificationStatusEnum": "patients.models.Verification.Status",
        # Shared by a patient and a search result (PatientListItem): one name each.
        "PatientStatusEnum": "patients.models.Patient.Status",
        "PatientGenderEnum": "patients.api.patient_serializers.GENDERS",
    },
    "POSTPROCESSING_HOOKS": ["drf_spectacular.hooks.postprocess_schema_enums", "patients.api.schema.finish_schema"],
}

CACHES = {"default": env.cache("CACHE_URL", default="locmemcache://")}

PHONENUMBER_DB_FORMAT = "E164"
PHONENUMBER_DEFAULT_FORMAT = "E164"

SIMPLE_HISTORY_HISTORY_CHANGE_REASON_USE_TEXT_FIELD = True

TASKS = {
    "default": {
        "BACKEND": env.str("TASKS_BACKEND", default="django_tasks.backends.immediate.ImmediateBackend"),
    }
}

# SMS delivery: "console" (development) or "webhook" (POSTs signed JSON to SMS_WEBHOOK_URL).
SMS_BACKEND = env.str("SMS_BACKEND", default="console")
SMS_WEBHOOK_URL = env.str("SMS_WEBHOOK_URL", default="")
SMS_WEBHOOK_SECRET = env.str("SMS_WEBHOOK_SECRET", default="")

# Every line is one JSON object with the request's id, organization, route and status, and never a
# query string (operations/logging.py). LOG_FORMAT=text gives the same fields as plain text.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request": {"()": "operations.logging.RequestContextFilter"}},
    "formatters": {
        "json": {"()": "operations.logging.JsonFormatter"},
        "text": {"()": "operations.logging.TextFormatter"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            # stderr (the default): a command's own output on stdout stays clean for scripts.
            "filters": ["request"],
            "formatter": env.str("LOG_FORMAT", default="json"),
        },
    },
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    # Django's own loggers log through the root handler, so they too get the JSON format and redaction.
    "loggers": {
        "django": {"handlers": [], "level": "INFO", "propagate": True},
        "django.server": {"handlers": [], "level": "INFO", "propagate": True},
        "intake.access": {"handlers": [], "level": env.str("ACCESS_LOG_LEVEL", default="INFO"), "propagate": True},
    },
}

# The largest request body Django reads (files aside); deploy/nginx/intake.conf's client_max_body_size matches it.
DATA_UPLOAD_MAX_MEMORY_SIZE = env.int("DATA_UPLOAD_MAX_MEMORY_SIZE", default=2621440)

# Prometheus metrics at /metrics, only with `Authorization: Bearer $METRICS_TOKEN` (404 while unset).
METRICS_TOKEN = env.str("METRICS_TOKEN", default="")

# Retention (python manage.py prune): how long kept rows stay, in days.
PRUNE_MESSAGE_DELIVERIES_DAYS = env.int("PRUNE_MESSAGE_DELIVERIES_DAYS", default=30)
PRUNE_TASK_RESULTS_DAYS = env.int("PRUNE_TASK_RESULTS_DAYS", default=14)
PRUNE_TOKENS_DAYS = env.int("PRUNE_TOKENS_DAYS", default=0)  # expired or revoked, after this many more days
# An Idempotency-Key is replayed for this long; its record is pruned afterwards.
IDEMPOTENCY_REPLAY_HOURS = env.int("IDEMPOTENCY_REPLAY_HOURS", default=24)

# Content-Security-Policy on every page (django-csp): scripts and styles only from our own static
# files, or inline with the per-request nonce; nothing from another origin, no framing, no plugins.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'", NONCE],
        "style-src": ["'self'", NONCE],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'none'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    },
}
# No page of ours needs a camera, microphone, location or payment: browsers refuse them outright.
PERMISSIONS_POLICY = {
    feature: []
    for feature in (
        "accelerometer", "autoplay", "camera", "display-capture", "geolocation", "gyroscope",
        "magnetometer", "microphone", "midi", "payment", "usb",
    )
}

if not DEBUG:
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    # Load balancers and Prometheus probe the app directly over plain HTTP on the internal address.
    SECURE_REDIRECT_EXEMPT = [r"^health/", r"^metrics$"]
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=60 * 60 * 24 * 365)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_CONTENT_TYPE_NOSNIFF = True
    X_FRAME_OPTIONS = "DENY"

"""The benchmark's own databases and the app's production settings, and the rows every scenario needs.

Only databases whose name starts with `intake_bench` are ever dropped or created here.
"""

import os
import secrets
import subprocess
import sys
from pathlib import Path

import psycopg

ROOT = Path(__file__).resolve().parent.parent
PG = os.environ.get("BENCH_PG", "postgres://postgres@127.0.0.1:5432")
PYTHON = sys.executable
BENCH_PASSWORD = "bench-Desk-pass-1!"


def database_url(name: str) -> str:
    return f"{PG}/{name}"


def _guard(name: str):
    if not name.startswith("intake_bench"):
        raise SystemExit(f"refusing to touch database {name!r}: benchmark databases are named intake_bench*")


def recreate_database(name: str):
    _guard(name)
    with psycopg.connect(database_url("postgres"), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def database_exists(name: str) -> bool:
    with psycopg.connect(database_url("postgres"), autocommit=True) as conn:
        return conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone() is not None


def app_environment(database: str, **extra) -> dict:
    """The production settings (DEBUG off) on plain http at 127.0.0.1, for gunicorn and commands."""
    env = dict(os.environ)
    env.pop("REPLICA_DATABASE_URL", None)  # only the replica scenario's server reads from a replica
    env.update({
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DEBUG": "0",
        "SECRET_KEY": os.environ.get("BENCH_SECRET_KEY") or secrets.token_urlsafe(48),
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "SECURE_SSL_REDIRECT": "0",
        # Production refuses the console email backend; the bench sends no email (nothing listens here).
        "EMAIL_URL": "smtp://127.0.0.1:2525",
        "DATABASE_URL": database_url(database),
        "LOG_LEVEL": "ERROR",
        # The per-key rate limit (100,000/hour by default) would turn a load test into 429s.
        "API_KEY_RATE": "100000000/hour",
        "PYTHONPATH": str(ROOT),
    })
    env.update(extra)
    os.environ["BENCH_SECRET_KEY"] = env["SECRET_KEY"]
    return env


def use_database(name: str, *, fresh: bool):
    """Point this process's Django at the bench database (recreated and migrated when `fresh`)."""
    if fresh or not database_exists(name):
        recreate_database(name)
    env = app_environment(name)
    os.environ.update({k: env[k] for k in (
        "DJANGO_SETTINGS_MODULE", "DEBUG", "SECRET_KEY", "ALLOWED_HOSTS", "SECURE_SSL_REDIRECT", "DATABASE_URL",
        "LOG_LEVEL", "API_KEY_RATE", "EMAIL_URL")})
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)
    return env


def migrate_reference(name: str, *, fresh: bool):
    if fresh or not database_exists(name):
        recreate_database(name)
    env = reference_environment(name)
    subprocess.run([PYTHON, "-m", "django", "migrate", "--no-input", "-v0"], env=env, cwd=ROOT, check=True)


def reference_environment(name: str) -> dict:
    env = dict(os.environ)
    env.update({
        "DJANGO_SETTINGS_MODULE": "bench.reference.settings",
        "REFERENCE_DATABASE_URL": database_url(name),
        "PYTHONPATH": str(ROOT),
    })
    return env


def create_organizations(specs, counts):
    """The organizations (with providers and groups) the generator spreads patients over."""
    from bench.generate import LoadedOrg
    from organizations.models import Organization, PatientGroup, Provider
    from organizations.services import create_organization

    loaded = []
    for spec, count in zip(specs, counts, strict=True):
        org = Organization.objects.filter(slug=spec.slug).first() or create_organization(
            spec.name, slug=spec.slug, default_phone_region=spec.region,
            time_zone="Asia/Dubai" if spec.region == "AE" else "America/Toronto",
        )
        for n in range(1, 21):
            Provider.objects.get_or_create(organization=org, name=f"Dr. Provider {n:02d}")
        for name in ("Diabetes clinic", "Prenatal", "Pediatrics", "Cardiology follow-up", "Smoking cessation",
                     "Walk-in", "Mental health", "Seniors"):
            PatientGroup.objects.get_or_create(organization=org, name=name)
        loaded.append(LoadedOrg(
            id=str(org.pk), slug=org.slug, region=org.default_phone_region, count=count,
            provider_ids=[str(p) for p in Provider.objects.filter(organization=org).values_list("pk", flat=True)],
            group_ids=[str(g) for g in PatientGroup.objects.filter(organization=org).values_list("pk", flat=True)],
        ))
    return loaded


def create_callers(org_slug: str) -> dict:
    """An API key, a front-desk member and a superuser, with signed-in session cookies for wrk."""
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY, get_user_model
    from django.contrib.sessions.backends.db import SessionStore

    from organizations.middleware import SESSION_KEY as ORGANIZATION_KEY
    from organizations.models import Membership, Organization
    from organizations.services import issue_api_key

    organization = Organization.objects.get(slug=org_slug)
    _, raw_key = issue_api_key(organization, name="Bench EMR bridge")
    User = get_user_model()
    desk, _ = User.objects.get_or_create(username="bench-desk", defaults={"email": "desk@bench.example"})
    desk.set_password(BENCH_PASSWORD)
    desk.save()
    Membership.objects.get_or_create(user=desk, organization=organization,
                                     defaults={"role": Membership.Role.FRONT_DESK})
    admin, _ = User.objects.get_or_create(username="bench-admin", defaults={"email": "admin@bench.example"})
    admin.is_staff = admin.is_superuser = True
    admin.set_password(BENCH_PASSWORD)
    admin.save()

    def session_for(user):
        session = SessionStore()
        session[SESSION_KEY] = str(user.pk)
        session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
        session[HASH_SESSION_KEY] = user.get_session_auth_hash()
        session[ORGANIZATION_KEY] = str(organization.pk)
        session.set_expiry(6 * 3600)
        session.create()
        return session.session_key

    return {
        "api_key": raw_key,
        "organization_id": str(organization.pk),
        "desk_session": session_for(desk),
        "admin_session": session_for(admin),
    }

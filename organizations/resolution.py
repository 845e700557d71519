"""Which organization an API request is for, and who is acting for it.

- With an API key, the organization is the key's. An `X-Organization-ID` header (the
  organization's id or slug), when sent, must name that same organization, else 403.
- A signed-in staff member acts for the organization chosen in their session (or their only
  one); a header may pick another of *their* organizations, never someone else's (403).
- Without a key or session (a patient registering themselves), the host decides:
  `<slug>.<PLATFORM_BASE_DOMAIN>` (header optional) or the organization's own portal domain
  (header required and must match). Anywhere else, or where the organization does not accept
  self-registration, the request is refused with a message saying why.
"""

import uuid
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.http.request import split_domain_port
from rest_framework import exceptions

from operations.requests import note_organization
from organizations.middleware import current_organization
from organizations.models import Organization
from organizations.selectors import organizations_for_user

ORGANIZATION_HEADER = "X-Organization-ID"

NEEDS_CREDENTIALS = (
    "Send an API key as 'Authorization: Bearer <key>'. Patients can register themselves only on their "
    "clinic's registration address (<clinic>.{base} or the clinic's own portal domain)."
)


@dataclass(frozen=True)
class ApiCaller:
    organization: Organization
    api_key: Any = None
    user: Any = None  # both None: a patient registering themselves


def names_organization(value: str, organization: Organization) -> bool:
    """Whether a header value (an id or a slug) names `organization`."""
    text = str(value).strip()
    try:
        return uuid.UUID(text) == organization.pk
    except ValueError:
        return text.lower() == organization.slug.lower()


def find_by_id_or_slug(queryset, value: str):
    text = str(value).strip()
    try:
        return queryset.filter(pk=uuid.UUID(text)).first()
    except ValueError:
        return queryset.filter(slug__iexact=text).first()


def organization_for_host(host: str) -> tuple[Organization | None, str]:
    """(organization, "platform" | "portal") for a self-registration host, or (None, "")."""
    domain, _port = split_domain_port(host or "")
    domain = domain.lower().rstrip(".")
    base = settings.PLATFORM_BASE_DOMAIN.lower().strip(".")
    active = Organization.objects.filter(is_active=True)
    if base and domain.endswith("." + base):
        slug = domain[: -len(base) - 1]
        if slug and "." not in slug:
            return active.filter(slug__iexact=slug).first(), "platform"
        return None, ""
    if domain:
        organization = active.filter(portal_domain__iexact=domain).first()
        if organization is not None:
            return organization, "portal"
    return None, ""


def resolve_caller(request, *, allow_self_registration: bool = False) -> ApiCaller:
    """The organization and caller of a DRF request (after authentication), or a DRF exception."""
    caller = _resolve_caller(request, allow_self_registration)
    note_organization(request, caller.organization)  # for the request's log lines
    return caller


def _resolve_caller(request, allow_self_registration: bool) -> ApiCaller:
    header = request.headers.get(ORGANIZATION_HEADER)
    if header is not None and not header.strip():
        header = None

    api_key = getattr(request, "api_key", None)
    if api_key is not None:
        if header is not None and not names_organization(header, api_key.organization):
            raise exceptions.PermissionDenied(
                f"The {ORGANIZATION_HEADER} header names another organization than this API key's."
            )
        return ApiCaller(api_key.organization, api_key=api_key)

    user = request.user
    if user is not None and user.is_authenticated:
        if header is not None:
            organization = find_by_id_or_slug(organizations_for_user(user), header)
            if organization is None:
                raise exceptions.PermissionDenied(
                    f"You do not work for the organization named in the {ORGANIZATION_HEADER} header."
                )
        else:
            organization = current_organization(request._request)
            if organization is None:
                raise exceptions.PermissionDenied(
                    f"Choose an organization first (in the front desk), or send the {ORGANIZATION_HEADER} header."
                )
        return ApiCaller(organization, user=user)

    if not allow_self_registration:
        raise exceptions.NotAuthenticated(NEEDS_CREDENTIALS.format(base=settings.PLATFORM_BASE_DOMAIN))
    organization, via = organization_for_host(request.get_host())
    if organization is None:
        raise exceptions.NotAuthenticated(NEEDS_CREDENTIALS.format(base=settings.PLATFORM_BASE_DOMAIN))
    if via == "portal" and header is None:
        raise exceptions.ValidationError(
            {ORGANIZATION_HEADER: [f"This header is required on a custom portal domain: send {organization.slug!r}."]}
        )
    if header is not None and not names_organization(header, organization):
        raise exceptions.PermissionDenied(
            f"The {ORGANIZATION_HEADER} header names another organization than this address's."
        )
    if not organization.allows_self_registration:
        raise exceptions.PermissionDenied(
            f"{organization.name} does not accept self-registration; please contact the clinic."
        )
    return ApiCaller(organization)

from organizations.middleware import SEVERAL_KEY


def current_organization(request):
    organization = getattr(request, "organization", None)
    session = getattr(request, "session", None)
    return {
        # Unwrap the lazy object so templates can test it for None.
        "current_organization": organization if organization else None,
        "can_switch_organization": bool(session is not None and session.get(SEVERAL_KEY)),
    }

def current_organization(request):
    organization = getattr(request, "organization", None)
    # Unwrap the lazy object so templates can test it for None.
    return {"current_organization": organization if organization else None}

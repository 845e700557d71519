"""The complexity rule added to Django's password validators (settings.AUTH_PASSWORD_VALIDATORS)."""

import re

from django.core.exceptions import ValidationError


class ComplexityValidator:
    """At least one letter, one digit and one character that is neither."""

    def validate(self, password, user=None):
        missing = []
        if not re.search(r"[A-Za-z]", password):
            missing.append("a letter")
        if not re.search(r"\d", password):
            missing.append("a digit")
        if not re.search(r"[^A-Za-z0-9]", password):
            missing.append("a symbol")
        if missing:
            raise ValidationError(
                "This password must contain " + ", ".join(missing) + ".", code="password_too_simple"
            )

    def get_help_text(self):
        return "Your password must contain a letter, a digit and a symbol."

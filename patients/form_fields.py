"""The flat field names shared by the front-desk forms, the admin forms and the CSV import's columns,
and putting a service's errors (domain names, see patients.errors) next to the matching inputs."""

from patients.models import mask_card_number

# Flat input (or column) -> the key of the health card dict the services take.
HEALTH_CARD_FIELDS = {
    "health_card_number": "number",
    "health_card_province": "province",
    "health_card_version_code": "version_code",
    "health_card_expiry_date": "expiry_date",
}

# A domain error key -> the flat input (or column) it is shown at; other keys keep their name.
ERROR_FIELDS = {
    "health_card": "health_card_number",
    **{f"health_card.{key}": name for name, key in HEALTH_CARD_FIELDS.items()},
    "local_phone": "phone",
    "calling_code": "phone",
    "username": "email",  # the username is made from the email
}


def card_number_as_sent(value, stored_number: str) -> str:
    """What a health card number input means: the stored number when the masked value it was shown
    with comes back unchanged (staff pages show the number masked until "Show"), else what was typed."""
    if stored_number and (value or "").strip() == mask_card_number(stored_number):
        return stored_number
    return value


def field_for_error(key: str) -> str:
    return ERROR_FIELDS.get(key, key)


def add_rule_errors(form, errors: dict[str, list[str]], names: dict | None = None):
    """Put a PatientRuleError's messages on the inputs they concern; the rest above the form.

    `names` adds form-specific renames (None: above the form) to ERROR_FIELDS.
    """
    names = {**ERROR_FIELDS, **(names or {})}
    for key, messages in errors.items():
        name = names.get(key, key)
        for message in messages:
            if name is not None and name in form.fields:
                if message not in form.errors.get(name, []):
                    form.add_error(name, message)
            elif name is None or key == "__all__":
                form.add_error(None, message)
            else:
                form.add_error(None, f"{key.replace('_', ' ').replace('.', ' ').capitalize()}: {message}")

"""What a clerk types into the front-desk forms."""

from tests.date_parts import with_date_parts


def patient_form(**overrides):
    """What a clerk types to register a full patient."""
    data = {
        "form_token": "token-1",
        "given_name": "Élodie",
        "family_name": "Tremblay",
        "preferred_name": "",
        "date_of_birth": "1984-03-09",
        "gender": "female",
        "phone_region": "CA",
        "phone": "(416) 555-0199",
        "email": "elodie@example.com",
        "province": "ON",
        "health_card_number": "9876-543-217",
        "health_card_version_code": "ab",
        "health_card_province": "ON",
        "health_card_expiry_date": "2030-01-31",
    }
    data.update(overrides)
    return with_date_parts({k: v for k, v in data.items() if v is not None})


def lead_form(**overrides):
    data = {"form_token": "lead-token-1", "full_name": "Marc Gagnon", "phone_region": "CA",
            "phone": "514 555 0142", "gender": "male", "date_of_birth": "", "email": ""}
    data.update(overrides)
    return with_date_parts({k: v for k, v in data.items() if v is not None})

"""Phone numbers for reading: stored as E.164 (+14165550123), shown the way people write them."""

import phonenumbers


def readable_destination(channel: str, destination: str, region: str) -> str:
    """A verification's address for reading: an email as it is, a phone as people write it."""
    return readable_phone(destination, region) if channel == "phone" and destination else destination


def readable_phone(phone, region: str = "CA") -> str:
    """'+14165550123' -> '(416) 555-0123' for a number of `region`; '+33 1 23 45 67 89' for another
    country; '' for none. Accepts a PhoneNumber or E.164 text."""
    if not phone:
        return ""
    number = getattr(phone, "national_number", None) and phone
    if number is None:
        try:
            number = phonenumbers.parse(str(phone), None)
        except phonenumbers.NumberParseException:
            return str(phone)
    if phonenumbers.region_code_for_number(number) == region:
        return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)

"""Valid, unique health card numbers per province, made from a counter (deterministic, no retries)."""

import string

from patients.names import fold

# (k * STEP + OFFSET) mod 10^d is a permutation of 0..10^d-1 (STEP is coprime with 10): unique numbers
# that do not look sequential.
STEP = 7_919
OFFSET = 104_729

DIGITS = {"AB": 9, "SK": 9, "MB": 9, "NB": 9, "YT": 9, "NS": 10, "NL": 12, "PE": 8}


def luhn_check_digit(payload: str) -> str:
    """The digit that makes payload + digit pass Luhn over every digit."""
    total = 0
    for i, char in enumerate(reversed(payload)):
        digit = int(char) * (2 if i % 2 == 0 else 1)
        total += digit - 9 if digit > 9 else digit
    return str((10 - total % 10) % 10)


def bc_check_digit(payload9: str) -> int:
    weights = (2, 4, 8, 5, 10, 9, 7, 3)
    total = sum(int(d) * w % 11 for d, w in zip(payload9[1:9], weights, strict=True))
    return (11 - total % 11) % 11


def ontario_number(base9: int) -> str:
    payload = f"{base9:09d}"
    return payload + luhn_check_digit(payload)


def _ascii_letters(name: str) -> str:
    return "".join(c for c in fold(name).upper() if "A" <= c <= "Z")


class CardMaker:
    """Hands out card numbers for one organization; every number is unique per province.

    Ontario numbers made here start with 1-8; numbers starting with 9 or 0 are left free for the
    load scenarios and the import file, so they never collide with loaded patients.
    """

    def __init__(self):
        self.counters: dict[str, int] = {}
        self.quebec_seen: set[str] = set()

    def _next(self, province: str) -> int:
        k = self.counters.get(province, 0)
        self.counters[province] = k + 1
        return k

    def make(self, province: str, *, given: str, family: str, birth, female: bool) -> str:
        if province == "ON":
            k = self._next("ON")
            return ontario_number(100_000_000 + (k * STEP + OFFSET) % 800_000_000)
        if province == "BC":
            while True:
                k = self._next("BC")
                payload = "9" + f"{(k * STEP + OFFSET) % 10**8:08d}"
                check = bc_check_digit(payload + "0")
                if check != 10:
                    return payload + str(check)
        if province == "QC":
            return self._quebec(given, family, birth, female)
        if province == "NT":
            k = self._next("NT")
            letter = string.ascii_uppercase[(k // 10**7) % 26]
            return letter + f"{(k * STEP + OFFSET) % 10**7:07d}"
        if province == "NU":
            k = self._next("NU")
            return "1" + f"{(k * STEP + OFFSET) % 10**8:08d}"
        digits = DIGITS[province]
        k = self._next(province)
        return f"{(k * STEP + OFFSET) % 10**digits:0{digits}d}"

    def _quebec(self, given, family, birth, female) -> str:
        letters = _ascii_letters(family)
        head = (letters + "XXX")[:3] + (_ascii_letters(given) or "X")[:1]
        month = birth.month + (50 if female else 0)
        born = f"{birth.year % 100:02d}{month:02d}{birth.day:02d}"
        for tail in range(100):
            number = f"{head}{born}{tail:02d}"
            if number not in self.quebec_seen:
                self.quebec_seen.add(number)
                return number
        k = self._next("QC-overflow")
        number = f"{head}{k % 10**8:08d}"
        self.quebec_seen.add(number)
        return number

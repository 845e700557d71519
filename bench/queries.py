"""What the read scenarios ask: lists of request paths made from loaded patients (deterministic)."""

import random
from urllib.parse import urlencode

from patients.names import fold


def _phone_as_typed(phone: str, i: int) -> str:
    """'+14165550123' typed the ways a clerk or a system would."""
    if not phone.startswith("+1") or len(phone) != 12:
        return phone
    d = phone[2:]
    forms = [f"({d[:3]}) {d[3:6]}-{d[6:]}", f"{d[:3]}-{d[3:6]}-{d[6:]}", phone, f"{d[:3]} {d[3:6]} {d[6:]}", d]
    return forms[i % len(forms)]


def _card_as_typed(card: str, i: int) -> str:
    if len(card) == 10 and card.isdigit() and i % 2:
        return f"{card[:4]}-{card[4:7]}-{card[7:]}"
    return card


def name_queries(samples, count=300, seed=1):
    """Name prefixes as typed in a search box: 'trem', 'élodie tr', 'Ngu'."""
    rng = random.Random(seed)
    out = []
    for i in range(count):
        s = samples[rng.randrange(len(samples))]
        family = s["family_name"]
        if i % 3 == 0:
            out.append(family[: rng.randint(3, 5)])
        elif i % 3 == 1:
            out.append(f"{s['given_name']} {family[:3]}")
        else:
            out.append(fold(family)[:4])
    return out


def phone_queries(samples, count=300, seed=2):
    rng = random.Random(seed)
    with_phone = [s for s in samples if s["phone"]]
    return [_phone_as_typed(with_phone[rng.randrange(len(with_phone))]["phone"], i) for i in range(count)]


def birth_date_queries(samples, count=300, seed=3):
    rng = random.Random(seed)
    born = [s for s in samples if s["date_of_birth"]]
    return [born[rng.randrange(len(born))]["date_of_birth"] for _ in range(count)]


def card_queries(samples, count=300, seed=4):
    rng = random.Random(seed)
    carded = [s for s in samples if s["card"]]
    return [_card_as_typed(carded[rng.randrange(len(carded))]["card"], i) for i in range(count)]


def api_search_paths(queries):
    return [f"/api/v1/patients?{urlencode({'q': q})}" for q in queries]


def frontdesk_search_paths(samples):
    mixed = []
    for group in zip(name_queries(samples, 100), phone_queries(samples, 100), birth_date_queries(samples, 100),
                     card_queries(samples, 100), strict=True):
        mixed.extend(group)
    return [f"/patients/?{urlencode({'q': q})}" for q in mixed]


def patient_page_paths(samples):
    return [f"/patients/{s['id']}/" for s in samples]


ADMIN = "/admin/patients/patient/"


def admin_unfiltered_paths():
    return [ADMIN, ADMIN + "?p=1", ADMIN + "?p=2", ADMIN + "?p=3", ADMIN + "?p=10"]


def admin_filtered_paths(organization_id):
    return [
        ADMIN + "?status__exact=lead",
        ADMIN + f"?organization__id__exact={organization_id}",
        ADMIN + "?province__exact=QC",
        ADMIN + "?has_insurance__exact=1",
        ADMIN + "?status__exact=active&province__exact=BC",
    ]


def admin_searched_paths(samples):
    queries = name_queries(samples, 20, seed=5) + phone_queries(samples, 10, seed=6)
    queries += [str(s["patient_number"]) for s in samples[:10] if s["patient_number"]]
    queries += [s["email"] for s in samples[:20] if s["email"]][:10]
    queries += card_queries(samples, 10, seed=7)
    return [ADMIN + "?" + urlencode({"q": q}) for q in queries]

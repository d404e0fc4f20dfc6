"""How likely two party records are the same trader: string similarity turned into evidence.

Each comparison adds evidence for or against a match, in log-odds (the Fellegi-Sunter way of
adding independent evidence), and the sum becomes a probability. The weights were set by hand
from what each agreement means and checked on the synthetic world's ground truth (see
``docs/analysts/link-analysis.md`` for precision and recall, and for the comparison with
splink's estimated weights):

======================  ===========================================================
names (normalised)      token-sort similarity >= 97: +9, >= 92: +7, >= 85: +4, >= 75: +1,
                        below: -6 (a different name is the strongest evidence against)
street address          same key: +3; similar (>= 90): +2; different: -1
phone, e-mail           same: +3 each; a different phone: -1 (firms have several lines)
e-mail company domain   same: +1.5
tax id                  same: +6; one slip apart (>= 90): +3; different: -4
postcode                different (both given): -1
country                 different: -5
people                  names count 4 less (many people share a name)
start                   -6 (most proposed pairs are not matches)
======================  ===========================================================

A phoenix company shares an address or phone with its predecessor under another name: the
name evidence keeps it a separate entity, and the graph links the two instead.

>>> a = Record("A", "company", "KAURI COAST FRESH PRODUCE", "NZ", "97430902", None, None,
...            "1 MAIN STREET, AUCKLAND", None, "1010")
>>> b = Record("B", "company", "KAURI COAST FRESH PRDUCE", "NZ", "97430902", None, None,
...            "1 MAIN STREET, AUCKLAND", None, None)
>>> score(a, b).probability > 0.99
True
>>> c = Record("C", "company", "TASMAN STEEL IMPORTS", "NZ", "97430902", None, None,
...            "1 MAIN STREET, AUCKLAND", None, "1010")
>>> score(a, c).probability < 0.05
True
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from rapidfuzz import fuzz

PRIOR = -6.0


@dataclass(frozen=True)
class Record:
    """What scoring compares of one party record (keys from :mod:`workbench.network.normalise`)."""

    party_id: str
    kind: str                 # 'company' | 'person'
    name_norm: str
    country: str | None
    phone_key: str | None
    email_key: str | None
    email_domain: str | None
    address_key: str | None
    tax_key: str | None
    postcode: str | None


@dataclass(frozen=True)
class PairScore:
    name_score: float
    address_score: float | None
    same_phone: bool | None
    same_email: bool | None
    tax_id_score: float | None
    log_odds: float

    @property
    def probability(self) -> float:
        return 1.0 / (1.0 + math.exp(-self.log_odds))


def _name_weight(similarity: float) -> float:
    for floor, weight in ((97, 9.0), (92, 7.0), (85, 4.0), (75, 1.0)):
        if similarity >= floor:
            return weight
    return -6.0


def _both(a, b) -> bool:
    return a is not None and b is not None


def score(a: Record, b: Record) -> PairScore:
    """The evidence that ``a`` and ``b`` are the same trader."""
    name = fuzz.token_sort_ratio(a.name_norm, b.name_norm)
    w = PRIOR + _name_weight(name) - (4.0 if a.kind == "person" and b.kind == "person" else 0.0)
    address = None
    if _both(a.address_key, b.address_key):
        address = 100.0 if a.address_key == b.address_key else fuzz.token_sort_ratio(a.address_key, b.address_key)
        w += 3.0 if address == 100.0 else 2.0 if address >= 90 else -1.0
    phone = a.phone_key == b.phone_key if _both(a.phone_key, b.phone_key) else None
    email = a.email_key == b.email_key if _both(a.email_key, b.email_key) else None
    w += 3.0 if phone else 0.0 if phone is None else -1.0
    w += 3.0 if email else 0.0
    if not email and _both(a.email_domain, b.email_domain) and a.email_domain == b.email_domain:
        w += 1.5
    tax = None
    if _both(a.tax_key, b.tax_key):
        tax = 100.0 if a.tax_key == b.tax_key else fuzz.ratio(a.tax_key, b.tax_key)
        w += 6.0 if tax == 100.0 else 3.0 if tax >= 90 else -4.0
    if _both(a.postcode, b.postcode) and a.postcode != b.postcode:
        w -= 1.0
    if _both(a.country, b.country) and a.country != b.country:
        w -= 5.0
    return PairScore(name, address, phone, email, tax, w)

"""How one trader comes to be written down several ways.

Clerks and brokers retype names, abbreviate street types, drop postcodes and write phone
numbers their own way. A variant name always carries at least one character-level slip in a
core word, so no amount of exact normalisation (case, punctuation, legal suffixes) brings it
back to the original; string similarity does.

>>> import numpy as np
>>> rng = np.random.default_rng(0)
>>> name = "Kauri Coast Fresh Produce Ltd"
>>> v = variant_name(name, rng)
>>> v != name and normalise(v) != normalise(name)
True
"""

from __future__ import annotations

import re

import numpy as np

from workbench.synth.names import LEGAL_WORDS, STREET_ABBR, domestic_phone, mobile_phone
from workbench.synth.names import normalise  # noqa: F401  (re-exported: the key the tests try)

ABBREVIATIONS = {
    "International": "Intl", "Trading": "Trdg", "Brothers": "Bros", "Company": "Co",
    "Distributors": "Distributers", "Wholesale": "Wholesalers", "Services": "Svcs",
    "Enterprises": "Ent", "Importers": "Imports", "Supplies": "Supply", "Merchants": "Merchant",
}
SUFFIX_SWAP = {"Limited": "Ltd", "Ltd": "Limited", "(NZ) Limited": "NZ Ltd", "NZ Ltd": "(NZ) Ltd"}


def _typo(word: str, rng: np.random.Generator) -> str:
    """One keyboard slip inside a word (never at its first letter)."""
    for _ in range(10):
        kind = int(rng.integers(0, 4))
        i = int(rng.integers(1, len(word) - 1))
        if kind == 0:
            new = word[:i] + word[i + 1] + word[i] + word[i + 2:]
        elif kind == 1:
            new = word[:i] + word[i + 1:]
        elif kind == 2:
            new = word[:i] + word[i] + word[i:]
        else:
            vowels = "aeiou"
            c = word[i].lower()
            repl = vowels[(vowels.index(c) + 1) % 5] if c in vowels else c
            new = word[:i] + repl + word[i + 1:]
        if new.lower() != word.lower():
            return new
    return word[:-1]


def variant_name(name: str, rng: np.random.Generator) -> str:
    """The same company's name as someone else typed it."""
    tokens = name.split(" ")
    core = [i for i, t in enumerate(tokens) if len(t) >= 4 and t.lower().strip("().") not in LEGAL_WORDS
            and t.isalpha()]
    if not core:
        core = [i for i, t in enumerate(tokens) if len(t) >= 3] or [0]
    i = core[int(rng.integers(0, len(core)))]
    if len(tokens[i]) >= 3:
        tokens[i] = _typo(tokens[i], rng)
    else:
        tokens[i] = tokens[i] + tokens[i][-1]
    out = " ".join(tokens)
    if rng.random() < 0.5:
        for old, new in sorted(SUFFIX_SWAP.items(), key=lambda kv: -len(kv[0])):
            if out.endswith(" " + old):
                out = out[: -len(old)] + new
                break
    if rng.random() < 0.3:
        out = out.replace(" & ", " and ") if " & " in out else out.replace(" and ", " & ")
    if rng.random() < 0.3:
        for long, short in ABBREVIATIONS.items():
            if long in out:
                out = out.replace(long, short, 1)
                break
    if rng.random() < 0.25:
        out = out.upper()
    elif rng.random() < 0.15:
        out = out + "."
    return out


def variant_address(address: str, rng: np.random.Generator) -> str:
    """The same street address with abbreviations, unit style or a slip changed."""
    out = address
    for long, short in STREET_ABBR.items():
        if out.endswith(" " + long):
            out = out[: -len(long)] + short
            break
        if out.endswith(" " + short):
            out = out[: -len(short)] + long
            break
    m = re.match(r"^Unit (\d+), (.*)$", out)
    if m and rng.random() < 0.7:
        out = f"{m.group(1)}/{m.group(2)}"
    elif rng.random() < 0.2:
        out = f"Level {int(rng.integers(1, 6))}, {out}"
    if rng.random() < 0.3:
        words = out.split(" ")
        cand = [k for k, w in enumerate(words) if w.isalpha() and len(w) >= 5]
        if cand:
            k = cand[int(rng.integers(0, len(cand)))]
            words[k] = _typo(words[k], rng)
            out = " ".join(words)
    if rng.random() < 0.2:
        out = out.upper()
    return out


def variant_phone(area: str, local: int, fmt: int, rng: np.random.Generator, other_line: float = 0.2) -> str:
    """The same number in another format, or (with probability ``other_line``) another line of the firm."""
    other = (fmt + 1 + int(rng.integers(0, 3))) % 4
    if rng.random() < other_line:
        return mobile_phone(int(rng.integers(2_000_000, 9_999_999)), other)
    return domestic_phone(area, local, other)

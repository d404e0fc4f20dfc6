"""Names made comparable: one script, one case, no punctuation, no legal forms.

Watch lists and declarations spell the same company differently: "Anglo-Caribbean Co., Ltd.",
"ANGLO CARIBBEAN COMPANY LIMITED", "Anglo Caribbean". Normalising removes what carries no
identity (case, accents, punctuation, legal forms, articles) so that the fuzzy comparison
judges only what does.

>>> normalise_name("Anglo-Caribbean Co., Ltd.")
'ANGLO CARIBBEAN'
>>> normalise_name("Société Générale S.A.")
'SOCIETE GENERALE'
>>> normalise_name("GHANEM, Rami")
'GHANEM RAMI'
"""

from __future__ import annotations

import re
import unicodedata

# Letters NFKD does not take apart into a base letter and an accent.
_FOLD = str.maketrans({"ß": "SS", "ø": "O", "Ø": "O", "æ": "AE", "Æ": "AE", "œ": "OE", "Œ": "OE", "ł": "L",
                       "Ł": "L", "đ": "D", "Đ": "D", "ð": "D", "þ": "TH", "Þ": "TH", "ı": "I", "&": " AND ",
                       "’": "", "'": "", "`": "", "´": ""})

# Legal forms and the like, as they appear after punctuation is gone (multi-word forms first).
LEGAL_FORMS = (
    "SDN BHD", "CO LTD", "PTY LTD", "PVT LTD", "PTE LTD", "S DE RL", "S DE RL DE CV", "SA DE CV", "L L C",
    "S A", "S A S", "S R L", "S P A", "B V", "N V", "A G", "O O O",
    "LTD", "LIMITED", "LLC", "LLP", "LP", "INC", "INCORPORATED", "CO", "COMPANY", "CORP", "CORPORATION",
    "GMBH", "MBH", "AG", "KG", "SA", "SAS", "SARL", "SRL", "SPA", "BV", "NV", "PLC", "PTE", "PVT", "PTY",
    "OOO", "ZAO", "OAO", "PAO", "PJSC", "JSC", "CJSC", "OJSC", "FZE", "FZCO", "FZC", "FZ", "LLC FZ", "AB",
    "OY", "KK", "BHD", "TBK", "EST", "ESTABLISHMENT", "SAL", "WLL", "DOO", "SPOLKA", "ZOO",
)
# Articles and particles carry no identity (and transliterations drop or keep them at will).
ARTICLES = ("THE", "OF", "AND", "DE", "DEL", "DA", "DO", "DU", "LA", "LE", "LES", "VAN", "VON", "DER")
_FORMS: dict[str, list[tuple[str, ...]]] = {}
for _form in sorted({tuple(f.split()) for f in LEGAL_FORMS}, key=len, reverse=True):
    _FORMS.setdefault(_form[0], []).append(_form)   # by first word, longest first
_NON_WORD = re.compile(r"[^A-Z0-9 ]+")
_SPACES = re.compile(r"\s+")


def fold(text: str) -> str:
    """Upper-case ASCII: accents dropped, special letters spelled out, punctuation to spaces."""
    text = str(text)
    if not text.isascii():
        text = unicodedata.normalize("NFKD", text.translate(_FOLD))
        text = "".join(ch for ch in text if not unicodedata.combining(ch))
        text = text.upper().translate(_FOLD).encode("ascii", "ignore").decode()
    else:
        text = text.upper().translate(_FOLD)
    text = _NON_WORD.sub(" ", text)
    return _SPACES.sub(" ", text).strip()


def strip_legal_forms(tokens: list[str]) -> list[str]:
    """Tokens without legal forms and articles; the name itself is never emptied."""
    out: list[str] = []
    i = 0
    while i < len(tokens):
        for form in _FORMS.get(tokens[i], ()):
            if tuple(tokens[i:i + len(form)]) == form:
                i += len(form)
                break
        else:
            if tokens[i] not in ARTICLES:
                out.append(tokens[i])
            i += 1
    return out or tokens


def normalise_name(name: str | None) -> str:
    """The comparable form of a party or listed name ('' for nothing)."""
    if not name:
        return ""
    return " ".join(strip_legal_forms(fold(name).split()))


def sorted_tokens(normalised: str) -> str:
    """Tokens in alphabetical order, so that word order does not matter."""
    return " ".join(sorted(normalised.split()))

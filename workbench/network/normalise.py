"""Keys that make the same phone, e-mail, address or identifier comparable, as SQL expressions.

Clerks write one phone number as ``(09) 743-0902``, ``+64 9 743 0902`` or ``+6497430902``; one
address as ``Unit 19, 96 Park Drive`` or ``19/96 PARK DR``. The keys below drop what carries no
identity so that DuckDB can block candidate pairs and join graph nodes on plain equality. Each
function returns SQL text for a column expression (names only, never values).

>>> import duckdb
>>> con = duckdb.connect()
>>> con.execute(f"select {phone_key('x')} from (values ('(09) 743-0902'), ('+64 9 743 0902'), ('12')) t(x)").fetchall()
[('97430902',), ('97430902',), (None,)]
>>> con.execute(f"select {address_key('a', 'c')} from (values ('Unit 19, 96 Park Drive', 'Auckland'),"
...             " ('19/96 PARK DR', 'AUCKLAND')) t(a, c)").fetchall()
[('19 96 PARK DRIVE, AUCKLAND',), ('19 96 PARK DRIVE, AUCKLAND',)]
"""

from __future__ import annotations

# Street types written short and long (a fact of how addresses are typed, not of one country).
STREET_TYPES = {
    "ST": "STREET", "RD": "ROAD", "AVE": "AVENUE", "AV": "AVENUE", "DR": "DRIVE", "PL": "PLACE", "LN": "LANE",
    "TCE": "TERRACE", "CRES": "CRESCENT", "WY": "WAY", "PDE": "PARADE", "CT": "COURT", "SQ": "SQUARE",
    "HWY": "HIGHWAY", "BLVD": "BOULEVARD", "CL": "CLOSE",
}
# Mail services anyone can sign up to: a shared domain there says nothing about a company.
FREE_MAIL = ("gmail.com", "yahoo.com", "hotmail.com", "outlook.com", "icloud.com", "xtra.co.nz", "qq.com",
             "163.com", "mail.ru", "yandex.ru", "protonmail.com", "live.com", "aol.com", "gmx.de")
PHONE_DIGITS = 8
"""Digits of a phone number kept in its key: the subscriber number survives any prefix style."""


def fold(col: str) -> str:
    """Upper case ASCII letters and digits separated by single spaces."""
    return f"trim(regexp_replace(upper(strip_accents(coalesce({col}, ''))), '[^A-Z0-9]+', ' ', 'g'))"


def phone_key(col: str) -> str:
    """The last eight digits of a phone number, NULL when it has fewer than six."""
    digits = f"regexp_replace(coalesce({col}, ''), '[^0-9]', '', 'g')"
    return f"(case when length({digits}) >= 6 then right({digits}, {PHONE_DIGITS}) end)"


def email_key(col: str) -> str:
    """The address in lower case, NULL when it is not an e-mail address."""
    return f"(case when {col} like '%_@_%' then lower(trim({col})) end)"


def email_domain(col: str) -> str:
    """The company domain of an e-mail address; NULL for free mail services."""
    free = ", ".join(f"'{d}'" for d in FREE_MAIL)
    dom = f"split_part(lower(trim({col})), '@', 2)"
    return f"(case when {col} like '%_@_%' and {dom} not in ({free}) then {dom} end)"


def street_key(col: str) -> str:
    """A street address without unit and level words, with street types spelled out."""
    s = fold(col)
    s = f"regexp_replace({s}, '^(LEVEL|LVL|FLOOR) [0-9]+ ', '')"
    s = f"regexp_replace({s}, '\\b(UNIT|FLAT|SUITE|APT)\\b ?', '', 'g')"
    for short, long in STREET_TYPES.items():
        s = f"regexp_replace({s}, '\\b{short}\\b', '{long}', 'g')"
    return f"trim({s})"


def address_key(street: str, city: str) -> str:
    """Street key and city (no postcode or country: clerks and informants leave them out);
    NULL when there is no street."""
    return (f"(case when nullif(trim(coalesce({street}, '')), '') is not null then "
            f"concat_ws(', ', {street_key(street)}, nullif({fold(city)}, '')) end)")


def identifier_key(col: str) -> str:
    """Letters and digits of an identifier (tax id, registration number), upper case."""
    return f"nullif(upper(regexp_replace(coalesce({col}, ''), '[^A-Za-z0-9]', '', 'g')), '')"


def name_key(col: str) -> str:
    """A name folded to letters and digits (exact matching of names mentioned in reports)."""
    return f"nullif({fold(col)}, '')"

"""What each canonical table needs from a load: its key, the ids it refers to, the checks on its
values and when its facts became known.

Column types come from the store itself (information_schema); this module adds the meaning.
"""

from __future__ import annotations

from dataclasses import dataclass, field

# Value domains shared with DOMAIN.md's vocabulary.
LANES = ("green", "yellow", "orange", "red", "blue")
SELECTION_SOURCES = ("profile", "random", "officer", "intelligence")
RESULTS = ("pending", "positive", "negative")
DIRECTIONS = ("import", "export", "transit")
TRANSPORT_MODES = ("sea", "air", "road", "rail", "post", "other")
PARTY_KINDS = ("company", "person")
META_COLUMNS = ("version", "load_id", "row_hash", "attrs")


@dataclass(frozen=True)
class Check:
    """A rule on one column; ``sql`` tests the typed value ``v`` and is true when it is fine."""

    column: str
    sql: str
    message: str


@dataclass(frozen=True)
class TableSpec:
    key: tuple[str, ...]
    ids: tuple[str, ...]                          # columns holding natural keys: prefixed with the source id
    refs: dict[str, str] = field(default_factory=dict)   # column -> table whose key it must name
    known_at: str | None = None                   # SQL on typed columns when the mapping gives none
    checks: tuple[Check, ...] = ()
    versioned: bool = True                        # reference tables are not versioned


def _one_of(column: str, values: tuple[str, ...]) -> Check:
    quoted = ", ".join("'" + v + "'" for v in values)  # fixed vocabulary, not user input
    return Check(column, f"v in ({quoted})", "must be one of " + ", ".join(values))


def _non_negative(column: str) -> Check:
    return Check(column, "v >= 0", "must not be negative")


def _country(column: str) -> Check:
    return Check(column, "regexp_full_match(v, '[A-Z]{2}')", "must be a 2-letter country code")


def _plausible_time(column: str) -> Check:
    return Check(
        column,
        "v between timestamp '1900-01-01' and now()::timestamp + interval 2 day",
        "must be a date between 1900 and today",
    )


def _plausible_date(column: str) -> Check:
    return Check(column, "v between date '1900-01-01' and current_date + 2", "must be a date between 1900 and today")


TABLES: dict[str, TableSpec] = {
    "party": TableSpec(
        key=("party_id",), ids=("party_id",),
        known_at="coalesce(registered_on::timestamp, $load_time)",
        checks=(_one_of("party_kind", PARTY_KINDS), _country("country_code"),
                _plausible_date("registered_on"),
                Check("email", "v like '%_@_%'", "is not an e-mail address")),
    ),
    "party_link": TableSpec(
        key=("link_id",), ids=("link_id", "from_party_id", "to_party_id"),
        refs={"from_party_id": "party", "to_party_id": "party"},
        known_at="$load_time",
    ),
    "voyage": TableSpec(
        key=("voyage_id",), ids=("voyage_id", "carrier_id"),
        refs={"carrier_id": "party"},
        known_at="coalesce(departed_at, arrived_at, $load_time)",
        checks=(_one_of("transport_mode", TRANSPORT_MODES),),
    ),
    "declaration": TableSpec(
        key=("declaration_id",),
        ids=("declaration_id", "importer_id", "exporter_id", "declarant_id", "carrier_id", "voyage_id"),
        refs={"importer_id": "party", "exporter_id": "party", "declarant_id": "party",
              "carrier_id": "party", "voyage_id": "voyage"},
        known_at="lodged_at",
        checks=(_one_of("direction", DIRECTIONS), _one_of("transport_mode", TRANSPORT_MODES),
                _country("country_dispatch"), _country("country_origin"), _plausible_time("lodged_at"),
                Check("currency", "regexp_full_match(v, '[A-Z]{3}')", "must be a 3-letter currency code")),
    ),
    "declaration_item": TableSpec(
        key=("declaration_id", "item_no"), ids=("declaration_id",),
        refs={"declaration_id": "declaration"},
        known_at=None,                            # always the declaration's lodgement
        checks=(Check("hs_code", "regexp_full_match(v, '[0-9]{2,10}')", "must be 2 to 10 digits"),
                Check("item_no", "v >= 1", "must be 1 or more"),
                _non_negative("quantity"), _non_negative("net_mass_kg"), _non_negative("customs_value"),
                _non_negative("duty"), Check("duty_rate", "v between 0 and 10", "must be a rate between 0 and 10"),
                _country("country_origin"),
                Check("currency", "regexp_full_match(v, '[A-Z]{3}')", "must be a 3-letter currency code")),
    ),
    "inspection": TableSpec(
        key=("inspection_id",), ids=("inspection_id", "declaration_id"),
        refs={"declaration_id": "declaration"},
        known_at="coalesce(result_at, selected_at)",
        checks=(_one_of("lane", LANES), _one_of("selection_source", SELECTION_SOURCES),
                _one_of("result", RESULTS), _non_negative("revenue_recovered"),
                _plausible_time("selected_at"), _plausible_time("result_at")),
    ),
    "intel_report": TableSpec(
        key=("report_id",), ids=("report_id",), known_at="$load_time",
        checks=(_one_of("source_reliability", tuple("ABCDEF")), _one_of("info_credibility", tuple("123456"))),
    ),
    "watchlist_entry": TableSpec(
        key=("entry_id",), ids=("entry_id",), known_at="$load_time",
    ),
    "country": TableSpec(key=("country_code",), ids=(), versioned=False, checks=(_country("country_code"),)),
    "hs_code": TableSpec(
        key=("hs_code", "hs_version"), ids=(), versioned=False,
        checks=(Check("hs_code", "regexp_full_match(v, '[0-9]{2,10}')", "must be 2 to 10 digits"),
                Check("duty_rate", "v between 0 and 10", "must be a rate between 0 and 10")),
    ),
    "exchange_rate": TableSpec(
        key=("currency", "rate_date"), ids=(), versioned=False, known_at="rate_date::timestamp",
        checks=(Check("units_per_base", "v > 0", "must be positive"),
                Check("currency", "regexp_full_match(v, '[A-Z]{3}')", "must be a 3-letter currency code")),
    ),
}

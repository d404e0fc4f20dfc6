"""The reference state a bundle carries, as of its reference date: what a targeting system needs
besides the profiles to select as the workbench does.

- **trusted traders**: importers whose latest record known by the reference date says trusted
  trader (AEO); the field ``declaration.importer_trusted`` is read from it;
- **value control**: per HS6 × origin × quantity unit, the 10th and 90th percentile of the unit
  value (base currency) over the 12 complete months before the reference month, with the count
  behind them — the table ASYCUDA-style systems take (HS, country, minimum and maximum unit
  value), and the very reference the price indicators use for declarations lodged in the
  reference month;
- **watch lists**: the entries listed by the reference date and not delisted, when a profile
  reads a ``lists.*`` indicator;
- **the indicator contract**: what each indicator a profile reads means, with the parameters of
  the build the profiles were backtested on. Indicator values are **supplied with each
  declaration** by the targeting system's side: most indicators (history, newness, network,
  price) need the whole history of trade and outcomes, which a bundle cannot carry; a bundle
  that pretended to recompute them from a snapshot would select differently without saying so.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import duckdb

from workbench.store.sql import rows, scalar

MIN_PEERS = 20


def _month_start(day: dt.date) -> dt.date:
    return day.replace(day=1)


def _months_back(day: dt.date, months: int) -> dt.date:
    index = day.year * 12 + day.month - 1 - months
    return dt.date(index // 12, index % 12 + 1, 1)


def trusted_traders(con: duckdb.DuckDBPyConnection, reference_date: dt.date) -> list[dict[str, Any]]:
    """Parties that were trusted traders by the end of the reference date."""
    end = dt.datetime.combine(reference_date + dt.timedelta(days=1), dt.time())
    return [{"party_id": r[0]} for r in rows(con, """
        select party_id from party where known_at < ?
        qualify row_number() over (partition by party_id order by known_at desc, version desc) = 1
            and coalesce(trusted_trader, false)
        order by party_id""", [end])]


def value_control(con: duckdb.DuckDBPyConnection, reference_date: dt.date, *, months: int = 12,
                  min_peers: int = MIN_PEERS) -> list[dict[str, Any]]:
    """Unit value bounds per HS6 × origin × unit, over the complete months before the reference month."""
    start = _months_back(reference_date, months)
    end = _month_start(reference_date)
    got = con.execute("""
        with first as (
            select * from declaration where lodged_at >= $start and lodged_at < $end
            qualify row_number() over (partition by declaration_id order by known_at, version) = 1
        )
        select left(i.hs_code, 6) as hs6, coalesce(i.country_origin, d.country_origin) as origin,
               lower(i.quantity_unit) as unit, count(*) as n,
               quantile_cont(i.customs_value_base / i.quantity, 0.1) as min_unit_value,
               quantile_cont(i.customs_value_base / i.quantity, 0.9) as max_unit_value
        from first d join declaration_item i using (declaration_id, version)
        where i.quantity > 0 and i.customs_value_base > 0 and coalesce(i.country_origin, d.country_origin) is not null
          and i.quantity_unit is not null
        group by all having count(*) >= $min_peers
        order by hs6, origin, unit""", {"start": start, "end": end, "min_peers": min_peers})
    names = [d[0] for d in got.description]
    out = []
    for r in got.fetchall():
        row = dict(zip(names, r))
        row["min_unit_value"] = round(row["min_unit_value"], 6)
        row["max_unit_value"] = round(row["max_unit_value"], 6)
        out.append(row)
    return out


def value_control_period(reference_date: dt.date, months: int = 12) -> dict[str, str]:
    return {"from": _months_back(reference_date, months).isoformat(),
            "to_before": _month_start(reference_date).isoformat()}


def watch_lists(con: duckdb.DuckDBPyConnection, reference_date: dt.date) -> list[dict[str, Any]]:
    """Watch-list entries in force at the end of the reference date (latest version of each)."""
    end = dt.datetime.combine(reference_date + dt.timedelta(days=1), dt.time())
    got = con.execute("""
        select list_name, entry_id, kind, name, aliases, identifiers, countries, program, known_at as listed_at
        from watchlist_entry where known_at < $end
        qualify row_number() over (partition by entry_id order by known_at desc, version desc) = 1
            and (delisted_at is null or delisted_at >= $end)
        order by list_name, entry_id""", {"end": end})
    names = [d[0] for d in got.description]
    return [dict(zip(names, r)) for r in got.fetchall()]


def indicator_contract(con: duckdb.DuckDBPyConnection, indicators: list[str]) -> dict[str, Any]:
    """What each required indicator is, from the catalogue and the latest build's definition."""
    from workbench.indicators.catalogue import CatalogueError, catalogue

    build = scalar(con, "select max(build_id) from indicator_build")
    defined = {}
    if build is not None:
        for ind, params, sql_sha in rows(con, "select indicator_id, params, sql_sha256 from indicator_definition "
                                              "where build_id = ?", [build]):
            defined[ind] = {"params": json.loads(params) if isinstance(params, str) else params, "sql_sha256": sql_sha}
    cat = catalogue()
    out = []
    for ind in sorted(indicators):
        try:
            desc = cat.get(ind)
            info = {"title": desc.title, "what": desc.what, "as_of": desc.as_of, "grain": desc.grain,
                    "unit": desc.unit, "absent": desc.absent}
        except CatalogueError:
            info = {"title": ind, "what": "not in this workbench's catalogue"}
        out.append({"id": ind, "value_field": f"indicator.{ind}", "flag_field": f"indicator.{ind}.flag",
                    **info, **defined.get(ind, {})})
    return {"supplied_by": "declaration", "build_id": build, "indicators": out,
            "how": "each item of a declaration carries indicators: {ID: {value: number|null, flag: true|false|null}}; "
                   "an indicator not given counts as missing, and a comparison on a missing value is false"}

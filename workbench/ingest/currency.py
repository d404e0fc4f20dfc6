"""Items in the base currency: the rate of the lodgement date converts each customs value.

An item's value is in its own currency, else its declaration's, else the store's base
currency. The rate is the latest one on or before the lodgement day in ``exchange_rate``; an
item with no such rate waits until the rates are loaded.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import duckdb

from workbench.ingest.transforms import Params, quote_source
from workbench.store.sql import scalar

if TYPE_CHECKING:
    from workbench.ingest.targets import TargetPlan


def _day_rates(con: duckdb.DuckDBPyConnection) -> object:
    """``_day_rate``: the rate of each currency for every day from its first rate to the last
    rate date of any currency (later days take that day's). Returns the last rate date.

    An equality join of the items on this small table streams, where an as-of join would sort
    them whole."""
    last = scalar(con, "select max(rate_date) from exchange_rate")
    con.execute(   # each day takes the latest rate on or before it (rates are positive, never NULL)
        "create or replace temp table _day_rate as with span as (select currency, CAST(unnest(generate_series("
        "CAST(min(rate_date) AS TIMESTAMP), CAST($last AS TIMESTAMP), interval 1 day)) AS DATE) AS day "
        "from exchange_rate group by currency) select s.currency, s.day, last_value(r.units_per_base IGNORE NULLS) "
        "over (partition by s.currency order by s.day) AS units_per_base from span s "
        "LEFT JOIN exchange_rate r ON r.currency = s.currency AND r.rate_date = s.day",
        {"last": last},
    )
    return last


def add_item_columns(con: duckdb.DuckDBPyConnection, items: TargetPlan, decl: TargetPlan, decl_known_at: str,
                     params: Params, base: str) -> None:
    """Add to the items' typed select: their declaration's known_at (items are versioned with
    it), the currency their value is in, and the value in the base currency."""
    when = decl.target.when
    present = f"{quote_source(when, [when])} IS NOT NULL" if when else "true"
    base_sql = f"CAST({params.bind(base)} AS VARCHAR)"
    own = "NULL"
    if "currency" in items.target.columns:
        own = items.typed("currency")
        # the item's own currency is what its checks look at; the stored one may be inherited
        items.select = [(sql, "_own_currency" if name == "currency" else name) for sql, name in items.select]
        items.checked["currency"] = "_own_currency"
    else:
        items.columns.append("currency")
    decl_currency = decl.typed("currency") if "currency" in decl.target.columns else "NULL"
    items.select.append((f"(CASE WHEN {present} THEN coalesce({own}, {decl_currency}, {base_sql}) ELSE {own} END)",
                         "currency"))
    items.select.append((f"CAST(CASE WHEN {present} THEN {decl_known_at} END AS TIMESTAMP)", "_decl_known_at"))
    items.reads["_declaration"] = decl.all_reads()
    items.columns.append("customs_value_base")
    if "customs_value" not in items.target.columns:
        items.select.append(("CAST(NULL AS DOUBLE)", "customs_value_base"))
        return
    lodged = f"({decl.typed('lodged_at')})"
    if decl_known_at == lodged and not when:
        day = "CAST(t._decl_known_at AS DATE)"      # known_at is the lodgement: read it once
    else:
        items.select.append((f"CAST(CASE WHEN {present} THEN CAST({lodged} AS DATE) END AS DATE)", "_lodged_day"))
        day = "t._lodged_day"
    if when:
        items.select.append((present, "_decl_present"))
    last = params.bind(_day_rates(con))
    rate_currency = f"CASE WHEN {'t._decl_present' if when else 'true'} AND t.currency <> {base_sql} THEN t.currency END"
    items.wrap = (
        f"select t.*, CASE WHEN t.currency = {base_sql} THEN t.customs_value "
        f"ELSE t.customs_value / r.units_per_base END AS customs_value_base, "
        f"({rate_currency}) IS NOT NULL AND r.units_per_base IS NULL AS _no_rate, {day} AS _rate_day "
        "from ({inner}) t LEFT JOIN _day_rate r "
        f"ON r.currency = {rate_currency} AND r.day = CASE WHEN {day} > CAST({last} AS DATE) "
        f"THEN CAST({last} AS DATE) ELSE {day} END"
    )


def check_rates(con: duckdb.DuckDBPyConnection, items: TargetPlan | None, source_name: str) -> None:
    """Items whose currency has no rate on or before the lodgement day wait for one."""
    if items is None or items.wrap is None:
        return
    rel = items.each_row("WHERE _no_rate AND customs_value IS NOT NULL")
    con.execute(
        f"insert into _problem select i._row, $src, 'waiting', $label, 'currency', i.currency, "
        f"'no exchange rate for ' || i.currency || ' on or before ' || CAST(i._rate_day AS VARCHAR) "
        f"|| ' (load rates first)', NULL from {rel} i",
        {"src": source_name, "label": items.label},
    )

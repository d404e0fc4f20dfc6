"""Point in time, as a property: a declaration's indicators never change when later facts arrive.

Hypothesis draws a small customs history (declarations, items, inspections whose results may
arrive weeks late, watch-list entries) and a cut-off moment T. The "then" store holds only what
was known before T; the "now" store holds everything. Every indicator value of every declaration
lodged before T must be the same in both builds: later declarations, later inspection results
and late-arriving results for old declarations change nothing that was computed earlier.
"""

from __future__ import annotations

import datetime as dt
import math

import duckdb
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from workbench.indicators import build
from workbench.store.migrate import migrate

BASE = dt.datetime(2023, 1, 1)
IMPORTERS, SELLERS, DECLARANTS = ["I1", "I2", "I3"], ["S1", "S2"], ["B1", "B2", None]
GOODS = [("640399", "leather shoes", "pr"), ("640411", "sports shoes", "pr"), ("851712", "mobile phones", "u"),
         ("640699", "leather shoes", "kg"), ("847130", "parts", "u")]
COUNTRIES = ["CN", "SG", "VN"]

# Thresholds low enough that comparisons, references and histories are exercised on a few dozen rows.
PARAMS = {f"{i}.min_peers": 1 for i in ("price.unit_value_low", "price.unit_value_high", "price.value_per_kg",
                                         "price.duty_share_low", "price.freight_share", "shape.mass_per_unit")}
PARAMS |= {"newness.unusual_chapter.min_history": 2, "description.hs_mismatch.min_seen": 1,
           "newness.volume_spike.baseline_days": 60, "newness.volume_spike.min_count": 2,
           "shape.split_below_de_minimis.min_count": 2, "route.via_hub.extra_hubs": ["SG"],
           "route.hub_origin_shift.extra_hubs": ["SG", "VN"]}
PARAMS |= {f"history.{k}.min_exams": 0 for k in ("importer", "declarant", "seller", "hs6", "origin", "office_hs6")}

item = st.fixed_dictionaries({
    "goods": st.sampled_from(GOODS), "origin": st.sampled_from(COUNTRIES),
    "qty": st.integers(1, 500), "value": st.integers(50, 5000), "mass": st.integers(1, 400),
    "duty_pct": st.sampled_from([0, 5, 10, 20]), "freight": st.one_of(st.none(), st.integers(0, 500)),
})
inspection = st.one_of(st.none(), st.fixed_dictionaries({  # about half inspected
    "after": st.integers(0, 72 * 60),                  # minutes from lodgement to selection
    "result_after": st.integers(60, 45 * 24 * 60),     # minutes from selection to result (up to 45 days)
    "result": st.sampled_from(["positive", "negative"]),
    "source": st.sampled_from(["random", "profile", "officer"]),
}))
declaration = st.fixed_dictionaries({
    "minute": st.integers(0, 150 * 24 * 60),
    "importer": st.sampled_from(IMPORTERS), "seller": st.sampled_from(SELLERS),
    "declarant": st.sampled_from(DECLARANTS), "dispatch": st.sampled_from(COUNTRIES),
    "office": st.sampled_from(["NZAKL", "NZWLG"]),
    "items": st.lists(item, min_size=1, max_size=2), "inspection": inspection,
})
history = st.fixed_dictionaries({
    "declarations": st.lists(declaration, min_size=6, max_size=24),
    "cut": st.integers(20 * 24 * 60, 150 * 24 * 60),
    "listed": st.lists(st.tuples(st.sampled_from(["Shenzhen Bright Export", "Singapore Sourcing"]),
                                 st.integers(0, 150 * 24 * 60)), max_size=2),
})


def _at(minutes: int) -> dt.datetime:
    return BASE + dt.timedelta(minutes=minutes)


def make_store(world: dict, *, known_before: dt.datetime | None) -> duckdb.DuckDBPyConnection:
    """An in-memory store of the drawn history, as it was known before ``known_before`` (all of it when None)."""
    con = duckdb.connect()
    migrate(con)

    def known(t: dt.datetime) -> bool:
        return known_before is None or t < known_before

    for pid, name, registered in [("I1", "Harbour Imports", 2015), ("I2", "Kiwi Footwear", 2022),
                                  ("I3", "Small Parcels", 2023), ("S1", "Shenzhen Bright Export Co", 2010),
                                  ("S2", "Singapore Sourcing Pte Ltd", 2011), ("B1", "Pacific Brokers", 2005),
                                  ("B2", "Harbour Agency", 2006)]:
        con.execute("insert into party (party_id, version, known_at, name, registered_on, load_id, row_hash) "
                    "values (?, 1, ?, ?, ?, 0, 'x')", [pid, dt.datetime(registered, 6, 1), name, dt.date(registered, 6, 1)])
    con.execute("insert into country (country_code, name, is_transhipment_hub) values "
                "('CN', 'China', false), ('SG', 'Singapore', true), ('VN', 'Viet Nam', true)")
    for n, (name, minute) in enumerate(world["listed"]):
        if known(_at(minute)):
            con.execute("insert into watchlist_entry (entry_id, version, known_at, list_name, name, load_id, row_hash) "
                        "values (?, 1, ?, 'TEST', ?, 0, 'x')", [f"W{n}", _at(minute), name])
    for n, d in enumerate(world["declarations"]):
        lodged = _at(d["minute"])
        if not known(lodged):
            continue
        did = f"D{n}"
        con.execute(
            "insert into declaration (declaration_id, version, known_at, lodged_at, office_code, direction, "
            "transport_mode, importer_id, exporter_id, declarant_id, country_dispatch, country_origin, currency, "
            "load_id, row_hash) values (?, 1, ?, ?, ?, 'import', 'sea', ?, ?, ?, ?, ?, 'USD', 0, 'x')",
            [did, lodged, lodged, d["office"], d["importer"], d["seller"], d["declarant"], d["dispatch"],
             d["items"][0]["origin"]])
        for k, it in enumerate(d["items"], 1):
            hs, desc, unit = it["goods"]
            attrs = None if it["freight"] is None else f'{{"freight": {it["freight"]}}}'
            con.execute(
                "insert into declaration_item (declaration_id, version, item_no, known_at, hs_code, description, "
                "country_origin, quantity, quantity_unit, net_mass_kg, customs_value, currency, customs_value_base, "
                "duty, load_id, row_hash, attrs) values (?, 1, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'USD', ?, ?, 0, 'x', ?)",
                [did, k, lodged, hs, desc, it["origin"], it["qty"], unit, it["mass"], it["value"], it["value"],
                 it["value"] * it["duty_pct"] / 100, attrs])
        x = d["inspection"]
        if x is None:
            continue
        selected = lodged + dt.timedelta(minutes=x["after"])
        result_at = selected + dt.timedelta(minutes=x["result_after"])
        for version, (state, at) in enumerate([("pending", selected), (x["result"], result_at)], 1):
            if known(at):
                con.execute(
                    "insert into inspection (inspection_id, version, known_at, declaration_id, selected_at, lane, "
                    "selection_source, result, result_at, load_id, row_hash) values (?, ?, ?, ?, ?, 'red', ?, ?, ?, 0, 'x')",
                    [f"X{n}", version, at, did, selected, x["source"], state, at if state != "pending" else None])
    return con


def indicator_values(con: duckdb.DuckDBPyConnection, before: dt.datetime) -> dict:
    build(con, params=PARAMS, user="tester")
    found = con.execute(
        "select declaration_id, item_no, indicator_id, value, flag, ref, support, detail from indicator_value_latest "
        "where lodged_at < ?", [before]).fetchall()
    return {r[:3]: r[3:] for r in found}


def same(a, b) -> bool:
    # floats to 1e-9: the network's risk is solved iteratively, and the store with later facts
    # numbers its nodes with later ones among them, so the sums run in another order (a leak of
    # the future moves a value by far more)
    if isinstance(a, float) and isinstance(b, float):
        return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-12)
    return a == b


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(history)
def test_later_facts_never_change_earlier_indicator_values(world):
    cut = _at(world["cut"])
    then = make_store(world, known_before=cut)
    now = make_store(world, known_before=None)
    try:
        before, after = indicator_values(then, cut), indicator_values(now, cut)
    finally:
        then.close()
        now.close()
    assert before.keys() == after.keys()
    changed = {k: (before[k], after[k]) for k in before if not all(map(same, before[k], after[k]))}
    assert not changed


def test_the_property_is_not_vacuous():
    """A store where results arrive late: the 'then' and 'now' builds differ for later declarations only."""
    world = {"cut": 40 * 24 * 60, "listed": [("Shenzhen Bright Export", 0)], "declarations": [
        {"minute": m * 24 * 60, "importer": "I1", "seller": "S1", "declarant": "B1", "dispatch": "SG", "office": "NZAKL",
         "items": [{"goods": GOODS[0], "origin": "CN", "qty": 100, "value": 2000 - 10 * m, "mass": 80, "duty_pct": 10,
                    "freight": 100}],
         "inspection": {"after": 60, "result_after": 30 * 24 * 60, "result": "positive", "source": "random"}}
        for m in range(0, 90, 10)]}
    cut = _at(world["cut"])
    then, now = make_store(world, known_before=cut), make_store(world, known_before=None)
    before, after = indicator_values(then, cut), indicator_values(now, cut)
    assert before == after and len(before) > 60
    fired = {k[2] for k, v in before.items() if v[1]}
    assert {"lists.watchlist_party", "route.via_hub", "route.dispatch_not_origin"} <= fired
    later = now.execute("select declaration_id, support from indicator_value_latest "
                        "where indicator_id = 'history.importer' order by lodged_at").fetchall()
    # results arrive 30 days after selection: D0's is known from day 30, so D4 (day 40) sees one, D5 two, ...
    assert [s for _, s in later] == [1, 2, 3, 4, 5]          # none at all known before day 40: no value

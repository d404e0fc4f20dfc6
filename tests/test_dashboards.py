"""Dashboards without a browser: their widgets are plain Python objects, so a test sets a filter
the way a click would and reads what the dashboard now shows. The numbers are checked against
direct queries of the same store (the world_store fixture), and the explorer's in-memory copy
against the same slice computed in the store.
"""

from __future__ import annotations

import datetime as dt

import pytest

from workbench.dashboards import FilterError, TradeFilters, slice_indicators, trade_slice
from workbench.dashboards.slice_data import TradeSnapshot, render
from workbench.store.connection import open_store


def _count(db, sql: str, params=None) -> int:
    with open_store(db, read_only=True) as con:
        return con.execute(sql, params or []).fetchone()[0]


def test_filters_are_checked_when_made():
    f = TradeFilters(since="2025-01-01", hs_prefix="85.28", origin="tr", lane="RED", office="")
    assert (f.since, f.hs_prefix, f.origin, f.lane, f.office) == (dt.date(2025, 1, 1), "8528", "TR", "red", None)
    assert f.with_(origin=None).origin is None and f.origin == "TR"  # a changed copy; the original stays
    for bad, words in (({"hs_prefix": "85'; drop table party; --"}, "digits only"),
                       ({"origin": "Turkey"}, "two-letter country code"),
                       ({"lane": "purple"}, "one of green, yellow"),
                       ({"since": "2025-02-30"}, "a date as YYYY-MM-DD"),
                       ({"since": "2025-03-01", "until": "2025-01-01"}, "is before since")):
        with pytest.raises(FilterError, match=words):
            TradeFilters(**bad)


def test_only_the_filters_in_use_reach_the_sql_and_values_stay_bound():
    sql, bound = render("slice_declarations", TradeFilters(origin="TR", lane="red").params())
    assert "$origin" in sql and "$lane" in sql and "$since" not in sql and "$office" not in sql
    assert bound == {"origin": "TR", "lane": "red"} and "'TR'" not in sql
    item_sql, _ = render("slice_declarations", TradeFilters(hs_prefix="8528").params())
    assert "starts_with(i.hs_code, $hs_prefix)" in item_sql  # the by-item variant


def test_a_slice_matches_the_store(world_store):
    with open_store(world_store, read_only=True) as con:
        everything = trade_slice(con)
        tvs = trade_slice(con, TradeFilters(hs_prefix="8528", since="2025-01-01"))
    assert everything.totals["declarations"] == _count(world_store, "select count(*) from declaration_current")
    assert everything.totals["items"] == _count(world_store, "select count(*) from declaration_item_current")
    assert sum(m["declarations"] for m in everything.monthly) == everything.totals["declarations"]
    examined = _count(world_store, "select count(*) from inspection_current where result in ('positive', 'negative')")
    assert everything.totals["examined"] == examined
    expected = _count(world_store, """
        select count(distinct d.declaration_id) from declaration_current d
        join declaration_item i using (declaration_id, version)
        where starts_with(i.hs_code, '8528') and d.lodged_at >= '2025-01-01'""")
    assert tvs.totals["declarations"] == expected > 0
    assert all(r["lodged_at"] >= dt.datetime(2025, 1, 1) and "8528" in r["hs_codes"] for r in tvs.declarations)
    assert tvs.headline().startswith(f"{expected:,} declarations")


def test_the_snapshot_gives_the_same_slices_as_the_store(world_store):
    snapshot = TradeSnapshot(world_store)
    try:
        assert snapshot.last_load_id == _count(world_store, "select max(load_id) from load_log")
        cases = [TradeFilters(), TradeFilters(hs_prefix="8528", origin="TR"), TradeFilters(origin="CN", lane="red"),
                 TradeFilters(dispatch="HK", since="2025-01-01", until="2025-06-30"),
                 TradeFilters(office=snapshot.options()["offices"][0], lane="yellow")]
        with open_store(world_store, read_only=True) as con:
            for filters in cases:
                assert snapshot.slice(filters) == trade_slice(con, filters), filters.describe()
    finally:
        snapshot.close()


def test_the_explorer_follows_its_widgets(world_store):
    from workbench.dashboards import TradeExplorer

    explorer = TradeExplorer(TradeFilters(hs_prefix="8528"), db=world_store)
    assert explorer.value == TradeFilters(hs_prefix="8528")
    start = explorer.slice.totals["declarations"]
    assert start > 0 and "HS 8528" in explorer.headline.value

    explorer.origin.value = "TR"  # what choosing in the dropdown does
    assert explorer.value == TradeFilters(hs_prefix="8528", origin="TR")
    narrowed = explorer.slice.totals["declarations"]
    assert 0 < narrowed < start and "origin TR" in explorer.headline.value
    drawn = explorer.monthly.spec["data"]["values"]  # what the chart widget now draws
    assert sum(m["declarations"] for m in drawn) == narrowed
    assert {r["origin"] for r in explorer.slice.routes} == {"TR"}

    explorer.hs_prefix.value = "85x"  # a bad value: said next to the filters, nothing recomputed
    assert "digits only" in explorer.status.value and explorer.value.hs_prefix == "8528"

    explorer.hs_prefix.value = ""
    assert explorer.value == TradeFilters(origin="TR") and explorer.slice.totals["declarations"] > narrowed

    route = explorer.slice.routes[0]
    # what the browser sends when a route bar is clicked: the chart's Vega point signal
    explorer.routes._vl_selections = {"route": {"value": {"vlPoint": {"or": [
        {"dispatch": route["dispatch"], "origin": route["origin"]}]}}, "store": []}}
    assert explorer.value.dispatch == route["dispatch"]  # a click on a route filters on it
    assert explorer.dispatch.value == route["dispatch"] and explorer.refresh_ms is not None

    explorer.clear.click()
    assert explorer.value == TradeFilters() and explorer.origin.value == "" and explorer.origin.label == "all"
    bundle = explorer._repr_mimebundle_()
    assert "application/vnd.jupyter.widget-view+json" in bundle


def test_indicators_of_a_slice_compare_with_all_trade(world_store, tmp_path):
    from indicator_fixtures import copy_store
    from workbench.indicators import build

    db = copy_store(world_store, tmp_path / "world.duckdb")
    with open_store(db, read_only=True) as con:
        assert slice_indicators(con, TradeFilters(hs_prefix="8528")) == []  # no build yet
    with open_store(db) as con:
        build(con, indicators=["history"], reason="test")
    with open_store(db, read_only=True) as con:
        found = {r["indicator_id"]: r for r in slice_indicators(con, TradeFilters(hs_prefix="8528"))}
        items = trade_slice(con, TradeFilters(hs_prefix="8528")).totals["items"]
    assert set(found) <= {"history.importer", "history.declarant", "history.seller", "history.hs6",
                          "history.origin", "history.office_hs6"} and found
    for r in found.values():
        assert r["items_computed"] <= items and 0 <= r["share_fired"] <= 1


def test_the_overview_and_the_risk_matrix(world_store, tmp_path):
    from indicator_fixtures import copy_store
    from workbench.dashboards import RiskMatrix, StoreOverview
    from workbench.strategic import add_risk

    db = copy_store(world_store, tmp_path / "world.duckdb")
    overview = StoreOverview(db=db)
    assert overview.value["slice"].totals["declarations"] == _count(db, "select count(*) from declaration_current")
    assert "lodged from" in overview.facts.value

    with open_store(db) as con:
        add_risk(con, title="Undervalued monitors", likelihood=4, consequence=4, category="revenue")
        add_risk(con, title="Pests in timber", likelihood=2, consequence=5, category="biosecurity")
    matrix = RiskMatrix(db=db)
    assert len(matrix.value["risks"]) == 2 and "Undervalued monitors" in matrix.table.value
    matrix.category.value = "biosecurity"
    assert [r["title"] for r in matrix.value["risks"]] == ["Pests in timber"]
    cell = next(c for c in matrix.value["matrix"] if (c["likelihood"], c["consequence"]) == (2, 5))
    assert cell["count"] == 1
    matrix.as_of.value = dt.date(2000, 1, 1)  # the register as it stood then: empty
    assert matrix.value["risks"] == [] and "no risks" in matrix.table.value

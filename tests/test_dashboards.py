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
    chapter_sql, bound = render("slice_examinations", TradeFilters(hs_prefix="85").params())
    assert "x.chapter = $chapter" in chapter_sql and "first_of_chapter" in chapter_sql and bound == {"chapter": "85"}
    both_sql, _ = render("slice_examinations", TradeFilters(hs_prefix="85", origin="CN").params())
    assert "and x.first_of" not in both_sql  # "-- if chapter unless origin", "-- if origin unless chapter"


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



def test_a_slice_of_declaration_filters_matches_the_store(world_store):
    """Date, dispatch and lane filters (read inline from the base, nothing copied) count what the
    store counts."""
    with open_store(world_store, read_only=True) as con:
        dispatch = con.execute("select country_dispatch from declaration_current group by 1 "
                               "order by count(*) desc limit 1").fetchone()[0]
        found = trade_slice(con, TradeFilters(dispatch=dispatch, since="2025-01-01", lane="red"))
    in_lane = """
        from declaration_current d join inspection_current x using (declaration_id)
        where d.country_dispatch = ? and d.lodged_at >= '2025-01-01' and x.lane = 'red'"""
    assert found.totals["declarations"] == _count(world_store, f"select count(distinct d.declaration_id) {in_lane}",
                                                  [dispatch]) > 0
    assert found.totals["examined"] == _count(
        world_store, f"select count(*) {in_lane} and x.result in ('positive', 'negative')", [dispatch])
    assert found.totals["positives"] == _count(world_store, f"select count(*) {in_lane} and x.result = 'positive'",
                                               [dispatch])
    assert {r["lane"] for r in found.lanes} == {"red"}
    assert all(r["dispatch"] == dispatch for r in found.routes)

_GOODS = """
    with m as (
        select d.declaration_id, d.lodged_at, d.importer_id, coalesce(d.country_dispatch, '?') as dispatch,
               coalesce(i.country_origin, d.country_origin, '?') as origin, i.customs_value_base as value
        from declaration_current d join declaration_item i using (declaration_id, version)
        where ($hs is null or starts_with(i.hs_code, $hs))
          and ($origin is null or coalesce(i.country_origin, d.country_origin) = $origin)
          and ($lane is null or d.declaration_id in (select declaration_id from inspection_current where lane = $lane))
    ),
    x as (select * from inspection_current where $lane is null or lane = $lane)
"""


def _goods(db, hs, origin, lane, sql):
    with open_store(db, read_only=True) as con:
        return con.execute(_GOODS + sql, {"hs": hs, "origin": origin, "lane": lane}).fetchall()


@pytest.mark.parametrize(("hs", "origin", "lane"), [("85", None, None), ("85", "CN", None), (None, "CN", None),
                                                    ("85", None, "red"), (None, "CN", "yellow")])
def test_a_chapter_or_an_origin_slice_counts_what_the_store_counts(world_store, hs, origin, lane):
    """A chapter and an origin read one row a declaration from goods grouped by chapter and origin
    (no grouping per change): the totals, months and routes are those of the items themselves."""
    snapshot = TradeSnapshot(world_store)
    try:
        found = snapshot.slice(TradeFilters(hs_prefix=hs, origin=origin, lane=lane), top=1000)
    finally:
        snapshot.close()
    (declarations, items, value, importers), = _goods(world_store, hs, origin, lane, """
        select count(distinct declaration_id), count(*), round(sum(value), 2), count(distinct importer_id) from m""")
    (examined, positives), = _goods(world_store, hs, origin, lane, """
        select count(*) filter (where result in ('positive', 'negative')), count(*) filter (where result = 'positive')
        from x where declaration_id in (select declaration_id from m)""")
    t = found.totals
    assert declarations > 0 and examined > 0
    assert (t["declarations"], t["items"], t["importers"], t["examined"], t["positives"]) == (
        declarations, items, importers, examined, positives)
    assert t["declared_value"] == pytest.approx(value, abs=0.02)
    months = dict(_goods(world_store, hs, origin, lane, """
        select date_trunc('month', lodged_at)::DATE, count(distinct declaration_id) from m group by 1"""))
    assert {r["month"]: r["declarations"] for r in found.monthly} == months
    routes = {(r[0], r[1]): r[2:] for r in _goods(world_store, hs, origin, lane, """
        , r as (select distinct declaration_id, dispatch, origin from m)
        select r.dispatch, r.origin, count(distinct r.declaration_id),
               count(x.inspection_id) filter (where x.result in ('positive', 'negative')),
               count(x.inspection_id) filter (where x.result = 'positive')
        from r left join x using (declaration_id) group by 1, 2""")}
    assert {(r["dispatch"], r["origin"]): (r["declarations"], r["examined"], r["positives"])
            for r in found.routes} == routes


def test_the_snapshot_gives_the_same_slices_as_the_store(world_store):
    snapshot = TradeSnapshot(world_store)
    try:
        assert snapshot.last_load_id == _count(world_store, "select max(load_id) from load_log")
        cases = [TradeFilters(), TradeFilters(hs_prefix="8528", origin="TR"), TradeFilters(origin="CN", lane="red"),
                 TradeFilters(hs_prefix="85", origin="CN", since="2025-01-01"),
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


# --- the profile builder, the network explorer and the performance monitor -----------------

WINDOW = ("2025-01-01", "2026-01-01")
PRICE_FLAG = "indicator.price.unit_value_low.flag"


@pytest.fixture(scope="module")
def tactical_world(world_store, tmp_path_factory):
    """The synthetic world with a price indicator build and the entity graph (read-only here:
    tests that write copy it)."""
    from indicator_fixtures import copy_store
    from workbench.indicators import build
    from workbench.network.summary import network_summary

    db = copy_store(world_store, tmp_path_factory.mktemp("tactical") / "world.duckdb")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("WORKBENCH_USER", "tester")
        with open_store(db) as con:
            build(con, indicators=["price"], reason="test")
        network_summary(db)
    return db


def test_builder_criteria_make_the_profile_on_screen():
    from workbench.dashboards import BuilderCriteria, CriteriaError

    c = BuilderCriteria(hs_prefixes="85.28; 6403", origins=["tr", "cn"], max_value_per_kg="12.5", min_duty_rate=0.1,
                        indicator_flags=(PRICE_FLAG,), selection_pct=50)
    assert (c.hs_prefixes, c.origins, c.max_value_per_kg) == (("8528", "6403"), ("TR", "CN"), 12.5)
    profile = c.profile(profile_id="RP-T-1", risk="R-1", title="Cheap monitors")
    leaves = profile.content()["criteria"]["all"]
    assert {"field": "item.value_per_kg", "lt": 12.5} in leaves and {"field": PRICE_FLAG, "eq": True} in leaves
    assert profile.exceptions is not None and profile.treatment.selection_pct == 50  # trusted traders left out
    assert c.with_(max_value_per_kg=None).max_value_per_kg is None and c.max_value_per_kg == 12.5
    for bad, words in (({"hs_prefixes": "85'; drop table x"}, "digits only"), ({"origins": "Turkey"}, "two-letter"),
                       ({"min_duty_rate": 1.5}, "between 0 and 1"), ({"max_value_per_kg": "cheap"}, "a number"),
                       ({"lane": "purple"}, "one of"), ({"selection_pct": 0}, "above 0"),
                       ({"indicator_flags": ("price.low",)}, "indicator.FAMILY.NAME.flag")):
        with pytest.raises(CriteriaError, match=words):
            BuilderCriteria(**bad)
    with pytest.raises(CriteriaError, match="at least one criterion"):
        BuilderCriteria().profile()


def test_the_builder_measures_as_the_backtest_does(tactical_world):
    from workbench.dashboards import BuilderCriteria, BuilderFrame
    from workbench.profiles import backtest
    from workbench.profiles.selection import store_salt

    frame = BuilderFrame(tactical_world, *WINDOW)
    try:
        assert PRICE_FLAG in frame.indicator_flags
        assert frame.declarations == _count(tactical_world, """
            select count(distinct declaration_id) from declaration
            where lodged_at >= '2025-01-01' and lodged_at < '2026-01-01'""")
        cases = [BuilderCriteria(hs_prefixes="85", max_value_per_kg=20),
                 BuilderCriteria(min_duty_rate=0.1, selection_pct=40, lane="yellow"),
                 BuilderCriteria(indicator_flags=(PRICE_FLAG,), min_duty_rate=0.05, exclude_trusted=False),
                 BuilderCriteria(origins="CN", dispatch="HK")]
        keys = ("hits", "examination_rate", "examined", "positives", "hit_rate", "detection_rate", "lift", "revenue")
        for criteria in cases:
            profile = criteria.profile()
            got = frame.measure(profile)
            with open_store(tactical_world, read_only=True) as con:
                expected = backtest(con, [profile], *WINDOW, as_of=frame.as_of, salt=store_salt(con)).profiles[0]
            assert {k: getattr(got, k) for k in keys} == {k: expected[k] for k in keys}, criteria.describe()
            wider = criteria.broader()  # moving a threshold within the declarations set apart: the same numbers
            if wider is not None:
                within = frame.measure(profile, within=wider.profile())
                assert {k: getattr(within, k) for k in keys} == {k: expected[k] for k in keys}, criteria.describe()
                assert within.capture == got.capture
            curve = got.capture
            assert curve[0] == {"inspected_share": 0.0, "offences_share": 0.0}
            assert curve[-1]["inspected_share"] == pytest.approx(got.hits / frame.declarations)
            assert curve[-1]["offences_share"] == pytest.approx(got.positives / frame.positives)
            assert all(a["offences_share"] <= b["offences_share"] for a, b in zip(curve, curve[1:]))
        assert any(frame.measure(c.profile()).hits for c in cases)
    finally:
        frame.close()


def test_the_builder_follows_its_sliders_and_saves_a_draft(tactical_world, tmp_path):
    from indicator_fixtures import copy_store
    from workbench.dashboards import BuilderCriteria, ProfileBuilder
    from workbench.profiles import get_profile
    from workbench.strategic import add_risk

    db = copy_store(tactical_world, tmp_path / "world.duckdb")
    builder = ProfileBuilder(BuilderCriteria(hs_prefixes="85", max_value_per_kg=50.0), db=db, since=WINDOW[0],
                             until=WINDOW[1])
    wide = builder.result.hits
    assert wide > 0 and f"{wide:,} hits" in builder.headline.value
    builder.max_value_per_kg.value = 5.0  # what dragging the slider does
    assert builder.value.max_value_per_kg == 5.0 and 0 < builder.result.hits < wide
    drawn = builder.capture.spec  # the capture chart the widget now draws: its last point is the profile's
    last = max(p["inspected_share"] for layer in drawn["layer"] if "data" in layer
               for p in layer["data"].get("values", []) if "inspected_share" in p)
    assert last == pytest.approx(builder.result.hits / builder.frame.declarations)

    builder.use_value.value = False
    assert builder.value.max_value_per_kg is None and builder.result.hits > wide
    builder.min_duty_rate.value = 0.2  # moving a slider switches its threshold on
    assert builder.use_duty.value and builder.value.min_duty_rate == 0.2

    builder.hs_prefixes.value = "85x"  # a bad value: said beside the criteria, the numbers stay
    assert "digits only" in builder.status.value and builder.value.hs_prefixes == ("85",)
    builder.hs_prefixes.value = "85"

    builder.profile_id.value = "RP-BUILT-01"
    assert builder.save_draft() is None and "register risk" in builder.saved.value  # the register is empty
    with open_store(db) as con:
        risk_id = add_risk(con, title="Undervalued electronics", likelihood=4, consequence=3,
                           category="revenue")["risk_id"]
    builder.risk.options = [("revenue", risk_id)]
    builder.title.value = "Electronics with high duty"
    builder.save.click()
    assert "RP-BUILT-01 v1: created" in builder.saved.value
    with open_store(db, read_only=True) as con:
        saved, row = get_profile(con, "RP-BUILT-01")
        audited = con.execute("select actor, action from audit_log where object_id = 'RP-BUILT-01@1'").fetchall()
    assert row["status"] == "draft" and row["author"] == "tester" and audited == [("tester", "profile.create")]
    assert saved.criteria == builder.profile.criteria  # what is saved is what was measured

    builder.load_window("2024-01-01", "2024-07-01")
    assert builder.frame.start.year == 2024 and "2024-01-01" in builder.window_text.value
    builder.load_window("2024-07-01", "2024-01-01")
    assert "before it starts" in builder.status.value and builder.frame.start.year == 2024


def test_the_network_explorer_searches_expands_and_lists(tactical_world):
    from workbench.dashboards import NetworkExplorer, busiest_traders
    from workbench.network import known_offenders

    explorer = NetworkExplorer(db=tactical_world)
    assert explorer.value is None and "Where to start" in explorer.starts.value
    with open_store(tactical_world, read_only=True) as con:
        start = busiest_traders(con, 1)[0]
        offenders = known_offenders(con)
    explorer.search.value = start["node"]
    view = explorer.value
    assert view.node == start["node"] and view.label in explorer.headline.value
    assert len(view.declarations) == min(20, start["declarations"]) and view.declarations[0]["declaration_id"] in \
        explorer.declarations.value
    assert {r["node"] for r in view.offenders} == {n for n in view.graph if n in offenders and n != view.node}
    near = view.graph.number_of_nodes()
    explorer.hops.value = 2
    assert explorer.value.graph.number_of_nodes() > near and explorer.value.hops == 2
    hubs = [v for _, v in explorer.expand_choice.options if v]
    if hubs:
        before = explorer.value.graph.number_of_nodes()
        explorer.expand_hub(hubs[0])
        assert hubs[0] in explorer.value.expanded and explorer.value.graph.number_of_nodes() >= before
    explorer.search.value = "no such trader"
    assert "no node 'no such trader'" in explorer.status.value.replace("&#x27;", "'")


def test_the_performance_monitor_shows_active_profiles_against_target(tactical_world, tmp_path):
    from indicator_fixtures import copy_store
    from workbench.access import grant, list_roles
    from workbench.dashboards import BuilderCriteria, BuilderFrame, PerformanceMonitor
    from workbench.profiles import save_profile, transition
    from workbench.profiles.monitor import data_end, months_back
    from workbench.strategic import add_risk

    db = copy_store(tactical_world, tmp_path / "world.duckdb")
    empty = PerformanceMonitor(db=db)
    assert empty.value["performance"]["profiles"] == [] and "no active profiles" in empty.profiles.value

    specs = {"RP-MON-WIDE": (BuilderCriteria(hs_prefixes="85"), 0.99),
             "RP-MON-DUTY": (BuilderCriteria(min_duty_rate=0.1), 0.01)}
    with open_store(db) as con:
        risk_id = add_risk(con, title="Revenue leakage", likelihood=4, consequence=4, category="revenue")["risk_id"]
        admin = next(r["user"] for r in list_roles(con) if r["role"] == "admin")  # the store's creator
        grant(con, admin=admin, user="boss", role="approver", reason="test")
        for pid, (criteria, target) in specs.items():
            save_profile(con, criteria.profile(profile_id=pid, title=pid, risk=risk_id, target={"hit_rate": target}))
            transition(con, "submit", pid, reason="test")
            transition(con, "approve", pid, reason="test", actor="boss")
            transition(con, "activate", pid, reason="test", actor="boss")
        end = data_end(con)
    monitor = PerformanceMonitor(db=db, months=3)
    shown = {r["profile_id"]: r for r in monitor.value["performance"]["profiles"]}
    assert set(shown) == set(specs) and "2 active profile(s)" in monitor.headline.value
    frame = BuilderFrame(db, months_back(end, 3), end)
    try:  # the builder's path and the monitor's path count the same hits
        for pid, (criteria, _) in specs.items():
            assert shown[pid]["hits"] == frame.measure(criteria.profile(profile_id=pid)).hits > 0
    finally:
        frame.close()
    assert shown["RP-MON-WIDE"]["meets_target"] is False and "RP-MON-WIDE" in monitor.profiles.value
    months = {r["month"][:7] for r in monitor.value["performance"]["monthly"]}
    assert 1 <= len(months) <= 4 and all(r["target"] in (0.99, 0.01) for r in monitor.value["performance"]["monthly"])
    assert risk_id in monitor.coverage.value and "RP-MON-DUTY" in monitor.coverage.value
    monitor.months.value = 6
    assert len({r["month"] for r in monitor.value["performance"]["monthly"]}) > len(months)


@pytest.mark.parametrize("module", ["builder_criteria", "monitor_data", "target_candidates", "filters", "html_table",
                                    "register_view"])
def test_the_examples_in_the_docstrings_run(module):
    import doctest
    import importlib

    result = doctest.testmod(importlib.import_module(f"workbench.dashboards.{module}"))
    assert result.attempted and not result.failed


def test_target_list_candidates_for_an_operation(tactical_world, tmp_path):
    from indicator_fixtures import copy_store
    from workbench.dashboards import BuilderCriteria, linked_traders, profile_hit_traders, target_list
    from workbench.profiles import backtest, get_list, save_list
    from workbench.profiles.selection import store_salt

    profile = BuilderCriteria(hs_prefixes="85", max_value_per_kg=20).profile(profile_id="RP-OP-1")
    with open_store(tactical_world, read_only=True) as con:
        salt = store_salt(con)
        traders = profile_hit_traders(con, [profile], *WINDOW, salt=salt, limit=100_000)
        hits = backtest(con, [profile], *WINDOW, salt=salt).profiles[0]["hits"]
        linked = linked_traders(con, limit=10)
        importers = {r[0] for r in con.execute("select distinct importer_id from declaration").fetchall()}
    assert sum(t["declarations"] for t in traders) == hits > 0  # every hit counted once, under its importer
    assert [t["declarations"] for t in traders] == sorted((t["declarations"] for t in traders), reverse=True)
    assert all(t["profiles"] == ["RP-OP-1"] and "hit by RP-OP-1" in t["reason"] for t in traders)
    assert linked and all("offence of" in t["reason"] and t["shared"] >= 1 for t in linked)
    assert {t["value"] for t in traders} <= importers

    tl = target_list(traders[:5] + linked, list_id="TL-OP-TEST", title="Operation test traders", operation="OP TEST")
    assert len(tl.entries) == len({t["value"] for t in traders[:5] + linked})
    db = copy_store(tactical_world, tmp_path / "world.duckdb")
    with open_store(db) as con:
        version, happened = save_list(con, tl, reason="test")
        stored, row = get_list(con, "TL-OP-TEST")
    assert (version, happened, row["status"]) == (1, "created", "draft") and stored.content() == tl.content()

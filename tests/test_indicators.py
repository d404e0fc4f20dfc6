"""The indicator catalogue: documented, registered through one door, built per item point in
time, with reasons in words; on the tiny store and on the hand-made indicator cases."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest
from typer.testing import CliRunner

from indicator_fixtures import PARAMS, copy_store, load_indicator_fixture
from workbench.cli import app
from workbench.indicators import (
    BuildError,
    Catalogue,
    CatalogueError,
    Indicator,
    build,
    catalogue,
    explain,
)
from workbench.indicators.catalogue import BUILTIN_FAMILIES as BUILTIN_MODULES
from workbench.indicators.catalogue import FAMILIES, load_plugins
from workbench.store.connection import open_store

BUILTIN_FAMILIES = ("price", "route", "newness", "history", "lists", "description", "shape")


@pytest.fixture(scope="session")
def _indicator_master(tmp_path_factory) -> Path:
    import os

    os.environ.setdefault("WORKBENCH_USER", "tester")
    db = tmp_path_factory.mktemp("indicators") / "cases.duckdb"
    load_indicator_fixture(db)
    return db


@pytest.fixture
def indicator_store(_indicator_master, tmp_path) -> Path:
    """The hand-made indicator cases (tests/fixtures/indicators), a copy per test."""
    return copy_store(_indicator_master, tmp_path / "cases.duckdb")


@pytest.fixture(scope="session")
def _built_cases(tmp_path_factory, _indicator_master) -> Path:
    import os

    os.environ.setdefault("WORKBENCH_USER", "tester")
    db = copy_store(_indicator_master, tmp_path_factory.mktemp("built") / "cases.duckdb")
    with open_store(db) as con:
        build(con, params=PARAMS, reason="test cases")
    return db


def values(db: Path, where: str = "true") -> dict[tuple[str, int, str], tuple]:
    with open_store(db, read_only=True) as con:
        found = con.execute(
            "select declaration_id, item_no, indicator_id, value, flag, ref, support, detail "
            f"from indicator_value_latest where {where}").fetchall()
    return {(r[0], r[1], r[2]): r[3:] for r in found}


def reasons(db: Path, declaration_id: str) -> dict[tuple[int, str], object]:
    with open_store(db, read_only=True) as con:
        return {(item.item_no, r.indicator_id): r for item in explain(con, declaration_id) for r in item.reasons}


# --- the catalogue ---------------------------------------------------------------------------

def _builtin_catalogue() -> Catalogue:
    cat = Catalogue()
    load_plugins(cat, BUILTIN_MODULES)
    return cat


def test_catalogue_covers_every_family_with_about_25_documented_indicators():
    inds = _builtin_catalogue().indicators()
    assert 25 <= len(inds) <= 35
    assert {i.family for i in inds} == set(BUILTIN_FAMILIES)
    # the package's own plugins (network, model) register through the entry points
    everything = catalogue().indicators()
    assert {i.family for i in everything} == set(FAMILIES)
    assert {i.registered_by for i in everything if i.family in ("network", "model")} == {
        "workbench.network", "workbench.models"}
    inds = everything
    for ind in inds:
        assert ind.what and ind.why and ind.as_of and ind.absent and ind.title, ind.id
        assert ind.grain in ("item", "declaration")
        for p in ind.params:
            assert p.description, (ind.id, p.name)
        described = ind.describe()
        assert described["sql"] and json.dumps(described)


def test_the_builtin_catalogue_imports_no_network_or_model_code():
    import subprocess
    import sys

    code = ("import sys; from workbench.indicators.catalogue import BUILTIN_FAMILIES, Catalogue, load_plugins; "
            "load_plugins(Catalogue(), BUILTIN_FAMILIES); "
            "print([m for m in sys.modules if m.startswith(('workbench.network', 'workbench.models', 'workbench.profiles'))])")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_door_rejects_undocumented_or_clashing_indicators():
    cat = Catalogue()
    load_plugins(cat)
    good = cat.get("route.dispatch_not_origin")
    with pytest.raises(CatalogueError, match="already registered"):
        cat.add(good)
    with pytest.raises(CatalogueError, match="family"):
        cat.add(Indicator(id="gossip.x", title="x", what="x", why="x", as_of="x", sql="select 1", reason=str, absent="x"))
    with pytest.raises(CatalogueError, match="document why"):
        cat.add(Indicator(id="network.x", title="x", what="x", why=" ", as_of="x", sql="select 1", reason=str, absent="x"))
    with pytest.raises(CatalogueError, match="undeclared parameters"):
        cat.add(Indicator(id="network.x", title="x", what="x", why="x", as_of="x",
                          sql="select item_key from ix_item where $oops", reason=str, absent="x"))


def _network_plugin(cat: Catalogue) -> None:
    """What a network module would register: an input step and an indicator, through the door."""
    from workbench.indicators import Input

    cat.add_input(Input("nx_degree", "Parties and how many declarations name them before (stand-in for a graph).",
                        sql="select importer_id, count(*) as n from ix_decl group by all", needs=("ix_decl",)))
    cat.add(Indicator(
        id="network.busy_importer", title="Busy importer", what="Declarations of the importer in the store.",
        why="Stands in for a graph indicator.", as_of="Whole store (a test plugin; not point in time).",
        grain="declaration", needs=("ix_decl", "nx_degree"),
        sql="select d.decl_key, n.n as value, n.n >= $at_least as flag, null as ref, null as support, null as detail "
            "from ix_decl d join nx_degree n using (importer_id)",
        reason=lambda e: f"importer named on {e.value:.0f} declarations", absent="no importer",
        params=(__import__("workbench.queries.params", fromlist=["Param"]).Param("at_least", "integer", "x", default=2),),
        registered_by="tests"))


def test_plugins_register_through_the_same_door_and_build_with_the_builtins(tiny_store):
    cat = Catalogue()
    load_plugins(cat)
    _network_plugin(cat)
    with open_store(tiny_store) as con:
        result = build(con, cat=cat, indicators=["network", "route.dispatch_not_origin"])
        assert result.counts["network.busy_importer"] == {"computed": 5, "fired": 5}
        items = explain(con, "tiny:D3", cat=cat)
        registered = con.execute("select registered_by from indicator_definition where indicator_id = "
                                 "'network.busy_importer'").fetchall()
    reason = {r.indicator_id: r.reason for r in items[0].reasons}["network.busy_importer"]
    assert reason == "importer named on 2 declarations"
    assert registered == [("tests",)]


def test_plugins_named_in_the_environment_are_loaded(monkeypatch):
    import sys
    import types

    module = types.ModuleType("wb_test_network_plugin")
    module.register = _network_plugin
    monkeypatch.setitem(sys.modules, "wb_test_network_plugin", module)
    monkeypatch.setenv("WORKBENCH_INDICATOR_PLUGINS", "wb_test_network_plugin")
    cat = Catalogue()
    load_plugins(cat)
    assert cat.get("network.busy_importer").registered_by == "tests"
    assert "network" in FAMILIES


# --- tiny store: every indicator, its value and its reason -------------------------------------

TINY_EXPECTED = {
    # (declaration, item, indicator): (value, flag, words in the reason)
    ("tiny:D1", 1, "newness.first_time_importer"): (0, True, "first declaration of this importer"),
    ("tiny:D3", 1, "newness.first_time_importer"): (1, False, "lodged 1 declaration before, the first on 2024-01-05"),
    ("tiny:D1", 2, "newness.new_importer_hs_origin"): (0, True, "first time this importer declares 420222 from CN"),
    ("tiny:D2", 1, "newness.new_seller_importer_pair"): (0, True, "first declaration between this seller"),
    ("tiny:D4", 1, "newness.new_seller_importer_pair"): (1, False, "together on 1 declaration before"),
    ("tiny:D2", 1, "newness.recently_registered"): (53, True, "registered on 2023-11-20, 53 days before lodgement"),
    ("tiny:D1", 1, "newness.recently_registered"): (3232, False, "3,232 days before lodgement"),
    ("tiny:D3", 1, "newness.unusual_chapter"): (0, None, "only 2 earlier items for this importer"),
    ("tiny:D3", 1, "newness.volume_spike"): (2, None, "2 declarations by this importer in the last 30 days"),
    ("tiny:D2", 1, "route.dispatch_not_origin"): (1, True, "dispatched from SG but of origin CN"),
    ("tiny:D1", 1, "route.dispatch_not_origin"): (0, False, "dispatched from its country of origin CN"),
    ("tiny:D2", 1, "route.via_hub"): (1, True, "transhipment hub SG on the way from origin CN"),
    ("tiny:D4", 1, "route.via_hub"): (1, True, "hub SG on the way from origin VN"),
    ("tiny:D2", 1, "price.unit_value_low"): (2.0625, None, "unit value 2.06 USD/pr: only 0 reference items for "
                                                          "640399 from CN in pr over Jan 2023 to Dec 2023"),
    ("tiny:D3", 1, "price.unit_value_high"): (100, None, "unit value 100.00 USD/u"),
    ("tiny:D1", 1, "price.value_per_kg"): (25, None, "value 25.00 USD/kg"),
    ("tiny:D3", 1, "price.duty_share_low"): (0, None, "duty is 0.0% of value"),
    ("tiny:D1", 2, "shape.mass_per_unit"): (0.8, None, "0.80 kg per u"),
    ("tiny:D4", 1, "shape.just_below_de_minimis"): (0.6, False, "declared value 600.00 USD is 60.00% of the de minimis"),
    ("tiny:D4", 1, "shape.split_below_de_minimis"): (1, False, "1 consignment under the de minimis threshold 1,000 USD"),
    ("tiny:D1", 1, "description.vague"): (0, False, "'leather shoes' names the goods"),
    # only D1's random negative is known when D2 is lodged; D2's own positive arrives after D4
    ("tiny:D2", 1, "history.declarant"): (0, None, "declarant tiny:P4: 0 positive findings in 1 examination"),
    ("tiny:D4", 1, "history.importer"): (0, None, "importer tiny:P2: 0 positive findings in 0 examinations"),
    ("tiny:D3", 1, "history.importer"): (0, None, "importer tiny:P1: 0 positive findings in 1 examination"),
    ("tiny:D3", 1, "history.hs6"): (0, None, "HS6 851712: 0 positive findings in 0 examinations"),
    ("tiny:D2", 1, "history.origin"): (0, None, "origin CN: 0 positive findings in 1 examination"),
    ("tiny:D4", 1, "history.seller"): (0, None, "seller tiny:P3: 0 positive findings in 1 examination"),
    ("tiny:D2", 1, "history.office_hs6"): (0, None, "HS6 640399 at office NZAKL"),
}
TINY_ABSENT = {  # no value, and the reason says why
    ("tiny:D1", 1, "history.importer"): "no examination result at all was known before lodgement",
    ("tiny:D2", 1, "description.hs_mismatch"): "never seen in an earlier month",
    ("tiny:D2", 1, "price.freight_share"): "no freight attribute",
    ("tiny:D2", 1, "route.hub_origin_shift"): "origin is not a transhipment hub",
    ("tiny:D2", 1, "lists.watchlist_party"): "no party matched a watch-list entry",
    ("tiny:D2", 1, "lists.watchlist_code"): "on a watch list listed before lodgement",
    ("tiny:D2", 1, "shape.split_below_de_minimis"): "at or above the threshold",
    # the package's plugins: no shared links in the tiny world, and no model trained
    ("tiny:D4", 1, "network.linked_offender"): "shares nothing with a trader whose offence was known",
    ("tiny:D4", 1, "network.phoenix"): "not a recently registered company linked to an older offender",
    ("tiny:D4", 1, "network.propagated_risk"): "no risk reached the importer",
    ("tiny:D4", 1, "model.risk_score"): "no model",
    ("tiny:D4", 1, "model.risk_percentile"): "no model",
}


@pytest.fixture(scope="session")
def tiny_built(_tiny_store_master, tmp_path_factory) -> Path:
    """A copy of the tiny store with one build of every indicator (read only by the tests)."""
    db = copy_store(_tiny_store_master, tmp_path_factory.mktemp("tiny-built") / "tiny.duckdb")
    with open_store(db) as con:
        build(con, params={"route.via_hub.extra_hubs": ["SG"]}, reason="tiny")
    return db


def test_every_indicator_gives_each_tiny_item_a_value_or_a_reason(tiny_built):
    ids = {i.id for i in catalogue().indicators()}
    assert {k[2] for k in TINY_EXPECTED} | {k[2] for k in TINY_ABSENT} == ids
    for decl in ("tiny:D1", "tiny:D2", "tiny:D3", "tiny:D4"):
        found = reasons(tiny_built, decl)
        assert {k[1] for k in found} == ids
        assert all(r.reason for r in found.values())


@pytest.mark.parametrize("key", sorted(TINY_EXPECTED), ids=lambda k: f"{k[0]}/{k[1]}/{k[2]}")
def test_tiny_values_and_reasons(tiny_built, key):
    value, flag, words = TINY_EXPECTED[key]
    found = reasons(tiny_built, key[0])[(key[1], key[2])]
    assert math.isclose(found.value, value, rel_tol=1e-9, abs_tol=1e-12), found
    assert found.flag is flag, found
    assert words in found.reason


@pytest.mark.parametrize("key", sorted(TINY_ABSENT), ids=lambda k: f"{k[0]}/{k[2]}")
def test_tiny_absent_values_say_why(tiny_built, key):
    found = reasons(tiny_built, key[0])[(key[1], key[2])]
    assert found.value is None and found.flag is None
    assert TINY_ABSENT[key] in found.reason


def test_a_late_result_counts_only_once_known(tiny_built):
    """D2's positive result became known on 20 February: D4 (10 February, same importer) must not see it."""
    v = values(tiny_built, "indicator_id = 'history.importer'")
    assert v[("tiny:D4", 1, "history.importer")][3] == 0       # support: no examination known
    assert v[("tiny:D3", 1, "history.importer")][3] == 1       # D1's random negative, known 6 January


# --- the hand-made cases: each indicator fires where it should, and only there ----------------

FIRES = {
    "price.unit_value_low": {"C01"},
    "price.unit_value_high": {"C02"},
    "price.value_per_kg": {"C01", "C02", "C11"},
    "price.duty_share_low": {"C02"},
    "price.freight_share": {"C01"},
    "route.dispatch_not_origin": {"C04"},
    "route.via_hub": {"C04"},
    "route.hub_origin_shift": {"C06"},
    "newness.first_time_importer": {"C04", "C08"},
    "newness.recently_registered": {"C04", "C17"},
    "newness.new_seller_importer_pair": {"C04", "C08", "C12", "C14"},
    "newness.unusual_chapter": {"C05"},
    "newness.volume_spike": {"Z5", "Z6"},
    "history.importer": {"C15", "C16"},
    "lists.watchlist_party": {"C12"},
    "lists.watchlist_code": {"C13", "C17"},
    "description.vague": {"C03"},
    "description.hs_mismatch": {"C07"},
    "shape.split_below_de_minimis": {"C10"},
    "shape.just_below_de_minimis": {"C10"},
    "shape.mass_per_unit": {"C11"},
}


@pytest.mark.parametrize("indicator", sorted(FIRES))
def test_case_indicators_fire_exactly_on_their_cases(_built_cases, indicator):
    fired = {k[0].removeprefix("fx:") for k, v in values(_built_cases, f"indicator_id = '{indicator}'").items()
             if v[1] and not k[0].startswith(("fx:B", "fx:T", "fx:Q", "fx:H"))}
    assert fired == FIRES[indicator]


CASE_REASONS = {
    ("C01", 1, "price.unit_value_low"): (5.0, "unit value 5.00 USD/pr is below the 10th percentile 20.18 for 640399 "
                                              "from CN in pr over Jan 2023 to Dec 2023 (19 items)"),
    ("C02", 1, "price.unit_value_high"): (80.0, "is above the 90th percentile 30.00"),
    ("C02", 1, "price.duty_share_low"): (0.0, "duty is 0.0% of value, preference FTA claimed, below 0.50 times the "
                                              "median 10.0%"),
    ("C01", 1, "price.freight_share"): (0.2, "freight (attribute 'freight') is 20.0% of value against a median of 5.0%"),
    ("C11", 1, "shape.mass_per_unit"): (2.0, "2.00 kg per u is 8.00 times the median 0.25 for 851712 in u"),
    ("C04", 1, "route.via_hub"): (1.0, "passed through the transhipment hub SG"),
    ("C06", 1, "route.hub_origin_shift"): (15.0, "origin VN is a transhipment hub, and this importer declared 640399 "
                                                 "15 times from other origins and never from VN"),
    ("C05", 1, "newness.unusual_chapter"): (0.0, "HS chapter 85 is outside this importer's usual trade: 0.0% of its "
                                                 "15 earlier items"),
    ("Z6", 1, "newness.volume_spike"): (6.0, "6 declarations by this importer in the last 30 days against an average "
                                             "of 0.67 per 30 days over the 90 days before"),
    ("C15", 1, "history.importer"): (0.5138888888888888, "importer fx:I6: 3 positive findings in 3 examinations"),
    # the laboratory result of H4 became known on 15 February: C16 (20 February) sees it, C15 does not
    ("C16", 1, "history.importer"): (0.5906432748538012, "importer fx:I6: 4 positive findings in 4 examinations"),
    ("C12", 1, "lists.watchlist_party"): (95.0, "seller Crimsen Star Trading Co matches fuzzy 'Crimson Star Trading "
                                                "LLC' on SANCTIONS (entry fx:W1"),
    ("C13", 1, "lists.watchlist_code"): (3.0, "container MSCU 123456-7 (TARGETS entry fx:W2); vessel IMO IMO 9123456 "
                                              "(TARGETS entry fx:W3); vessel Ocean Pearl (TARGETS entry fx:W3)"),
    ("C17", 2, "lists.watchlist_code"): (3.0, "HS code 930190 (PROHIBITED entry fx:W5)"),
    ("C03", 1, "description.vague"): (1.0, "description 'PARTS' is too vague"),
    ("C07", 1, "description.hs_mismatch"): (0.0, "description 'leather shoes' was declared under heading 6406 in only "
                                                 "0.0% of 19 earlier items before Jan 2024; most were declared under "
                                                 "heading 6403"),
    ("C10", 1, "shape.split_below_de_minimis"): (3.0, "3 consignments under the de minimis threshold 1,000 USD"),
    ("C10", 1, "shape.just_below_de_minimis"): (0.98, "declared value 980.00 USD is just below"),
}


@pytest.mark.parametrize("key", sorted(CASE_REASONS), ids=lambda k: f"{k[0]}/{k[2]}")
def test_case_values_and_reasons(_built_cases, key):
    value, words = CASE_REASONS[key]
    found = reasons(_built_cases, "fx:" + key[0])[(key[1], key[2])]
    assert found.flag is True
    assert math.isclose(found.value, value, rel_tol=1e-9, abs_tol=1e-12), found
    assert words in found.reason


def test_a_party_listed_after_lodgement_does_not_fire(_built_cases):
    r = reasons(_built_cases, "fx:C14")[(1, "lists.watchlist_party")]
    assert r.value is None and "listed before lodgement" in r.reason


def test_unmapped_source_columns_stay_usable(_built_cases):
    """The fixture's `case` and `freight` columns are not mapped: freight feeds an indicator."""
    with open_store(_built_cases, read_only=True) as con:
        attrs = con.execute("select attrs ->> 'case' from declaration_item where declaration_id = 'fx:C01'").fetchall()
    assert attrs == [("unit value low, value/kg low, freight high",)]


# --- builds: recorded, audited, atomic, scoped ------------------------------------------------

def test_a_build_is_recorded_with_its_user_parameters_and_an_audit_entry(indicator_store, monkeypatch):
    monkeypatch.setenv("WORKBENCH_USER", "analyst.one")
    with open_store(indicator_store) as con:
        result = build(con, params=PARAMS, reason="weekly run")
        row = con.execute("select built_by, reason, items, value_rows, params, data_state from indicator_build "
                          "where build_id = ?", [result.build_id]).fetchall()[0]
        entry = con.execute("select actor, action, object_id, reason from audit_log order by seq desc limit 1").fetchall()
        defs = con.execute("select count(*), sum(items_computed) from indicator_definition where build_id = ?",
                           [result.build_id]).fetchall()
        from workbench.store.audit import verify

        assert verify(con).ok
    assert row[:4] == ("analyst.one", "weekly run", 55, result.value_rows)
    assert json.loads(row[4])["indicators"]["price.unit_value_low"]["min_peers"] == 10
    assert json.loads(row[5])["item_rows"] == 55
    assert json.loads(row[5])["model_id"] is None                   # the model the build read: none yet
    assert entry == [("analyst.one", "indicator.build", str(result.build_id), "weekly run")]
    assert defs == [(len(catalogue().indicators()), result.value_rows)]


def test_a_failed_build_leaves_nothing(indicator_store):
    cat = Catalogue()
    load_plugins(cat)
    cat.add(Indicator(id="model.broken", title="x", what="x", why="x", as_of="x", absent="x", reason=str,
                      sql="select item_key, 1/0 as value, true as flag, null as ref, null as support, "
                          "null as detail from no_such_table"))
    with open_store(indicator_store) as con:
        before = con.execute("select count(*) from audit_log").fetchall()
        with pytest.raises(BuildError, match="model.broken"):
            build(con, cat=cat)
        counts = con.execute("select (select count(*) from indicator_build), (select count(*) from indicator_value), "
                             "(select count(*) from indicator_item), (select count(*) from audit_log)").fetchall()
    assert counts == [(0, 0, 0, before[0][0])]


def test_a_scoped_build_stores_only_its_period_but_reads_all_history(indicator_store):
    import datetime as dt

    with open_store(indicator_store) as con:
        full = build(con, params=PARAMS)
        part = build(con, params=PARAMS, since=dt.date(2024, 1, 20), until=dt.date(2024, 1, 31))
        decls = {r[0] for r in con.execute("select declaration_id from indicator_item where build_id = ?",
                                           [part.build_id]).fetchall()}
        same = con.execute("""
            select count(*) filter (where a.value is not distinct from b.value and a.flag is not distinct from b.flag),
                   count(*)
            from indicator_value a join indicator_item ia using (build_id, item_key)
            join indicator_item ib on ib.build_id = $part and ib.declaration_id = ia.declaration_id
                                   and ib.item_no = ia.item_no
            join indicator_value b on b.build_id = $part and b.item_key = ib.item_key and b.indicator_id = a.indicator_id
            where a.build_id = $full""", {"part": part.build_id, "full": full.build_id}).fetchall()
    assert decls == {f"fx:C{n:02d}" for n in range(8, 16)}
    assert same[0][0] == same[0][1] > 0


def test_unknown_parameters_are_refused(indicator_store):
    from workbench.queries.params import ParamError

    with open_store(indicator_store) as con:
        with pytest.raises(ParamError, match="unknown parameter"):
            build(con, params={"price.unit_value_low.min_peer": 3})
        with pytest.raises(ParamError, match="not a valid integer"):
            build(con, params={"price.unit_value_low.min_peers": "many"})


# --- the command line -------------------------------------------------------------------------

def test_cli_list_show_build_explain(indicator_store):
    runner = CliRunner()
    out = runner.invoke(app, ["indicator", "list", "--json"])
    assert out.exit_code == 0 and len(json.loads(out.output)) == len(catalogue().indicators())
    out = runner.invoke(app, ["indicator", "show", "price.unit_value_low"])
    assert out.exit_code == 0 and "10th percentile" in out.output and "ref_unit_value" in out.output
    out = runner.invoke(app, ["indicator", "build", "--db", str(indicator_store), "--json", "--reason", "cli",
                              "-p", "price.unit_value_low.min_peers", "10", "--only", "price"], terminal_width=200)
    assert out.exit_code == 0, out.output
    built = json.loads(out.output)
    assert built["counts"]["price.unit_value_low"] == {"computed": 55, "fired": 1}
    out = runner.invoke(app, ["indicator", "explain", "fx:C01", "--db", str(indicator_store)])
    assert out.exit_code == 0 and "FIRED" in out.output and "2 indicator(s) fired" in out.output
    out = runner.invoke(app, ["indicator", "explain", "fx:C01", "--db", str(indicator_store), "--json", "--all"])
    shown = json.loads(out.output)[0]["indicators"]
    assert len(shown) == 5 and "below the 10th percentile 20.18" in shown[1]["reason"] + shown[0]["reason"]
    out = runner.invoke(app, ["indicator", "builds", "--db", str(indicator_store), "--json"])
    assert json.loads(out.output)[0]["reason"] == "cli"
    out = runner.invoke(app, ["indicator", "explain", "fx:NOPE", "--db", str(indicator_store)])
    assert out.exit_code == 1 and "in no indicator build" in str(out.exception)


def test_the_analyst_docs_describe_every_indicator_and_verb():
    from conftest import ROOT

    text = (ROOT / "docs" / "analysts" / "indicators.md").read_text()
    missing = [i.id for i in catalogue().indicators() if f"`{i.id}`" not in text]
    assert not missing

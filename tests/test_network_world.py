"""Entity resolution, the entity graph, network risk and indicators on the synthetic world,
against its ground truth."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from typer.testing import CliRunner

from indicator_fixtures import copy_store
from workbench.cli import app
from workbench.cli.common import CliError
from workbench.network.decisions import DecisionError, decide
from workbench.network.evaluate import phoenix_recall
from workbench.network.graph import build_graph, drop_evidence, evidence
from workbench.network.propagate import SOURCES, risk_snapshots
from workbench.network.quality import resolution_quality, world_truth
from workbench.network.resolve import apply_decisions, entity_of, resolve
from workbench.network.subgraph import NodeNotFound, ego_from_store, find_node
from workbench.store.audit import verify
from workbench.store.connection import open_store
from workbench.store.sql import rows, scalar


def truth_dir(world_store):
    return world_store.parent / "world" / "ground_truth"


@pytest.fixture(scope="module")
def net_world(world_store, tmp_path_factory):
    """A copy of the world with parties resolved and the graph built (read-only for the tests)."""
    db = copy_store(world_store, tmp_path_factory.mktemp("net") / "net.duckdb")
    with open_store(db) as con:
        resolve(con)
        build_graph(con)
    return db


def test_resolution_precision_recall_on_the_world(net_world, world_store):
    with open_store(net_world, read_only=True) as con:
        q = resolution_quality(con, truth_dir(world_store))
        run = rows(con, "select parties, entities, candidate_pairs from net_resolution_run")[0]
    assert q["true_pairs"] >= 10
    assert q["precision"] >= 0.95 and q["recall"] >= 0.95
    assert run[0] > run[1] and run[2] < run[0] * run[0] / 20     # blocking: far fewer pairs than all pairs


def test_resolution_ids_are_stable_and_verdicts_survive_reruns(net_world, world_store, tmp_path):
    db = copy_store(net_world, tmp_path / "r.duckdb")
    truth = world_truth(truth_dir(world_store))
    variant, main = next((p, e) for p, e in sorted(truth.items()) if p != e)
    with open_store(db) as con:
        before = dict(rows(con, "select party_id, entity_id from net_entity_member"))
        assert before[variant] == before[main]
        resolve(con)
        assert dict(rows(con, "select party_id, entity_id from net_entity_member")) == before
        decide(con, variant, main, "not_same", reason="different tax ids on the invoices", user="ana")
        apply_decisions(con)
        assert entity_of(con, variant) != entity_of(con, main)
        assert entity_of(con, main) == before[main]              # the entity keeps its id, the variant leaves
        resolve(con)                                             # the verdict holds through a new run
        assert entity_of(con, variant) != entity_of(con, main)
        outsider = next(p for p in sorted(truth) if truth[p] == p and p != main and p.startswith("synth:P"))
        decide(con, outsider, main, "same", reason="same company, new registration", user="ana")
        resolve(con)
        assert entity_of(con, outsider) == entity_of(con, main)
        decide(con, outsider, main, "withdrawn", reason="evidence was wrong", user="bo")
        resolve(con)
        assert entity_of(con, outsider) != entity_of(con, main)
        log = rows(con, "select actor, action, object_id from audit_log where action like 'resolve.%' order by seq")
        assert ("ana", "resolve.decide", f"{min(variant, main)}|{max(variant, main)}") in log
        assert verify(con).ok
        for bad in [(variant, variant, "same", "x"), (variant, "synth:nobody", "same", "x"),
                    (variant, main, "maybe", "x"), (variant, main, "same", "  ")]:
            with pytest.raises(DecisionError):
                decide(con, bad[0], bad[1], bad[2], reason=bad[3])
        assert scalar(con, "select count(*) from net_decision") == 3


def test_graph_has_typed_nodes_edges_with_provenance(net_world):
    with open_store(net_world, read_only=True) as con:
        types = dict(rows(con, "select node_type, count(*) from net_node group by 1"))
        entities = scalar(con, "select count(distinct entity_id) from net_entity_member m join party_current p "
                               "using (party_id) where coalesce(p.party_kind, 'company') <> 'person'")
        edge = rows(con, "select first_seen <= last_seen, weight >= 1, len(sources) >= 1 from net_edge")
        supplied = rows(con, "select sum(weight) from net_edge where edge_type = 'supplied'")[0][0]
        declarations = scalar(con, "select count(*) from declaration where exporter_id is not null "
                                   "and importer_id is not null")
        intel = rows(con, "select attrs->>'grading' from net_node where node_type = 'intel_report' limit 1")[0][0]
    assert {"party", "person", "address", "phone", "email", "vessel", "container", "bill_of_lading",
            "intel_report"} <= set(types)
    assert types["party"] == entities                           # one node per resolved trader
    assert all(all(r) for r in edge)
    assert supplied == declarations                              # every declaration is evidence once
    assert len(intel) == 2


def test_incremental_update_ends_where_a_full_build_does(world_store, tmp_path):
    from workbench.ingest.loader import load
    from workbench.synth import read_manifest

    world = world_store.parent / "world"
    steps = read_manifest(world)["loads"]["normalised"]
    db = tmp_path / "inc.duckdb"
    split = next(i for i, s in enumerate(steps) if "declaration" in s["name"])
    for step in steps[:split]:
        load(world / step["path"], world / step["mapping"], db=db)
    with open_store(db) as con:
        assert build_graph(con)["mode"] == "full"
    for step in steps[split:]:
        load(world / step["path"], world / step["mapping"], db=db)
    with open_store(db) as con:
        result = build_graph(con)
        assert result["mode"] == "incremental" and result["after_load_id"] < result["last_load_id"]
        assert build_graph(con)["mode"] == "up to date"
        table = "select * exclude (first_load_id, last_load_id) from net_edge order by all"
        nodes = "select * from net_node order by node_id"
        incremental = rows(con, table), rows(con, nodes)
        assert build_graph(con, full=True)["mode"] == "full"
        assert (rows(con, table), rows(con, nodes)) == incremental


def test_ego_from_store_finds_entities_and_leaves_hubs_closed(net_world):
    with open_store(net_world, read_only=True) as con:
        trader = rows(con, """select n.node_id from net_node n where node_type = 'party' and degree between 5 and 40
                              and node_id in (select src from net_edge where edge_type = 'bill_of_lading')
                              order by node_id limit 1""")[0][0]
        hub = rows(con, "select node_id, degree from net_node where node_type = 'party' order by degree desc limit 1")[0]
        party_id = json.loads(rows(con, "select attrs from net_node where node_id = ?", [trader])[0][0])["records"][-1]
        assert find_node(con, party_id) == trader
        G = ego_from_store(con, trader, hops=2)
        assert trader in G and G.number_of_nodes() > 2
        assert all(d["type"] in ("party", "person", "address", "phone", "email", "identifier", "intel_report",
                                 "name", "vessel") for _, d in G.nodes(data=True))
        closed = ego_from_store(con, hub[0], hops=1, hub_degree=10)
        assert closed.number_of_nodes() > 10                    # a center is always expanded
        around = ego_from_store(con, trader, hops=2, hub_degree=10)
        hubs = [n for n, d in around.nodes(data=True) if d["degree"] > 10 and n != trader]
        assert hubs and all(around.degree(h) < around.nodes[h]["degree"] for h in hubs)   # shown, not opened
        everything = ego_from_store(con, trader, hops=2, node_types=None)
        assert any(d["type"] == "bill_of_lading" for _, d in everything.nodes(data=True))
        with pytest.raises(NodeNotFound):
            find_node(con, "synth:nobody")


def test_phoenix_companies_found_within_a_small_review_budget(net_world, world_store):
    with open_store(net_world, read_only=True) as con:
        result = phoenix_recall(con, truth_dir(world_store), budget=10)
    assert result["phoenixes"] >= 2 and result["recall"] >= 0.5


def test_risk_propagation_is_point_in_time(net_world, tmp_path):
    db = copy_store(net_world, tmp_path / "pit.duckdb")
    cut = dt.datetime(2025, 1, 1)
    moments = [dt.datetime(2024, 10, 1), cut, dt.datetime(2025, 6, 1)]
    with open_store(db) as con:
        def snapshot():
            evidence(con, SOURCES)
            try:
                table = risk_snapshots(con, moments).to_pylist()
            finally:
                drop_evidence(con)
            return {m: {(r["node_id"], round(r["score"], 9), r["seed"]) for r in table if r["as_of"] == m}
                    for m in moments}

        before = snapshot()
        # a new offence and a new shared phone, both known only after the cut
        target, other = rows(con, """select importer_id, (select min(party_id) from party where party_kind = 'company'
                                     and party_id <> d.importer_id) from declaration d
                                     where importer_id not in (select d2.importer_id from inspection i join declaration
                                     d2 using (declaration_id) where i.result = 'positive') limit 1""")[0]
        decl = rows(con, "select declaration_id from declaration where importer_id = ? limit 1", [target])[0][0]
        con.execute("""insert into inspection select 'test:late', 1, TIMESTAMP '2025-02-01', ?, TIMESTAMP '2025-01-20',
                       'red', 'officer', null, 'positive', 'undervaluation', 10, TIMESTAMP '2025-02-01', 1, 'x', null""",
                    [decl])
        con.execute("""insert into party select party_id, version + 100, TIMESTAMP '2025-03-01', name, party_kind,
                       address, city, postcode, country_code, (select phone from party_current where party_id = ?),
                       email, tax_id, registered_on, trusted_trader, load_id, row_hash, attrs
                       from party_current where party_id = ?""", [other, target])
        after = snapshot()
    assert after[moments[0]] == before[moments[0]] and after[cut] == before[cut]
    assert after[moments[2]] != before[moments[2]]


def test_network_indicators_build_with_the_catalogue(net_world, tmp_path):
    from workbench.indicators import build, catalogue

    assert {"network.linked_offender", "network.phoenix", "network.propagated_risk"} <= \
        {i.id for i in catalogue().indicators()}
    db = copy_store(net_world, tmp_path / "ind.duckdb")
    with open_store(db) as con:
        result = build(con, indicators=["network"])
        fired = {k: v["fired"] for k, v in result.counts.items()}
        assert fired["network.linked_offender"] > 0 and fired["network.propagated_risk"] > 0
        # point in time: every linked offence was known before the lodgement it fires on
        late = rows(con, """
            select count(*) from indicator_value_latest v
            where v.indicator_id = 'network.linked_offender' and not exists (
                select 1 from inspection i join declaration d using (declaration_id)
                where i.result = 'positive' and i.known_at < v.lodged_at)""")[0][0]
        assert late == 0


def test_phoenix_reads_the_party_records_known_at_lodgement(net_world, tmp_path):
    """A registration date corrected after the fact changes nothing that was computed for earlier
    lodgements: the indicator reads the importer's record as known before each lodgement."""
    from workbench.indicators import build

    db = copy_store(net_world, tmp_path / "phoenix.duckdb")
    with open_store(db) as con:
        build(con, indicators=["network.phoenix"])
        query = """select declaration_id, value, detail from indicator_value_latest
                   where indicator_id = 'network.phoenix' and flag order by 1"""
        before = rows(con, query)
        assert before, "the world has phoenix companies: some declaration fires"
        importer = rows(con, "select importer_id from declaration_current where declaration_id = ?",
                        [before[0][0]])[0][0]
        # the importer's registration corrected to ten years earlier, known only after every lodgement
        con.execute("""insert into party select party_id, version + 100, TIMESTAMP '2099-01-01', name, party_kind,
                       address, city, postcode, country_code, phone, email, tax_id, registered_on - INTERVAL 3650 DAY,
                       trusted_trader, load_id, row_hash, attrs from party_current where party_id = ?""", [importer])
        build(con, indicators=["network.phoenix"])
        assert rows(con, query) == before


def test_cli_resolve_and_graph_verbs(net_world, world_store, tmp_path):
    db = copy_store(net_world, tmp_path / "cli.duckdb")
    run = CliRunner()

    def ok(*args):
        out = run.invoke(app, [*args, "--db", str(db)], terminal_width=200)
        assert out.exit_code == 0, out.output
        return out.output

    assert json.loads(ok("resolve", "quality", str(truth_dir(world_store)), "--json"))["precision"] >= 0.95
    ok("resolve", "review", "--json")
    trader = json.loads(ok("graph", "central", "--json", "--limit", "3"))[0]["node"]
    party = trader.split(":", 1)[1]
    assert json.loads(ok("resolve", "entity", party, "--json"))["entity_id"] == party
    assert json.loads(ok("graph", "build", "--json"))["mode"] == "up to date"
    ego = json.loads(ok("graph", "ego", party, "--hops", "1", "--json"))
    neighbour = next(n["id"] for n in ego["nodes"] if n["id"] != trader)
    assert json.loads(ok("graph", "path", trader, neighbour, "--json"))[-1]["node"] == neighbour
    ok("graph", "connect", trader, neighbour, "--json")
    ok("graph", "communities", "--json", "--limit", "2")
    for detector in ("address-hubs", "phoenix", "circular"):
        ok("graph", "detect", detector, "--json")
    risk = json.loads(ok("graph", "risk", "--as-of", "2025-01-01", "--json"))
    assert risk["snapshots"] == ["2025-01-01T00:00:00"] and risk["rows"] > 0
    files = json.loads(ok("graph", "export", str(tmp_path / "out"), "--format", "csv", "--around", party, "--json"))
    assert len(files["files"]) == 2
    ok("graph", "render", neighbour, "--hops", "1", "--out", str(tmp_path / "n.svg"), "--colour-by", "risk")
    assert (tmp_path / "n.svg").read_text().startswith("<svg")
    info = json.loads(ok("graph", "info", "--json"))
    assert info["risk_snapshots"] == 1 and info["graph"]["stale"] is False
    assert json.loads(ok("resolve", "run", "--json"))["entities"] == info["resolution"]["entities"]
    assert json.loads(ok("graph", "info", "--json"))["graph"]["stale"] is True    # a new resolution: rebuild
    bad = run.invoke(app, ["graph", "render", trader, "--hops", "3", "--out", str(tmp_path / "big.svg"), "--db", str(db)])
    assert isinstance(bad.exception, CliError) and "too many to draw" in str(bad.exception)
    bad = run.invoke(app, ["graph", "ego", "nobody-at-all", "--db", str(db)])
    assert isinstance(bad.exception, CliError) and "no node 'nobody-at-all'" in str(bad.exception)
    bad = run.invoke(app, ["resolve", "decide", party, party, "--verdict", "same", "--reason", "x", "--db", str(db)])
    assert isinstance(bad.exception, CliError) and "two different party records" in str(bad.exception)


def test_network_summary_for_the_demo(net_world, tmp_path):
    from workbench.network.summary import network_summary

    db = copy_store(net_world, tmp_path / "demo.duckdb")
    out = network_summary(db)
    assert out["graph"]["nodes"] > 0 and out["resolution"]["entities"] > 0
    assert out["phoenix_candidates"] and out["address_hubs"] is not None

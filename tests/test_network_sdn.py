"""The entity graph of the real OFAC SDN list (shared/data, read in place), loaded through the
documented mapping and built by the same graph code; facts checked against the raw files."""

from __future__ import annotations

import csv
import re
from collections import defaultdict

import networkx as nx
import pytest

from conftest import ROOT
from workbench.network.centrality import centrality
from workbench.network.graph import build_graph
from workbench.network.paths import shortest_path
from workbench.network.subgraph import ego_from_store, graph_from_store
from workbench.store.connection import open_store
from workbench.store.sql import rows

MAPPING = ROOT / "docs" / "examples" / "mappings" / "ofac-sdn.yaml"


@pytest.fixture(scope="module")
def sdn_graph(ofac_dir, tmp_path_factory):
    from workbench.ingest.loader import load

    db = tmp_path_factory.mktemp("sdn") / "sdn.duckdb"
    load(ofac_dir, MAPPING, db=db)
    with open_store(db) as con:
        build_graph(con)
        G = graph_from_store(con)
    return db, G


def _raw(ofac_dir, name):
    with (ofac_dir / name).open(encoding="latin-1") as f:
        return [r for r in csv.reader(f) if r]


def test_linked_to_notes_become_links(sdn_graph, ofac_dir):
    db, G = sdn_graph
    notes = [(r[0], x.strip()) for r in _raw(ofac_dir, "sdn.csv") if len(r) > 11
             for x in re.findall(r"Linked To: ([^;]+)", r[11])]
    assert len(notes) > 3000
    with open_store(db, read_only=True) as con:
        linked = rows(con, "select count(*), count(*) filter (where dst like 'name:%') from net_edge "
                           "where edge_type = 'linked_to'")[0]
    # every note is an edge (a listing naming the same target twice counts once), nearly all resolved to a listing
    distinct = len({(a, b.rstrip(".")) for a, b in notes})
    assert 0.97 * distinct <= linked[0] <= distinct
    assert linked[1] < 0.01 * linked[0]
    # the National Iranian Tanker Company: vessels noted as linked to it, all of them
    nitc = [a for a, b in notes if b.rstrip(".") == "NATIONAL IRANIAN TANKER COMPANY"]
    node = next(n for n, d in G.nodes(data=True) if d.get("label") == "NATIONAL IRANIAN TANKER COMPANY")
    assert G.degree(node) >= len(set(nitc)) > 100
    kinds = {G.nodes[f"listing:ofac:{a}"]["type"] for a in nitc}
    assert "vessel" in kinds


def test_shared_street_addresses_tie_listings(sdn_graph, ofac_dir):
    db, G = sdn_graph
    shared = defaultdict(set)
    for r in _raw(ofac_dir, "add.csv"):
        if len(r) >= 5 and r[2].strip() not in ("-0-", "") and re.search(r"\d", r[2]) and r[0] != "2677":
            shared[(r[2].strip(), r[3].strip(), r[4].strip())].add(f"listing:ofac:{r[0]}")
    groups = [g for g in shared.values() if len(g) >= 2 and all(n in G for n in g)]
    assert len(groups) > 200
    tied = sum(1 for g in groups if any(set(G[a]) & set(G[b]) for a in g for b in g if a < b))
    assert tied >= 0.95 * len(groups)
    # Banco Nacional de Cuba's Zurich address is a node of the graph
    assert any("Zweierstrasse 35" in str(G.nodes[n].get("label")) for n in G["listing:ofac:306"])


def test_sdn_analyses_run_on_real_structure(sdn_graph):
    db, G = sdn_graph
    top = [G.nodes[n]["label"] for n, _ in centrality(G, "degree", limit=5)]
    assert "NATIONAL IRANIAN TANKER COMPANY" in top
    label = {d.get("label"): n for n, d in G.nodes(data=True)}
    nitc, irisl = label["NATIONAL IRANIAN TANKER COMPANY"], label["ISLAMIC REPUBLIC OF IRAN SHIPPING LINES"]
    path = shortest_path(G, nitc, irisl)
    assert path[0] == nitc and path[-1] == irisl and len(path) <= 5
    assert len(shortest_path(G, label["BANK SEPAH"], label["BANK MELLI IRAN"])) <= 4
    with open_store(db, read_only=True) as con:
        ego = ego_from_store(con, nitc, hops=1)
    assert ego.number_of_nodes() == G.degree(nitc) + 1
    giant = max(nx.connected_components(G), key=len)
    assert len(giant) > 1000

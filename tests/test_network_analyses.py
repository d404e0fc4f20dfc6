"""Graph analyses on small hand-built graphs whose answers are known by construction."""

from __future__ import annotations

import datetime as dt
import json

import networkx as nx
import numpy as np
import pytest

from workbench.network.centrality import centrality
from workbench.network.clustering import assign_ids, cluster
from workbench.network.communities import communities, membership
from workbench.network.detectors import address_hubs, circular_trade, phoenix_candidates
from workbench.network.ego import ego_network
from workbench.network.export import export, ftm_entities
from workbench.network.paths import connecting_network, shortest_path, time_respecting_path
from workbench.network.propagate import personalised_pagerank
from workbench.network.quality import pairwise_quality

D = dt.datetime


def trade_world() -> nx.Graph:
    """Two importers at one address, a director on both, a broker hub serving twenty others, a
    phone only one of them uses, and a link that appeared only in 2025."""
    G = nx.Graph()
    for n, t in [("party:A", "party"), ("party:B", "party"), ("party:C", "party"), ("address:1", "address"),
                 ("person:D", "person"), ("party:BROKER", "party"), ("phone:9", "phone")]:
        G.add_node(n, type=t, label=n.split(":")[1])
    G.add_edge("party:A", "address:1", edge_type="has_address", first_seen=D(2020, 1, 1), last_seen=D(2024, 1, 1))
    G.add_edge("party:B", "address:1", edge_type="has_address", first_seen=D(2023, 1, 1), last_seen=D(2024, 6, 1))
    G.add_edge("person:D", "party:B", edge_type="director_of", first_seen=D(2023, 1, 1), last_seen=D(2023, 1, 1))
    G.add_edge("person:D", "party:C", edge_type="director_of", first_seen=D(2025, 3, 1), last_seen=D(2025, 3, 1))
    G.add_edge("party:A", "phone:9", edge_type="has_phone", first_seen=D(2020, 1, 1), last_seen=D(2020, 1, 1))
    for k in range(20):
        G.add_node(f"party:X{k}", type="party", label=f"X{k}")
        G.add_edge(f"party:X{k}", "party:BROKER", edge_type="declared_by", first_seen=D(2022, 1, 1),
                   last_seen=D(2024, 1, 1))
    G.add_edge("party:A", "party:BROKER", edge_type="declared_by", first_seen=D(2022, 1, 1), last_seen=D(2024, 1, 1))
    return G


def test_ego_network_walks_hops_types_and_dates():
    G = trade_world()
    assert set(ego_network(G, "party:A", hops=1)) == {"party:A", "address:1", "phone:9", "party:BROKER"}
    two = ego_network(G, "party:A", hops=2, hub_degree=10)
    # the broker is a hub: shown, not expanded; B is reached through the shared address
    assert "party:BROKER" in two and "party:X3" not in two and "party:B" in two and "person:D" not in two
    assert "party:X3" in ego_network(G, "party:A", hops=2, hub_degree=10, expand=["party:BROKER"])
    assert "phone:9" not in ego_network(G, "party:A", hops=1, node_types=["party", "address"])
    assert set(ego_network(G, "party:A", hops=2, edge_types=["has_address"])) == {"party:A", "address:1", "party:B"}
    # C joined through the director only in 2025: a view of 2024 does not reach it
    assert "party:C" in ego_network(G, "party:A", hops=4, hub_degree=10)
    assert "party:C" not in ego_network(G, "party:A", hops=4, hub_degree=10, until=D(2025, 1, 1))
    assert "phone:9" not in ego_network(G, "party:A", hops=1, since=D(2021, 1, 1))
    with pytest.raises(nx.NodeNotFound):
        ego_network(G, "party:nobody")


def test_paths_shortest_time_respecting_and_connecting():
    G = trade_world()
    assert shortest_path(G, "party:A", "party:C") == ["party:A", "address:1", "party:B", "person:D", "party:C"]
    assert time_respecting_path(G, "party:A", "party:C") == ["party:A", "address:1", "party:B", "person:D",
                                                                 "party:C"]
    # starting after the address link ended, nothing can be passed on through it
    with pytest.raises(nx.NetworkXNoPath):
        time_respecting_path(G, "party:A", "party:B", start=D(2024, 7, 1))
    # C's director link (2025) comes after B's (2023): C -> D -> B is fine, but from B after 2025 the
    # address link (ended mid-2024) is gone
    with pytest.raises(nx.NetworkXNoPath):
        time_respecting_path(G, "party:C", "party:A")
    H = connecting_network(G, ["party:A", "party:C", "phone:9"])
    assert set(H) == {"party:A", "address:1", "party:B", "person:D", "party:C", "phone:9"}
    assert "party:BROKER" not in H
    assert set(connecting_network(G, ["party:A", "party:C"], max_length=2)) == {"party:A", "party:C"}


def test_time_respecting_path_takes_the_later_route_when_the_short_one_is_out_of_order():
    G = nx.Graph()
    G.add_edge("a", "b", first_seen=5, last_seen=5)
    G.add_edge("b", "c", first_seen=1, last_seen=2)      # ended before a-b began
    G.add_edge("a", "x", first_seen=1, last_seen=9)
    G.add_edge("x", "y", first_seen=3, last_seen=9)
    G.add_edge("y", "c", first_seen=4, last_seen=9)
    assert shortest_path(G, "a", "c") == ["a", "b", "c"]
    assert time_respecting_path(G, "a", "c") == ["a", "x", "y", "c"]


def test_centrality_and_communities_known_answers():
    star = nx.star_graph(5)
    assert centrality(star, "degree")[0] == (0, 1.0)
    assert centrality(star, "betweenness")[0][0] == 0
    assert centrality(star, "pagerank", limit=1)[0][0] == 0
    path = nx.path_graph(5)
    assert centrality(path, "betweenness", limit=1) == [(2, pytest.approx(4 / 6))]
    G = nx.disjoint_union(nx.complete_graph(6), nx.complete_graph(5))
    G.add_edge(0, 6)
    groups = communities(G)
    assert [sorted(g) for g in groups] == [list(range(6)), list(range(6, 11))]
    assert communities(G) == groups                      # seeded: the same every run
    assert membership(groups)[7] == 1
    with pytest.raises(ValueError):
        centrality(star, "closeness")


def test_pagerank_backend_graphblas_agrees_with_networkx():
    G = nx.karate_club_graph()
    ours = dict(centrality(G, "pagerank"))
    blas = dict(centrality(G, "pagerank", backend="graphblas"))
    assert max(abs(ours[n] - blas[n]) for n in G) < 1e-6


def test_detectors_address_hubs_phoenix_and_circular_trade():
    G = nx.Graph()
    reg = {"old": "2019-05-01", "phoenix": "2024-03-01", "bystander": "2018-01-01", "unrelated": "2024-04-01"}
    for n, r in reg.items():
        G.add_node(n, type="party", label=n, attrs={"registered_on": r})
    G.add_node("addr", type="address")
    G.add_node("dir", type="person")
    G.add_node("hub", type="address")
    G.add_edges_from([("old", "addr"), ("phoenix", "addr"), ("old", "dir"), ("phoenix", "dir"),
                      ("bystander", "addr"), ("unrelated", "hub"), ("bystander", "hub"), ("old", "hub")])
    hubs = address_hubs(G, min_parties=3)
    assert [h["node"] for h in hubs] == ["addr", "hub"] and hubs[0]["members"] == ["bystander", "old", "phoenix"]
    found = phoenix_candidates(G, {"old": "2024-01-10"})
    assert found[0]["node"] == "phoenix" and sorted(found[0]["shared"]) == ["addr", "dir"]
    assert found[0]["after_offence"] is True
    # the older bystander is never a phoenix of the offender; the unrelated newcomer shares a hub only
    assert {f["node"] for f in found} == {"phoenix", "unrelated"}
    assert phoenix_candidates(G, {}) == []

    D = nx.DiGraph()
    D.add_edge("seller", "buyer", edge_type="supplied")
    D.add_edge("buyer", "b2", edge_type="supplied")
    D.add_edge("b2", "seller", edge_type="supplied")            # goods go round
    D.add_edge("x", "y", edge_type="supplied")
    for a, b in (("y", "addr"), ("addr", "x")):                   # the supplier shares the buyer's address
        D.add_edge(a, b, edge_type="has_address")
        D.add_edge(b, a, edge_type="has_address")
    D.add_edge("p", "addr2", edge_type="has_address")
    D.add_edge("addr2", "p", edge_type="has_address")            # control only, no trade: not a cycle of trade
    assert circular_trade(D) == [["addr", "x", "y"], ["b2", "seller", "buyer"]]


def test_personalised_pagerank_sums_to_one_and_favours_the_seed_side():
    edges = [(0, 1, 1.0), (1, 2, 1.0), (2, 3, 1.0), (3, 4, 1.0)]
    r = personalised_pagerank(6, edges, {0: 1.0})
    assert r.sum() == pytest.approx(1.0)
    assert r[1] > r[2] > r[3] > r[4] > 0 and r[5] == 0
    assert personalised_pagerank(3, edges[:1], {}).tolist() == [0.0, 0.0, 0.0]
    both = personalised_pagerank(5, edges, {0: 1.0, 4: 1.0})
    assert both[1] == pytest.approx(both[3])
    assert np.argmax(personalised_pagerank(5, edges, {2: 1.0})) == 2



def test_the_linear_solve_and_the_power_iteration_agree():
    """personalised_pagerank solves a linear system; the power iteration (its fallback) is the
    definition: on a random graph with a dangling seed and an isolated node they give the same."""
    import networkx as nx

    from workbench.network.propagate import ALPHA, _power_iteration

    rng = np.random.default_rng(7)
    n = 60
    edges = [(int(a), int(b), float(w)) for a, b, w in zip(rng.integers(0, 50, 150), rng.integers(0, 50, 150),
                                                           rng.uniform(0.2, 1.0, 150)) if a != b]
    seeds = {3: 2.0, 11: 1.0, 55: 1.0}                       # 55 has no link: its mass stays there
    solved = personalised_pagerank(n, edges, seeds)
    A = np.zeros((n, n))
    for a, b, w in edges:
        A[a, b] += w
        A[b, a] += w
    out = A.sum(axis=1)
    inv = np.divide(1.0, out, out=np.zeros(n), where=out > 0)
    restart = np.zeros(n)
    for k, v in seeds.items():
        restart[k] = v
    restart /= restart.sum()
    iterated = _power_iteration(lambda x: A @ (inv * x), restart, out == 0, ALPHA, 1e-14, 2000)
    assert np.abs(solved - iterated).max() < 1e-10 and solved[56] == 0 and solved[55] > 0
    G = nx.Graph()
    G.add_nodes_from(range(n))
    for a, b, w in edges:
        G.add_edge(a, b, weight=G.get_edge_data(a, b, {"weight": 0.0})["weight"] + w)
    ref = nx.pagerank(G, alpha=ALPHA, personalization={k: v for k, v in seeds.items()}, weight="weight", tol=1e-14,
                      dangling={k: v for k, v in seeds.items()}, max_iter=2000)
    assert max(abs(solved[k] - ref[k]) for k in range(n)) < 1e-8

def test_clustering_respects_verdicts_and_keeps_ids():
    pairs = [("a", "b", 0.99), ("b", "c", 0.95), ("c", "d", 0.2)]
    assert sorted(map(sorted, cluster("abcd", pairs))) == [["a", "b", "c"], ["d"]]
    # "not the same" holds even through a chain of matches
    assert sorted(map(sorted, cluster("abcd", pairs, cannot=[("a", "c")]))) == [["a", "b"], ["c"], ["d"]]
    assert sorted(map(sorted, cluster("abcd", pairs, must=[("c", "d")]))) == [["a", "b", "c", "d"]]
    first = assign_ids(cluster("abcd", pairs), previous={}, used=set())
    assert first == {"a": "a", "b": "a", "c": "a", "d": "d"}
    # a new record joining the entity, and a split: the bigger part keeps the id, "c" gets a new one
    again = assign_ids([["0", "a", "b"], ["c"], ["d"]], previous=first, used=set(first.values()))
    assert again == {"0": "a", "a": "a", "b": "a", "c": "c", "d": "d"}
    # an id used before for another entity is never handed out again
    assert assign_ids([["a"], ["b", "c"]], previous={"b": "x", "c": "x"}, used={"a", "x"})["a"] == "a~2"


def test_pairwise_quality():
    q = pairwise_quality({"a": 1, "b": 1, "c": 1, "d": 4}, {"a": "x", "b": "x", "c": "y", "d": "y"})
    assert (q["true_pairs"], q["predicted_pairs"], q["correct_pairs"]) == (2, 3, 1)
    assert q["precision"] == pytest.approx(1 / 3, abs=1e-4) and q["recall"] == 0.5


def test_exports_read_back(tmp_path):
    G = trade_world()
    G.nodes["party:A"]["attrs"] = {"country": "NZ", "records": ["P1", "P2"]}
    (graphml,) = export(G, tmp_path / "net", "graphml")
    back = nx.read_graphml(graphml)
    assert set(back) == set(G) and back.number_of_edges() == G.number_of_edges()
    assert back.nodes["party:A"]["attr_country"] == "NZ"
    assert back.edges["party:A", "address:1"]["first_seen"] == "2020-01-01T00:00:00"
    (gexf,) = export(G, tmp_path / "net", "gexf")
    assert set(nx.read_gexf(gexf)) == set(G)
    (ftm,) = export(G, tmp_path / "net", "ftm")
    entities = [json.loads(line) for line in ftm.read_text().splitlines()]
    by_schema = {}
    for e in entities:
        by_schema.setdefault(e["schema"], []).append(e)
    assert len(by_schema["Company"]) == 24 and len(by_schema["Person"]) == 1 and len(by_schema["Address"]) == 1
    director = by_schema["Directorship"][0]["properties"]
    ids = {e["workbench_node"]: e["id"] for e in entities if "workbench_node" in e}
    assert director["director"] == [ids["person:D"]] and director["organization"] in ([ids["party:B"]],
                                                                                        [ids["party:C"]])
    a = next(e for e in by_schema["Company"] if e["workbench_node"] == "party:A")
    assert a["properties"]["phone"] == ["9"] and a["properties"]["country"] == ["nz"]
    assert len(list(ftm_entities(G))) == len(entities)
    entities_csv, links_csv = export(G, tmp_path / "net", "csv")
    assert entities_csv.read_text().splitlines()[0].startswith("Id,Label,Type")
    assert links_csv.read_text().splitlines()[0] == "Source,Target,Type,Label,Weight,First seen,Last seen"
    assert len(links_csv.read_text().splitlines()) == G.number_of_edges() + 1
    with pytest.raises(ValueError):
        export(G, tmp_path / "net", "pdf")


@pytest.mark.parametrize("module", ["normalise", "scoring", "clustering", "quality", "ego", "paths", "centrality",
                                    "communities", "detectors", "propagate", "export", "view", "arrow_in"])
def test_docstring_examples_run(module):
    import doctest
    import importlib

    result = doctest.testmod(importlib.import_module(f"workbench.network.{module}"))
    assert result.attempted > 0 and result.failed == 0

"""workbench graph: the entity graph — build it, look around it, find structures, spread risk, export it."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Annotated

import typer

from workbench.cli.common import CliError, DbOption, JsonOption, console, print_json, print_table, store

app = typer.Typer(help="The entity graph: parties, people, addresses, phones, vessels, reports and their links.\n\n"
                       "Example: workbench graph build", no_args_is_help=True)

TypesOption = Annotated[list[str] | None, typer.Option("--type", help="Node types to walk through (repeatable; "
                                                                       "'all' for every type).")]
EdgeTypesOption = Annotated[list[str] | None, typer.Option("--edge-type", help="Edge types to follow (repeatable).")]
SinceOption = Annotated[dt.datetime | None, typer.Option(help="Only links still seen on or after this day.")]
UntilOption = Annotated[dt.datetime | None, typer.Option(help="Only links first seen before this day.")]


def _node(con, text: str) -> str:
    from workbench.network.subgraph import NodeNotFound, find_node

    try:
        return find_node(con, text)
    except NodeNotFound as exc:
        raise CliError(str(exc)) from None


def _types(types: list[str] | None):
    from workbench.network.subgraph import LINK_TYPES

    if not types:
        return LINK_TYPES
    return None if "all" in types else types


def _graph_records(G) -> dict:
    return {"nodes": [{"id": n, **{k: v for k, v in d.items()}} for n, d in G.nodes(data=True)],
            "edges": [{"source": u, "target": v, **d} for u, v, d in G.edges(data=True)]}


def _print_graph(title: str, G, centers=()) -> None:
    print_table(f"{title}: {G.number_of_nodes()} nodes, {G.number_of_edges()} links",
                ["node", "type", "label", "degree", "links here"],
                [(n + (" *" if n in centers else ""), d.get("type"), d.get("label"), d.get("degree"), G.degree(n))
                 for n, d in sorted(G.nodes(data=True), key=lambda x: (x[0] not in centers, x[1].get("type", ""), x[0]))])


@app.command("build")
def build(
    db: DbOption = None,
    full: Annotated[bool, typer.Option("--full", help="Rebuild from scratch instead of adding new loads.")] = False,
    as_json: JsonOption = False,
) -> None:
    """Build the entity graph, or bring it up to date with loads since the last build.

    Example: workbench graph build --full
    """
    from workbench.network.graph import build_graph

    with store(db) as con:
        result = build_graph(con, full=full)
    if as_json:
        print_json(result)
        return
    console.print(f"graph build {result['build_id']} ({result['mode']}): {result['nodes']:,} nodes, "
                  f"{result['edges']:,} edges in {result['seconds']:.1f}s", highlight=False)


@app.command("info")
def info(db: DbOption = None, as_json: JsonOption = False) -> None:
    """What the network part of the store holds: resolution, graph build, node and edge counts.

    Example: workbench graph info --json
    """
    from workbench.network.summary import summary_of

    with store(db, read_only=True) as con:
        data = summary_of(con)
    if as_json:
        print_json(data)
        return
    console.print(f"resolution: {data['resolution']}\ngraph: {data['graph']}", highlight=False)
    print_table("nodes", ["type", "count"], list(data["nodes_by_type"].items()))
    print_table("edges", ["type", "count"], list(data["edges_by_type"].items()))


@app.command("ego")
def ego(
    nodes: Annotated[list[str], typer.Argument(help="Node ids, party ids or exact names.")],
    db: DbOption = None,
    hops: Annotated[int, typer.Option(help="Links out.")] = 2,
    types: TypesOption = None,
    edge_types: EdgeTypesOption = None,
    since: SinceOption = None,
    until: UntilOption = None,
    hub_degree: Annotated[int, typer.Option(help="Nodes with more neighbours are shown but not expanded.")] = 50,
    expand: Annotated[list[str] | None, typer.Option(help="Hubs to expand anyway (repeatable).")] = None,
    as_json: JsonOption = False,
) -> None:
    """The neighbourhood of one or more entities, k links out, filtered by type and date.

    Example: workbench graph ego synth:P0000004 --hops 2 --since 2024-06-01
    """
    from workbench.network.subgraph import ego_from_store

    if hops < 0:
        raise CliError("--hops must be 0 or more")
    with store(db, read_only=True) as con:
        centers = [_node(con, n) for n in nodes]
        wide = [_node(con, n) for n in expand or []]
        G = ego_from_store(con, centers, hops=hops, node_types=_types(types), edge_types=edge_types, since=since,
                           until=until, hub_degree=hub_degree, expand=wide)
    if as_json:
        print_json(_graph_records(G))
        return
    _print_graph("ego network", G, centers)


@app.command("path")
def path(
    source: Annotated[str, typer.Argument(help="From (node id, party id or name).")],
    target: Annotated[str, typer.Argument(help="To.")],
    db: DbOption = None,
    time_respecting: Annotated[bool, typer.Option("--time-respecting", help="Each link no earlier than the one "
                                                                            "before.")] = False,
    types: TypesOption = None,
    as_json: JsonOption = False,
) -> None:
    """The shortest chain of links between two entities (optionally respecting time order).

    Example: workbench graph path synth:P0000004 synth:P0000039 --time-respecting
    """
    import networkx as nx

    from workbench.network.paths import shortest_path, time_respecting_path
    from workbench.network.subgraph import graph_from_store

    with store(db, read_only=True) as con:
        a, b = _node(con, source), _node(con, target)
        G = graph_from_store(con, node_types=_types(types))
    try:
        found = time_respecting_path(G, a, b) if time_respecting else shortest_path(G, a, b)
    except (nx.NetworkXNoPath, nx.NodeNotFound) as exc:
        raise CliError(str(exc)) from None
    steps = [{"node": n, "type": G.nodes[n].get("type"), "label": G.nodes[n].get("label"),
              "via": None if i == 0 else G.edges[found[i - 1], n].get("edge_type"),
              "first_seen": None if i == 0 else G.edges[found[i - 1], n].get("first_seen")}
             for i, n in enumerate(found)]
    if as_json:
        print_json(steps)
        return
    print_table(f"path of {len(found) - 1} links", ["node", "type", "label", "via", "first seen"],
                [tuple(s.values()) for s in steps])


@app.command("connect")
def connect(
    nodes: Annotated[list[str], typer.Argument(help="Two or more entities.")],
    db: DbOption = None,
    max_length: Annotated[int | None, typer.Option(help="Leave pairs further apart unconnected.")] = 6,
    types: TypesOption = None,
    as_json: JsonOption = False,
) -> None:
    """The connecting network of a set of entities: the shortest paths between every pair.

    Example: workbench graph connect synth:P0000004 synth:P0000039 synth:P0000101
    """
    from workbench.network.paths import connecting_network
    from workbench.network.subgraph import graph_from_store

    if len(nodes) < 2:
        raise CliError("give two or more entities")
    with store(db, read_only=True) as con:
        centers = [_node(con, n) for n in nodes]
        G = graph_from_store(con, node_types=_types(types))
    H = connecting_network(G, centers, max_length=max_length)
    if as_json:
        print_json(_graph_records(H))
        return
    _print_graph("connecting network", H, centers)


@app.command("central")
def central(
    db: DbOption = None,
    measure: Annotated[str, typer.Option(help="degree | betweenness | pagerank | eigenvector")] = "degree",
    node_type: Annotated[str, typer.Option("--of", help="Rank only nodes of this type.")] = "party",
    limit: Annotated[int, typer.Option(help="How many.")] = 20,
    types: TypesOption = None,
    as_json: JsonOption = False,
) -> None:
    """The most central entities of the graph.

    Example: workbench graph central --measure betweenness --limit 10
    """
    from workbench.network.centrality import MEASURES, centrality
    from workbench.network.subgraph import graph_from_store

    if measure not in MEASURES:
        raise CliError(f"--measure {measure!r}: use one of {', '.join(MEASURES)}")
    with store(db, read_only=True) as con:
        G = graph_from_store(con, node_types=_types(types))
    ranked = [(n, s) for n, s in centrality(G, measure) if G.nodes[n].get("type") == node_type][:limit]
    data = [{"node": n, "label": G.nodes[n].get("label"), "score": s} for n, s in ranked]
    if as_json:
        print_json(data)
        return
    print_table(f"{measure} centrality", ["node", "label", "score"], [(d["node"], d["label"], f"{d['score']:.4g}")
                                                                      for d in data])


@app.command("communities")
def communities_cmd(
    db: DbOption = None,
    min_size: Annotated[int, typer.Option(help="Smallest community shown.")] = 3,
    limit: Annotated[int, typer.Option(help="How many communities.")] = 20,
    seed: Annotated[int, typer.Option(help="Seed (same seed, same communities).")] = 0,
    types: TypesOption = None,
    as_json: JsonOption = False,
) -> None:
    """Communities of the graph (Louvain), largest first, with their parties.

    Example: workbench graph communities --min-size 5
    """
    from workbench.network.communities import communities
    from workbench.network.subgraph import graph_from_store

    with store(db, read_only=True) as con:
        G = graph_from_store(con, node_types=_types(types))
    groups = communities(G, seed=seed, min_size=min_size)[:limit]
    data = [{"community": i, "size": len(c),
             "parties": sorted(G.nodes[n].get("label") or n for n in c if G.nodes[n].get("type") == "party")}
            for i, c in enumerate(groups)]
    if as_json:
        print_json(data)
        return
    print_table("communities", ["#", "size", "parties"], [(d["community"], d["size"], "; ".join(d["parties"][:8]))
                                                          for d in data])


@app.command("detect")
def detect(
    detector: Annotated[str, typer.Argument(help="address-hubs | phoenix | circular")],
    db: DbOption = None,
    limit: Annotated[int, typer.Option(help="How many findings.")] = 20,
    min_parties: Annotated[int, typer.Option(help="address-hubs: fewest traders sharing it.")] = 3,
    max_length: Annotated[int, typer.Option(help="circular: longest cycle (nodes).")] = 4,
    as_json: JsonOption = False,
) -> None:
    """Structures that point at schemes: shared-address hubs, phoenix companies, circular trade.

    Example: workbench graph detect phoenix --limit 10
    """
    from workbench.network.detectors import address_hubs, circular_trade, phoenix_candidates
    from workbench.network.subgraph import graph_from_store, known_offenders, trade_digraph

    if detector not in ("address-hubs", "phoenix", "circular"):
        raise CliError(f"detector {detector!r}: use address-hubs, phoenix or circular")
    shown = ("party", "person", "address", "phone", "email", "identifier", "bank_account")
    with store(db, read_only=True) as con:
        if detector == "circular":
            found = [{"cycle": c} for c in circular_trade(trade_digraph(con), max_length=max_length)[:limit]]
        else:
            G = graph_from_store(con, node_types=shown)
            if detector == "address-hubs":
                found = address_hubs(G, min_parties=min_parties, limit=limit)
            else:
                found = phoenix_candidates(G, known_offenders(con), limit=limit)
    if as_json:
        print_json(found)
        return
    if detector == "address-hubs":
        print_table("shared addresses, phones and e-mails", ["node", "label", "traders"],
                    [(h["node"], h["label"], h["parties"]) for h in found])
    elif detector == "phoenix":
        print_table("phoenix candidates", ["trader", "registered", "offender", "offence known", "shared"],
                    [(p["label"], p["registered_on"], p["offender_label"], p["offence_known"][:10],
                      ", ".join(p["shared"])) for p in found])
    else:
        print_table("circular trade", ["cycle"], [(" -> ".join(c["cycle"]),) for c in found])


@app.command("risk")
def risk(
    db: DbOption = None,
    as_of: Annotated[list[dt.datetime] | None, typer.Option("--as-of", help="Snapshot moment (repeatable; default: "
                                                                              "the first of every month of the data).")]
    = None,
    limit: Annotated[int, typer.Option(help="Top entities shown of the last snapshot.")] = 20,
    as_json: JsonOption = False,
) -> None:
    """Spread risk from known offenders over the network, point in time, and store the snapshots.

    Example: workbench graph risk --as-of 2025-01-01
    """
    from workbench.network.risk import store_risk

    with store(db) as con:
        result = store_risk(con, as_of=as_of, limit=limit)
    if as_json:
        print_json(result)
        return
    console.print(f"{len(result['snapshots'])} snapshots stored ({result['rows']:,} scores)", highlight=False)
    print_table(f"highest risk as of {result['snapshots'][-1] if result['snapshots'] else '-'}",
                ["node", "label", "score", "known offender"],
                [(r["node_id"], r["label"], f"{r['score']:.2f}", r["seed"]) for r in result["top"]])


@app.command("export")
def export_cmd(
    out: Annotated[Path, typer.Argument(help="Output path without suffix (e.g. exports/network).")],
    db: DbOption = None,
    fmt: Annotated[str, typer.Option("--format", help="graphml | gexf | ftm | csv")] = "graphml",
    around: Annotated[list[str] | None, typer.Option(help="Export only the ego network of these (repeatable).")]
    = None,
    hops: Annotated[int, typer.Option(help="With --around: links out.")] = 2,
    types: TypesOption = None,
    as_json: JsonOption = False,
) -> None:
    """Export the graph (or an ego network) to GraphML, GEXF, followthemoney JSON lines or i2/Gephi CSV.

    Example: workbench graph export exports/network --format gexf --around synth:P0000004
    """
    from workbench.network.export import FORMATS, export
    from workbench.network.subgraph import ego_from_store, graph_from_store

    if fmt not in FORMATS:
        raise CliError(f"--format {fmt!r}: use one of {', '.join(FORMATS)}")
    with store(db, read_only=True) as con:
        if around:
            G = ego_from_store(con, [_node(con, n) for n in around], hops=hops, node_types=_types(types))
        else:
            G = graph_from_store(con, node_types=_types(types) if types else None)
    files = export(G, out, fmt)
    data = {"files": [str(f) for f in files], "nodes": G.number_of_nodes(), "edges": G.number_of_edges()}
    if as_json:
        print_json(data)
        return
    console.print(f"wrote {', '.join(data['files'])} ({data['nodes']:,} nodes, {data['edges']:,} links)",
                  highlight=False)


@app.command("render")
def render(
    nodes: Annotated[list[str], typer.Argument(help="Entities at the centre.")],
    out: Annotated[Path, typer.Option(help="Image file (.svg, .png, .pdf or .html).")] = Path("network.svg"),
    db: DbOption = None,
    hops: Annotated[int, typer.Option(help="Links out.")] = 2,
    colour_by: Annotated[str, typer.Option(help="type | risk")] = "type",
) -> None:
    """Draw an ego network as a static image for a report.

    Example: workbench graph render synth:P0000004 --out report/network.svg --colour-by risk
    """
    from workbench.charts import save_chart
    from workbench.charts.network import network_chart
    from workbench.network.subgraph import ego_from_store
    from workbench.network.view import layout_data, risk_of

    if colour_by not in ("type", "risk"):
        raise CliError("--colour-by must be type or risk")
    with store(db, read_only=True) as con:
        centers = [_node(con, n) for n in nodes]
        G = ego_from_store(con, centers, hops=hops)
        scores = risk_of(con, list(G.nodes))
    title = ", ".join(G.nodes[c].get("label", c) for c in centers)
    try:
        path = save_chart(network_chart(layout_data(G, risk=scores), title=title, colour_by=colour_by), out)
    except ValueError as exc:
        raise CliError(str(exc)) from None
    console.print(f"wrote {path} ({G.number_of_nodes()} nodes)", highlight=False)

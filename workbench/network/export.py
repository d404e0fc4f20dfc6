"""The entity graph out of the workbench: GraphML and GEXF (Gephi, yEd, Cytoscape), entities in
the followthemoney JSON-lines shape (Aleph and other OCCRP-style tools), and CSV entity and link
files in the shape i2 Analyst's Notebook and Gephi import.

Values that are not text or numbers (dates, nested attributes) are written as ISO text and
JSON, since GraphML and GEXF accept only scalar attributes.

>>> import networkx as nx, tempfile, pathlib
>>> G = nx.Graph()
>>> G.add_node("party:P1", type="party", label="Kauri Ltd", attrs={"country": "NZ"})
>>> G.add_node("address:1 MAIN STREET", type="address", label="1 Main St")
>>> G.add_edge("party:P1", "address:1 MAIN STREET", edge_type="has_address", weight=2)
>>> out = pathlib.Path(tempfile.mkdtemp())
>>> sorted(p.name for p in export(G, out / "g", "csv"))
['g-entities.csv', 'g-links.csv']
>>> [e["schema"] for e in ftm_entities(G)]
['Company', 'Address', 'UnknownLink']
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import networkx as nx

FORMATS = ("graphml", "gexf", "ftm", "csv")
FTM_SCHEMA = {"party": "Company", "person": "Person", "address": "Address", "vessel": "Vessel",
              "aircraft": "Airplane", "intel_report": "Note", "listing": "LegalEntity", "name": "LegalEntity",
              "bank_account": "BankAccount"}
"""followthemoney schema of each node type; phones, e-mails and identifiers become properties of
the parties that hold them rather than entities of their own."""
_PROPERTY = {"phone": "phone", "email": "email", "identifier": "taxNumber"}


def _scalar(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, bool | int | float | str):
        return value
    return json.dumps(value, default=str, sort_keys=True)


def flat_copy(G: nx.Graph) -> nx.Graph:
    """A copy whose node and edge attributes are all scalars (``attrs`` spread as ``attr_<key>``)."""
    H = nx.Graph()
    for n, data in G.nodes(data=True):
        flat = {k: _scalar(v) for k, v in data.items() if k != "attrs"}
        flat.update({f"attr_{k}": _scalar(v) for k, v in (data.get("attrs") or {}).items()})
        H.add_node(n, **flat)
    H.add_edges_from((u, v, {k: _scalar(x) for k, x in d.items()}) for u, v, d in G.edges(data=True))
    return H


def _ftm_id(node: Any) -> str:
    return hashlib.sha1(str(node).encode()).hexdigest()[:20]


def ftm_entities(G: nx.Graph) -> Iterator[dict]:
    """followthemoney-style entities: one per node of a mapped type, then one per link
    (``Directorship`` for directors, ``UnknownLink`` otherwise)."""
    props: dict[Any, dict[str, list]] = {}
    for n, data in G.nodes(data=True):
        if data.get("type") in FTM_SCHEMA:
            p: dict[str, list] = {"name": [str(data.get("label", n))]}
            if data.get("type") == "address":
                p = {"full": [str(data.get("label", n))]}
            elif data.get("type") == "intel_report":
                p = {"description": [str(data.get("label", n))]}
            country = (data.get("attrs") or {}).get("country")
            if country:
                p["country"] = [str(country).lower()]
            props[n] = p
    for u, v, d in G.edges(data=True):
        for a, b in ((u, v), (v, u)):
            prop = _PROPERTY.get(G.nodes[b].get("type"))
            if a in props and prop and G.nodes[a].get("type") in ("party", "person", "listing"):
                props[a].setdefault(prop, []).append(str(G.nodes[b].get("label", b)))
    for n, p in props.items():
        yield {"id": _ftm_id(n), "schema": FTM_SCHEMA[G.nodes[n]["type"]], "properties": p,
               "workbench_node": str(n)}
    for u, v, d in G.edges(data=True):
        if u not in props or v not in props:
            continue
        kinds = str(d.get("edge_type", ""))
        src, dst = (u, v) if G.nodes[u].get("type") == "person" or G.nodes[v].get("type") != "person" else (v, u)
        if "director_of" in kinds.split(","):
            entity = {"schema": "Directorship", "properties": {"director": [_ftm_id(src)], "organization": [_ftm_id(dst)],
                                                               "role": ["director"]}}
        else:
            entity = {"schema": "UnknownLink", "properties": {"subject": [_ftm_id(u)], "object": [_ftm_id(v)],
                                                              "role": [kinds]}}
        for key, prop in (("first_seen", "startDate"), ("last_seen", "endDate")):
            if d.get(key) is not None:
                entity["properties"][prop] = [str(_scalar(d[key]))[:10]]
        yield {"id": _ftm_id(f"{u}|{v}|{kinds}"), **entity}


def export(G: nx.Graph, path: str | Path, fmt: str) -> list[Path]:
    """Write ``G`` as ``fmt`` (graphml, gexf, ftm, csv) at ``path`` (suffix added); returns the files."""
    if fmt not in FORMATS:
        raise ValueError(f"format {fmt!r}: use one of {', '.join(FORMATS)}")
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    if fmt == "graphml":
        out = path.with_suffix(".graphml")
        nx.write_graphml(flat_copy(G), out)
        return [out]
    if fmt == "gexf":
        out = path.with_suffix(".gexf")
        nx.write_gexf(flat_copy(G), out)
        return [out]
    if fmt == "ftm":
        out = path.with_suffix(".ftm.json")
        with out.open("w", encoding="utf-8") as f:
            for entity in ftm_entities(G):
                f.write(json.dumps(entity, ensure_ascii=False, sort_keys=True) + "\n")
        return [out]
    H = flat_copy(G)
    entities, links = path.with_name(path.name + "-entities.csv"), path.with_name(path.name + "-links.csv")
    extra = sorted({k for _, d in H.nodes(data=True) for k in d} - {"label", "type"})
    with entities.open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["Id", "Label", "Type", *extra])
        for n, d in H.nodes(data=True):
            w.writerow([n, d.get("label", n), d.get("type", ""), *(d.get(k, "") for k in extra)])
    with links.open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["Source", "Target", "Type", "Label", "Weight", "First seen", "Last seen"])
        for u, v, d in H.edges(data=True):
            w.writerow([u, v, "Undirected", d.get("edge_type", ""), d.get("weight", 1), d.get("first_seen", ""),
                        d.get("last_seen", "")])
    return [entities, links]

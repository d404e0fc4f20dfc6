"""Candidates for an operation's target list, each with the reason an analyst would write: the
traders the live profiles hit most over a window (from the profiles' own compiled SQL on the
backtest frame, aggregated in DuckDB), and the traders the entity graph links to a past
offender (phoenix candidates: registered after it, sharing a person, address, phone, e-mail,
identifier or bank account). :func:`target_list` turns chosen candidates into a
:class:`workbench.profiles.targets.TargetList` (checked as any list file is), ready for
:func:`workbench.profiles.save_list` and the four-eyes lifecycle.

>>> tl = target_list([{"value": "synth:P1", "reason": "hit by RP-1 on 4 declarations"}], list_id="TL-OP-X",
...                  title="Operation X traders", kind="trader", operation="OP X")
>>> tl.kind, tl.entries[0].value
('trader', 'synth:P1')
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

import duckdb

from workbench.store.sql import rows

TRADER_COLUMNS = ("value", "name", "declarations", "profiles", "examined", "positives", "last_lodged", "reason")


def profile_hit_traders(con: duckdb.DuckDBPyConnection, profiles: Sequence[Any], start: dt.date | dt.datetime | str,
                        end: dt.date | dt.datetime | str, *, salt: str = "", limit: int = 20,
                        as_of: dt.datetime | None = None) -> list[dict[str, Any]]:
    """Importers hit by ``profiles`` on declarations lodged in [start, end), most hit first (then
    most positive findings): how many declarations, by which profiles, examined and positive
    (results known by ``as_of``, default now), and a reason line."""
    from workbench.profiles.backtest import select_set

    if not profiles:
        return []
    select_set(con, list(profiles), start, end, salt=salt, as_of=as_of, fields={"declaration.importer_id"})
    found = rows(con, """
        with h as (
            select h.declaration_id, list(distinct h.profile_id order by h.profile_id) as profiles
            from pf_hit h group by 1),
        d as (select distinct declaration_id, "declaration.importer_id" as importer from pf_item)
        select d.importer, any_value(p.name), count(*), list_sort(list_distinct(flatten(list(h.profiles)))),
               count(*) filter (where o.examined), count(*) filter (where o.positive), max(o.lodged_at)
        from h join d using (declaration_id) join pf_outcome o using (declaration_id)
        left join party_current p on p.party_id = d.importer
        where d.importer is not null
        group by 1 order by 3 desc, 6 desc, 1 limit ?""", [limit])
    out = []
    for importer, name, n, hit_by, examined, positives, last in found:
        out.append({"value": importer, "name": name, "declarations": n, "profiles": hit_by, "examined": examined,
                    "positives": positives, "last_lodged": last,
                    "reason": f"hit by {', '.join(hit_by)} on {n} declaration(s) lodged {_day(start)} to {_day(end)}; "
                              f"{positives} of {examined} examined were positive"})
    return out


def linked_traders(con: duckdb.DuckDBPyConnection, *, limit: int = 20) -> list[dict[str, Any]]:
    """Phoenix candidates of the entity graph, one row per party record (what a trader list
    matches on), with the offender it is linked to and through how many shared links."""
    from workbench.network import graph_from_store, known_offenders, phoenix_candidates
    from workbench.network.resolve import members

    G = graph_from_store(con, node_types=("party", "person", "address", "phone", "email", "identifier",
                                          "bank_account"))
    out: list[dict[str, Any]] = []
    seen: set[str] = set()
    for hit in phoenix_candidates(G, known_offenders(con), limit=limit):
        entity = str(hit["node"]).removeprefix("party:")
        when = "after" if hit["after_offence"] else "before"
        for record in members(con, entity) or [{"party_id": entity, "name": hit["label"]}]:
            if record["party_id"] in seen:
                continue
            seen.add(record["party_id"])
            out.append({"value": record["party_id"], "name": record["name"], "offender": hit["offender_label"],
                        "registered_on": hit["registered_on"], "shared": len(hit["shared"]),
                        "reason": f"registered {hit['registered_on']} ({when} the offence of {hit['offender_label']} "
                                  f"was known); shares {len(hit['shared'])} link(s) with it"})
    return out


def target_list(candidates: Sequence[dict[str, Any]], *, list_id: str, title: str, kind: str = "trader",
                operation: str | None = None, risk: str | None = None, valid_from: dt.date | None = None,
                valid_to: dt.date | None = None) -> Any:
    """A target list of the candidates' ``value`` and ``reason`` (the first of each value kept)."""
    from workbench.profiles.targets import parse_list

    entries, seen = [], set()
    for c in candidates:
        if c["value"] not in seen:
            seen.add(c["value"])
            entries.append({"value": str(c["value"]), "reason": str(c["reason"])[:2000]})
    data: dict[str, Any] = {"id": list_id, "title": title, "kind": kind, "entries": entries,
                            "validity": {"from": valid_from, "to": valid_to}}
    if operation:
        data["operation"] = operation
    if risk:
        data["risk"] = risk
    return parse_list(data, list_id)


def _day(value: dt.date | dt.datetime | str) -> str:
    return str(value)[:10]

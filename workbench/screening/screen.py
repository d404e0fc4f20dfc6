"""Screening the store's parties against its watch lists, recorded as runs with their matches.

Example::

    with open_store(db) as con:
        run = screen_parties(con, threshold=90)
    run.matches[0].reason
    # "'Banco Nacional de Cuba SA' matches the listed name 'BANCO NACIONAL DE CUBA' (OFAC SDN entry ofac:306 ...)"
"""

from __future__ import annotations

import datetime as dt
import json
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import duckdb

from workbench.screening.matcher import DEFAULT_THRESHOLD, Match, WatchIndex
from workbench.store import audit
from workbench.store.connection import transaction
from workbench.store.sql import rows, scalar

ENTRY_COLUMNS = "entry_id, version, list_name, kind, name, aliases, program, known_at, delisted_at"


def load_index(con: duckdb.DuckDBPyConnection, *, lists: Sequence[str] | None = None,
               all_versions: bool = False) -> WatchIndex:
    """The watch lists of the store as an index: current entries, or every version of them."""
    table = "watchlist_entry" if all_versions else "watchlist_entry_current"
    found = rows(con, f"select {ENTRY_COLUMNS} from {table} where $lists is null or list_contains($lists, list_name) "
                      "order by entry_id, version", {"lists": list(lists) if lists else None})
    return WatchIndex.from_rows(found)


@dataclass
class PartyMatch:
    party_id: str
    party_version: int
    party_name: str
    match: Match

    @property
    def reason(self) -> str:
        return self.match.reason(self.party_name)

    def as_dict(self) -> dict[str, Any]:
        e = self.match.entry
        return {"party_id": self.party_id, "party_version": self.party_version, "party_name": self.party_name,
                "entry_id": e.entry_id, "entry_version": e.version, "list_name": e.list_name, "entry_name": e.name,
                "matched_name": self.match.matched_name, "match_kind": self.match.kind, "score": self.match.score,
                "reason": self.reason}


@dataclass
class ScreeningRun:
    run_id: int | None
    parties: int
    entries: int
    threshold: float
    seconds: float
    matches: list[PartyMatch] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {"run_id": self.run_id, "parties": self.parties, "entries": self.entries, "threshold": self.threshold,
                "seconds": round(self.seconds, 3), "matches": [m.as_dict() for m in self.matches]}


def screen_names(index: WatchIndex, names: Sequence[str], *, threshold: float = DEFAULT_THRESHOLD,
                 limit: int = 3) -> list[list[Match]]:
    """Matches for each name (distinct names are screened once)."""
    distinct = list(dict.fromkeys(names))
    found = dict(zip(distinct, index.match_many(distinct, threshold=threshold, limit=limit)))
    return [found[n] for n in names]


def screen_parties(
    con: duckdb.DuckDBPyConnection,
    *,
    lists: Sequence[str] | None = None,
    threshold: float = DEFAULT_THRESHOLD,
    limit: int = 3,
    user: str | None = None,
    record: bool = True,
    reason: str | None = None,
) -> ScreeningRun:
    """Screen every current party against the current watch lists; record the run and its
    matches (with an audit entry) unless ``record`` is false."""
    from workbench.identity import current_user

    started_wall = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    started = time.perf_counter()
    index = load_index(con, lists=lists)
    parties = rows(con, "select party_id, version, name from party_current where name is not null order by party_id")
    results = screen_names(index, [p[2] for p in parties], threshold=threshold, limit=limit)
    matches = [PartyMatch(pid, ver, name, m) for (pid, ver, name), found in zip(parties, results) for m in found]
    run = ScreeningRun(None, len(parties), len(index), threshold, time.perf_counter() - started, matches)
    if not record:
        return run
    user = user or current_user()
    used_lists = sorted({e.list_name for e in index.entries})
    with transaction(con):
        run.run_id = scalar(con, "select nextval('screening_run_seq')")
        con.execute(
            "insert into screening_run values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [run.run_id, started_wall, dt.datetime.now(dt.UTC).replace(tzinfo=None), user, used_lists, threshold,
             run.parties, run.entries, len(matches), json.dumps({"limit": limit})],
        )
        if matches:
            con.executemany(
                "insert into screening_match values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [[run.run_id, m.party_id, m.party_version, m.party_name, m.match.entry.entry_id, m.match.entry.version,
                  m.match.entry.list_name, m.match.entry.name, m.match.matched_name, m.match.kind, m.match.score,
                  m.reason] for m in matches],
            )
        audit.record(con, actor=user, action="screening.run", object_type="screening_run", object_id=str(run.run_id),
                     reason=reason or "watch-list screening of all parties",
                     details={"lists": used_lists, "threshold": threshold, "parties": run.parties,
                              "matches": len(matches)})
    return run


def screening_table(con: duckdb.DuckDBPyConnection, table: str, *, threshold: float = DEFAULT_THRESHOLD,
                    lists: Sequence[str] | None = None) -> int:
    """Fill the temp table ``table`` with matches of every party version named on a declaration
    against every watch-list entry version, with both sides' ``known_at``, for point-in-time
    joins. Returns the number of matches."""
    index = load_index(con, lists=lists, all_versions=True)
    parties = rows(con, """
        select p.party_id, p.version, p.known_at, p.name from party p
        where p.name is not null and p.party_id in (
            select importer_id from ix_decl union select exporter_id from ix_decl
            union select declarant_id from ix_decl union select carrier_id from ix_decl)
        order by p.party_id, p.version""")
    con.execute(f"""create or replace temp table {table} (
        party_id VARCHAR, party_version INTEGER, party_known_at TIMESTAMP, party_name VARCHAR, entry_id VARCHAR,
        entry_known_at TIMESTAMP, delisted_at TIMESTAMP, list_name VARCHAR, entry_name VARCHAR,
        matched_name VARCHAR, match_kind VARCHAR, score DOUBLE)""")
    if not len(index) or not parties:
        return 0
    results = screen_names(index, [p[3] for p in parties], threshold=threshold, limit=5)
    out = [[pid, ver, known, name, m.entry.entry_id, m.entry.known_at, m.entry.delisted_at, m.entry.list_name,
            m.entry.name, m.matched_name, m.kind, m.score]
           for (pid, ver, known, name), found in zip(parties, results) for m in found]
    if out:
        import pyarrow as pa

        cols = ["party_id", "party_version", "party_known_at", "party_name", "entry_id", "entry_known_at",
                "delisted_at", "list_name", "entry_name", "matched_name", "match_kind", "score"]
        batch = pa.table({c: [r[i] for r in out] for i, c in enumerate(cols)})
        con.register("_screen_batch", batch)
        try:
            con.execute(f"insert into {table} select * from _screen_batch")
        finally:
            con.unregister("_screen_batch")
    return len(out)

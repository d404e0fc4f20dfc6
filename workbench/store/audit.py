"""The audit log: append-only, hash-chained, written in the same transaction as the change.

Each entry's hash covers its content and the previous entry's hash, so editing or deleting any
entry breaks the chain from there on. The chain head is also kept outside the store, in a
sidecar file beside it (``<store>.audit-head``), so that truncating the log shows too.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb

from workbench.store.sql import one

GENESIS = "0" * 64


def _canonical(details: Any) -> str:
    return json.dumps(details, sort_keys=True, separators=(",", ":"), default=str)


def entry_hash(
    seq: int,
    logged_at: str,
    actor: str,
    action: str,
    object_type: str,
    object_id: str,
    reason: str | None,
    details: str,
    prev_hash: str,
) -> str:
    """SHA-256 of one entry's content chained to the previous hash."""
    payload = json.dumps(
        [seq, logged_at, actor, action, object_type, object_id, reason, details, prev_hash],
        separators=(",", ":"),
    )
    return hashlib.sha256(payload.encode()).hexdigest()


def record(
    con: duckdb.DuckDBPyConnection,
    *,
    actor: str,
    action: str,
    object_type: str,
    object_id: str,
    reason: str | None = None,
    details: Any = None,
) -> str:
    """Append one entry; call inside the transaction that makes the change. Returns its hash."""
    last = one(con, "select seq, hash from audit_log order by seq desc limit 1")
    seq, prev = (last[0] + 1, last[1]) if last else (1, GENESIS)
    logged_at = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    # keep microseconds in the hashed text exactly as DuckDB gives them back
    logged_text = logged_at.isoformat(sep=" ", timespec="microseconds")
    details_text = _canonical(details if details is not None else {})
    digest = entry_hash(seq, logged_text, actor, action, object_type, object_id, reason, details_text, prev)
    con.execute(
        "insert into audit_log values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [seq, logged_at, actor, action, object_type, object_id, reason, details_text, prev, digest],
    )
    return digest


def store_path(con: duckdb.DuckDBPyConnection) -> Path | None:
    """The file behind this connection (None for an in-memory store)."""
    row = one(con, "select path from duckdb_databases() where database_name = current_database()")
    return Path(row[0]) if row and row[0] else None


def sidecar_path(db_path: Path) -> Path:
    return db_path.with_name(db_path.name + ".audit-head")


def head(con: duckdb.DuckDBPyConnection) -> tuple[int, str]:
    """(seq, hash) of the last entry, (0, GENESIS) for an empty log."""
    last = one(con, "select seq, hash from audit_log order by seq desc limit 1")
    return (last[0], last[1]) if last else (0, GENESIS)


def write_sidecar(con: duckdb.DuckDBPyConnection) -> None:
    """Copy the chain head beside the store file (atomically). No-op for in-memory stores."""
    path = store_path(con)
    if path is None:
        return
    seq, digest = head(con)
    target = sidecar_path(path)
    tmp = target.with_name(target.name + ".tmp")
    tmp.write_text(json.dumps({"seq": seq, "hash": digest}) + "\n")
    os.replace(tmp, target)


@dataclass
class Verification:
    ok: bool
    entries: int
    head_seq: int
    head_hash: str
    problems: list[str]
    warnings: list[str]


def verify(con: duckdb.DuckDBPyConnection) -> Verification:
    """Recompute the whole chain and compare its head with the sidecar."""
    problems: list[str] = []
    warnings: list[str] = []
    prev = GENESIS
    expected_seq = 1
    rows = con.execute(
        "select seq, strftime(logged_at, '%Y-%m-%d %H:%M:%S.%f'), actor, action, object_type,"
        " object_id, reason, details::varchar, prev_hash, hash from audit_log order by seq"
    ).fetchall()
    for seq, logged, actor, action, otype, oid, reason, details, prev_hash, digest in rows:
        if seq != expected_seq:
            problems.append(f"entry {expected_seq} is missing (next entry is {seq})")
        if prev_hash != prev:
            problems.append(f"entry {seq}: previous-hash link broken")
        if entry_hash(seq, logged, actor, action, otype, oid, reason, details, prev_hash) != digest:
            problems.append(f"entry {seq} ({action} {otype} {oid}): content does not match its hash")
        prev, expected_seq = digest, seq + 1
    head_seq, head_hash = (rows[-1][0], rows[-1][-1]) if rows else (0, GENESIS)
    path = store_path(con)
    if path is not None:
        side = sidecar_path(path)
        if not side.exists():
            if rows:
                problems.append(f"sidecar {side.name} is missing: cannot prove the log was not truncated")
        else:
            kept = json.loads(side.read_text())
            if kept["seq"] > head_seq:
                problems.append(
                    f"log truncated: sidecar records entry {kept['seq']} but the log ends at {head_seq}"
                )
            elif kept["seq"] == head_seq and kept["hash"] != head_hash:
                problems.append("head hash differs from the sidecar: the log was rewritten")
            elif kept["seq"] < head_seq:
                recorded = {r[0]: r[-1] for r in rows}
                if recorded.get(kept["seq"], kept["hash"]) != kept["hash"]:
                    problems.append(f"entry {kept['seq']} differs from the sidecar: the log was rewritten")
                else:
                    warnings.append(f"sidecar lags the log ({kept['seq']} < {head_seq})")
    return Verification(not problems, len(rows), head_seq, head_hash, problems, warnings)

"""Analysts' verdicts on pairs of party records: "the same trader" or "not the same".

A verdict overrides whatever the scores say, holds through every later resolution run, and is
recorded with who, when and why in ``net_decision`` (append-only; the latest verdict on a pair
is in force; ``withdrawn`` lifts it) and in the audit log, in one transaction.
"""

from __future__ import annotations

import datetime as dt

import duckdb

from workbench.store import audit
from workbench.store.connection import transaction
from workbench.store.sql import rows, scalar

VERDICTS = ("same", "not_same", "withdrawn")


class DecisionError(ValueError):
    """A verdict that cannot be recorded as given."""


def ordered(a: str, b: str) -> tuple[str, str]:
    return (a, b) if a < b else (b, a)


def decide(
    con: duckdb.DuckDBPyConnection, left_id: str, right_id: str, verdict: str, *, reason: str,
    user: str | None = None,
) -> int:
    """Record a verdict on two party records; returns its decision id."""
    from workbench.identity import current_user

    if verdict not in VERDICTS:
        raise DecisionError(f"verdict {verdict!r}: use one of {', '.join(VERDICTS)}")
    if left_id == right_id:
        raise DecisionError(f"a verdict needs two different party records, got {left_id!r} twice")
    if not reason or not reason.strip():
        raise DecisionError("give a reason for the verdict (it goes into the audit log)")
    known = {r[0] for r in rows(con, "select distinct party_id from party where party_id in (?, ?)",
                                [left_id, right_id])}
    missing = [p for p in (left_id, right_id) if p not in known]
    if missing:
        raise DecisionError(f"no party record {', '.join(repr(m) for m in missing)} in the store")
    user = user or current_user()
    a, b = ordered(left_id, right_id)
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    with transaction(con):
        decision_id = scalar(con, "select nextval('net_decision_seq')")
        con.execute("insert into net_decision values (?, ?, ?, ?, ?, ?, ?)",
                    [decision_id, a, b, verdict, user, now, reason.strip()])
        audit.record(con, actor=user, action="resolve.decide", object_type="party_pair", object_id=f"{a}|{b}",
                     reason=reason.strip(), details={"verdict": verdict, "decision_id": decision_id})
    return decision_id


def in_force(con: duckdb.DuckDBPyConnection) -> dict[tuple[str, str], str]:
    """(left_id, right_id) -> 'same' | 'not_same': the latest verdict on each pair, unless withdrawn."""
    found = rows(con, """
        select left_id, right_id, verdict from net_decision
        qualify row_number() over (partition by left_id, right_id order by decision_id desc) = 1""")
    return {(a, b): v for a, b, v in found if v != "withdrawn"}


def history(con: duckdb.DuckDBPyConnection, party_id: str | None = None) -> list[dict]:
    """Every verdict recorded (on pairs with ``party_id`` when given), newest first."""
    cols = ["decision_id", "left_id", "right_id", "verdict", "decided_by", "decided_at", "reason"]
    found = rows(con, f"select {', '.join(cols)} from net_decision "
                      "where $p is null or $p in (left_id, right_id) order by decision_id desc", {"p": party_id})
    return [dict(zip(cols, r)) for r in found]

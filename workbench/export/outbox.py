"""The durable outbox: every delivery of a bundle to a destination is a row in the store, kept
until the receiver has the bundle.

- :func:`enqueue` adds a delivery (once per bundle and destination; asking again changes
  nothing);
- :func:`deliver` sends the pending ones. It holds the store only to read what is due and to
  record each outcome (never during a network call), retries a failing receiver a few times
  with doubling pauses, and leaves a delivery that still fails **pending**, with the time of
  its next try (back-off doubling from 30 s to an hour). A receiver that refuses a bundle (a
  4xx other than 429) makes the delivery **failed**: retrying would not help; fix the cause and
  pass ``retry_failed``.
- Each delivery reaches its receiver once: a delivered row is never sent again, and the
  idempotency key (the bundle id) lets a receiver drop a copy sent again after an answer was
  lost.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import duckdb

from workbench.export.content import ExportError
from workbench.export.delivery import Outcome, send
from workbench.export.manifest import unpack
from workbench.identity import current_user
from workbench.store import audit
from workbench.store.connection import open_store, transaction
from workbench.store.sql import one, scalar

FIRST_PAUSE = 30.0
LONGEST_PAUSE = 3600.0


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def resolve_destination(to: str, endpoints: dict[str, str] | None = None) -> tuple[str, str]:
    """(destination, kind) of what a user gave: a URL, a configured endpoint's name, or a folder."""
    endpoints = endpoints or {}
    if to.startswith(("http://", "https://")):
        return to, "http"
    if to in endpoints:
        url = endpoints[to]
        if not url.startswith(("http://", "https://")):
            raise ExportError(f"endpoint {to} is {url!r}, not an http(s) URL (settings: endpoints)")
        return url, "http"
    if "://" in to:
        raise ExportError(f"{to!r}: deliver to a folder, an http(s) URL or a configured endpoint name")
    return str(Path(to).expanduser().resolve()), "folder"


def _records(con: duckdb.DuckDBPyConnection, sql: str, params: Any = None) -> list[dict[str, Any]]:
    cur = con.execute(sql, params or [])
    names = [d[0] for d in cur.description]
    return [dict(zip(names, r)) for r in cur.fetchall()]


def enqueue(con: duckdb.DuckDBPyConnection, bundle_id: str, destination: str, kind: str,
            actor: str | None = None) -> int:
    """The delivery id for this bundle and destination (a new pending delivery, or the one there is)."""
    actor = actor or current_user()
    if scalar(con, "select count(*) from export_bundle where bundle_id = ?", [bundle_id]) == 0:
        raise ExportError(f"no bundle {bundle_id} in the store")
    with transaction(con):
        found = one(con, "select delivery_id from export_delivery where bundle_id = ? and destination = ?",
                    [bundle_id, destination])
        if found:
            return found[0]
        delivery_id = scalar(con, "select nextval('export_delivery_seq')")
        con.execute("insert into export_delivery (delivery_id, bundle_id, destination, kind, status, attempts, "
                    "created_at, created_by, next_attempt_at) values (?, ?, ?, ?, 'pending', 0, ?, ?, ?)",
                    [delivery_id, bundle_id, destination, kind, _now(), actor, _now()])
        audit.record(con, actor=actor, action="export.enqueue", object_type="export_delivery",
                     object_id=str(delivery_id), reason=f"deliver {bundle_id}",
                     details={"bundle_id": bundle_id, "destination": destination, "kind": kind})
    return delivery_id


def status(con: duckdb.DuckDBPyConnection, *, limit: int = 100) -> list[dict[str, Any]]:
    """Deliveries, newest first, with their bundle's reference date."""
    return _records(con, """
        select d.delivery_id, d.bundle_id, b.reference_date, d.destination, d.kind, d.status, d.attempts,
               d.created_at, d.last_attempt_at, d.next_attempt_at, d.delivered_at, d.last_error, d.receipt
        from export_delivery d join export_bundle b using (bundle_id)
        order by d.delivery_id desc limit ?""", [limit])


def bundles(con: duckdb.DuckDBPyConnection, *, limit: int = 50) -> list[dict[str, Any]]:
    return _records(con, """
        select bundle_id, created_at, created_by, reference_date, formats, len(profiles) as profiles,
               len(lists) as lists, key_id from export_bundle order by created_at desc limit ?""", [limit])


def _pause(attempts: int) -> float:
    return min(FIRST_PAUSE * 2 ** max(attempts - 1, 0), LONGEST_PAUSE)


def _record(con: duckdb.DuckDBPyConnection, row: dict[str, Any], outcome: Outcome, tries: int, actor: str) -> str:
    now = _now()
    attempts = row["attempts"] + tries
    with transaction(con):
        current = one(con, "select status from export_delivery where delivery_id = ?", [row["delivery_id"]])
        if current and current[0] == "delivered":
            return "delivered"   # another process delivered it meanwhile
        if outcome.ok:
            con.execute("update export_delivery set status = 'delivered', attempts = ?, last_attempt_at = ?, "
                        "delivered_at = ?, next_attempt_at = NULL, receipt = ?, last_error = NULL "
                        "where delivery_id = ?", [attempts, now, now, outcome.detail, row["delivery_id"]])
            audit.record(con, actor=actor, action="export.deliver", object_type="export_delivery",
                         object_id=str(row["delivery_id"]), reason=f"delivered {row['bundle_id']}",
                         details={"bundle_id": row["bundle_id"], "destination": row["destination"],
                                  "attempts": attempts, "receipt": outcome.detail})
            return "delivered"
        state = "pending" if outcome.retry else "failed"
        con.execute("update export_delivery set status = ?, attempts = ?, last_attempt_at = ?, next_attempt_at = ?, "
                    "last_error = ? where delivery_id = ?",
                    [state, attempts, now, now + dt.timedelta(seconds=_pause(attempts)) if outcome.retry else None,
                     outcome.detail, row["delivery_id"]])
        if state == "failed":
            audit.record(con, actor=actor, action="export.delivery_failed", object_type="export_delivery",
                         object_id=str(row["delivery_id"]), reason=outcome.detail,
                         details={"bundle_id": row["bundle_id"], "destination": row["destination"],
                                  "attempts": attempts})
        return state


def deliver(db: str | Path, *, token: str | None = None, delivery_ids: list[int] | None = None,
            due_only: bool = False, retry_failed: bool = False, tries: int = 3, pause: float = 0.5,
            actor: str | None = None, on_result: Callable[[dict[str, Any]], None] | None = None) -> list[dict[str, Any]]:
    """Send pending deliveries (all of them, or those due, or the ids given); one result each."""
    actor = actor or current_user()
    states = ["pending", "failed"] if retry_failed else ["pending"]
    with open_store(db) as con:
        rows = _records(con, """
            select d.*, b.packed from export_delivery d join export_bundle b using (bundle_id)
            where list_contains(?::VARCHAR[], d.status) order by d.delivery_id""", [states])
    now = _now()
    if delivery_ids is not None:
        rows = [r for r in rows if r["delivery_id"] in set(delivery_ids)]
    if due_only:
        rows = [r for r in rows if r["next_attempt_at"] is None or r["next_attempt_at"] <= now]
    results = []
    for row in rows:
        bundle = unpack(bytes(row.pop("packed")))
        outcome, used = None, 0
        for n in range(max(tries, 1)):
            used += 1
            outcome = send(bundle, row["destination"], row["kind"], token)
            if outcome.ok or not outcome.retry:
                break
            if n + 1 < tries:
                time.sleep(pause * 2 ** n)
        with open_store(db) as con:
            state = _record(con, row, outcome, used, actor)
        result = {"delivery_id": row["delivery_id"], "bundle_id": row["bundle_id"], "destination": row["destination"],
                  "status": state, "attempts": row["attempts"] + used, "detail": outcome.detail}
        results.append(result)
        if on_result:
            on_result(result)
    return results


def deliver_until_done(db: str | Path, *, wait: float, token: str | None = None, tries: int = 3,
                       actor: str | None = None, on_result: Callable[[dict[str, Any]], None] | None = None,
                       ) -> list[dict[str, Any]]:
    """Keep delivering what is due, honouring each delivery's back-off, for at most ``wait``
    seconds or until nothing is pending; returns the last result of each delivery tried."""
    deadline = time.monotonic() + wait
    last: dict[int, dict[str, Any]] = {}
    while True:
        for r in deliver(db, token=token, due_only=True, tries=tries, actor=actor, on_result=on_result):
            last[r["delivery_id"]] = r
        with open_store(db, read_only=True) as con:
            nxt = scalar(con, "select min(next_attempt_at) from export_delivery where status = 'pending'")
        if nxt is None or time.monotonic() >= deadline:
            return list(last.values())
        time.sleep(max(0.0, min((nxt - _now()).total_seconds(), deadline - time.monotonic())) + 0.01)

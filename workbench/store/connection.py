"""Opening the store under DuckDB's process rule.

DuckDB lets one process hold a database file read-write, or several hold it read-only, never
both. Every workbench process (notebook kernel, dashboard, papermill run, server extension, CLI)
therefore opens the store for one action and closes it straight after. A writer that finds the
file held retries with back-off for a short while, then fails with :class:`StoreBusy` naming the
process that holds it.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import random
import re
import time
from collections.abc import Iterator
from pathlib import Path

import duckdb

from workbench.store import audit
from workbench.store.sql import scalar
from workbench.store.migrate import migrate, pending_migrations

_LOCK_HOLDER = re.compile(r"\(PID (\d+)\)")


class StoreError(RuntimeError):
    """A store that cannot be used as asked."""


class StoreBusy(StoreError):
    """Another process holds the store."""

    def __init__(self, path: Path, pid: int | None, waited: float):
        self.path, self.pid, self.waited = path, pid, waited
        holder = f"process {pid}" if pid else "another process"
        cmd = _process_command(pid)
        if cmd:
            holder += f" ({cmd})"
        super().__init__(
            f"store busy ({holder}) after waiting {waited:.1f}s: {path} is open in another "
            "process; close it (a notebook kernel, a running job) or try again"
        )


def _process_command(pid: int | None) -> str:
    if not pid:
        return ""
    try:
        raw = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return ""
    return " ".join(part.decode(errors="replace") for part in raw.split(b"\0") if part)[:80]


def _is_lock_conflict(exc: BaseException) -> bool:
    text = str(exc)
    return "Could not set lock" in text or "Conflicting lock" in text


def connect(
    path: str | Path,
    *,
    read_only: bool = False,
    wait: float = 5.0,
) -> duckdb.DuckDBPyConnection:
    """Open ``path``, retrying while another process holds it, for at most ``wait`` seconds.

    A read-write open creates the file if needed and applies pending migrations. A read-only
    open requires an existing, migrated store.
    """
    path = Path(path).expanduser()
    if read_only and not path.exists():
        raise StoreError(f"no store at {path}: run `workbench store init` or `workbench demo` first")
    if not read_only:
        path.parent.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    delay = 0.02
    while True:
        try:
            con = duckdb.connect(str(path), read_only=read_only)
            break
        except duckdb.IOException as exc:
            if not _is_lock_conflict(exc):
                raise StoreError(f"cannot open store {path}: {exc}") from None
            waited = time.monotonic() - started
            if waited >= wait:
                match = _LOCK_HOLDER.search(str(exc))
                raise StoreBusy(path, int(match.group(1)) if match else None, waited) from None
            time.sleep(min(delay, max(wait - waited, 0.0)) * (0.5 + random.random()))
            delay = min(delay * 2, 0.5)
        except duckdb.Error as exc:
            raise StoreError(f"cannot open store {path}: {exc}") from None
    try:
        if read_only:
            if pending_migrations(con):
                raise StoreError(
                    f"store {path} has an older schema: open it once read-write "
                    "(`workbench store init`) to migrate it"
                )
        else:
            migrate(con)
            _bootstrap(con)
    except BaseException:
        con.close()
        raise
    return con


@contextlib.contextmanager
def open_store(
    path: str | Path, *, read_only: bool = False, wait: float = 5.0
) -> Iterator[duckdb.DuckDBPyConnection]:
    """Open the store for one action and close it afterwards.

    >>> import tempfile, pathlib
    >>> db = pathlib.Path(tempfile.mkdtemp()) / "doc.duckdb"
    >>> with open_store(db) as con:
    ...     con.execute("select count(*) from declaration").fetchall()
    [(0,)]
    """
    con = connect(path, read_only=read_only, wait=wait)
    try:
        yield con
    finally:
        con.close()


@contextlib.contextmanager
def transaction(con: duckdb.DuckDBPyConnection) -> Iterator[duckdb.DuckDBPyConnection]:
    """Run a block in one transaction: all of it lands, or none of it."""
    con.execute("BEGIN TRANSACTION")
    try:
        yield con
    except BaseException:
        con.execute("ROLLBACK")
        raise
    con.execute("COMMIT")
    audit.write_sidecar(con)


def _bootstrap(con: duckdb.DuckDBPyConnection) -> None:
    """First read-write open: record who created the store, its base currency, and make the
    creator its first admin (through the audit log, like every later role change)."""
    if scalar(con, "select count(*) from store_meta where key = 'created_at'"):
        return
    from workbench.identity import current_user
    from workbench.settings import load_settings

    user = current_user()
    base = load_settings().base_currency
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    with transaction(con):
        con.executemany(
            "insert into store_meta values (?, ?)",
            [["created_at", now.isoformat()], ["created_by", user], ["base_currency", base]],
        )
        con.execute("insert into user_role values (?, 'admin', ?, ?)", [user, user, now])
        audit.record(
            con, actor=user, action="store.create", object_type="store", object_id="store",
            reason="store created", details={"base_currency": base},
        )
        audit.record(
            con, actor=user, action="role.grant", object_type="user", object_id=user,
            reason="creator of the store is its first admin", details={"role": "admin"},
        )


def store_meta(con: duckdb.DuckDBPyConnection, key: str) -> str | None:
    return scalar(con, "select value from store_meta where key = ?", [key])

"""Versioned migrations: ``migrations/NNN_name.sql`` applied in order, each in one transaction."""

from __future__ import annotations

import datetime as dt
import re
from importlib import resources

import duckdb

from workbench.store.sql import scalar

_NAME = re.compile(r"^(\d{3})_([a-z0-9_]+)\.sql$")


def available_migrations() -> list[tuple[int, str, str]]:
    """(version, name, SQL) of every migration shipped with the package, in order."""
    found = []
    for entry in resources.files("workbench.store.migrations").iterdir():
        match = _NAME.match(entry.name)
        if match:
            found.append((int(match.group(1)), match.group(2), entry.read_text(encoding="utf-8")))
    return sorted(found)


def _applied(con: duckdb.DuckDBPyConnection) -> set[int]:
    exists = scalar(
        con, "select count(*) from information_schema.tables where table_name = 'schema_migration'"
    )
    if not exists:
        return set()
    return {row[0] for row in con.execute("select version from schema_migration").fetchall()}


def pending_migrations(con: duckdb.DuckDBPyConnection) -> list[tuple[int, str, str]]:
    """Migrations not yet applied to this store."""
    done = _applied(con)
    return [m for m in available_migrations() if m[0] not in done]


def migrate(con: duckdb.DuckDBPyConnection) -> list[int]:
    """Apply pending migrations; returns the versions applied."""
    pending = pending_migrations(con)
    applied = []
    for version, name, sql in pending:
        con.execute("BEGIN TRANSACTION")
        try:
            con.execute(
                "create table if not exists schema_migration "
                "(version integer primary key, name varchar not null, applied_at timestamp not null)"
            )
            con.execute(sql)
            con.execute(
                "insert into schema_migration values (?, ?, ?)",
                [version, name, dt.datetime.now(dt.UTC).replace(tzinfo=None)],
            )
        except BaseException:
            con.execute("ROLLBACK")
            raise
        con.execute("COMMIT")
        applied.append(version)
    return applied

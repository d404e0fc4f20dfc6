"""The few ways the workbench talks SQL: bound values, checked and quoted names.

Values always travel as parameters. Names (tables, columns) pass :func:`quote_ident` after being
checked against what the schema holds. Results of ``execute`` are always fetched whole, because
DuckDB 2 blocks a connection that holds an unfinished result.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from typing import Any

import duckdb

_PLAIN_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,62}$")


class IdentifierError(ValueError):
    """A table or column name that is not allowed."""


def quote_ident(name: str, allowed: Iterable[str] | None = None) -> str:
    """Quote a table or column name after checking it.

    >>> quote_ident("hs_code")
    '"hs_code"'
    >>> quote_ident('x"; drop table party; --')
    Traceback (most recent call last):
    ...
    workbench.store.sql.IdentifierError: invalid name 'x"; drop table party; --'
    """
    if not isinstance(name, str) or not _PLAIN_NAME.match(name):
        raise IdentifierError(f"invalid name {name!r}")
    if allowed is not None and name not in set(allowed):
        raise IdentifierError(f"unknown name {name!r}")
    return '"' + name + '"'


def rows(con: duckdb.DuckDBPyConnection, sql: str, params: Sequence[Any] | dict | None = None) -> list[tuple]:
    """All rows of a query with bound parameters."""
    return con.execute(sql, params if params is not None else []).fetchall()


def one(con: duckdb.DuckDBPyConnection, sql: str, params: Sequence[Any] | dict | None = None) -> tuple | None:
    """The first row (the result is consumed whole), or None."""
    found = rows(con, sql, params)
    return found[0] if found else None


def scalar(con: duckdb.DuckDBPyConnection, sql: str, params: Sequence[Any] | dict | None = None) -> Any:
    """The first column of the first row, or None."""
    row = one(con, sql, params)
    return row[0] if row else None


def columns_of(con: duckdb.DuckDBPyConnection, table: str) -> list[str]:
    """Column names of a table of the store, in order."""
    return [
        r[0]
        for r in rows(
            con,
            "select column_name from information_schema.columns where table_name = ? "
            "order by ordinal_position",
            [table],
        )
    ]

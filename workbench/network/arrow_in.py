"""Python results (Arrow tables) handed to DuckDB for one statement, and never left behind.

>>> import duckdb, pyarrow as pa
>>> con = duckdb.connect()
>>> with arrow_view(con, "_x", pa.table({"a": [1, 2]})):
...     con.execute("select sum(a) from _x").fetchall()
[(3,)]
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import duckdb
import pyarrow as pa


@contextlib.contextmanager
def arrow_view(con: duckdb.DuckDBPyConnection, name: str, table: pa.Table) -> Iterator[str]:
    """Expose ``table`` to SQL as ``name`` for the duration of the block."""
    con.register(name, table)
    try:
        yield name
    finally:
        con.unregister(name)

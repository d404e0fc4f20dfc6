"""Ground truth, where a world has one (the synthetic world's ``ground_truth`` folder): which
declarations truly offended, under which schemes, and how much duty they evaded.

Any file with a ``declaration_id`` column and an ``offending`` flag (or a comma-separated
``schemes`` column) serves; ``duty_evaded_usd`` (or ``evaded``) is read when present. Ids match
the store's either as they are or after the store's source prefix (``synth:D1`` ~ ``D1``).
Scheme names come from the file: nothing here knows the synthetic world's schemes.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import duckdb

from workbench.store.sql import rows, scalar


class TruthError(ValueError):
    """A ground-truth file that cannot be used."""


def truth_file(path: str | Path) -> Path:
    path = Path(path)
    if path.is_dir():
        path = path / "declarations.parquet"
    if not path.exists():
        raise TruthError(f"no ground truth at {path}: give a ground_truth folder or a declarations file")
    if path.suffix.lower() not in (".parquet", ".csv"):
        raise TruthError(f"{path.name}: ground truth is read from .parquet or .csv")
    return path


def load_truth(con: duckdb.DuckDBPyConnection, path: str | Path) -> dict[str, Any]:
    """Make the temp table ``ml_truth`` (declaration_id as stored, offending, schemes, evaded)."""
    path = truth_file(path)
    reader = "read_parquet($f)" if path.suffix.lower() == ".parquet" else "read_csv_auto($f)"
    cols = {r[0].lower() for r in rows(con, f"describe select * from {reader}", {"f": str(path)})}
    if "declaration_id" not in cols or not ({"offending", "schemes"} & cols):
        raise TruthError(f"{path.name}: needs declaration_id and offending (or schemes) columns")
    offending = "offending::BOOLEAN" if "offending" in cols else "coalesce(schemes, '') <> ''"
    schemes = "coalesce(schemes, '')::VARCHAR" if "schemes" in cols else "''"
    evaded = next((c for c in ("duty_evaded_usd", "evaded") if c in cols), None)
    evaded_sql = f"coalesce({evaded}, 0)::DOUBLE" if evaded else "0::DOUBLE"
    con.execute(f"""
        create or replace temp table ml_truth_raw as
        select declaration_id::VARCHAR as raw_id, {offending} as offending, {schemes} as schemes,
               {evaded_sql} as evaded from {reader}""", {"f": str(path)})
    con.execute("""
        create or replace temp table ml_truth as
        with ids as (select distinct declaration_id, substr(declaration_id, strpos(declaration_id, ':') + 1) as bare
                     from declaration),
        exact as (select i.declaration_id, t.* exclude (raw_id) from ids i join ml_truth_raw t on t.raw_id = i.declaration_id),
        bare as (select i.declaration_id, t.* exclude (raw_id) from ids i join ml_truth_raw t on t.raw_id = i.bare
                 anti join exact e on e.declaration_id = i.declaration_id)
        select * from exact union all select * from bare""")
    con.execute("drop table ml_truth_raw")
    matched = scalar(con, "select count(*) from ml_truth")
    if not matched:
        raise TruthError(f"{path.name}: none of its declaration ids is in the store")
    return {"file": str(path), "declarations": matched}


def truth_schemes(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Scheme names the truth file uses, in order."""
    return [r[0] for r in rows(con, """select distinct s from (select unnest(string_split(schemes, ',')) as s
                                         from ml_truth) where s <> '' order by s""")]

"""Turning the world's index arrays into Arrow columns, without a Python object per row.

Low-cardinality text (tariff lines, countries, party ids on declarations) becomes dictionary
arrays: an index per row and the distinct values once.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq


def timestamps(epoch_seconds: np.ndarray, valid: np.ndarray | None = None) -> pa.Array:
    """Naive UTC timestamps (microseconds) from epoch seconds; rows where ``valid`` is false are null."""
    values = np.asarray(epoch_seconds, dtype=np.int64).astype("datetime64[s]").astype("datetime64[us]")
    mask = None if valid is None else ~np.asarray(valid, dtype=bool)
    return pa.array(values, type=pa.timestamp("us"), mask=mask)


def dates(epoch_seconds: np.ndarray, valid: np.ndarray | None = None) -> pa.Array:
    days = (np.asarray(epoch_seconds, dtype=np.int64) // 86400).astype(np.int32)
    mask = None if valid is None else ~np.asarray(valid, dtype=bool)
    return pa.array(days, type=pa.int32(), mask=mask).cast(pa.date32())


def coded(indices: np.ndarray, values: Sequence[str | None] | pa.Array) -> pa.DictionaryArray:
    """A dictionary column: ``values[indices[i]]`` per row, null where the index is negative."""
    idx = np.asarray(indices)
    if isinstance(values, pa.Array):
        dictionary = values
    else:
        # a dictionary must not repeat values (Parquet writes repeated ones unpredictably)
        distinct = list(dict.fromkeys(values))
        if len(distinct) != len(values):
            where = {v: i for i, v in enumerate(distinct)}
            remap = np.array([where[v] for v in values] + [-1], dtype=np.int64)
            idx = remap[idx]     # -1 maps to the appended -1 (still null)
        dictionary = pa.array(distinct, pa.string())
    return pa.DictionaryArray.from_arrays(pa.array(idx.astype(np.int32), mask=idx < 0), dictionary)


def plain(array: pa.Array) -> pa.Array:
    """Decode a dictionary column (for writers that want plain strings)."""
    if pa.types.is_dictionary(array.type):
        return array.dictionary_decode()
    return array


def write_parquet(table: pa.Table, path: Path) -> None:
    """Parquet with zstd, written the same way every time (same input, same bytes)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    pq.write_table(table, path, compression="zstd", row_group_size=1 << 20, write_statistics=True)


def money(values: np.ndarray, valid: np.ndarray | None = None) -> pa.Array:
    mask = None if valid is None else ~np.asarray(valid, dtype=bool)
    return pa.array(np.round(np.asarray(values, dtype=np.float64), 2), type=pa.float64(), mask=mask)

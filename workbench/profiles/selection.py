"""The two rules that decide between hits: the keyed sample and the strictest lane.

A profile selecting less than 100 % keeps a declaration when a keyed hash of
(salt, profile id, profile version, declaration id) falls under the percentage. The same
declaration, profile version and salt always give the same answer — in the backtest, in an
export and in the targeting service — while a trader cannot tell in advance which ones are kept
without the salt. The hash is SHA-256, read as the integer of its first 8 hex digits, modulo
10,000, compared with the percentage in hundredths.

>>> keyed_bucket("salt", "RP-1", 1, "decl:1") == keyed_bucket("salt", "RP-1", 1, "decl:1")
True
>>> strictest(["green", "red", "yellow"])
'red'
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable

from workbench.profiles.spec import LANES

BUCKETS = 10_000


def threshold(selection_pct: float) -> int:
    """Buckets kept for a percentage: 12.5 % keeps buckets 0..1249."""
    return int(round(selection_pct * BUCKETS / 100))


def keyed_bucket(salt: str, profile_id: str, version: int, declaration_id: str) -> int:
    """The declaration's bucket, 0..9999, for one profile version."""
    text = f"{salt}|{profile_id}|{version}|{declaration_id}"
    return int(hashlib.sha256(text.encode("utf-8")).hexdigest()[:8], 16) % BUCKETS


def keeps(selection_pct: float, salt: str, profile_id: str, version: int, declaration_id: str) -> bool:
    return selection_pct >= 100 or keyed_bucket(salt, profile_id, version, declaration_id) < threshold(selection_pct)


def bucket_sql(salt_param: str, id_param: str, version_param: str, column: str = "declaration_id") -> str:
    """The same bucket in DuckDB SQL; every input but the (quoted) column is a bound parameter."""
    return (f"(('0x' || left(sha256(${salt_param} || '|' || ${id_param} || '|' || ${version_param}::VARCHAR"
            f" || '|' || {column}), 8))::UBIGINT % {BUCKETS})")


def lane_rank(lane: str) -> int:
    return LANES.index(lane)


def strictest(lanes: Iterable[str]) -> str:
    """The strictest of several lanes (red > orange > yellow > blue > green)."""
    return max(lanes, key=lane_rank)


def store_salt(con) -> str:
    """The store's selection salt (made at migration, random per store)."""
    from workbench.store.connection import store_meta

    salt = store_meta(con, "selection_salt")
    if salt is None:  # pragma: no cover - every migrated store has one
        raise RuntimeError("the store has no selection salt: open it read-write once to migrate it")
    return salt

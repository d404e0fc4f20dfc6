"""Outcomes as they were known at a moment: what the examinations of each declaration had found.

A declaration has a label only when one of its examinations had a final result (positive or
negative) known strictly before the moment ``known_before``; each inspection counts with its
latest version known by then (a result that changed later counts as it stood). Declarations never
examined, or whose results were still pending, have **no label**: they are not negatives.

Targets (what counts as a positive):

- ``fraud``: any positive finding;
- ``critical``: a positive finding whose offence type is in the critical list (prohibited goods,
  biosecurity, narcotics, weapons... — :data:`CRITICAL_OFFENCES`, or the caller's list);
- ``revenue``: a positive finding that recovered revenue.

Each label also says how the declaration came to be examined: ``random_examined`` (the random
stream, the only unbiased labels) or targeted (profile, officer, intelligence).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import duckdb

from workbench.store.sql import rows

TARGETS = ("fraud", "critical", "revenue")
CRITICAL_OFFENCES = ("prohibited_goods", "biosecurity", "narcotics", "drugs", "weapons", "firearms",
                     "explosives", "sanctions", "counterfeit", "wildlife", "cites")
"""Offence types that count for the ``critical`` target unless the caller gives its own list."""

LABELS = """
CREATE OR REPLACE TEMP TABLE {table} AS
WITH known AS (
    SELECT * FROM inspection WHERE known_at < $known_before
    QUALIFY row_number() OVER (PARTITION BY inspection_id ORDER BY known_at DESC, version DESC) = 1
),
judged AS (
    SELECT declaration_id, selection_source,
           result = 'positive' AND CASE $target
               WHEN 'critical' THEN list_contains($critical::VARCHAR[], lower(offence_type))
               WHEN 'revenue' THEN coalesce(revenue_recovered, 0) > 0
               ELSE true END AS hit,
           CASE WHEN result = 'positive' THEN coalesce(revenue_recovered, 0) ELSE 0 END AS revenue
    FROM known WHERE result IN ('positive', 'negative')
)
SELECT declaration_id,
       bool_or(hit) AS positive,
       sum(revenue) AS revenue,
       bool_or(selection_source = 'random') AS random_examined,
       bool_or(selection_source = 'random' AND hit) AS random_positive,
       bool_or(selection_source <> 'random') AS targeted_examined
FROM judged GROUP BY declaration_id
"""


class LabelError(ValueError):
    """A target that cannot be labelled as asked."""


def check_target(target: str, critical: Sequence[str] | None = None) -> tuple[str, list[str]]:
    """The target and the critical offence types it uses (lower case)."""
    if target not in TARGETS:
        raise LabelError(f"target {target!r}: choose one of {', '.join(TARGETS)}")
    return target, [c.strip().lower() for c in (critical or CRITICAL_OFFENCES) if c.strip()]


def make_labels(con: duckdb.DuckDBPyConnection, known_before: dt.datetime, *, target: str = "fraud",
                critical: Sequence[str] | None = None, table: str = "ml_label") -> None:
    """Make the temp table ``table`` (declaration_id, positive, revenue, random_examined,
    random_positive, targeted_examined): one row per declaration examined with a result known
    before ``known_before``."""
    target, crit = check_target(target, critical)
    if table not in ("ml_label", "ml_label_eval", "mine_label", "mine_label_val"):
        raise LabelError(f"label table {table!r} is not one of the workbench's")
    con.execute(LABELS.format(table=table), {"known_before": known_before, "target": target, "critical": crit})
    if target == "critical" and not rows(con, f"select 1 from {table} where positive limit 1"):
        found = [r[0] for r in rows(con, "select distinct lower(offence_type) from inspection "
                                         "where result = 'positive' and offence_type is not null order by 1")]
        if found and not set(found) & set(crit):
            raise LabelError("no positive finding has a critical offence type; the store's offence types are "
                             f"{', '.join(found)} (give the critical ones with --critical)")

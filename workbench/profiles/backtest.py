"""Backtest profiles on history, point in time, and measure them as DOMAIN.md says.

For declarations lodged in [start, end) the profiles are evaluated on the frame (the
declarations as first lodged, indicators from the latest build, which computes each value from
facts known before lodgement). Outcomes are the inspections' results **known by** ``as_of``
(default: now). Unexamined declarations are never counted as negatives: every rate that needs a
label is computed over the examined ones, and the report says how many hits have a label at all
and what the random-selection stream (the only unbiased labels) says.

Metrics per profile: hits, examination rate (hits ÷ declarations in the window), examined hits,
positives, hit rate (positives ÷ examined hits), detection rate (positives ÷ all positives known
in the window), lift (hit rate ÷ the random stream's positive rate), revenue recovered, and the
unbiased hit rate from the randomly examined hits. For the set: union, overlap, each profile's
marginal contribution, precision@k% and the capture curve, and a weekly trend.

All of it is aggregated in DuckDB; Python receives only the tables a person reads.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass, field
from typing import Any

import duckdb

from workbench.profiles.compiler import FRAME, Compiled, compile_profile, used_fields
from workbench.profiles.explain import reasons
from workbench.profiles.frame import Frame, as_timestamp, build_frame
from workbench.profiles.selection import lane_rank
from workbench.profiles.spec import Profile

K_PERCENTS = (1, 2, 5, 10)


class BacktestError(ValueError):
    """A backtest that cannot run as asked."""


@dataclass
class BacktestResult:
    window: dict[str, str]
    as_of: str
    declarations: int
    items: int
    base: dict[str, Any]                    # the random stream: examined, positive, rate
    profiles: list[dict[str, Any]]
    combined: dict[str, Any]
    overlap: list[dict[str, Any]]
    weekly: list[dict[str, Any]]
    precision_at: list[dict[str, Any]]
    capture: list[dict[str, Any]]
    label_bias: str
    frame: dict[str, Any]
    warnings: list[str] = field(default_factory=list)
    dry_run: list[dict[str, Any]] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _records(con: duckdb.DuckDBPyConnection, sql: str, params: Any = None) -> list[dict[str, Any]]:
    cur = con.execute(sql, params) if params is not None else con.execute(sql)
    names = [d[0] for d in cur.description]
    return [dict(zip(names, r)) for r in cur.fetchall()]


def compile_set(profiles: list[Profile], salt: str) -> tuple[list[Compiled], str, dict[str, Any]]:
    """One UNION ALL query giving (profile_id, version, lane, lane_rank, declaration_id, item_no)."""
    ids = [p.id for p in profiles]
    dupes = sorted({i for i in ids if ids.count(i) > 1})
    if dupes:
        raise BacktestError(f"profile {', '.join(dupes)} given twice: backtest one version of each")
    compiled, parts, params = [], [], {}
    for n, p in enumerate(profiles):
        c = compile_profile(p, salt=salt, prefix=f"q{n}_")
        compiled.append(c)
        params.update(c.params)
        params[f"id{n}"], params[f"v{n}"], params[f"lane{n}"] = p.id, c.version, p.treatment.lane
        params[f"rank{n}"] = lane_rank(p.treatment.lane)
        parts.append(f"SELECT $id{n} AS profile_id, $v{n}::INTEGER AS version, $lane{n} AS lane, "
                     f"$rank{n}::INTEGER AS lane_rank, h.declaration_id, h.item_no FROM ({c.hits}) h")
    return compiled, "\nUNION ALL\n".join(parts), params


OUTCOMES = f"""
CREATE OR REPLACE TEMP TABLE pf_outcome AS
WITH decl AS (SELECT DISTINCT declaration_id, lodged_at FROM {FRAME}),
known AS (
    SELECT i.* FROM inspection i JOIN decl USING (declaration_id)
    WHERE i.known_at <= $as_of
    QUALIFY row_number() OVER (PARTITION BY i.inspection_id ORDER BY i.known_at DESC, i.version DESC) = 1
)
SELECT d.declaration_id, d.lodged_at,
       coalesce(bool_or(k.result IN ('positive', 'negative')), false) AS examined,
       coalesce(bool_or(k.result = 'positive'), false) AS positive,
       coalesce(sum(k.revenue_recovered) FILTER (WHERE k.result = 'positive'), 0) AS revenue,
       coalesce(bool_or(k.selection_source = 'random' AND k.result IN ('positive', 'negative')), false) AS random_examined,
       coalesce(bool_or(k.selection_source = 'random' AND k.result = 'positive'), false) AS random_positive,
       coalesce(bool_or(k.result = 'pending'), false) AS pending
FROM decl d LEFT JOIN known k USING (declaration_id)
GROUP BY ALL
"""

PER_PROFILE = """
SELECT h.profile_id, h.version, h.lane, count(*) AS hits,
       count(*) FILTER (WHERE o.examined) AS examined,
       count(*) FILTER (WHERE o.positive) AS positives,
       count(*) FILTER (WHERE o.pending AND NOT o.examined) AS pending,
       sum(o.revenue) FILTER (WHERE o.positive) AS revenue,
       count(*) FILTER (WHERE o.random_examined) AS random_examined,
       count(*) FILTER (WHERE o.random_positive) AS random_positive
FROM pf_hit h JOIN pf_outcome o USING (declaration_id)
GROUP BY ALL
"""


def _rate(num: float | None, den: float | None) -> float | None:
    return round(num / den, 4) if num is not None and den else None


def backtest(con: duckdb.DuckDBPyConnection, profiles: list[Profile], start: dt.date | dt.datetime | str,
             end: dt.date | dt.datetime | str, *, as_of: dt.datetime | None = None, salt: str = "",
             dry_run: int = 0, frame: Frame | None = None) -> BacktestResult:
    """Backtest ``profiles`` on declarations lodged in [start, end).

    ``dry_run`` > 0 lists that many would-be hits with their reasons. Pass ``frame`` to reuse a
    frame already built on this connection.
    """
    if not profiles:
        raise BacktestError("give at least one profile")
    as_of = as_of or dt.datetime.now(dt.UTC).replace(tzinfo=None)
    frame, compiled = select_set(con, profiles, start, end, salt=salt, as_of=as_of, frame=frame)
    return summarise(con, profiles, compiled, frame, as_of, dry_run=dry_run)


def select_set(con: duckdb.DuckDBPyConnection, profiles: list[Profile], start: dt.date | dt.datetime | str,
               end: dt.date | dt.datetime | str, *, salt: str = "", as_of: dt.datetime | None = None,
               frame: Frame | None = None, fields: set[str] | frozenset[str] = frozenset()) -> tuple[Frame, list[Compiled]]:
    """The set run on declarations lodged in [start, end): the frame (``pf_item``, ``pf_list``;
    the profiles' fields and ``fields`` besides, unless ``frame`` is one already built on this
    connection), ``pf_hit`` (the set's hits, :func:`compile_set`) and ``pf_outcome`` (each
    declaration's outcome as known at ``as_of``, default now)."""
    if frame is None:
        lists = set().union(*(p.lists_used() for p in profiles))
        frame = build_frame(con, as_timestamp(start), as_timestamp(end), fields=used_fields(profiles) | set(fields),
                            lists=lists)
    compiled, union_sql, params = compile_set(profiles, salt)
    con.execute(f"CREATE OR REPLACE TEMP TABLE pf_hit AS {union_sql}", params)
    con.execute(OUTCOMES, {"as_of": as_of or dt.datetime.now(dt.UTC).replace(tzinfo=None)})
    return frame, compiled


def _set_figures(con: duckdb.DuckDBPyConnection, decls: int, all_pos: int, base: dict[str, Any],
                 combined: dict[str, Any]) -> tuple[list, list, list, list]:
    """The set's lanes (into ``combined``), overlap, weekly rows, precision@k and capture curve."""
    combined["lanes"] = _records(con, """
        WITH d AS (SELECT declaration_id, arg_max(lane, lane_rank) AS lane FROM pf_hit GROUP BY 1)
        SELECT lane, count(*) AS declarations FROM d GROUP BY 1 ORDER BY 1""")

    overlap = _records(con, """
        SELECT a.profile_id AS profile_a, b.profile_id AS profile_b, count(*) AS both_hit
        FROM pf_hit a JOIN pf_hit b USING (declaration_id)
        GROUP BY ALL ORDER BY 1, 2""")
    weekly = _records(con, """
        SELECT h.profile_id, date_trunc('week', o.lodged_at)::DATE AS week, count(*) AS hits,
               count(*) FILTER (WHERE o.examined) AS examined, count(*) FILTER (WHERE o.positive) AS positives,
               round(count(*) FILTER (WHERE o.positive) / nullif(count(*) FILTER (WHERE o.examined), 0), 4) AS hit_rate
        FROM pf_hit h JOIN pf_outcome o USING (declaration_id)
        GROUP BY ALL ORDER BY 1, 2""")
    ranked_sql = """
        CREATE OR REPLACE TEMP TABLE pf_ranked AS
        WITH d AS (SELECT declaration_id, max(lane_rank) AS lane_rank, count(DISTINCT profile_id) AS k
                   FROM pf_hit GROUP BY 1)
        SELECT row_number() OVER (ORDER BY d.lane_rank DESC, d.k DESC, md5(d.declaration_id)) AS rnk,
               o.examined, o.positive, o.revenue
        FROM d JOIN pf_outcome o USING (declaration_id)"""
    con.execute(ranked_sql)
    precision_at = []
    for k in K_PERCENTS:
        budget = max(1, int(decls * k / 100))
        r = con.execute("""SELECT count(*), count(*) FILTER (WHERE examined), count(*) FILTER (WHERE positive),
                                  coalesce(sum(revenue), 0)
                           FROM pf_ranked WHERE rnk <= ?""", [budget]).fetchone()
        precision_at.append({"k_percent": k, "budget": budget, "selected": r[0], "examined": r[1], "positives": r[2],
                             "precision": _rate(r[2], r[1]), "revenue": round(r[3], 2),
                             "revenue_recall": _rate(r[3], base["revenue"])})
    steps = max(1, combined["hits"] // 100)
    capture = _records(con, """
        WITH c AS (SELECT rnk, sum(positive::INTEGER) OVER (ORDER BY rnk) AS found FROM pf_ranked)
        SELECT rnk / $decls AS inspected_share, found / nullif($pos, 0) AS offences_share
        FROM c WHERE rnk % $step = 0 OR rnk = (SELECT max(rnk) FROM pf_ranked) ORDER BY rnk""",
                       {"decls": float(decls or 1), "pos": float(all_pos or 0), "step": steps})
    capture = [{"inspected_share": 0.0, "offences_share": 0.0}] + capture

    return overlap, weekly, precision_at, capture


def summarise(con: duckdb.DuckDBPyConnection, profiles: list[Profile], compiled: list[Compiled], frame: Frame,
              as_of: dt.datetime, *, dry_run: int = 0, set_figures: bool = True) -> BacktestResult:
    """The backtest's figures from ``pf_hit`` (the set's hits, as :func:`compile_set` gives them)
    and ``pf_outcome`` (each declaration of the window with its outcome, as ``OUTCOMES`` makes
    it) — whoever made them: :func:`backtest` from a frame, or a monitor from hits kept in memory.
    ``frame`` describes the window (its bounds and counts). ``set_figures=False`` leaves out what
    concerns the set as a whole beyond its totals (lanes, overlap, weekly rows, precision@k, the
    capture curve): empty, for a monitor that shows each profile's figures only."""
    start, end = frame.start, frame.end
    base_row = con.execute("""SELECT count(*) FILTER (WHERE random_examined), count(*) FILTER (WHERE random_positive),
                                     count(*) FILTER (WHERE positive), count(*) FILTER (WHERE examined),
                                     sum(revenue) FROM pf_outcome""").fetchone()
    rand_exam, rand_pos, all_pos, all_exam, all_revenue = base_row
    base_rate = _rate(rand_pos, rand_exam)
    base = {"random_examined": rand_exam, "random_positive": rand_pos, "rate": base_rate,
            "examined": all_exam, "positives": all_pos, "revenue": all_revenue or 0.0}
    decls = frame.declarations

    per = {r["profile_id"]: r for r in _records(con, PER_PROFILE)}
    marginal = {r["profile_id"]: r for r in _records(con, """
        WITH n AS (SELECT declaration_id, count(DISTINCT profile_id) AS k FROM pf_hit GROUP BY 1)
        SELECT h.profile_id, count(*) AS only_hits, count(*) FILTER (WHERE o.positive) AS only_positives
        FROM pf_hit h JOIN n USING (declaration_id) JOIN pf_outcome o USING (declaration_id)
        WHERE n.k = 1 GROUP BY 1""")}
    rows = []
    for p, c in zip(profiles, compiled):
        r = per.get(p.id, {"hits": 0, "examined": 0, "positives": 0, "pending": 0, "revenue": None,
                           "random_examined": 0, "random_positive": 0})
        hit_rate = _rate(r["positives"], r["examined"])
        m = marginal.get(p.id, {"only_hits": 0, "only_positives": 0})
        rows.append({
            "profile_id": p.id, "version": c.version, "title": p.title, "risk": p.risk,
            "lane": p.treatment.lane, "selection_pct": p.treatment.selection_pct,
            "hits": r["hits"], "examination_rate": _rate(r["hits"], decls),
            "examined": r["examined"], "labelled_share": _rate(r["examined"], r["hits"]),
            "pending": r["pending"], "positives": r["positives"], "hit_rate": hit_rate,
            "detection_rate": _rate(r["positives"], all_pos),
            "lift": round(hit_rate / base_rate, 2) if hit_rate is not None and base_rate else None,
            "revenue": round(r["revenue"] or 0.0, 2),
            "revenue_per_exam": _rate(r["revenue"] or 0.0, r["examined"]),
            "random_examined": r["random_examined"], "unbiased_hit_rate": _rate(r["random_positive"], r["random_examined"]),
            "only_hits": m["only_hits"], "only_positives": m["only_positives"],
            "target_hit_rate": p.target.hit_rate,
            "meets_target": (hit_rate >= p.target.hit_rate) if hit_rate is not None and p.target.hit_rate is not None else None,
        })

    combined = _records(con, """
        WITH d AS (SELECT declaration_id FROM pf_hit GROUP BY 1)
        SELECT count(*) AS hits, count(*) FILTER (WHERE o.examined) AS examined,
               count(*) FILTER (WHERE o.positive) AS positives, coalesce(sum(o.revenue), 0) AS revenue
        FROM d JOIN pf_outcome o USING (declaration_id)""")[0]
    combined["examination_rate"] = _rate(combined["hits"], decls)
    combined["hit_rate"] = _rate(combined["positives"], combined["examined"])
    combined["detection_rate"] = _rate(combined["positives"], all_pos)
    overlap: list[dict[str, Any]] = []
    weekly: list[dict[str, Any]] = []
    precision_at: list[dict[str, Any]] = []
    capture: list[dict[str, Any]] = []
    if set_figures:
        overlap, weekly, precision_at, capture = _set_figures(con, decls, all_pos, base, combined)

    labelled = combined["examined"]
    label_bias = (
        f"{labelled:,} of {combined['hits']:,} hits ({(_rate(labelled, combined['hits']) or 0):.1%}) have an outcome; "
        f"the rest were never examined and are not counted as negatives. Of the labels, "
        f"{sum(r['random_examined'] for r in rows):,} come from random selection (unbiased); the others come from "
        f"targeted selections and lean towards what was already suspected. The random stream found offences in "
        f"{(base_rate or 0):.2%} of {rand_exam:,} random examinations in the window.")
    warnings = list(frame.warnings)
    if rand_exam < 30:
        warnings.append(f"only {rand_exam} random examinations in the window: lift and unbiased rates are unreliable")

    result = BacktestResult(
        window={"from": start.date().isoformat(), "to": end.date().isoformat()}, as_of=as_of.isoformat(sep=" ", timespec="seconds"),
        declarations=decls, items=frame.items, base=base, profiles=rows, combined=combined, overlap=overlap,
        weekly=weekly, precision_at=precision_at, capture=capture, label_bias=label_bias,
        frame={"indicator_build": frame.indicator_build, "indicator_coverage": frame.indicator_coverage,
               "lists": frame.lists}, warnings=warnings)
    if dry_run:
        result.dry_run = would_be_hits(con, compiled, limit=dry_run)
    return result


def would_be_hits(con: duckdb.DuckDBPyConnection, compiled: list[Compiled], *, limit: int = 50) -> list[dict[str, Any]]:
    """The first ``limit`` declarations the set would select (by lodgement), with the strictest
    lane and every profile's reason. Needs ``pf_hit`` from :func:`backtest`."""
    picked = _records(con, f"""
        SELECT h.declaration_id, min(f.lodged_at) AS lodged_at, arg_max(h.lane, h.lane_rank) AS lane,
               list(DISTINCT h.profile_id ORDER BY h.profile_id) AS profiles
        FROM pf_hit h JOIN {FRAME} f ON f.declaration_id = h.declaration_id AND f.item_no = h.item_no
        GROUP BY 1 ORDER BY 2, 1 LIMIT ?""", [limit])
    ids = [r["declaration_id"] for r in picked]
    by_profile: dict[str, dict[str, int]] = {}
    for pid, decl, item in con.execute(
            "SELECT profile_id, declaration_id, item_no FROM pf_hit WHERE list_contains(?::VARCHAR[], declaration_id)",
            [ids]).fetchall():
        by_profile.setdefault(pid, {})[decl] = item
    why: dict[str, list[str]] = {}
    for c in compiled:
        for decl, text in reasons(con, c, by_profile.get(c.profile.id, {})).items():
            why.setdefault(decl, []).append(text)
    for r in picked:
        r["reasons"] = why.get(r["declaration_id"], [])
    return picked

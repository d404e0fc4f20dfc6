"""Operational assessments from the data: where examinations find something, how that changes
month to month, and which rates rise significantly against their baseline (emerging risks).

Everything is computed on examination outcomes, with the random stream kept apart from the
targeted ones (profile, officer, intelligence): only random selections estimate the
compliance of all trade; targeted ones show what targeting finds. Every record says which
stream it counts, and the emerging-risk test reports how much of each rate rests on random
examinations.

Outcomes are read as known at ``as_of`` (inspection versions known by then), each inspection
counted once with its latest result; declarations are read as first lodged.
"""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

import duckdb

from workbench.store.sql import rows, scalar

# Dimension -> (grain, SQL expression). Fixed text chosen by key: never user input.
SEGMENT = ("case when coalesce(p.trusted_trader, false) then 'trusted trader' "
           "when d.lodged_at < first_lodged + interval 365 day then 'new importer (first year)' "
           "else 'established importer' end")
DIMENSIONS: dict[str, tuple[str, str, str]] = {
    "chapter": ("item", "left(i.hs_code, 2)", "HS chapter"),
    "hs6": ("item", "left(i.hs_code, 6)", "HS6 subheading"),
    "origin": ("item", "coalesce(i.country_origin, d.country_origin)", "country of origin"),
    "route": ("declaration", "coalesce(d.country_dispatch, '?') || ' > ' || coalesce(d.country_origin, '?')",
              "route (dispatch > origin)"),
    "office": ("declaration", "d.office_code", "customs office"),
    "mode": ("declaration", "d.transport_mode", "transport mode"),
    "segment": ("declaration", SEGMENT, "trader segment"),
}
TEST_NAME = "one-sided two-proportion z-test (pooled), Benjamini-Hochberg false discovery rate"


class AssessmentError(ValueError):
    """An assessment that cannot be computed as asked."""


def _outcomes_sql(by: str) -> str:
    if by not in DIMENSIONS:
        raise AssessmentError(f"unknown dimension {by!r}: choose one of {', '.join(DIMENSIONS)}")
    grain, expr, _ = DIMENSIONS[by]
    items = "join declaration_item i on i.declaration_id = d.declaration_id and i.version = d.version" \
        if grain == "item" else ""
    return f"""
with x as (
    select * from inspection where $as_of is null or known_at <= $as_of
    qualify row_number() over (partition by inspection_id order by known_at desc, version desc) = 1
),
d as (
    select *, min(lodged_at) over (partition by importer_id) as first_lodged from declaration
    qualify row_number() over (partition by declaration_id order by known_at, version) = 1
),
o as (
    select distinct x.inspection_id, x.selected_at, x.result,
           case when x.selection_source = 'random' then 'random' else 'targeted' end as stream,
           coalesce(({expr})::VARCHAR, '(unknown)') as grp
    from x join d on d.declaration_id = x.declaration_id {items}
    asof left join party p on p.party_id = d.importer_id and d.lodged_at > p.known_at
    where x.result in ('positive', 'negative')
)"""


def finding_rates(
    con: duckdb.DuckDBPyConnection,
    *,
    by: str = "chapter",
    since: dt.date | None = None,
    until: dt.date | None = None,
    as_of: dt.datetime | None = None,
    min_exams: int = 1,
) -> list[dict[str, Any]]:
    """Finding rates per group, month of selection and stream: examined, positives, rate."""
    sql = _outcomes_sql(by) + """
select grp, date_trunc('month', selected_at)::DATE as month, stream, count(*) as examined,
       count(*) filter (where result = 'positive') as positives
from o
where ($since is null or selected_at >= $since) and ($until is null or selected_at < $until::DATE + 1)
group by all having count(*) >= $min_exams
order by grp, month, stream"""
    found = rows(con, sql, {"as_of": as_of, "since": since, "until": until, "min_exams": min_exams})
    return [{"dimension": by, "group": g, "month": m, "stream": s, "examined": n, "positives": k,
             "rate": k / n if n else None} for g, m, s, n, k in found]


def _months_back(t: dt.datetime, months: int) -> dt.datetime:
    index = t.year * 12 + t.month - 1 - months
    return t.replace(year=index // 12, month=index % 12 + 1, day=1, hour=0, minute=0, second=0, microsecond=0)


def _z_test(x1: int, n1: int, x0: int, n0: int) -> tuple[float | None, float | None]:
    """z and the one-sided p-value of 'recent rate > baseline rate' (pooled two-proportion test)."""
    if n1 == 0 or n0 == 0:
        return None, None
    pooled = (x1 + x0) / (n1 + n0)
    if pooled in (0.0, 1.0):
        return 0.0, 1.0
    z = (x1 / n1 - x0 / n0) / math.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n0))
    return z, 0.5 * math.erfc(z / math.sqrt(2))


def _benjamini_hochberg(pvalues: list[float]) -> list[float]:
    m = len(pvalues)
    order = sorted(range(m), key=lambda i: pvalues[i])
    q = [0.0] * m
    running = 1.0
    for rank in range(m, 0, -1):
        i = order[rank - 1]
        running = min(running, pvalues[i] * m / rank)
        q[i] = running
    return q


def emerging_risks(
    con: duckdb.DuckDBPyConnection,
    *,
    by: str = "chapter",
    as_of: dt.datetime | None = None,
    recent_months: int = 3,
    baseline_months: int = 12,
    alpha: float = 0.05,
    min_exams: int = 20,
) -> dict[str, Any]:
    """Groups whose finding rate over the last ``recent_months`` complete months rose
    significantly against the ``baseline_months`` before them.

    Returns the test used, the windows and one record per group with both rates, the z score,
    p and q values (Benjamini-Hochberg over all groups tested), whether it is flagged, and
    the random stream's own rates and share (how much of the rate rests on unbiased labels).
    """
    if as_of is None:
        last = scalar(con, "select max(known_at) from inspection")
        if last is None:
            raise AssessmentError("no inspection outcomes in the store")
        as_of = last
    end = _months_back(as_of, 0)            # start of the as-of month: recent windows are complete months
    recent_start = _months_back(end, recent_months)
    base_start = _months_back(end, recent_months + baseline_months)
    sql = _outcomes_sql(by) + """
select grp, case when selected_at >= $recent then 'recent' else 'baseline' end as win, stream,
       count(*) as n, count(*) filter (where result = 'positive') as k
from o where selected_at >= $base and selected_at < $end
group by all"""
    found = rows(con, sql, {"as_of": as_of, "recent": recent_start, "base": base_start, "end": end})
    groups: dict[str, dict[str, int]] = {}
    for grp, win, stream, n, k in found:
        g = groups.setdefault(grp, {f"{w}_{s}_{v}": 0 for w in ("recent", "baseline") for s in ("random", "targeted")
                                    for v in ("n", "k")})
        g[f"{win}_{stream}_n"] += n
        g[f"{win}_{stream}_k"] += k
    records = []
    for grp, g in groups.items():
        n1 = g["recent_random_n"] + g["recent_targeted_n"]
        x1 = g["recent_random_k"] + g["recent_targeted_k"]
        n0 = g["baseline_random_n"] + g["baseline_targeted_n"]
        x0 = g["baseline_random_k"] + g["baseline_targeted_k"]
        if n1 < min_exams or n0 < min_exams:
            continue
        z, p = _z_test(x1, n1, x0, n0)
        records.append({
            "dimension": by, "group": grp, "recent_examined": n1, "recent_positives": x1, "recent_rate": x1 / n1,
            "baseline_examined": n0, "baseline_positives": x0, "baseline_rate": x0 / n0, "z": z, "p": p,
            "random_recent_rate": g["recent_random_k"] / g["recent_random_n"] if g["recent_random_n"] else None,
            "random_baseline_rate": g["baseline_random_k"] / g["baseline_random_n"] if g["baseline_random_n"] else None,
            "random_share": (g["recent_random_n"] + g["baseline_random_n"]) / (n1 + n0),
        })
    qs = _benjamini_hochberg([r["p"] for r in records]) if records else []
    for r, q in zip(records, qs):
        r["q"] = q
        r["flagged"] = bool(r["recent_rate"] > r["baseline_rate"] and q <= alpha)
        r["reason"] = (
            f"{DIMENSIONS[by][2]} {r['group']}: {r['recent_positives']}/{r['recent_examined']} "
            f"({100 * r['recent_rate']:.1f}%) found in the last {recent_months} months against "
            f"{r['baseline_positives']}/{r['baseline_examined']} ({100 * r['baseline_rate']:.1f}%) in the "
            f"{baseline_months} before; z = {r['z']:.2f}, q = {q:.3g}"
            + (f"; {100 * r['random_share']:.0f}% of these examinations were random" if r["random_share"] else
               "; none of these examinations were random: the rates describe targeting, not all trade"))
    records.sort(key=lambda r: (not r["flagged"], r["q"], r["group"]))
    return {"test": TEST_NAME, "alpha": alpha, "dimension": by, "as_of": as_of,
            "recent": [recent_start, end], "baseline": [base_start, recent_start], "min_exams": min_exams,
            "groups": records}


def strategic_summary(con: duckdb.DuckDBPyConnection, *, by: tuple[str, ...] = ("chapter", "origin"),
                      top: int = 5) -> dict[str, Any]:
    """For a demo or a report: the register by band, overall finding rates by stream, and the
    most significant emerging risks by each dimension."""
    from workbench.strategic.register import list_risks

    risks = list_risks(con)
    bands: dict[str, int] = {}
    for r in risks:
        bands[r["band"]] = bands.get(r["band"], 0) + 1
    overall = rows(con, """
        select case when selection_source = 'random' then 'random' else 'targeted' end as stream,
               count(*) filter (where result in ('positive', 'negative')), count(*) filter (where result = 'positive')
        from inspection_current group by 1 order by 1""")
    emerging = {}
    for dim in by:
        try:
            found = emerging_risks(con, by=dim)
        except AssessmentError:
            continue
        emerging[dim] = {"test": found["test"], "flagged": [g["reason"] for g in found["groups"] if g["flagged"]][:top]}
    return {"risks": len(risks), "by_band": bands,
            "top_risks": [{k: r[k] for k in ("risk_id", "title", "rating", "band", "owner")} for r in risks[:top]],
            "finding_rates": [{"stream": s, "examined": n, "positives": k, "rate": k / n if n else None}
                              for s, n, k in overall],
            "emerging": emerging}

"""How well a ranking of declarations finds offences at an inspection budget, on a window the
model never saw, measured three ways:

- **random stream** — among the selected declarations that were examined at random, the share
  found positive: unbiased, but thin (the random stream is small);
- **examined** — among the selected declarations examined for any reason, the share positive,
  recall (positives selected ÷ positives known in the window) and revenue@k (revenue recovered
  from the selected ÷ all recovered): *biased*, since examinations followed earlier suspicion;
- **ground truth** — on synthetic data, the share of selected declarations that truly offend,
  the share of all offending declarations selected, and of the duty evaded.

Unexamined declarations are never counted as negatives: the first two ways read only examined
ones. Rankings compared: the model, the best single indicator (chosen on the training labels)
and random selection (its expected figures: the window's base rates, recall = budget share).
"""

from __future__ import annotations

import datetime as dt
import math
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa

from workbench.models.features import indicator_values
from workbench.models.labels import make_labels
from workbench.models.registry import ModelError, get_model
from workbench.models.scoring import score_window
from workbench.models.truth import load_truth, truth_schemes
from workbench.store.sql import rows

K_PERCENTS = (1, 2, 5, 10)
STREAMS = ("random", "examined", "truth")

RANK = """
create or replace temp table ml_rank as
select e.declaration_id,
       row_number() over (order by e.raw desc, hash(e.declaration_id), e.declaration_id) as r_model,
       row_number() over (order by {direction} * x.value desc nulls last, hash(e.declaration_id), e.declaration_id)
           as r_indicator,
       l.declaration_id is not null as examined, coalesce(l.positive, false) as positive,
       coalesce(l.revenue, 0) as revenue, coalesce(l.random_examined, false) as random_examined,
       coalesce(l.random_positive, false) as random_positive,
       {truth}
from _ml_eval e left join ({indicator}) x using (declaration_id) left join ml_label_eval l using (declaration_id)
{truth_join}
"""


def _rate(a: float | None, b: float | None) -> float | None:
    return round(a / b, 4) if a is not None and b else None


def _lift(p: float | None, base: float | None) -> float | None:
    return round(p / base, 2) if p is not None and base else None


def measure(con: duckdb.DuckDBPyConnection, rank: str, k: float, n: int, totals: dict[str, Any],
            has_truth: bool) -> dict[str, dict[str, Any]]:
    """The three streams' figures for the first ceil(n * k %) declarations of ``ml_rank`` by
    ``rank`` (a rank column of the package, never user text)."""
    budget = max(1, math.ceil(n * k / 100))
    r = rows(con, f"""select count(*) filter (where random_examined), count(*) filter (where random_positive),
                             count(*) filter (where examined), count(*) filter (where positive), sum(revenue),
                             count(*) filter (where offending), sum(evaded)
                      from ml_rank where {rank} <= ?""", [budget])[0]
    rexam, rpos, exam, pos, revenue, off, evaded = r
    out = {
        "random": {"selected": budget, "labelled": rexam, "positives": rpos, "precision": _rate(rpos, rexam),
                   "recall": _rate(rpos, totals["random_positives"]), "revenue_share": None, "biased": False},
        "examined": {"selected": budget, "labelled": exam, "positives": pos, "precision": _rate(pos, exam),
                     "recall": _rate(pos, totals["positives"]), "revenue_share": _rate(revenue, totals["revenue"]),
                     "biased": True},
    }
    if has_truth:
        out["truth"] = {"selected": budget, "labelled": budget, "positives": off, "precision": _rate(off, budget),
                        "recall": _rate(off, totals["offending"]), "revenue_share": _rate(evaded, totals["evaded"]),
                        "biased": False}
    return out


def _totals(con: duckdb.DuckDBPyConnection) -> dict[str, Any]:
    r = rows(con, """select count(*), count(*) filter (where random_examined), count(*) filter (where random_positive),
                            count(*) filter (where examined), count(*) filter (where positive), sum(revenue),
                            count(*) filter (where offending), sum(evaded) from ml_rank""")[0]
    names = ("declarations", "random_examined", "random_positives", "examined", "positives", "revenue", "offending",
             "evaded")
    return dict(zip(names, r))


def capture_curve(con: duckdb.DuckDBPyConnection, rank: str, n: int, totals: dict[str, Any], has_truth: bool,
                  points: int = 50) -> list[dict[str, Any]]:
    """Share of offences found (examined positives; truly offending) against share inspected."""
    steps = [max(1, math.ceil(n * p / points)) for p in range(1, points + 1)]
    found = rows(con, f"""
        with c as (select {rank} as r, sum(positive::INTEGER) over w as pos, sum(offending::INTEGER) over w as off
                   from ml_rank window w as (order by {rank}))
        select r, pos, off from c where list_contains(?::BIGINT[], r) order by r""", [steps])
    out = [{"inspected_share": 0.0, "examined_positives_share": 0.0, "truth_share": 0.0 if has_truth else None}]
    for r, pos, off in found:
        out.append({"inspected_share": round(r / n, 4), "examined_positives_share": _rate(pos, totals["positives"]),
                    "truth_share": _rate(off, totals["offending"]) if has_truth else None})
    return out


def scheme_shares(con: duckdb.DuckDBPyConnection, rank: str, k: float, n: int) -> dict[str, dict[str, Any]]:
    """Per scheme of the ground truth: declarations in the window, and the share in the top k %."""
    budget = max(1, math.ceil(n * k / 100))
    found = rows(con, f"""
        select s, count(*), count(*) filter (where {rank} <= ?)
        from (select {rank}, unnest(string_split(schemes, ',')) as s from ml_rank) where s <> ''
        group by s order by s""", [budget])
    return {s: {"declarations": total, "found": got, "share": _rate(got, total)} for s, total, got in found}


def evaluate(con: duckdb.DuckDBPyConnection, start: dt.datetime, end: dt.datetime, *, model_id: int | None = None,
             truth: str | Path | None = None, as_of: dt.datetime | None = None,
             ks: tuple[float, ...] = K_PERCENTS) -> dict[str, Any]:
    """The model against random selection and the best single indicator on [start, end)."""
    model = get_model(con, model_id)
    if start < model.cutoff:
        raise ModelError(f"model {model.model_id} learnt from outcomes known up to its cut-off {model.cutoff:%Y-%m-%d}: evaluate it "
                         f"on a window starting then or later (asked from {start:%Y-%m-%d})")
    if end <= start:
        raise ModelError(f"the window ends ({end:%Y-%m-%d}) before it starts ({start:%Y-%m-%d})")
    as_of = as_of or dt.datetime.now(dt.UTC).replace(tzinfo=None)
    s = score_window(con, model, start, end)
    n = len(s)
    if not n:
        raise ModelError(f"no declaration was lodged between {start:%Y-%m-%d} and {end:%Y-%m-%d}")
    best = model.metrics.get("best_indicator")
    indicator = indicator_values(model.spec, best["feature"]) if best else None
    if indicator is None:
        best, indicator = None, "select null::VARCHAR as declaration_id, null::DOUBLE as value"
    direction = int(best["direction"]) if best else 1
    make_labels(con, as_of, target=model.target, critical=model.params.get("critical"), table="ml_label_eval")
    has_truth = truth is not None
    truth_info = load_truth(con, truth) if has_truth else None
    con.register("_ml_eval", pa.table({"declaration_id": pa.array(s.declaration_id, pa.string()),
                                       "raw": pa.array(s.raw, pa.float64())}))
    try:
        con.execute(RANK.format(
            indicator=indicator, direction=direction,
            truth=("coalesce(t.offending, false) as offending, coalesce(t.schemes, '') as schemes, "
                   "coalesce(t.evaded, 0) as evaded") if has_truth else
                  "false as offending, '' as schemes, 0::DOUBLE as evaded",
            truth_join="left join ml_truth t using (declaration_id)" if has_truth else ""))
    finally:
        con.unregister("_ml_eval")
    totals = _totals(con)
    base = {"random": _rate(totals["random_positives"], totals["random_examined"]),
            "examined": _rate(totals["positives"], totals["examined"]),
            "truth": _rate(totals["offending"], n) if has_truth else None}
    rankers = [("model", "r_model")]
    best_name = f"best indicator ({best['feature']})" if best else None
    if best:
        rankers.append((best_name, "r_indicator"))
    table = []
    for k in ks:
        for name, col in rankers:
            for stream, fig in measure(con, col, k, n, totals, has_truth).items():
                table.append({"ranker": name, "k_percent": k, "stream": stream, **fig,
                              "lift": _lift(fig["precision"], base[stream])})
        for stream in STREAMS:
            if stream == "truth" and not has_truth:
                continue
            table.append({"ranker": "random selection", "k_percent": k, "stream": stream,
                          "selected": max(1, math.ceil(n * k / 100)), "labelled": None, "positives": None,
                          "precision": base[stream], "recall": round(k / 100, 4),
                          "revenue_share": round(k / 100, 4) if stream != "random" else None,
                          "biased": stream == "examined", "lift": 1.0 if base[stream] else None})
    notes = [
        "examined: figures over declarations examined for any reason, mostly selected because they looked risky — "
        "biased towards what was already suspected; unexamined declarations are not counted as negatives",
        f"random stream: {totals['random_examined']:,} random examinations in the window, "
        f"{totals['random_positives']:,} positive" + (" — too few for a firm figure" if totals["random_examined"] < 100
                                                      else ""),
    ]
    result = {
        "model_id": model.model_id, "target": model.target, "cutoff": model.cutoff,
        "window": {"from": start, "to": end}, "outcomes_known_by": as_of, "declarations": n, "totals": totals,
        "base_rates": base, "best_indicator": best, "table": table,
        "capture": {name: capture_curve(con, col, n, totals, has_truth) for name, col in rankers},
        "truth": truth_info, "notes": notes,
    }
    if has_truth:
        result["schemes"] = {name: scheme_shares(con, col, 5, n) for name, col in rankers}
        result["scheme_names"] = truth_schemes(con)
    return result

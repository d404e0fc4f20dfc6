"""Profile mining: candidate profiles proposed from what examinations found, as ordinary specs.

**Propose** (training, everything known before the cut-off ``until``): on the frame of the
declarations lodged before ``until`` (fields, attributes and the latest build's indicators, as
:mod:`workbench.profiles.frame` makes it) and the outcomes known before ``until``
(:mod:`workbench.models.labels`), search for conjunctions of one to three readable conditions —
``field = value`` for codes, ``indicator.X.flag = true``, ``field >= / <= threshold`` at the
training distribution's quantiles — that hold on the same item, as a profile's criteria do.
Segments are ranked by the lower bound of their hit rate among examined declarations (Wilson,
90 %), so a segment of five lucky examinations cannot outrank one of two hundred. Each
candidate becomes a :class:`~workbench.profiles.spec.Profile` (risk, lane, control, rationale with
its evidence), saved — when asked — as a draft that goes through the same lifecycle as a
hand-written one.

**Validate** (a later window, ``[until, until + weeks)``): each candidate runs through the
profiles' own compiler on that window beside the active profiles, and is ranked by its lift at
the inspection budget: hit rate among its examined hits over the random stream's rate (over
the examined base rate, flagged, when the random stream is too thin). Reported with it: hits
and expected positives per week, the selection percentage that fits the budget, the overlap
with the active profiles, and how its training evidence splits between random and targeted
examinations.

Guards: a minimum number of examined declarations and positives per segment; no criterion on a
field the leakage tests (:mod:`workbench.models.leakage`) flag as recorded with the outcome; no
identifiers (importer, container...), which belong in target lists; no ``model`` indicators;
candidates whose evidence comes only from targeted examinations are flagged, because they may
only re-find what was already selected.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import math
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import duckdb

from workbench.profiles.backtest import compile_set
from workbench.profiles.fields import ATTR_NAME, column
from workbench.profiles.frame import as_timestamp, build_frame
from workbench.profiles.registry import live_profiles, save_profile
from workbench.profiles.selection import store_salt
from workbench.profiles.spec import Profile, parse_profile
from workbench.store.sql import rows, scalar

CATEGORY_FIELDS = ("declaration.office_code", "declaration.transport_mode", "declaration.procedure_code",
                   "declaration.country_dispatch", "declaration.currency", "item.hs_chapter", "item.hs6",
                   "item.country_origin", "item.preference_code", "item.quantity_unit")
NUMBER_FIELDS = ("item.customs_value_base", "item.value_per_kg", "item.duty_rate", "item.net_mass_kg",
                 "declaration.items", "declaration.lodged_hour")
HIGH = (0.75, 0.9, 0.95)
LOW = (0.1, 0.25)
MAX_VALUES = 40
Z = 1.645
RANDOM_MIN = 30


class MiningError(ValueError):
    """Mining that cannot run as asked."""


@dataclass(frozen=True)
class Atom:
    field: str
    op: str                  # eq | gte | lte
    value: Any

    def criterion(self) -> dict[str, Any]:
        return {"field": self.field, self.op: self.value}

    def text(self) -> str:
        if self.field.endswith(".flag") and self.value is True:
            return f"{self.field[:-5]} fired"
        sym = {"eq": "=", "gte": ">=", "lte": "<="}[self.op]
        return f"{self.field} {sym} {self.value}"


@dataclass
class Candidate:
    profile: Profile
    conditions: list[str]
    train: dict[str, Any]
    validation: dict[str, Any] = field(default_factory=dict)
    flags: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {"profile_id": self.profile.id, "criteria": " and ".join(self.conditions), "train": self.train,
                "validation": self.validation, "flags": self.flags, "spec": self.profile.content()}


@dataclass
class MiningResult:
    target: str
    budget: float
    train_window: dict[str, str]
    validation_window: dict[str, str] | None
    base: dict[str, Any]
    candidates: list[Candidate]
    excluded_fields: dict[str, str]
    searched: dict[str, int]
    budget_set: dict[str, Any] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["candidates"] = [c.as_dict() for c in self.candidates]
        return d


def wilson_low(positives: int, n: int) -> float:
    """Lower bound of the 90 % Wilson interval of a rate (0 when n is 0)."""
    if not n:
        return 0.0
    p = positives / n
    den = 1 + Z * Z / n
    centre = p + Z * Z / (2 * n)
    spread = Z * math.sqrt(p * (1 - p) / n + Z * Z / (4 * n * n))
    return max(0.0, (centre - spread) / den)


def _round3(x: float) -> float:
    """Three significant digits: thresholds people can read."""
    if x == 0 or not math.isfinite(x):
        return float(x)
    return float(f"{x:.3g}")


def _col(name: str) -> str:
    """A frame column (names are package constants or checked indicator ids)."""
    return column(name)


def _atom_sql(atom: Atom, n: int, params: dict[str, Any]) -> str:
    """The atom as the compiler reads it (missing value: false), over pf_item."""
    params[f"a{n}"] = atom.value
    if atom.field.startswith("attr."):
        params[f"ap{n}"] = '$."' + atom.field[5:] + '"'
        return f"coalesce(json_extract_string(attrs, $ap{n}) = $a{n}::VARCHAR, false)"
    cast = {"eq": "VARCHAR", "gte": "DOUBLE", "lte": "DOUBLE"}[atom.op]
    if isinstance(atom.value, bool):
        cast = "BOOLEAN"
    sym = {"eq": "=", "gte": ">=", "lte": "<="}[atom.op]
    return f"coalesce({_col(atom.field)} {sym} $a{n}::{cast}, false)"


def _leaky_fields(con: duckdb.DuckDBPyConnection, start: dt.datetime, until: dt.datetime) -> tuple[dict[str, str], set[str]]:
    """Fields and attributes the leakage tests flag on the training window, and the attribute
    fields worth searching."""
    from workbench.models import leakage
    from workbench.models.features import discover, make_base, make_features, matrix

    if not make_base(con, start, until):
        return {}, set()
    spec = discover(con, build_id=None)
    attrs = {f.name for f in spec.features if f.source == "attr"}
    make_features(con, spec)
    X, info = matrix(con, spec, join="left join mine_label l using (declaration_id)",
                     extra={"labelled": "l.declaration_id is not null", "positive": "coalesce(l.positive, false)"})
    labelled = info["labelled"].astype(bool)
    found = leakage.presence_leaks(spec, X, labelled)
    found.update(leakage.separation_leaks(spec, X[labelled], info["positive"].astype(bool)[labelled]))
    return found, attrs


def _atoms(con: duckdb.DuckDBPyConnection, indicators: list[str], leaks: dict[str, str], min_support: int,
           excluded: dict[str, str]) -> list[Atom]:
    """Every condition worth trying, from the training frame and its examined declarations."""
    atoms: list[Atom] = []

    def allowed(name: str) -> bool:
        if name in leaks:
            excluded[name] = leaks[name]
            return False
        return True

    for name in CATEGORY_FIELDS:
        if not allowed(name):
            continue
        for (value,) in rows(con, f"""select v from (select {_col(name)}::VARCHAR as v, declaration_id from mine_items)
                                      where v is not null group by v having count(distinct declaration_id) >= ?
                                      order by count(distinct declaration_id) desc, v limit {MAX_VALUES}""",
                             [min_support]):
            atoms.append(Atom(name, "eq", value))
    if allowed("declaration.importer_trusted"):
        atoms.append(Atom("declaration.importer_trusted", "eq", False))
    for key, in rows(con, """select k from (select distinct declaration_id, unnest(json_keys(attrs)) as k from mine_items)
                             group by k having count(*) >= ? order by k""", [min_support]):
        name = f"attr.{key}"
        if not ATTR_NAME.match(key) or not allowed(name):
            continue
        distinct = scalar(con, "select count(distinct json_extract_string(attrs, $p)) from mine_items",
                          {"p": '$."' + key + '"'})
        if distinct > 200:
            excluded[name] = f"{distinct} different values: an identifier belongs in a target list"
            continue
        for (value,) in rows(con, """select v from (select json_extract_string(attrs, $p) as v, declaration_id
                                     from mine_items) where v is not null group by v
                                     having count(distinct declaration_id) >= $m order by count(*) desc, v limit 20""",
                             {"p": '$."' + key + '"', "m": min_support}):
            atoms.append(Atom(name, "eq", value))
    for ind in indicators:
        if allowed(f"indicator.{ind}.flag"):
            atoms.append(Atom(f"indicator.{ind}.flag", "eq", True))
    numbers = [n for n in NUMBER_FIELDS if allowed(n)] + [f"indicator.{i}" for i in indicators
                                                          if allowed(f"indicator.{i}")]
    for name in numbers:
        qs = list(HIGH) + list(LOW)
        found = rows(con, f"select quantile_cont({_col(name)}, ?::DOUBLE[]) from pf_item", [qs])[0][0]
        if not found:
            continue
        seen = set()
        for q, v in zip(qs, found):
            if v is None:
                continue
            op = "gte" if q in HIGH else "lte"
            value = _round3(float(v))
            if (op, value) not in seen:
                seen.add((op, value))
                atoms.append(Atom(name, op, value))
    return atoms


STATS = """
select s, count(*) as examined, count(*) filter (where l.positive) as positives,
       count(*) filter (where l.random_examined) as random_examined,
       count(*) filter (where l.random_positive) as random_positives,
       count(*) filter (where l.targeted_examined) as targeted_examined,
       count(*) filter (where l.targeted_examined and l.positive) as targeted_positives
from (select distinct s, declaration_id from {source}) h join mine_label l using (declaration_id)
group by s
"""


def _stats(con: duckdb.DuckDBPyConnection, source: str) -> dict[Any, dict[str, int]]:
    names = ("examined", "positives", "random_examined", "random_positives", "targeted_examined",
             "targeted_positives")
    return {r[0]: dict(zip(names, r[1:])) for r in rows(con, STATS.format(source=source))}


def propose(con: duckdb.DuckDBPyConnection, until: dt.date | dt.datetime | str, *,
            start: dt.date | dt.datetime | str | None = None, target: str = "fraud", critical: list[str] | None = None,
            min_support: int = 30, min_positives: int = 5, max_conditions: int = 2, beam: int = 25, top: int = 20,
            risk: str = "UNASSIGNED", lane: str = "red", control: str = "physical") -> MiningResult:
    """Candidate profiles from the outcomes known before ``until`` (no validation yet)."""
    from workbench.models.labels import make_labels

    until = as_timestamp(until)
    if start is None:
        start = scalar(con, "select min(lodged_at) from declaration where known_at < ?", [until])
        if start is None:
            raise MiningError(f"no declaration was lodged before {until:%Y-%m-%d}")
    start = as_timestamp(start)
    if not 1 <= max_conditions <= 3:
        raise MiningError("max_conditions: 1, 2 or 3 conditions per candidate")
    make_labels(con, until, target=target, critical=critical, table="mine_label")
    build = scalar(con, "select max(build_id) from indicator_build")
    indicators = [] if build is None else [r[0] for r in rows(
        con, "select indicator_id from indicator_definition where build_id = ? and family <> 'model' "
             "order by indicator_id", [build])]
    leaks, attr_fields = _leaky_fields(con, start, until)
    fields = ({f"indicator.{i}" for i in indicators} | {f"indicator.{i}.flag" for i in indicators}
              | set(CATEGORY_FIELDS) | set(NUMBER_FIELDS) | {"declaration.importer_trusted"} | attr_fields)
    frame = build_frame(con, start, until, fields=fields)
    # the frame reads by lodgement: keep only what was known before the cut-off
    con.execute("delete from pf_item where lodged_at >= ?", [until])
    con.execute("create or replace temp table mine_items as select row_number() over () as rid, * "
                "from pf_item semi join mine_label using (declaration_id)")
    examined = scalar(con, "select count(distinct declaration_id) from mine_items")
    base_row = rows(con, "select count(*), count(*) filter (where positive), count(*) filter (where random_examined), "
                         "count(*) filter (where random_positive) from mine_label l "
                         "semi join pf_item f using (declaration_id)")[0]
    base = {"examined": base_row[0], "positives": base_row[1], "hit_rate": _rate(base_row[1], base_row[0]),
            "random_examined": base_row[2], "random_positives": base_row[3],
            "random_rate": _rate(base_row[3], base_row[2]), "declarations": frame.declarations}
    excluded: dict[str, str] = {}
    for name in ("declaration.importer_id", "declaration.exporter_id", "declaration.declarant_id",
                 "declaration.carrier_id", "declaration.voyage_id", "declaration.bill_of_lading",
                 "declaration.container_id", "item.description"):
        excluded[name] = "identifiers and free text are not searched: they belong in target lists and watch lists"
    atoms = _atoms(con, indicators, leaks, min_support, excluded)
    if not examined or not atoms:
        return MiningResult(target, 0, _window(start, until), None, base, [], excluded,
                            {"atoms": len(atoms), "segments": 0},
                            warnings=["no examined declaration with a known result in the training window"
                                      if not examined else "no condition has enough support"])
    con.execute("create or replace temp table mine_hit (s INTEGER, rid BIGINT, declaration_id VARCHAR)")
    for a in range(0, len(atoms), 40):
        params: dict[str, Any] = {}
        parts = [f"select {n}::INTEGER as s, rid, declaration_id from mine_items where {_atom_sql(atoms[n], n, params)}"
                 for n in range(a, min(a + 40, len(atoms)))]
        con.execute("insert into mine_hit " + " union all ".join(parts), params)
    stats = {(k,): v for k, v in _stats(con, "mine_hit").items()}
    keep = lambda st: st["examined"] >= min_support and st["positives"] >= min_positives  # noqa: E731
    score = lambda st: wilson_low(st["positives"], st["examined"])  # noqa: E731
    segments = {k: v for k, v in stats.items() if keep(v)}
    level = sorted(segments, key=lambda k: (-score(segments[k]), k))[:beam]
    for _depth in range(2, max_conditions + 1):
        if not level:
            break
        con.execute("create or replace temp table mine_parent (p INTEGER, s INTEGER)")
        con.executemany("insert into mine_parent values (?, ?)", [[p, s] for p, key in enumerate(level) for s in key])
        con.execute("""create or replace temp table mine_parent_items as
                       select m.p, h.rid, h.declaration_id from mine_hit h join mine_parent m using (s)
                       group by all having count(*) = (select count(*) from mine_parent m2 where m2.p = m.p)""")
        con.execute("""create or replace temp table mine_ext as
                       select pi.p * 100000 + h.s as s, h.rid, h.declaration_id
                       from mine_parent_items pi join mine_hit h using (rid)
                       where h.s not in (select s from mine_parent m where m.p = pi.p)""")
        grown = {}
        for code, st in _stats(con, "mine_ext").items():
            parent = level[code // 100000]
            extra = code % 100000
            if any(atoms[extra].field == atoms[x].field for x in parent):
                continue
            key = tuple(sorted(parent + (extra,)))
            if key in segments or key in grown or not keep(st):
                continue
            if score(st) <= score(segments[parent]) + 0.01:
                continue          # the extra condition does not earn its place
            grown[key] = st
        segments.update(grown)
        level = sorted(grown, key=lambda k: (-score(grown[k]), k))[:beam]
    chosen = _diverse(con, segments, score, top * 2)
    candidates = []
    for key in chosen:
        st = segments[key]
        cond = [atoms[k] for k in key]
        candidates.append(_candidate(cond, st, base, target, start, until, risk, lane, control))
    return MiningResult(target, 0, _window(start, until), None, base, candidates, excluded,
                        {"atoms": len(atoms), "segments": len(segments), "examined": examined})


def _diverse(con: duckdb.DuckDBPyConnection, segments: dict[tuple, dict], score, limit: int) -> list[tuple]:
    """The best segments by score, skipping one whose examined hits are mostly a better one's."""
    ordered = sorted(segments, key=lambda k: (-score(segments[k]), len(k), k))
    picked: list[tuple] = []
    hit_sets: list[set] = []
    for key in ordered:
        if len(picked) >= limit:
            break
        params: dict[str, Any] = {"ss": list(key), "n": len(key)}
        decls = {r[0] for r in rows(con, """select declaration_id from mine_hit where list_contains($ss::INTEGER[], s)
                                            group by rid, declaration_id having count(*) = $n""", params)}
        if any(len(decls & other) >= 0.8 * min(len(decls), len(other)) for other in hit_sets):
            continue
        picked.append(key)
        hit_sets.append(decls)
    return picked


def _rate(a: float | None, b: float | None) -> float | None:
    return round(a / b, 4) if a is not None and b else None


def _window(a: dt.datetime, b: dt.datetime) -> dict[str, str]:
    return {"from": a.date().isoformat(), "to": b.date().isoformat()}


def _candidate(cond: list[Atom], st: dict[str, int], base: dict[str, Any], target: str, start: dt.datetime,
               until: dt.datetime, risk: str, lane: str, control: str) -> Candidate:
    texts = [a.text() for a in cond]
    crit = cond[0].criterion() if len(cond) == 1 else {"all": [a.criterion() for a in cond]}
    digest = hashlib.sha256(repr((target, [a.criterion() for a in cond])).encode()).hexdigest()[:8].upper()
    hit_rate = _rate(st["positives"], st["examined"])
    train = {**st, "hit_rate": hit_rate, "hit_rate_low": round(wilson_low(st["positives"], st["examined"]), 4),
             "random_hit_rate": _rate(st["random_positives"], st["random_examined"]),
             "lift_on_examined": _rate(hit_rate, base["hit_rate"])}
    rationale = (f"Mined from {st['examined']:,} declarations lodged {start:%Y-%m-%d} to {until:%Y-%m-%d} and examined "
                 f"with results known before {until:%Y-%m-%d}: {st['positives']:,} positive ({target}), a hit rate of "
                 f"{(hit_rate or 0):.1%} against {(base['hit_rate'] or 0):.1%} over all examined declarations. "
                 f"Evidence: {st['random_examined']:,} random examinations ({st['random_positives']:,} positive) and "
                 f"{st['targeted_examined']:,} targeted ({st['targeted_positives']:,} positive).")
    profile = parse_profile({
        "id": f"MINED-{target[:3].upper()}-{digest}", "title": ("Mined: " + " and ".join(texts))[:200], "risk": risk,
        "rationale": rationale, "sources": ["workbench mine"], "criteria": crit,
        "treatment": {"lane": lane, "control": control},
        "review_on": (until + dt.timedelta(days=90)).date().isoformat(),
        "target": {"hit_rate": train["hit_rate_low"]},
    })
    flags = []
    if not st["random_examined"]:
        flags.append("evidence from targeted examinations only: it may re-find what was already selected")
    return Candidate(profile, texts, train, flags=flags)


def validate(con: duckdb.DuckDBPyConnection, result: MiningResult, until: dt.date | dt.datetime | str, *,
             weeks: int = 8, budget: float = 0.05, as_of: dt.datetime | None = None, truth: str | Path | None = None,
             critical: list[str] | None = None, top: int = 10) -> MiningResult:
    """Measure the candidates on [until, until + weeks), rank them by lift at the budget, and
    keep the ``top``."""
    from workbench.models.labels import make_labels

    until = as_timestamp(until)
    end = until + dt.timedelta(weeks=int(weeks))
    result.budget = budget
    result.validation_window = _window(until, end)
    if not result.candidates:
        return result
    as_of = as_of or dt.datetime.now(dt.UTC).replace(tzinfo=None)
    active = [p for p in live_profiles(con, until.date()) if not p.id.startswith("MINED-")]
    profiles = [c.profile for c in result.candidates] + active
    fields = set().union(*(p.fields_used() for p in profiles))
    lists = set().union(*(p.lists_used() for p in profiles))
    frame = build_frame(con, until, end, fields=fields, lists=lists)
    if not frame.declarations:
        result.warnings.append(f"no declaration lodged between {until:%Y-%m-%d} and {end:%Y-%m-%d}: nothing validated")
        return result
    _, union_sql, params = compile_set(profiles, store_salt(con))
    con.execute(f"create or replace temp table mine_val_hit as select distinct profile_id, declaration_id from ({union_sql})",
                params)
    make_labels(con, as_of, target=result.target, critical=critical, table="mine_label_val")
    base = rows(con, """select count(*), count(*) filter (where positive), count(*) filter (where random_examined),
                               count(*) filter (where random_positive)
                        from mine_label_val l semi join pf_item f using (declaration_id)""")[0]
    random_rate = _rate(base[3], base[2])
    exam_rate = _rate(base[1], base[0])
    thin = base[2] < RANDOM_MIN or not random_rate
    reference = exam_rate if thin else random_rate
    n_weeks = (end - until).days / 7
    per_week = frame.declarations / n_weeks
    budget_week = per_week * budget
    result.base["validation"] = {"declarations": frame.declarations, "examined": base[0], "positives": base[1],
                                 "hit_rate": exam_rate, "random_examined": base[2], "random_positives": base[3],
                                 "random_rate": random_rate, "lift_reference": "examined" if thin else "random",
                                 "budget_per_week": round(budget_week, 1)}
    if thin:
        result.warnings.append(f"only {base[2]} random examinations in the validation window: lift is measured against "
                               "the hit rate of all examinations there (biased), not the random stream")
    has_truth = truth is not None
    if has_truth:
        from workbench.models.truth import load_truth

        load_truth(con, truth)
    per = {r[0]: r[1:] for r in rows(con, f"""
        select h.profile_id, count(*), count(*) filter (where l.declaration_id is not null),
               count(*) filter (where l.positive), count(*) filter (where l.random_examined),
               count(*) filter (where l.random_positive),
               count(*) filter (where h.declaration_id in (select declaration_id from mine_val_hit a
                                                           where not starts_with(a.profile_id, 'MINED-'))),
               {"count(*) filter (where t.offending)" if has_truth else "null"}
        from mine_val_hit h left join mine_label_val l using (declaration_id)
        {"left join ml_truth t using (declaration_id)" if has_truth else ""}
        group by h.profile_id""")}
    for c in result.candidates:
        hits, exam, pos, rexam, rpos, overlap, off = per.get(c.profile.id, (0, 0, 0, 0, 0, 0, None))
        hit_rate = _rate(pos, exam)
        hits_week = hits / n_weeks
        pct = 100.0 if hits_week <= budget_week or not hits_week else max(0.01, round(100 * budget_week / hits_week, 2))
        c.validation = {
            "hits": hits, "hits_per_week": round(hits_week, 1), "examined": exam, "positives": pos,
            "hit_rate": hit_rate, "random_examined": rexam, "random_positives": rpos,
            "lift": _rate(hit_rate, reference) if hit_rate is not None else None,
            "expected_positives_per_week": round(min(hits_week, budget_week) * (hit_rate or 0), 2),
            "selection_pct_for_budget": pct, "overlap_with_active": _rate(overlap, hits),
            "truth_precision": _rate(off, hits) if has_truth else None,
        }
        if pct < 100:
            treatment = c.profile.treatment.model_copy(update={"selection_pct": pct})
            c.profile = c.profile.model_copy(update={"treatment": treatment})
        if c.validation["overlap_with_active"] is not None and c.validation["overlap_with_active"] >= 0.8:
            c.flags.append("most of its hits are already selected by active profiles")
        if not exam:
            c.flags.append("no examined hit in the validation window: its lift is unknown")
    result.candidates.sort(key=lambda c: (c.validation.get("lift") is None, -(c.validation.get("lift") or 0),
                                          -(c.train["hit_rate_low"]), c.profile.id))
    result.candidates = result.candidates[:top]
    result.budget_set = _budget_set(con, result, frame.declarations, budget, has_truth)
    return result


def _budget_set(con: duckdb.DuckDBPyConnection, result: MiningResult, declarations: int, budget: float,
                has_truth: bool) -> dict[str, Any]:
    """The candidates in rank order filling the budget: what they find together (and, with ground
    truth, the share of each scheme's declarations they select)."""
    ids = [c.profile.id for c in result.candidates]
    limit = max(1, math.ceil(declarations * budget))
    con.execute("""create or replace temp table mine_sel as
                   select declaration_id from (
                       select declaration_id, min(list_position($ids::VARCHAR[], profile_id)) as r
                       from mine_val_hit where list_contains($ids::VARCHAR[], profile_id) group by declaration_id)
                   order by r, hash(declaration_id), declaration_id limit $limit""", {"ids": ids, "limit": limit})
    got = rows(con, """select count(*), count(l.declaration_id), count(*) filter (where l.positive)
                       from mine_sel s left join mine_label_val l using (declaration_id)""")[0]
    out: dict[str, Any] = {"budget": limit, "selected": got[0], "examined": got[1], "positives": got[2],
                           "hit_rate": _rate(got[2], got[1])}
    if has_truth:
        truth = rows(con, """select count(*) filter (where t.offending),
                                    (select count(*) from ml_truth t2 semi join pf_item f using (declaration_id)
                                     where t2.offending)
                             from mine_sel s left join ml_truth t using (declaration_id)""")[0]
        out["truth_precision"] = _rate(truth[0], got[0])
        out["truth_base_rate"] = _rate(truth[1], declarations)
        out["truth_lift"] = _rate(out["truth_precision"], out["truth_base_rate"])
        out["schemes"] = {s: {"declarations": n, "found": k, "share": _rate(k, n)} for s, n, k in rows(con, """
            select s, count(*), count(*) filter (where declaration_id in (select declaration_id from mine_sel))
            from (select t.declaration_id, unnest(string_split(t.schemes, ',')) as s
                  from ml_truth t semi join pf_item f using (declaration_id)) where s <> ''
            group by s order by s""")}
    return out


def mine(con: duckdb.DuckDBPyConnection, until: dt.date | dt.datetime | str, *, budget: float = 0.05,
         target: str = "fraud", weeks: int = 8, top: int = 10, truth: str | Path | None = None,
         critical: list[str] | None = None, **propose_options: Any) -> MiningResult:
    """Propose candidates from what was known before ``until`` and rank them on the next ``weeks``."""
    result = propose(con, until, target=target, critical=critical, top=top, **propose_options)
    return validate(con, result, until, weeks=weeks, budget=budget, truth=truth, critical=critical, top=top)


def save_candidates(con: duckdb.DuckDBPyConnection, result: MiningResult, *, risk: str, actor: str | None = None) -> list[tuple[str, int]]:
    """Save every candidate as a draft profile treating ``risk`` (which must be in the register)."""
    saved = []
    for c in result.candidates:
        spec = c.profile.model_copy(update={"risk": risk})
        spec = parse_profile(spec.content())
        version, _ = save_profile(con, spec, actor=actor,
                                  reason=f"mined by workbench mine (target {result.target}, trained to "
                                         f"{result.train_window['to']})")
        c.profile = spec
        saved.append((spec.id, version))
    return saved

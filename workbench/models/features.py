"""Features of a declaration for the risk model, assembled point in time in DuckDB.

One row per declaration **as first lodged** (its earliest version; ``t`` is that version's
``known_at``), reading only rows known before the window's end:

- source fields of the header and of its main item (the most valuable one): office, transport
  mode, procedure, dispatch country, currency, HS chapter and heading, origin, quantity unit;
  numbers: items, total value (base currency), mass, duty, duty share, highest duty rate, any
  preference claimed, chapters on the declaration, hour and weekday of lodgement, main item's
  value per kg;
- the importer as known at lodgement: trusted trader, days since registration;
- every indicator of the latest indicator build (its values are point in time by construction):
  per declaration the value of a flagged item (else the highest value) and whether any item
  fired — except the ``model`` family, which holds the model's own scores;
- source attributes the mapping kept (the main item's over the header's): numbers as numbers,
  short code lists as categories; identifiers (too many values) are left out.

Names follow the profile fields an analyst knows (``declaration.office_code``, ``item.hs_chapter``,
``indicator.price.unit_value_low.flag``, ``attr.REGIME``). A :class:`FeatureSpec` fixes the list,
each category's vocabulary and the indicator build when a model is trained, so scoring a later
declaration builds exactly the same columns.
"""

from __future__ import annotations

import datetime as dt
import re
import zlib
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

import duckdb
import numpy as np
import pyarrow as pa

from workbench.profiles.fields import NUMBER_PATTERN
from workbench.store.sql import rows, scalar

MIN_CATEGORY_COUNT = 5
MAX_CATEGORIES = 100
MAX_ATTRS = 30
MAX_ATTR_VALUES = 200
ATTR_MIN_COVERAGE = 0.01
ATTR_KEY = re.compile(r"^[A-Za-z_][A-Za-z0-9_ .-]{0,63}$")

BASE = """
CREATE OR REPLACE TEMP TABLE ml_base AS
WITH d AS (
    SELECT * FROM declaration WHERE known_at < $end
    QUALIFY row_number() OVER (PARTITION BY declaration_id ORDER BY known_at, version) = 1
),
w AS (SELECT * FROM d WHERE known_at >= $start AND ($ids IS NULL OR list_contains($ids::VARCHAR[], declaration_id))),
i AS (
    SELECT i.*, w.known_at AS t FROM declaration_item i JOIN w USING (declaration_id, version)
    WHERE i.known_at < $end
),
agg AS (
    SELECT declaration_id, count(*)::DOUBLE AS n_items, sum(customs_value_base) AS value, sum(net_mass_kg) AS mass,
           sum(duty) AS duty, sum(duty) / nullif(sum(customs_value), 0) AS duty_share, max(duty_rate) AS max_rate,
           bool_or(preference_code IS NOT NULL)::DOUBLE AS preference,
           count(DISTINCT left(hs_code, 2))::DOUBLE AS chapters,
           arg_max(item_no, coalesce(customs_value_base, 0) * 100000 - item_no) AS main_item
    FROM i GROUP BY declaration_id
)
SELECT w.declaration_id, w.version, w.known_at AS t, w.lodged_at,
       w.office_code, w.transport_mode, w.procedure_code, w.country_dispatch, w.currency,
       hour(w.lodged_at)::DOUBLE AS lodged_hour, isodow(w.lodged_at)::DOUBLE AS lodged_weekday,
       a.n_items, a.value, a.mass, a.duty, a.duty_share, a.max_rate, a.preference, a.chapters,
       left(m.hs_code, 2) AS hs_chapter, left(m.hs_code, 4) AS hs4, coalesce(m.country_origin, w.country_origin) AS origin,
       lower(m.quantity_unit) AS unit, m.customs_value_base / nullif(m.net_mass_kg, 0) AS value_per_kg,
       p.trusted_trader::DOUBLE AS trusted,
       date_diff('day', p.registered_on, w.known_at::DATE)::DOUBLE AS importer_age_days,
       json_merge_patch(coalesce(w.attrs, '{}'::JSON), coalesce(m.attrs, '{}'::JSON)) AS attrs
FROM w
LEFT JOIN agg a USING (declaration_id)
LEFT JOIN i m ON m.declaration_id = w.declaration_id AND m.item_no = a.main_item
ASOF LEFT JOIN (SELECT * FROM party WHERE known_at < $end) p ON p.party_id = w.importer_id AND p.known_at <= w.known_at
"""

# (feature name, ml_base column, kind, title)
FIELDS = (
    ("declaration.office_code", "office_code", "category", "office of lodgement"),
    ("declaration.transport_mode", "transport_mode", "category", "transport mode"),
    ("declaration.procedure_code", "procedure_code", "category", "customs procedure"),
    ("declaration.country_dispatch", "country_dispatch", "category", "country of dispatch"),
    ("declaration.currency", "currency", "category", "invoice currency"),
    ("item.hs_chapter", "hs_chapter", "category", "HS chapter of the main item"),
    ("item.hs4", "hs4", "category", "HS heading of the main item"),
    ("item.country_origin", "origin", "category", "origin of the main item"),
    ("item.quantity_unit", "unit", "category", "quantity unit of the main item"),
    ("declaration.items", "n_items", "number", "number of items"),
    ("declaration.value_base", "value", "number", "total customs value (base currency)"),
    ("declaration.net_mass_kg", "mass", "number", "total net mass (kg)"),
    ("declaration.duty", "duty", "number", "total duty declared"),
    ("declaration.duty_share", "duty_share", "number", "duty ÷ customs value"),
    ("declaration.max_duty_rate", "max_rate", "number", "highest duty rate of its items"),
    ("declaration.preference_claimed", "preference", "number", "a tariff preference claimed"),
    ("declaration.chapters", "chapters", "number", "HS chapters on the declaration"),
    ("declaration.lodged_hour", "lodged_hour", "number", "hour of lodgement"),
    ("declaration.lodged_weekday", "lodged_weekday", "number", "weekday of lodgement"),
    ("item.value_per_kg", "value_per_kg", "number", "main item's value per kg"),
    ("declaration.importer_trusted", "trusted", "number", "importer a trusted trader at lodgement"),
    ("declaration.importer_age_days", "importer_age_days", "number", "days since the importer registered"),
)


class FeatureError(ValueError):
    """Features that cannot be assembled as asked."""


@dataclass(frozen=True)
class Feature:
    name: str                 # as an analyst reads it: declaration.office_code, indicator.X.flag, attr.Y
    source: str               # 'field' | 'indicator' | 'attr'
    key: str                  # ml_base column, indicator id or attribute name
    kind: str                 # 'number' | 'category'
    title: str
    categories: tuple[str, ...] = ()
    flag: bool = False        # for indicators: the fired flag rather than the value


@dataclass
class FeatureSpec:
    features: list[Feature]
    indicator_build: int | None
    excluded: dict[str, str] = field(default_factory=dict)   # feature or attribute -> why it was left out

    @property
    def names(self) -> list[str]:
        return [f.name for f in self.features]

    def categorical(self) -> list[int]:
        return [n for n, f in enumerate(self.features) if f.kind == "category"]

    def to_dict(self) -> dict[str, Any]:
        return {"features": [asdict(f) for f in self.features], "indicator_build": self.indicator_build,
                "excluded": self.excluded}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> FeatureSpec:
        feats = [Feature(**{**f, "categories": tuple(f.get("categories", ()))}) for f in data["features"]]
        return cls(feats, data.get("indicator_build"), dict(data.get("excluded", {})))


def as_time(value: dt.date | dt.datetime | str) -> dt.datetime:
    """A window bound as a timestamp: a datetime as it is, a date (or ISO text) at midnight."""
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value)
    return value if isinstance(value, dt.datetime) else dt.datetime.combine(value, dt.time())


def make_base(con: duckdb.DuckDBPyConnection, start: dt.datetime | dt.date, end: dt.datetime | dt.date, *,
              ids: Sequence[str] | None = None) -> int:
    """``ml_base``: the declarations first lodged in [start, end), reading only rows known before
    ``end``. Returns how many."""
    con.execute(BASE, {"start": as_time(start), "end": as_time(end), "ids": list(ids) if ids is not None else None})
    return scalar(con, "select count(*) from ml_base")


def latest_build(con: duckdb.DuckDBPyConnection) -> int | None:
    return scalar(con, "select max(build_id) from indicator_build")


def _vocabulary(con: duckdb.DuckDBPyConnection, expr: str, params: dict[str, Any] | None = None) -> list[str]:
    found = rows(con, f"""select v, count(*) as n from (select ({expr})::VARCHAR as v from ml_base) where v is not null
                          group by v having count(*) >= {MIN_CATEGORY_COUNT} order by n desc, v limit {MAX_CATEGORIES}""",
                 params or {})
    return [r[0] for r in found]


def attr_expr(key: str) -> tuple[str, dict[str, Any]]:
    """SQL reading one attribute (text) from ml_base.attrs, with its bound path."""
    name = "a_" + re.sub(r"[^a-z0-9]", "_", key.lower())[:40] + f"_{zlib.crc32(key.encode()) % 100_000}"
    return f"json_extract_string(attrs, ${name})", {name: '$."' + key + '"'}


def discover(con: duckdb.DuckDBPyConnection, *, build_id: int | None, exclude: Sequence[str] = ()) -> FeatureSpec:
    """The feature list of a training window (``ml_base`` must hold it): fields, the indicators
    of ``build_id``, and the attributes worth keeping."""
    excluded: dict[str, str] = {}
    feats: list[Feature] = []
    total = scalar(con, "select count(*) from ml_base") or 0
    for name, col, kind, title in FIELDS:
        if name in exclude:
            excluded[name] = "excluded by the user"
            continue
        present = scalar(con, f"select count({col}) from ml_base")
        if not present:
            excluded[name] = "no value in the training window"
            continue
        cats = tuple(_vocabulary(con, col)) if kind == "category" else ()
        if kind == "category" and not cats:
            excluded[name] = f"no value seen {MIN_CATEGORY_COUNT} times"
            continue
        feats.append(Feature(name, "field", col, kind, title, cats))
    if build_id is not None:
        from workbench.indicators.catalogue import catalogue

        titles = {i.id: i.title for i in catalogue().indicators()}
        ids = [r[0] for r in rows(con, "select indicator_id from indicator_definition where build_id = ? "
                                       "and family <> 'model' order by indicator_id", [build_id])]
        for ind in ids:
            for flag in (False, True):
                name = f"indicator.{ind}" + (".flag" if flag else "")
                if name in exclude or f"indicator.{ind}" in exclude:
                    excluded[name] = "excluded by the user"
                    continue
                title = titles.get(ind, ind) + (" (fired)" if flag else "")
                feats.append(Feature(name, "indicator", ind, "number", title, flag=flag))
    for key, seen in rows(con, """select k, count(*) from (select unnest(json_keys(attrs)) as k from ml_base)
                                   group by k order by count(*) desc, k"""):
        name = f"attr.{key}"
        if not ATTR_KEY.match(key):
            continue
        if name in exclude:
            excluded[name] = "excluded by the user"
            continue
        if seen < max(1, total * ATTR_MIN_COVERAGE):
            excluded[name] = "present on fewer than 1% of declarations"
            continue
        if len([f for f in feats if f.source == "attr"]) >= MAX_ATTRS:
            excluded[name] = f"only the {MAX_ATTRS} most common attributes are used"
            continue
        expr, params = attr_expr(key)
        filled, numeric, distinct = rows(con, f"""select count(v), count(v) filter (where regexp_full_match(v, $pat)),
                                                  count(distinct v) from (select {expr} as v from ml_base)""",
                                         {**params, "pat": NUMBER_PATTERN})[0]
        if not filled:
            continue
        if numeric >= 0.95 * filled:
            feats.append(Feature(name, "attr", key, "number", f"source attribute {key}"))
        elif distinct <= MAX_ATTR_VALUES:
            cats = tuple(_vocabulary(con, expr, params))
            if cats:
                feats.append(Feature(name, "attr", key, "category", f"source attribute {key}", cats))
        else:
            excluded[name] = f"{distinct} different values: an identifier, not a feature"
    return FeatureSpec(feats, build_id, excluded)


def indicator_ids(spec: FeatureSpec) -> list[str]:
    """The indicators the spec uses, in the order of their position (``idx``) in ``ml_ind``."""
    return sorted({f.key for f in spec.features if f.source == "indicator"})


def _indicator_table(con: duckdb.DuckDBPyConnection, spec: FeatureSpec) -> None:
    """``ml_ind``, long form: per declaration of ml_base and indicator the spec uses (by its
    position ``idx``), the value of a flagged item (else the highest value) and whether any fired.
    The matrix scatters it into columns in numpy: a pivot in SQL costs more than the join."""
    ids = indicator_ids(spec)
    if ids and (spec.indicator_build is None or not scalar(
            con, "select count(*) from indicator_build where build_id = ?", [spec.indicator_build])):
        raise FeatureError(f"indicator build {spec.indicator_build} is not in the store: the model's indicator "
                           "features cannot be rebuilt")
    con.execute("""
        create or replace temp table ml_ind as
        with items as (select it.item_key, it.declaration_id from indicator_item it
                       semi join ml_base b on b.declaration_id = it.declaration_id and b.version = it.version
                       where it.build_id = $build),
        k as (select unnest($ids::VARCHAR[]) as indicator_id, generate_subscripts($ids::VARCHAR[], 1) - 1 as idx)
        select i.declaration_id, k.idx::INTEGER as idx,
               coalesce(max(v.value) filter (where v.flag), max(v.value)) as v, max(v.flag::DOUBLE) as f
        from indicator_value v join items i using (item_key) join k using (indicator_id)
        where v.build_id = $build
        group by all""", {"build": spec.indicator_build, "ids": ids})


def indicator_values(spec: FeatureSpec, name: str) -> str | None:
    """SQL (declaration_id, value) of one indicator feature from ``ml_ind``, or None."""
    for f in spec.features:
        if f.name == name and f.source == "indicator":
            return f"select declaration_id, {'f' if f.flag else 'v'} as value from ml_ind where idx = {indicator_ids(spec).index(f.key)}"
    return None


def feature_columns(spec: FeatureSpec) -> tuple[dict[int, str], dict[str, Any]]:
    """SQL expressions (over ml_base b) giving each field and attribute feature as a DOUBLE (NaN
    when missing), by feature position, with params. A category becomes its position in the
    vocabulary (0-based); a value outside it the code after the last."""
    exprs: dict[int, str] = {}
    params: dict[str, Any] = {}
    for n, f in enumerate(spec.features):
        if f.source == "indicator":
            continue
        if f.source == "field":
            base = f"b.{f.key}"
        else:
            base, p = attr_expr(f.key)
            base = base.replace("attrs", "b.attrs")
            params.update(p)
            if f.kind == "number":
                params["num_pat"] = NUMBER_PATTERN
                exprs[n] = f"(case when regexp_full_match({base}, $num_pat) then try_cast({base} as DOUBLE) end)"
                continue
        if f.kind == "category":
            params[f"c{n}"] = list(f.categories)
            exprs[n] = (f"(case when {base} is null then null "
                        f"else coalesce(list_position($c{n}::VARCHAR[], {base}::VARCHAR) - 1, {len(f.categories)}) end)")
        else:
            exprs[n] = f"{base}"
    return exprs, params


def make_features(con: duckdb.DuckDBPyConnection, spec: FeatureSpec) -> None:
    """``ml_feat`` (declaration_id, version, t, lodged_at, ``f<n>`` per field or attribute
    feature, rows in declaration order) and ``ml_ind`` (indicator features, long form) for the
    declarations of ``ml_base``."""
    _indicator_table(con, spec)
    exprs, params = feature_columns(spec)
    cols = "".join(f", coalesce(({e})::DOUBLE, 'NaN'::DOUBLE) as f{n}" for n, e in exprs.items())
    con.execute(f"""
        create or replace temp table ml_feat as
        select b.declaration_id, b.version, b.t, b.lodged_at{cols}
        from ml_base b order by b.declaration_id""", params)


def matrix(con: duckdb.DuckDBPyConnection, spec: FeatureSpec, *, join: str = "",
           extra: dict[str, str] | None = None) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """The feature matrix (float32, NaN for missing) of ``ml_feat`` rows in declaration order,
    with the keys (declaration_id, version, lodged_at, t) and the ``extra`` expressions (alias ->
    SQL over ``ml_feat f`` and what ``join`` adds; package text only) as arrays."""
    keys = {"declaration_id": "f.declaration_id", "version": "f.version", "lodged_at": "f.lodged_at", "t": "f.t",
            **(extra or {})}
    direct = [n for n, f in enumerate(spec.features) if f.source != "indicator"]
    select = [f"{expr} as {name}" for name, expr in keys.items()] + [f"f.f{n}" for n in direct]
    table = con.sql(f"select {', '.join(select)} from ml_feat f {join} order by f.declaration_id").to_arrow_table()
    n_keys = len(keys)
    X = np.full((table.num_rows, len(spec.features)), np.nan, dtype=np.float32)
    for j, n in enumerate(direct):
        X[:, n] = table.column(n_keys + j).to_numpy()
    info = {name: _array(table.column(j)) for j, name in enumerate(keys)}
    ids = indicator_ids(spec)
    if ids and table.num_rows:
        long = con.sql("""select p.pos, x.idx, x.v, x.f from ml_ind x join
                          (select declaration_id, (row_number() over (order by declaration_id) - 1)::BIGINT as pos
                           from ml_feat) p using (declaration_id)""").to_arrow_table()
        pos, idx = long.column(0).to_numpy(), long.column(1).to_numpy()
        vals = {False: _array(long.column(2)).astype(np.float32), True: _array(long.column(3)).astype(np.float32)}
        for n, f in enumerate(spec.features):
            if f.source == "indicator":
                mask = idx == ids.index(f.key)
                X[pos[mask], n] = vals[f.flag][mask]
    return X, info


def _array(column: pa.ChunkedArray) -> np.ndarray:
    """A column as numpy; timestamps as datetime64[us] without going through pandas; missing
    numbers as NaN."""
    if pa.types.is_timestamp(column.type):
        return column.cast(pa.timestamp("us")).cast(pa.int64()).to_numpy(zero_copy_only=False).view("datetime64[us]")
    if pa.types.is_floating(column.type) and column.null_count:
        return column.fill_null(float("nan")).to_numpy()
    return column.to_numpy(zero_copy_only=False)

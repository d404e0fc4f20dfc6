"""The shared inputs of a build: declarations as lodged, their items, outcome events and the
monthly reference distributions the price and shape indicators compare with.

Each input is one temp table made once per build. Everything here reads a declaration **as
first lodged** (its earliest version): that is what selection saw at lodgement, and it keeps
the history a later declaration is compared with fixed once it is known. Amendments stay in
the store as versions; they do not rewrite what earlier declarations were compared with.

Times: ``t`` is the lodgement of the declaration (the ``known_at`` of its first version);
``mi`` is its month as a number (year × 12 + month − 1) for the monthly references.

Keys: ``decl_key`` (an integer per declaration, in ``ix_decl``) and ``item_key`` (per item, in
``ix_item``, which carries its ``decl_key``). Item-grain indicators return ``item_key``;
declaration-grain ones return ``decl_key``. Keys hold for one build only.
"""

from __future__ import annotations

from collections.abc import Sequence

from workbench.indicators.catalogue import Catalogue, Input

# The earliest version of each declaration. Most declarations have one version, so only those
# with several are ranked (a window over all of them costs seconds at a million declarations).
IX_DECL = """
with multi as (select declaration_id from declaration where version > 1 group by declaration_id),
first as (
    select * from declaration where version = 1 and declaration_id not in (select declaration_id from multi)
    union all by name
    select * from declaration where declaration_id in (select declaration_id from multi)
    qualify row_number() over (partition by declaration_id order by known_at, version) = 1
)
select row_number() over ()::INTEGER as decl_key, declaration_id, version, known_at as t, lodged_at,
       (year(known_at) * 12 + month(known_at) - 1)::INTEGER as mi,
       office_code, direction, transport_mode, importer_id, exporter_id, declarant_id, carrier_id,
       voyage_id, bill_of_lading, container_id, country_dispatch as dispatch, country_origin as decl_origin, currency
from first
"""

# item_key = decl_key x 100,000 + item_no: unique without a global numbering pass.
ITEM_KEY_FACTOR = 100_000
IX_ITEM = f"""
select d.decl_key::BIGINT * {ITEM_KEY_FACTOR} + i.item_no as item_key, d.decl_key, i.item_no, d.t, d.mi,
       d.office_code, d.transport_mode, d.importer_id, d.exporter_id, d.declarant_id, d.voyage_id, d.dispatch,
       coalesce(i.country_origin, d.decl_origin) as origin, i.hs_code, left(i.hs_code, 6) as hs6,
       i.description, i.quantity, lower(i.quantity_unit) as unit, i.net_mass_kg as mass,
       i.customs_value_base as value, i.customs_value, i.duty, i.preference_code
from ix_decl d join declaration_item i using (declaration_id, version)
where i.item_no between 1 and {ITEM_KEY_FACTOR - 1}
"""

# Per declaration: the header as lodged with its items' totals.
IX_DECL_TOTAL = """
select d.decl_key, d.t, d.mi, d.importer_id, d.exporter_id, d.declarant_id, d.carrier_id,
       d.office_code, d.dispatch, d.voyage_id, d.bill_of_lading, d.container_id,
       count(i.item_no) as items, sum(i.value) as value, bool_or(i.value is null) as value_missing
from ix_decl d left join ix_item i using (decl_key)
group by all
"""

# Outcome events: an inspection counts as examined when its first result (positive or negative)
# becomes known, at that version's known_at; a later change of result moves only the positive
# count. Pending versions add nothing. So each inspection is counted once, when it was known.
IX_OUTCOME = """
with v as (
    select inspection_id, declaration_id, known_at, version, result, selection_source,
           last_value(case when result in ('positive', 'negative') then result end ignore nulls) over (
               partition by inspection_id order by known_at, version
               rows between unbounded preceding and 1 preceding) as prev_final
    from inspection
)
select inspection_id, declaration_id, known_at as seen_at, selection_source,
       case when prev_final is null then 1 else 0 end as d_exam,
       (result = 'positive')::INTEGER - coalesce((prev_final = 'positive')::INTEGER, 0) as d_pos
from v
where result in ('positive', 'negative') and prev_final is distinct from result
"""

# The global compliance picture over time: cumulative examinations and positives after each
# moment an outcome became known; the prior of the smoothed history rates.
IX_OUTCOME_ALL = """
select seen_at, sum(sum(d_exam)) over w as exams, sum(sum(d_pos)) over w as positives
from ix_outcome group by seen_at
window w as (order by seen_at rows between unbounded preceding and current row)
"""

HUBS = ("(select country_code from country where is_transhipment_hub "
        "union select unnest($extra_hubs::VARCHAR[]))")
"""Transhipment hubs: the ``country`` reference table's flag plus an indicator's ``extra_hubs``."""


def quantile(sorted_list: str, p: float) -> str:
    """SQL for the ``p`` quantile (linear interpolation, as ``quantile_cont``) of a sorted list."""
    pos = f"(len({sorted_list}) - 1) * {float(p)!r}"
    lo = f"{sorted_list}[1 + floor({pos})::BIGINT]"
    hi = f"{sorted_list}[1 + ceil({pos})::BIGINT]"
    return f"({lo} + ({pos} - floor({pos})) * ({hi} - {lo}))"


def monthly_reference(groups: Sequence[str], measure: str, where: str = "true", source: str = "ix_item") -> str:
    """A reference distribution per group and lodgement month: the 10th, 50th and 90th
    percentile of ``measure`` over the items lodged in the ``$reference_months`` complete months
    before that month, with their count ``n``.

    Using complete months only makes the reference of a month fixed before the month starts: no
    declaration of the month, earlier or later, can move it. Values of one month are gathered
    once as lists; each reference month pools the lists of the months before it.
    """
    g = ", ".join(groups)
    ng = ", ".join(f"n.{c}" for c in groups)
    eq = " and ".join(f"m.{c} = n.{c}" for c in groups)
    return f"""
with obs as (
    select {g}, mi, ({measure}) as x from {source}
    where ({where}) and ({measure}) is not null and isfinite(({measure})::DOUBLE)
),
monthly as (select {g}, mi, list(x) as xs from obs group by all),
need as (select distinct {g}, mi from {source} where ({where})),
pooled as (
    select {ng}, n.mi, list_sort(flatten(list(m.xs))) as s
    from need n join monthly m on {eq} and m.mi between n.mi - $reference_months and n.mi - 1
    group by all
)
select {g}, mi, len(s) as n, {quantile('s', 0.1)} as p10, {quantile('s', 0.5)} as p50,
       {quantile('s', 0.9)} as p90
from pooled
"""


UNIT_VALUE = "value / quantity"
VALUE_PER_KG = "value / mass"
DUTY_SHARE = "duty / customs_value"
MASS_PER_UNIT = "mass / quantity"
MASS_UNITS = ("kg", "g", "t", "lb", "oz", "kgm", "tne")

INPUTS = (
    Input("ix_decl", "Declarations as first lodged (earliest version), with the lodgement time t.", sql=IX_DECL),
    Input("ix_item", "Items of the declarations as lodged (item_key, decl_key) with HS6, origin, value in the base "
                     "currency.",
          sql=IX_ITEM, needs=("ix_decl",)),
    Input("ix_decl_total", "Declarations as lodged with their item count and total value.", sql=IX_DECL_TOTAL,
          needs=("ix_decl", "ix_item")),
    Input("ix_outcome", "Outcome events: an examination counted when its result became known.", sql=IX_OUTCOME),
    Input("ix_outcome_all", "Cumulative examinations and positives over time (the prior of history rates).",
          sql=IX_OUTCOME_ALL, needs=("ix_outcome",)),
    Input("ref_unit_value", "Unit value percentiles per HS6 x origin x quantity unit, by reference month.",
          sql=monthly_reference(("hs6", "origin", "unit"), UNIT_VALUE, "quantity > 0 and value > 0"),
          needs=("ix_item",)),
    Input("ref_value_per_kg", "Value per kg percentiles per HS6, by reference month.",
          sql=monthly_reference(("hs6",), VALUE_PER_KG, "mass > 0 and value > 0"), needs=("ix_item",)),
    Input("ref_duty_share", "Duty / customs value percentiles per HS6, by reference month.",
          sql=monthly_reference(("hs6",), DUTY_SHARE, "customs_value > 0 and duty is not null"), needs=("ix_item",)),
    Input("ref_mass_per_unit", "Net mass per unit percentiles per HS6 x quantity unit (units counted, not weighed).",
          sql=monthly_reference(("hs6", "unit"), MASS_PER_UNIT,
                                "quantity > 0 and mass > 0 and unit not in ('" + "', '".join(MASS_UNITS) + "')"),
          needs=("ix_item",)),
)


def register(cat: Catalogue) -> None:
    for step in INPUTS:
        cat.add_input(step)

"""History indicators: how often examinations of the same trader, goods, origin or office found
something, as far as results were known before the declaration was lodged.

Each rate is smoothed towards the overall rate (an empirical-Bayes shrinkage with weight `m`
examinations), so one positive in one examination does not read as 100 %:

    smoothed = (positives + m × overall) / (examinations + m)

Outcomes count at the moment their result became known (the inspection version's
``known_at``): a laboratory result that arrives three weeks after selection does not exist for
declarations lodged in those three weeks. A result that later changes counts once, with its
latest value known at each moment. Labels come from examined declarations only, and those were
mostly selected *because* they looked risky: the rates describe what examinations found, not
the compliance of all trade (see the random stream in the strategic assessments).
"""

from __future__ import annotations

from workbench.indicators.catalogue import Catalogue, Evidence, Indicator
from workbench.indicators.wording import count, num, pct
from workbench.queries.params import Param

AS_OF = ("Examination results whose result became known strictly before the lodgement (inspection versions by "
         "known_at), each inspected declaration as first lodged.")
PARAMS = (
    Param("m", "number", "Smoothing weight: how many examinations at the overall rate are added.", default=10.0,
          minimum=0.0),
    Param("lift", "number", "Fires when the smoothed rate is at least this many times the overall rate.",
          default=2.0, minimum=1.0),
    Param("min_exams", "integer", "Fewest own examinations before it can fire.", default=3, minimum=0),
)


def _sql(key_item: str | None, key_decl: str | None) -> str:
    """History SQL for an entity key read from the inspected declaration (``key_decl``, a
    column of ``ix_decl``) or from its items (``key_item``, an expression on ``ix_item``)."""
    if key_decl is not None:
        source, key, subject = "ix_decl", key_decl, "decl_key"
    else:
        source, key, subject = "ix_item", key_item, "item_key"
    return f"""
with ev as (
    select k, seen_at, sum(d_exam) as d_exam, sum(d_pos) as d_pos
    from (select distinct o.inspection_id, o.seen_at, o.d_exam, o.d_pos, {key} as k
          from ix_outcome o join ix_decl d using (declaration_id) join {source} s using (decl_key)) x
    where k is not null
    group by all
),
cum as (
    select k, seen_at, sum(d_exam) over w as exams, sum(d_pos) over w as positives
    from ev window w as (partition by k order by seen_at rows between unbounded preceding and current row)
),
subj as (select {subject}, t, {key} as k from {source} s where {key} is not null)
select s.{subject},
       (coalesce(c.positives, 0) + $m * g.positives / g.exams) / (coalesce(c.exams, 0) + $m) as value,
       g.positives / g.exams as ref, coalesce(c.exams, 0) as support, null as detail,
       case when g.positives > 0 and coalesce(c.exams, 0) >= $min_exams
            then (coalesce(c.positives, 0) + $m * g.positives / g.exams) / (coalesce(c.exams, 0) + $m)
                 >= $lift * g.positives / g.exams end as flag
from subj s
asof join ix_outcome_all g on s.t > g.seen_at
asof left join cum c on c.k = s.k and s.t > c.seen_at
where g.exams > 0
"""


def _reason(noun: str, what):
    def reason(e: Evidence) -> str:
        # positives are not stored: value = (positives + m x overall) / (examinations + m)
        exams = int(e.support or 0)
        pos = max(0, round(e.value * (exams + e.params["m"]) - e.params["m"] * e.ref))
        subject = what(e)
        base = (f"{subject}: {count(pos, 'positive finding')} in {count(exams, 'examination')} with results "
                f"known before lodgement; smoothed rate {pct(e.value)} against {pct(e.ref)} overall")
        if e.flag:
            return base + f", at least {num(e.params['lift'])} times the overall rate"
        if e.flag is None and exams < e.params["min_exams"]:
            return base + f" (fewer than {e.params['min_exams']} examinations: not judged)"
        return base
    return reason


def _history(name: str, noun: str, title: str, why: str, *, item: str | None = None, decl: str | None = None,
             subject=None) -> Indicator:
    return Indicator(
        id=f"history.{name}",
        title=title,
        what=f"Smoothed past non-compliance rate of the {noun}: positive findings over examinations with results "
             "known before lodgement, shrunk towards the overall rate by `m` examinations; fires at `lift` times "
             "the overall rate once there are `min_exams` own examinations.",
        why=why,
        as_of=AS_OF,
        grain="declaration" if decl else "item",
        needs=("ix_decl", "ix_item", "ix_outcome", "ix_outcome_all"),
        sql=_sql(item, decl),
        reason=_reason(noun, subject),
        absent=f"no {noun} on the declaration, or no examination result at all was known before lodgement",
        params=PARAMS,
        unit="share of examinations",
    )


IMPORTER = _history("importer", "importer", "Importer's past non-compliance",
                    "Past offenders reoffend; the importer's own record is the strongest single history signal.",
                    decl="s.importer_id", subject=lambda e: f"importer {e.item['importer_id']}")
DECLARANT = _history("declarant", "declarant (broker)", "Declarant's past non-compliance",
                     "Some brokers lodge for many bad actors; their record travels across importers.",
                     decl="s.declarant_id", subject=lambda e: f"declarant {e.item['declarant_id']}")
SELLER = _history("seller", "seller (exporter)", "Seller's past non-compliance",
                  "A foreign seller caught undervaluing for one buyer tends to invoice the next one the same way.",
                  decl="s.exporter_id", subject=lambda e: f"seller {e.item['exporter_id']}")
HS6 = _history("hs6", "HS6 subheading", "HS6 past non-compliance",
               "Some goods are where the fraud is: high duty, easy to misdescribe, or prohibited look-alikes.",
               item="s.hs6", subject=lambda e: f"HS6 {e.item['hs6']}")
ORIGIN = _history("origin", "country of origin", "Origin's past non-compliance",
                  "Origins differ in how often their goods are found non-compliant (false origin, pests, narcotics).",
                  item="s.origin", subject=lambda e: f"origin {e.item['origin']}")
OFFICE_HS6 = _history("office_hs6", "office x HS6", "Office x HS6 past non-compliance (port shopping)",
                      "Traders move risky goods to the office where they were not caught; a high rate at one office "
                      "for one subheading shows where they went.",
                      item="s.office_code || '|' || s.hs6",
                      subject=lambda e: f"HS6 {e.item['hs6']} at office {e.item['office_code']}")


def register(cat: Catalogue) -> None:
    for ind in (IMPORTER, DECLARANT, SELLER, HS6, ORIGIN, OFFICE_HS6):
        cat.add(ind)

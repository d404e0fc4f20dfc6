"""Description indicators: what the goods are said to be.

Descriptions are compared in a plain form: lower case, anything but letters turned to single
spaces ("Shoes, LEATHER (men's)" reads "shoes leather men s").
"""

from __future__ import annotations

from workbench.indicators.catalogue import Catalogue, Evidence, Indicator, Input
from workbench.indicators.wording import count, pct
from workbench.queries.params import Param

PLAIN = "trim(regexp_replace(lower(coalesce({x}, '')), '[^a-z]+', ' ', 'g'))"
VAGUE_TERMS = ["parts", "spare parts", "accessories", "general cargo", "cargo", "goods", "samples", "sample",
               "various", "various goods", "sundries", "misc", "miscellaneous", "assorted", "assorted goods",
               "gift", "gifts", "personal effects", "consolidated cargo", "fak", "freight all kinds", "merchandise",
               "items", "products", "stc", "said to contain", "mixed goods", "general merchandise", "equipment",
               "materials", "machine parts", "auto parts", "household goods"]


def _vague_reason(e: Evidence) -> str:
    shown = e.item.get("description")
    if e.flag:
        return f"description {shown!r} is too vague to check against the HS code"
    return f"description {shown!r} names the goods"


VAGUE = Indicator(
    id="description.vague",
    title="Vague goods description",
    what="The description is empty, one of the `terms` (e.g. 'parts', 'general cargo', 'samples'), refers to the "
         "invoice, or has fewer than `min_letters` letters.",
    why="Vague descriptions hide what is really shipped and make misclassification and concealment hard to "
        "spot; they are a classic selectivity criterion.",
    as_of="The declaration itself, as lodged.",
    sql=f"""
with d as (
    select i.item_key, coalesce(x.plain, '') as plain from ix_item i left join ix_desc x using (description)
),
terms as (select list_transform($terms, lambda x: {PLAIN.format(x='x')}) as terms)
select item_key, v::INTEGER as value, v as flag, null as ref, null as support,
       case when v then plain end as detail
from (
    select d.item_key, d.plain,
           d.plain = '' or list_contains(terms.terms, d.plain)
           or length(replace(d.plain, ' ', '')) < $min_letters
           or regexp_matches(d.plain, '(^| )(as per|see|per) invoice( |$)') as v
    from d, terms
)
""",
    needs=("ix_item", "ix_desc"),
    reason=_vague_reason,
    absent="(always computed)",
    params=(Param("terms", "string[]", "Descriptions that say nothing (compared in plain form).",
                  default=VAGUE_TERMS),
            Param("min_letters", "integer", "Descriptions with fewer letters are vague.", default=4, minimum=0)),
)


def _mismatch_reason(e: Evidence) -> str:
    desc, heading = e.item.get("description"), e.item["hs4"]
    earlier = f"before {e.month}"
    if e.flag is None:
        return (f"description {desc!r} was seen {count(e.support, 'time')} {earlier} "
                f"(needs {e.params['min_seen']}): not judged")
    share = f"{pct(e.value)} of {count(e.support, 'earlier item')} {earlier}"
    if e.flag:
        usual = f"; most were declared under heading {e.detail}" if e.detail else ""
        return f"description {desc!r} was declared under heading {heading} in only {share}{usual}"
    return f"description {desc!r} was declared under heading {heading} in {share}"


HS_MISMATCH = Indicator(
    id="description.hs_mismatch",
    title="Description inconsistent with the HS heading",
    what="Share of earlier items with the same description (plain form) that were declared under the same HS "
         "heading (4 digits); fires under `max_share` once the description was seen `min_seen` times. The detail "
         "names the heading most of them were declared under.",
    why="Goods described as they usually are but declared under an unusual heading were probably misclassified, "
        "most often into a lower-duty heading.",
    as_of="Items of declarations lodged in complete months before the lodgement month (all earlier months), as "
          "first lodged.",
    sql=f"""
with d as (
    select i.item_key, i.mi, left(i.hs_code, 4) as hs4, coalesce(x.plain, '') as plain
    from ix_item i left join ix_desc x using (description)
),
monthly as (select plain, hs4, mi, count(*) as n from d where plain <> '' group by all),
cum_pair as (
    select plain, hs4, mi, sum(n) over (partition by plain, hs4 order by mi rows unbounded preceding) as seen
    from monthly
),
cum_desc as (
    select plain, mi, sum(sum(n)) over (partition by plain order by mi rows unbounded preceding) as seen
    from monthly group by plain, mi
),
-- judged once per description, heading and month, then given to the items
scored as (
    select s.plain, s.hs4, s.mi, coalesce(p.seen, 0) / c.seen as share, c.seen as seen
    from (select distinct plain, hs4, mi from d where plain <> '') s
    asof join cum_desc c on c.plain = s.plain and s.mi > c.mi
    asof left join cum_pair p on p.plain = s.plain and p.hs4 = s.hs4 and s.mi > p.mi
),
flagged as (select * from scored where seen >= $min_seen and share < $max_share),
usual as (
    select f.plain, f.hs4, f.mi, arg_max(p.hs4, p.seen) as usual
    from flagged f join cum_pair p on p.plain = f.plain and p.mi < f.mi
    group by all
)
select d.item_key, s.share as value, case when s.seen >= $min_seen then s.share < $max_share end as flag,
       $max_share as ref, s.seen as support, u.usual as detail
from d join scored s using (plain, hs4, mi) left join usual u using (plain, hs4, mi)
""",
    needs=("ix_item", "ix_desc"),
    reason=_mismatch_reason,
    absent="description empty, or never seen in an earlier month",
    params=(Param("min_seen", "integer", "Earlier items with the description needed to judge.", default=20, minimum=1),
            Param("max_share", "number", "A heading below this share of the description's history fires.",
                  default=0.05, minimum=0.0, maximum=1.0)),
    unit="share of earlier items",
)


DESC_INPUT = Input(
    "ix_desc", "Each distinct description of the build's items in plain form (lower case, letters only).",
    sql=f"select description, {PLAIN.format(x='description')} as plain from (select distinct description from ix_item) "
        "where description is not null",
    needs=("ix_item",))


def register(cat: Catalogue) -> None:
    cat.add_input(DESC_INPUT)
    cat.add(VAGUE)
    cat.add(HS_MISMATCH)

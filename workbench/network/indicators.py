"""Network indicators, registered in the indicator catalogue through its door.

- ``network.linked_offender``: the importer shares an address, phone, e-mail, identifier, bank
  account or director with another trader whose offence was known before the lodgement;
- ``network.phoenix``: the same, for an importer registered shortly before the lodgement and
  after the offender (a new company taking over where a caught one stopped);
- ``network.propagated_risk``: risk spread from all known offenders across the network
  (personalised PageRank, :mod:`workbench.network.propagate`), from the monthly snapshot taken
  at the start of the lodgement month.

Point in time: links count from when both records were known (party versions' ``known_at``,
director links' first seen), offences from when their result became known, all strictly before
the lodgement (or before the month for the snapshot). Records are grouped into traders with the
store's current entity resolution, so a trader's own variant records never count as "another"
trader.

The catalogue loads this module through the entry point ``workbench.indicators: network``; it
does not import the network package itself.
"""

from __future__ import annotations

from typing import Any

from workbench.indicators.catalogue import Catalogue, Evidence, Indicator, Input
from workbench.indicators.wording import count, num
from workbench.network.normalise import address_key, email_key, identifier_key, phone_key
from workbench.queries.params import Param

MAX_SHARED = 50
"""An attribute shared by more records than this (a registered agent's address) links nobody from
the moment the record over the limit is known."""


def _create_risk(ctx: Any) -> None:
    """ix_net_risk: party_id, mi (month index), score, seed for every party with risk, per month."""
    from workbench.network.arrow_in import arrow_view
    from workbench.network.graph import drop_evidence, evidence
    from workbench.network.propagate import SOURCES, monthly_as_of, risk_snapshots
    from workbench.store.sql import one

    con = ctx.con
    span = one(con, "select min(t), max(t) from ix_decl")
    evidence(con, SOURCES)
    try:
        months = monthly_as_of(*span) if span and span[0] is not None else []
        table = risk_snapshots(con, months)
        with arrow_view(con, "_net_risk_view", table):
            con.execute("""
                create or replace temp table ix_net_risk as
                select g.party_id, (year(r.as_of) * 12 + month(r.as_of) - 1)::INTEGER as mi, r.score, r.seed
                from _net_risk_view r join _g_party g using (node_id)""")
    finally:
        drop_evidence(con)


RISK_INPUT = Input("ix_net_risk", "Monthly snapshots of risk propagated from known offenders (personalised PageRank), "
                                  "per party record.", create=_create_risk, needs=("ix_decl",),
                   registered_by="workbench.network")

FACTS = f"""
with facts as (
    select party_id, 'address' as kind, {address_key('address', 'city')} as k, known_at from party
    union all select party_id, 'phone', {phone_key('phone')}, known_at from party
    union all select party_id, 'e-mail', {email_key('email')}, known_at from party
    union all select party_id, 'identifier', {identifier_key('tax_id')}, known_at from party
    union all select party_id, 'bank account', {identifier_key("json_extract_string(attrs, '$.bank_account')")},
                     known_at from party
    union all select to_party_id, 'director', from_party_id, known_at from party_link
        where lower(link_type) in ('director_of', 'owner_of')
),
first_fact as (select party_id, kind, k, min(known_at) as known_at from facts where k is not null group by all),
usable as (
    -- a value stops linking from the moment its {MAX_SHARED + 1}th record is known, and not before:
    -- a registered agent's address found to be shared later leaves earlier links as they were
    select kind, k, case when count(*) > {MAX_SHARED} then list_sort(list(known_at))[{MAX_SHARED + 1}] end as until
    from first_fact group by all having count(*) >= 2
),
entity as (select p.party_id, coalesce(m.entity_id, p.party_id) as entity_id
           from (select distinct party_id from party) p left join net_entity_member m using (party_id))
select a.party_id, b.party_id as other_id, a.kind, greatest(a.known_at, b.known_at) as linked_at, u.until
from first_fact a join first_fact b on a.kind = b.kind and a.k = b.k and a.party_id <> b.party_id
join usable u on u.kind = a.kind and u.k = a.k
join entity ea on ea.party_id = a.party_id join entity eb on eb.party_id = b.party_id
where ea.entity_id <> eb.entity_id and (u.until is null or greatest(a.known_at, b.known_at) < u.until)
"""
LINKS_INPUT = Input("ix_net_links", "Pairs of party records of different traders sharing an address, phone, e-mail, "
                                    "identifier, bank account or director, from when both were known until the "
                                    "value became too common to link anyone.",
                    sql=FACTS, registered_by="workbench.network")

LINKED = """
offences as (
    select d.importer_id as party_id, min(o.seen_at) as at
    from ix_outcome o join ix_decl d using (declaration_id)
    where o.d_pos > 0 and d.importer_id is not null group by all
),
hits as (
    select d.decl_key, d.t, d.importer_id, l.other_id, l.kind, o.at
    from ix_decl d
    join ix_net_links l on l.party_id = d.importer_id and l.linked_at < d.t and (l.until is null or d.t <= l.until)
    join offences o on o.party_id = l.other_id and o.at < d.t
)"""


def _linked_reason(e: Evidence) -> str:
    return f"importer linked to {count(e.value, 'trader')} with an offence known before lodgement: {e.detail}"


LINKED_OFFENDER = Indicator(
    id="network.linked_offender",
    title="Importer linked to a known offender",
    what="Number of other traders (resolved entities) that share an address, phone, e-mail, identifier, bank account "
         "or director with the importer and had a positive examination result known before the lodgement.",
    why="Offenders reappear through the people, premises and phones behind them; a compliant-looking importer tied "
        "to a caught one deserves a look.",
    as_of="Links from when both party records were known; offences from when their result became known; both "
          "strictly before lodgement.",
    grain="declaration",
    needs=("ix_decl", "ix_item", "ix_outcome", "ix_net_links"),
    sql=f"""
with {LINKED.strip()}
select h.decl_key, count(distinct h.other_id) as value, true as flag, null as ref, count(*) as support,
       string_agg(distinct h.kind || ' shared with ' || coalesce(p.name, h.other_id), '; '
                  order by h.kind || ' shared with ' || coalesce(p.name, h.other_id)) as detail
from hits h asof left join party p on p.party_id = h.other_id and h.t > p.known_at
group by h.decl_key
""",
    reason=_linked_reason,
    absent="the importer shares nothing with a trader whose offence was known before lodgement",
    unit="traders",
    registered_by="workbench.network",
)


def _phoenix_reason(e: Evidence) -> str:
    return (f"importer registered {num(e.value)} days before lodgement, linked to an older trader with a known offence "
            f"({e.detail})")


PHOENIX = Indicator(
    id="network.phoenix",
    title="New company linked to a past offender (phoenix)",
    what="Days between the importer's registration and the lodgement, when the importer was registered at most "
         "`max_age_days` before and shares an address, phone, e-mail, identifier, bank account or director with an "
         "older trader whose offence was known before the lodgement.",
    why="Phoenix companies: an offender closes and trade resumes under a new name from the same premises, phone or "
        "directors.",
    as_of="Registration dates and names from the party records as known strictly before lodgement; links and "
          "offences known strictly before lodgement.",
    grain="declaration",
    needs=("ix_decl", "ix_item", "ix_outcome", "ix_net_links"),
    sql=f"""
with {LINKED.strip()}
select h.decl_key, min(date_diff('day', me.registered_on, h.t::DATE)) as value, true as flag,
       $max_age_days as ref, count(distinct h.other_id) as support,
       string_agg(distinct h.kind || ' shared with ' || coalesce(them.name, h.other_id), '; '
                  order by h.kind || ' shared with ' || coalesce(them.name, h.other_id)) as detail
from hits h
asof join party me on me.party_id = h.importer_id and h.t > me.known_at
asof left join party them on them.party_id = h.other_id and h.t > them.known_at
where me.registered_on is not null and me.registered_on <= h.t::DATE
  and date_diff('day', me.registered_on, h.t::DATE) <= $max_age_days
  and (them.registered_on is null or them.registered_on < me.registered_on)
group by h.decl_key
""",
    reason=_phoenix_reason,
    absent="the importer is not a recently registered company linked to an older offender",
    params=(Param("max_age_days", "integer", "Oldest registration (days before lodgement) that counts as new.",
                  default=365, minimum=1),),
    unit="days",
    registered_by="workbench.network",
)


def _risk_reason(e: Evidence) -> str:
    own = " (itself a known offender)" if e.detail == "offender" else ""
    return (f"network risk {num(e.value)} times the average trader's, spread from offenders known before "
            f"{e.month}{own}; fires from {num(e.params['min_score'])}")


PROPAGATED_RISK = Indicator(
    id="network.propagated_risk",
    title="Risk spread from known offenders through the network",
    what="The importer's personalised PageRank score from all traders with a positive result, over shared "
         "addresses, phones, e-mails, identifiers, directors, intelligence mentions and (weakly) suppliers; scaled "
         "so that 1 is the average trader. Fires at `min_score` or more.",
    why="Risk concentrates around offenders: traders two or three links from several offenders sit in the same "
        "network even when no single link is damning.",
    as_of="The snapshot of the first moment of the lodgement month: links first seen and results known before it.",
    grain="declaration",
    needs=("ix_decl", "ix_item", "ix_net_risk"),
    sql="""
select d.decl_key, max(r.score) as value, max(r.score) >= $min_score as flag, $min_score as ref,
       null as support, case when bool_or(r.seed) then 'offender' end as detail
from ix_decl d join ix_net_risk r on r.party_id = d.importer_id and r.mi = d.mi
group by d.decl_key
""",
    reason=_risk_reason,
    absent="no risk reached the importer from offenders known before the lodgement month",
    params=(Param("min_score", "number", "Score (times the average trader's) from which it fires.", default=5.0,
                  minimum=0.0),),
    unit="x average",
    registered_by="workbench.network",
)


def register(cat: Catalogue) -> None:
    """Add the network inputs and indicators to ``cat`` (the catalogue's door)."""
    cat.add_input(RISK_INPUT)
    cat.add_input(LINKS_INPUT)
    for ind in (LINKED_OFFENDER, PHOENIX, PROPAGATED_RISK):
        cat.add(ind)

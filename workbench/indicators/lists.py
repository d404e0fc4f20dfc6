"""List indicators: parties, identifiers, countries and commodity codes on a watch list.

A watch-list entry counts for a declaration when it was listed (its ``known_at``) before the
lodgement and not delisted by then. Parties are read as their latest version known before
lodgement; a party first recorded after the lodgement (a historical back-load) is read as its
earliest version, since the declaration itself named it.
"""

from __future__ import annotations

from typing import Any

from workbench.indicators.catalogue import Catalogue, Evidence, Indicator, Input
from workbench.indicators.wording import count
from workbench.queries.params import Param
from workbench.screening.matcher import DEFAULT_THRESHOLD

SCREEN_THRESHOLD = DEFAULT_THRESHOLD


def _create_screen(ctx: Any) -> None:
    from workbench.screening.screen import screening_table

    ctx.timings["ix_screen matches"] = screening_table(ctx.con, "ix_screen", threshold=SCREEN_THRESHOLD)


SCREEN_INPUT = Input(
    "ix_screen",
    f"Fuzzy matches (score {SCREEN_THRESHOLD:.0f}+) of every party version on a declaration against every "
    "watch-list entry version, with both sides' known_at.",
    create=_create_screen,
    needs=("ix_decl",),
)

PARTY_AS_OF = """
roles as (
    select decl_key, t, 'importer' as role, importer_id as party_id from ix_decl where importer_id is not null
    union all select decl_key, t, 'seller', exporter_id from ix_decl where exporter_id is not null
    union all select decl_key, t, 'declarant', declarant_id from ix_decl where declarant_id is not null
    union all select decl_key, t, 'carrier', carrier_id from ix_decl where carrier_id is not null
),
first_version as (select party_id, min(version) as version from party group by party_id),
as_of as (
    select r.decl_key, r.t, r.role, r.party_id, coalesce(p.version, f.version) as party_version
    from roles r
    asof left join party p on p.party_id = r.party_id and r.t > p.known_at
    left join first_version f on f.party_id = r.party_id
)"""


def _party_reason(e: Evidence) -> str:
    return f"{e.detail} (best score {e.value:.0f}, {count(e.support, 'listed entry', 'listed entries')} matched)"


WATCHLIST_PARTY = Indicator(
    id="lists.watchlist_party",
    title="Party on a watch list",
    what="Best fuzzy-match score (0-100) of the importer, seller, declarant or carrier against names and aliases "
         "of watch-list entries (sanctions lists included); fires at `threshold` or more. Names are normalised "
         "(case, accents, punctuation, legal forms) and compared with rapidfuzz, tolerant of word order and "
         "spelling noise.",
    why="Trading with a listed party is an offence in itself (sanctions), and listed names reappear behind new "
        "companies with slightly different spellings.",
    as_of="Entries listed before the lodgement and not delisted by then; each party as known before lodgement.",
    grain="declaration",
    needs=("ix_decl", "ix_screen"),
    sql=f"""
with {PARTY_AS_OF},
hits as (
    select a.decl_key, a.role, s.*
    from as_of a join ix_screen s on s.party_id = a.party_id and s.party_version = a.party_version
    where s.entry_known_at < a.t and (s.delisted_at is null or s.delisted_at > a.t) and s.score >= $threshold
)
select decl_key, max(score) as value, true as flag, $threshold as ref, count(distinct entry_id) as support,
       arg_max(role || ' ' || party_name || ' matches ' || match_kind || ' ''' || matched_name || ''' on '
               || list_name || ' (entry ' || entry_id || ', ' || entry_name || ')', score) as detail
from hits group by decl_key
""",
    reason=_party_reason,
    absent="no party matched a watch-list entry listed before lodgement",
    params=(Param("threshold", "number", f"Fewest points (of 100) that fire; screening keeps matches from "
                                         f"{SCREEN_THRESHOLD:.0f}.", default=SCREEN_THRESHOLD,
                  minimum=SCREEN_THRESHOLD, maximum=100.0),),
    unit="score 0-100",
)

CODE = "upper(regexp_replace({x}, '[^A-Za-z0-9]', '', 'g'))"


def _code_reason(e: Evidence) -> str:
    return f"on a watch list: {e.detail}"


WATCHLIST_CODE = Indicator(
    id="lists.watchlist_code",
    title="Identifier, vessel, country or commodity code on a watch list",
    what="Exact matches (letters and digits compared, case ignored) of the bill of lading, container, importer "
         "and seller tax ids and the vessel's IMO number against watch-list identifiers; of the vessel name "
         "against listed vessels; of the origin or dispatch country against entries of kind 'country'; of the "
         "HS code against entries of kind 'commodity' (a listed prefix). The value counts the hits.",
    why="Target lists name specific consignments, containers, vessels and traders; country and commodity lists "
        "carry embargoes and prohibitions.",
    as_of="Entries listed before the lodgement and not delisted by then; parties and voyages as known before "
          "lodgement.",
    needs=("ix_decl", "ix_item"),
    sql=f"""
with listed as (
    select entry_id, list_name, kind, name, known_at, delisted_at, identifiers from watchlist_entry
),
ids as (
    select entry_id, list_name, known_at, delisted_at, {CODE.format(x='x')} as k
    from listed, unnest(coalesce(identifiers, [])) u(x)
),
{PARTY_AS_OF.strip()},
decl_keys as (
    select decl_key, t, 'bill of lading' as what, bill_of_lading as shown, {CODE.format(x='bill_of_lading')} as k
    from ix_decl where bill_of_lading is not null
    union all
    select decl_key, t, 'container', container_id, {CODE.format(x='container_id')} from ix_decl
    where container_id is not null
    union all
    select a.decl_key, a.t, a.role || ' tax id', p.tax_id, {CODE.format(x='p.tax_id')}
    from as_of a join party p on p.party_id = a.party_id and p.version = a.party_version
    where p.tax_id is not null and a.role in ('importer', 'seller')
    union all
    select d.decl_key, d.t, 'vessel IMO', v.conveyance_id, {CODE.format(x='v.conveyance_id')}
    from (select decl_key, t, voyage_id from ix_decl where voyage_id is not null) d
    asof join voyage v on v.voyage_id = d.voyage_id and d.t > v.known_at
    where v.conveyance_id is not null
),
vessels as (
    select d.decl_key, d.t, v.conveyance as shown, {CODE.format(x='v.conveyance')} as k
    from (select decl_key, t, voyage_id from ix_decl where voyage_id is not null) d
    asof join voyage v on v.voyage_id = d.voyage_id and d.t > v.known_at
    where v.transport_mode = 'sea' and v.conveyance is not null
),
decl_hits as (
    select k.decl_key, k.what, k.shown, i.entry_id, i.list_name
    from decl_keys k join ids i on i.k = k.k
    where i.known_at < k.t and (i.delisted_at is null or i.delisted_at > k.t) and k.k <> ''
    union all
    select v.decl_key, 'vessel', v.shown, l.entry_id, l.list_name
    from vessels v join listed l on l.kind = 'vessel' and {CODE.format(x='l.name')} = v.k
    where l.known_at < v.t and (l.delisted_at is null or l.delisted_at > v.t)
),
item_hits as (
    select i.item_key, 'HS code' as what, i.hs_code as shown, l.entry_id, l.list_name
    from ix_item i join listed l on l.kind in ('commodity', 'hs_code') and starts_with(i.hs_code, l.name)
    where l.known_at < i.t and (l.delisted_at is null or l.delisted_at > i.t)
    union all
    select c.item_key, c.what, c.code, l.entry_id, l.list_name
    from (select item_key, t, 'origin' as what, origin as code from ix_item
          union all select item_key, t, 'dispatch', dispatch from ix_item) c
    join listed l on l.kind = 'country' and upper(l.name) = c.code
    where l.known_at < c.t and (l.delisted_at is null or l.delisted_at > c.t)
),
hits as (
    select i.item_key, h.what, h.shown, h.entry_id, h.list_name
    from ix_item i join decl_hits h using (decl_key)
    union all select * from item_hits
)
select item_key, count(*) as value, true as flag, null as ref, count(distinct entry_id) as support,
       array_to_string(list_sort(list_distinct(list(what || ' ' || shown || ' (' || list_name || ' entry ' || entry_id
                                                     || ')'))), '; ') as detail
from hits group by item_key
""",
    reason=_code_reason,
    absent="no identifier, vessel, country or commodity code of the item is on a watch list listed before lodgement",
)


def register(cat: Catalogue) -> None:
    cat.add_input(SCREEN_INPUT)
    cat.add(WATCHLIST_PARTY)
    cat.add(WATCHLIST_CODE)

"""What in the store becomes which node and edge of the entity graph: one SQL source per kind of
evidence, all read by :mod:`workbench.network.graph`.

Every source returns the same columns: both ends (``src``, ``dst`` node ids with their types and
labels), the ``edge_type``, when the evidence was first and last seen, how many evidence rows
stand behind it (``n``), the table it came from (``source``) and the loads that brought it. A
source reads only rows of loads after ``$after`` (``-1`` for a full build), so an incremental
update reads each evidence row once, exactly as a full build does.

Node ids are typed: ``party:<entity id>`` (a resolved entity: all records of one trader are one
node), ``person:<entity id>``, ``address:<key>``, ``phone:<key>``, ``email:<address>``,
``identifier:<key>``, ``bank_account:<key>``, ``vessel:<IMO or name>``, ``container:<id>``,
``bill_of_lading:<id>``, ``intel_report:<id>``, ``listing:<watch-list entry id>`` and ``name:<name>``
for a name mentioned somewhere that matches no record.

Times are when the link became known: a party version's ``known_at``, a declaration's lodgement,
a report's receipt, a listing's ``known_at``.
"""

from __future__ import annotations

from workbench.network.normalise import address_key, email_key, identifier_key, name_key, phone_key, street_key

COLUMNS = ("src", "src_type", "src_label", "dst", "dst_type", "dst_label", "edge_type", "first_at", "last_at", "n",
           "source", "first_load", "last_load")

# Party records as graph nodes: each record maps to its entity's node (temp table made per build).
PARTY_NODES = """
select p.party_id,
       case when p.party_kind = 'person' then 'person' else 'party' end as node_type,
       case when p.party_kind = 'person' then 'person:' else 'party:' end || coalesce(m.entity_id, p.party_id) as node_id,
       coalesce(e.name, p.name) as label
from party_current p
left join net_entity_member m using (party_id)
left join party_current e on e.party_id = m.entity_id
"""

_ATTRIBUTES = (
    ("has_address", "address", address_key("p.address", "p.city"),
     "concat_ws(', ', p.address, p.city)"),
    ("has_phone", "phone", phone_key("p.phone"), "p.phone"),
    ("has_email", "email", email_key("p.email"), "lower(trim(p.email))"),
    ("has_identifier", "identifier", identifier_key("p.tax_id"), "p.tax_id"),
    ("has_bank_account", "bank_account", identifier_key("json_extract_string(p.attrs, '$.bank_account')"),
     "json_extract_string(p.attrs, '$.bank_account')"),
)


def _party_attribute(edge_type: str, node_type: str, key: str, label: str) -> str:
    return f"""
select g.node_id as src, g.node_type as src_type, g.label as src_label,
       '{node_type}:' || k as dst, '{node_type}' as dst_type, arg_max(lbl, p.known_at) as dst_label,
       '{edge_type}' as edge_type, min(p.known_at) as first_at, max(p.known_at) as last_at, count(*) as n,
       'party' as source, min(p.load_id) as first_load, max(p.load_id) as last_load
from (select *, {key} as k, {label} as lbl from party p where load_id > $after) p
join _g_party g using (party_id)
where k is not null
group by g.node_id, g.node_type, g.label, k"""


def _role(node: str, col: str) -> tuple[str, str, str]:
    """Node id and label of the party named in ``d.<col>`` (``g<col>`` joined on it)."""
    return (f"coalesce({node}.node_id, 'party:' || d.{col})", f"coalesce({node}.node_type, 'party')",
            f"coalesce({node}.label, d.{col})")


def _declaration_pair(edge_type: str, left: str, right: str, where: str = "true") -> str:
    """An edge between two parties named on the same declaration."""
    ls, lt, ll = _role("a", left)
    rs, rt, rl = _role("b", right)
    return f"""
select {ls} as src, {lt} as src_type, any_value({ll}) as src_label, {rs} as dst, {rt} as dst_type,
       any_value({rl}) as dst_label, '{edge_type}' as edge_type, min(d.lodged_at) as first_at,
       max(d.lodged_at) as last_at, count(*) as n, 'declaration' as source, min(d.load_id) as first_load,
       max(d.load_id) as last_load
from (select * from declaration where load_id > $after and {left} is not null and {right} is not null
      and {left} <> {right} and ({where})) d
left join _g_party a on a.party_id = d.{left}
left join _g_party b on b.party_id = d.{right}
group by all"""


def _declaration_thing(edge_type: str, node_type: str, key: str, label: str, where: str = "true") -> str:
    """An edge from the importer to a thing named on its declaration (container, bill of lading)."""
    s, t, lbl = _role("a", "importer_id")
    return f"""
select {s} as src, {t} as src_type, any_value({lbl}) as src_label, '{node_type}:' || k as dst,
       '{node_type}' as dst_type, any_value(thing) as dst_label, '{edge_type}' as edge_type,
       min(d.lodged_at) as first_at, max(d.lodged_at) as last_at, count(*) as n, 'declaration' as source,
       min(d.load_id) as first_load, max(d.load_id) as last_load
from (select *, {key} as k, {label} as thing from declaration
      where load_id > $after and importer_id is not null and ({where})) d
left join _g_party a on a.party_id = d.importer_id
where k is not null
group by all"""


VESSEL = f"coalesce({identifier_key('v.conveyance_id')}, {name_key('v.conveyance')})"

SHIPPED_ON = f"""
select coalesce(a.node_id, 'party:' || d.importer_id) as src, coalesce(a.node_type, 'party') as src_type,
       any_value(coalesce(a.label, d.importer_id)) as src_label, 'vessel:' || {VESSEL} as dst, 'vessel' as dst_type,
       any_value(v.conveyance) as dst_label, 'shipped_on' as edge_type, min(d.lodged_at) as first_at,
       max(d.lodged_at) as last_at, count(*) as n, 'declaration' as source, min(d.load_id) as first_load,
       max(d.load_id) as last_load
from (select * from declaration where load_id > $after and importer_id is not null and voyage_id is not null) d
join voyage_current v on v.voyage_id = d.voyage_id and v.transport_mode = 'sea'
left join _g_party a on a.party_id = d.importer_id
where {VESSEL} is not null
group by all"""

OPERATES = f"""
select coalesce(a.node_id, 'party:' || v.carrier_id) as src, coalesce(a.node_type, 'party') as src_type,
       any_value(coalesce(a.label, v.carrier_id)) as src_label, 'vessel:' || {VESSEL} as dst, 'vessel' as dst_type,
       arg_max(v.conveyance, v.known_at) as dst_label, 'operates' as edge_type, min(v.known_at) as first_at,
       max(v.known_at) as last_at, count(*) as n, 'voyage' as source, min(v.load_id) as first_load,
       max(v.load_id) as last_load
from (select * from voyage where load_id > $after and carrier_id is not null and transport_mode = 'sea') v
left join _g_party a on a.party_id = v.carrier_id
where {VESSEL} is not null
group by all"""

PARTY_LINKS = """
select coalesce(a.node_id, 'party:' || l.from_party_id) as src, coalesce(a.node_type, 'party') as src_type,
       any_value(coalesce(a.label, l.from_party_id)) as src_label,
       coalesce(b.node_id, 'party:' || l.to_party_id) as dst, coalesce(b.node_type, 'party') as dst_type,
       any_value(coalesce(b.label, l.to_party_id)) as dst_label, lower(l.link_type) as edge_type,
       min(l.known_at) as first_at, max(coalesce(l.last_seen, l.known_at)) as last_at, count(*) as n,
       'party_link' as source, min(l.load_id) as first_load, max(l.load_id) as last_load
from (select * from party_link where load_id > $after) l
left join _g_party a on a.party_id = l.from_party_id
left join _g_party b on b.party_id = l.to_party_id
where coalesce(a.node_id, 'party:' || l.from_party_id) <> coalesce(b.node_id, 'party:' || l.to_party_id)
group by all"""

# Intelligence reports mention entities as 'kind:text' (party:Name, person:Name, phone:..., address:street, city).
# Names mentioned in reports matched to party nodes (temp table ``_g_names``: k, node_id, node_type,
# label), made by :func:`workbench.network.graph.mention_names` (exact folded names, then fuzzy).
INTEL_MENTIONS = f"""
with r as (
    select report_id, known_at, load_id, title, split_part(m, ':', 1) as kind,
           trim(substr(m, strpos(m, ':') + 1)) as text
    from (select * from intel_report where load_id > $after), unnest(coalesce(entities, [])) u(m)
    where strpos(m, ':') > 0
),
ends as (
    select r.*, case
        when r.kind in ('party', 'person', 'company') then coalesce(n.node_id, 'name:' || {name_key('r.text')})
        when r.kind = 'phone' then 'phone:' || {phone_key('r.text')}
        when r.kind = 'email' then 'email:' || {email_key('r.text')}
        when r.kind = 'address' then 'address:' || {address_key("regexp_extract(r.text, '^(.*),([^,]*)$', 1)",
                                                                 "regexp_extract(r.text, '^(.*),([^,]*)$', 2)")}
        when r.kind = 'vessel' then 'vessel:' || {name_key('r.text')}
        else 'name:' || {name_key('r.text')} end as dst,
        case when r.kind in ('party', 'person', 'company') then coalesce(n.node_type, 'name')
             when r.kind in ('phone', 'email', 'address', 'vessel') then r.kind else 'name' end as dst_type,
        coalesce(n.label, r.text) as dst_label
    from r left join _g_names n on r.kind in ('party', 'person', 'company') and n.k = {name_key('r.text')}
)
select 'intel_report:' || report_id as src, 'intel_report' as src_type, any_value(title) as src_label, dst,
       dst_type, any_value(dst_label) as dst_label, 'mentions' as edge_type, min(known_at) as first_at,
       max(known_at) as last_at, count(*) as n, 'intel_report' as source, min(load_id) as first_load,
       max(load_id) as last_load
from ends where dst is not null
group by all"""

# Watch lists (the OFAC SDN list among them): listings, their street addresses and "Linked To:" notes.
LISTING_TYPE = ("case kind when 'individual' then 'person' when 'vessel' then 'vessel' when 'aircraft' then "
                "'aircraft' else 'party' end")
_STREET = "(regexp_matches(a, '[0-9]') or len(string_split(a, ',')) >= 4)"
"""A listed address counts as a street address when it has a number or four parts or more:
city-only addresses ('Tehran, Iran', 'Guadalajara, Jalisco, Mexico') would tie hundreds of
listings together through a city."""

LISTING_ADDRESSES = f"""
select 'listing:' || entry_id as src, {LISTING_TYPE} as src_type, arg_max(name, known_at) as src_label,
       'address:' || {street_key('a')} as dst, 'address' as dst_type, arg_max(a, known_at) as dst_label,
       'has_address' as edge_type, min(known_at) as first_at, max(known_at) as last_at, count(*) as n,
       'watchlist_entry' as source, min(load_id) as first_load, max(load_id) as last_load
from (select * from watchlist_entry where load_id > $after), unnest(coalesce(addresses, [])) u(a)
where {_STREET}
group by all"""

LISTING_LINKS = f"""
with notes as (
    select entry_id, kind, name, known_at, load_id,
           trim(regexp_replace(trim(x), '\\.$', '')) as target
    from (select * from watchlist_entry where load_id > $after and remarks like '%Linked To:%'),
         unnest(regexp_extract_all(remarks, 'Linked To: ([^;]+)', 1)) u(x)
),
names as (
    select k, min(entry_id) as entry_id, arg_min(kind, entry_id) as kind, arg_min(name, entry_id) as name
    from (select entry_id, kind, name, {name_key('name')} as k from watchlist_entry_current
          union all
          select entry_id, kind, name, {name_key('a')} from watchlist_entry_current, unnest(coalesce(aliases, [])) u(a))
    group by k
)
select 'listing:' || n.entry_id as src, case n.kind when 'individual' then 'person' when 'vessel' then 'vessel'
       when 'aircraft' then 'aircraft' else 'party' end as src_type, any_value(n.name) as src_label,
       coalesce('listing:' || t.entry_id, 'name:' || {name_key('n.target')}) as dst,
       coalesce(case t.kind when 'individual' then 'person' when 'vessel' then 'vessel' when 'aircraft' then 'aircraft'
                else 'party' end, 'name') as dst_type,
       any_value(coalesce(t.name, n.target)) as dst_label, 'linked_to' as edge_type, min(n.known_at) as first_at,
       max(n.known_at) as last_at, count(*) as n, 'watchlist_entry' as source, min(n.load_id) as first_load,
       max(n.load_id) as last_load
from notes n left join names t on t.k = {name_key('n.target')}
where coalesce(t.entry_id, '') <> n.entry_id
group by all"""

SOURCES: dict[str, str] = {
    **{edge: _party_attribute(edge, node, key, label) for edge, node, key, label in _ATTRIBUTES},
    "party_link": PARTY_LINKS,
    "supplied": _declaration_pair("supplied", "exporter_id", "importer_id"),
    "declared_by": _declaration_pair("declared_by", "importer_id", "declarant_id"),
    "carried_by": _declaration_pair("carried_by", "importer_id", "carrier_id"),
    "used_container": _declaration_thing("used_container", "container", identifier_key("container_id"), "container_id"),
    "bill_of_lading": _declaration_thing("bill_of_lading", "bill_of_lading", identifier_key("bill_of_lading"),
                                         "bill_of_lading"),
    "shipped_on": SHIPPED_ON,
    "operates": OPERATES,
    "mentions": INTEL_MENTIONS,
    "listing_address": LISTING_ADDRESSES,
    "linked_to": LISTING_LINKS,
}
"""Every evidence source by name; a build reads them all."""

"""Candidate pairs for entity resolution, found in DuckDB by shared keys (blocking).

Comparing every party record with every other is quadratic; records of one trader nearly
always share something exact once normalised: a phone number, an e-mail address or company
domain, a street address, a tax id, or a rare word of the name. Pairs that share nothing are
never scored. A key held by more than ``max_block`` records (a registered agent's address, a
word like TRADING) says little and would flood the scorer, so it proposes no pairs.

The records come from :func:`party_records`, which makes the temp table ``_rs_party``: the latest
version of every party with its comparable keys (names normalised in Python with the screening
normaliser, so legal forms, case and punctuation do not count).
"""

from __future__ import annotations

import duckdb
import pyarrow as pa

from workbench.network.arrow_in import arrow_view
from workbench.network.normalise import address_key, email_domain, email_key, identifier_key, phone_key
from workbench.screening.normalise import normalise_name
from workbench.store.sql import rows

BLOCKS = ("phone", "email", "domain", "address", "tax_id", "name_token", "name_prefix")
MIN_TOKEN = 3
"""Shortest name word that may propose pairs."""
PREFIX = 4
"""Letters of each longer name word that form a second key, so a slip later in every word of a
name (ONEHUUNGA KITCHENWARE, ONEHUNGA KITCHENWERE) still proposes the pair."""

PARTY_KEYS = f"""
select p.party_id, coalesce(p.party_kind, 'company') as kind, p.name, n.name_norm, upper(p.country_code) as country,
       {phone_key('p.phone')} as phone_key, {email_key('p.email')} as email_key,
       {email_domain('p.email')} as email_domain, {address_key('p.address', 'p.city')} as address_key,
       {identifier_key('p.tax_id')} as tax_key, nullif(trim(p.postcode), '') as postcode, p.known_at
from party_current p join _rs_names n using (party_id)
"""

CANDIDATES = f"""
with keys as (
    select party_id, 'phone' as block, phone_key as k from _rs_party where phone_key is not null
    union all select party_id, 'email', email_key from _rs_party where email_key is not null
    union all select party_id, 'domain', email_domain from _rs_party where email_domain is not null
    union all select party_id, 'address', address_key from _rs_party where address_key is not null
    union all select party_id, 'tax_id', tax_key from _rs_party where tax_key is not null
    union all select distinct party_id, 'name_token', t
        from _rs_party, unnest(string_split(name_norm, ' ')) u(t) where length(t) >= {MIN_TOKEN}
    union all select distinct party_id, 'name_prefix', left(t, {PREFIX})
        from _rs_party, unnest(string_split(name_norm, ' ')) u(t) where length(t) > {PREFIX}
),
usable as (
    select block, k from keys group by all having count(distinct party_id) between 2 and $max_block
),
hits as (
    select a.party_id as left_id, b.party_id as right_id, a.block
    from keys a join keys b on a.block = b.block and a.k = b.k and a.party_id < b.party_id
    semi join usable u on u.block = a.block and u.k = a.k
)
select h.left_id, h.right_id, string_agg(distinct h.block, ',' order by h.block) as blocked_by
from hits h
join _rs_party l on l.party_id = h.left_id
join _rs_party r on r.party_id = h.right_id
where l.kind = r.kind
group by all
order by h.left_id, h.right_id
"""


def party_records(con: duckdb.DuckDBPyConnection) -> int:
    """Make ``_rs_party`` (one row per party: keys for blocking and scoring); returns its size."""
    found = rows(con, "select party_id, name from party_current")
    names = pa.table({"party_id": [r[0] for r in found], "name_norm": [normalise_name(r[1]) for r in found]})
    with arrow_view(con, "_rs_names", names):
        con.execute(f"create or replace temp table _rs_party as {PARTY_KEYS}")
    return len(found)


def candidate_pairs(con: duckdb.DuckDBPyConnection, *, max_block: int = 50) -> list[tuple[str, str, str]]:
    """(left_id, right_id, blocked_by) of every pair of ``_rs_party`` of the same kind sharing a usable key."""
    if max_block < 2:
        raise ValueError(f"max_block must be 2 or more, not {max_block}")
    return rows(con, CANDIDATES, {"max_block": int(max_block)})

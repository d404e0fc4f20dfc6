"""Ground truth, kept apart from the source files: what really happened in the world.

``ground_truth/``
  ``config.json``        the :class:`~workbench.synth.world.WorldConfig` used
  ``parties.parquet``    every party record: true entity, role, variant of which record, scheme roles
  ``phoenix.parquet``    each phoenix company, its predecessor and what they share
  ``declarations.parquet``  per declaration: schemes present, duty evaded, concealed goods, split group
  ``items.parquet``      per item touched by a scheme: declared vs true tariff line, origin and value
  ``inspections.parquet``  per control: schemes present, detected and missed; when the result arrives
  ``intel.parquet``      per report: which traders it is truly about, and whether it is true

Ids are the raw source ids of the files (``P0000042``), as in the source files before a load
prefixes them.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pyarrow as pa

from workbench.synth.build import World
from workbench.synth.columns import coded, dates, money, plain, timestamps, write_parquet
from workbench.synth.inspections import OFFENCES
from workbench.synth.market import CURRENCY_CODES
from workbench.synth.reference import CONCEALED_GOODS, COUNTRIES, TARIFF
from workbench.synth.schemes import PEST_NAMES
from workbench.synth.world import SCHEMES, scheme_bit

COUNTRY_CODES = [c.code for c in COUNTRIES]


def scheme_names(mask: np.ndarray) -> pa.Array:
    """Comma-separated scheme names of each bit mask (empty string when clean)."""
    masks = np.asarray(mask, dtype=np.int64)
    uniq, inv = np.unique(masks, return_inverse=True)
    labels = [",".join(s for s in SCHEMES if int(u) & scheme_bit(s)) for u in uniq]
    return plain(coded(inv, labels))


def _entity_ids(world: World) -> pa.Array:
    entity = np.array(world.pop.parties.entity, dtype=np.int64)
    return plain(world.ids.party).take(pa.array(entity))


def parties_truth(world: World) -> pa.Table:
    pop, ids = world.pop, world.ids
    p = pop.parties
    n = len(p)
    role_of = {t.party: t for t in pop.traders}
    schemes = [""] * n
    front = np.zeros(n, bool)
    splitter = np.zeros(n, bool)
    phoenix_of = np.full(n, -1, np.int64)
    successor = np.full(n, -1, np.int64)
    for party, t in role_of.items():
        schemes[party] = ",".join(sorted(t.schemes))
        front[party], splitter[party] = t.front, t.splitter
        if t.phoenix_of >= 0:
            phoenix_of[party] = pop.traders[t.phoenix_of].party
        if t.successor >= 0:
            successor[party] = pop.traders[t.successor].party
        for v in t.variants:
            schemes[v], front[v], splitter[v] = schemes[party], t.front, t.splitter
    pid = plain(ids.party)
    variant_of = np.array(p.variant_of, dtype=np.int64)
    return pa.table({
        "party_id": pid, "entity_id": _entity_ids(world), "role": p.role, "party_kind": p.kind,
        "is_variant": variant_of >= 0, "variant_of": coded(variant_of, pid),
        "trusted_trader": pa.array(p.trusted), "schemes": schemes, "front_company": front, "splitter": splitter,
        "phoenix_of": coded(phoenix_of, pid), "succeeded_by": coded(successor, pid),
    })


def phoenix_truth(world: World) -> pa.Table:
    pop = world.pop
    pid = plain(world.ids.party).to_pylist()
    rows = [t for t in pop.traders if t.phoenix_of >= 0]
    old = [pop.traders[t.phoenix_of] for t in rows]
    return pa.table({
        "phoenix_id": [pid[t.party] for t in rows], "predecessor_id": [pid[o.party] for o in old],
        "shares": [",".join(t.shares) for t in rows],
        "predecessor_ceased_at": timestamps(np.array([o.end for o in old], dtype=np.int64)),
        "phoenix_registered_on": dates(np.array([pop.parties.registered[t.party] for t in rows], dtype=np.int64)),
        "schemes": [",".join(sorted(t.schemes)) for t in rows],
    }, schema=pa.schema([("phoenix_id", pa.string()), ("predecessor_id", pa.string()), ("shares", pa.string()),
                         ("predecessor_ceased_at", pa.timestamp("us")), ("phoenix_registered_on", pa.date32()),
                         ("schemes", pa.string())]))


def declarations_truth(world: World) -> pa.Table:
    t, tr = world.trade, world.truth
    evaded = np.bincount(t.i_decl, weights=tr.i_evaded_usd, minlength=t.n_decl)
    entity = np.array(world.pop.parties.entity, dtype=np.int64)[t.d_importer]
    crooked = (t.d_mask & ~np.uint8(scheme_bit("phoenix"))) > 0
    return pa.table({
        "declaration_id": plain(world.ids.declaration),
        "importer_entity_id": plain(world.ids.party).take(pa.array(entity)),
        "schemes": scheme_names(t.d_mask), "offending": crooked,
        "duty_evaded_usd": money(evaded), "concealed_goods": plain(coded(tr.d_concealed, CONCEALED_GOODS)),
        "split_group": pa.array(t.d_split, mask=t.d_split < 0), "caught_predecessor": tr.d_forced,
    })


def items_truth(world: World) -> pa.Table:
    t, tr = world.trade, world.truth
    rows = np.flatnonzero((t.i_mask > 0) | (tr.i_evaded_usd > 0) | (tr.i_pest >= 0))
    hs = [x.hs for x in TARIFF]
    return pa.table({
        "declaration_id": plain(world.ids.declaration).take(pa.array(t.i_decl[rows])),
        "item_no": pa.array(t.i_no[rows], pa.int32()), "schemes": scheme_names(t.i_mask[rows]),
        "declared_hs_code": plain(coded(t.i_line[rows], hs)), "true_hs_code": plain(coded(t.i_true_line[rows], hs)),
        "declared_country_origin": plain(coded(t.i_origin[rows], COUNTRY_CODES)),
        "true_country_origin": plain(coded(t.i_true_origin[rows], COUNTRY_CODES)),
        "declared_customs_value": money(t.i_value[rows]), "true_customs_value": money(tr.i_true_value[rows]),
        "currency": plain(coded(t.d_currency[t.i_decl[rows]], CURRENCY_CODES)),
        "duty_evaded_usd": money(tr.i_evaded_usd[rows]), "pest": plain(coded(tr.i_pest[rows], PEST_NAMES)),
    })


def inspections_truth(world: World) -> pa.Table:
    s, t = world.insp, world.trade
    present = t.d_mask[s.decl] & ~np.uint8(scheme_bit("phoenix"))
    return pa.table({
        "inspection_id": plain(world.ids.inspection),
        "declaration_id": plain(world.ids.declaration).take(pa.array(s.decl)),
        "truly_offending": present > 0, "schemes_present": scheme_names(present),
        "schemes_detected": scheme_names(s.detected), "schemes_missed": scheme_names(present & ~s.detected),
        "finding": plain(coded(np.where(s.positive, s.offence, -1), OFFENCES)),
        "result_at": timestamps(s.result_at), "result_known_at_extract": s.known,
    })


def intel_truth(world: World) -> pa.Table:
    i = world.intel
    pid = plain(world.ids.party).to_pylist()
    parties = [[pid[world.pop.traders[k].party] for k in about] for about in i.about]
    return pa.table({
        "report_id": plain(world.ids.report), "about_party_ids": pa.array(parties, pa.list_(pa.string())),
        "truthful": i.truthful, "topic": i.topic, "actionable": i.actionable,
    })


def write_truth(world: World, folder: Path) -> dict[str, int]:
    """Write every ground-truth file; returns row counts."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "config.json").write_text(json.dumps(world.cfg.to_dict(), indent=2, sort_keys=True) + "\n",
                                        encoding="utf-8")
    counts = {}
    for name, make in (("parties", parties_truth), ("phoenix", phoenix_truth), ("declarations", declarations_truth),
                       ("items", items_truth), ("inspections", inspections_truth), ("intel", intel_truth)):
        table = make(world)
        write_parquet(table, folder / f"{name}.parquet")
        counts[name] = table.num_rows
    return counts

"""Source identifiers of the world's records, as the source system would number them.

Parties are numbered in the order they became known, declarations in lodgement order,
inspections in order of selection, voyages in order of arrival, reports in order of receipt.
The files carry these raw ids; a mapping's ``source_id`` prefixes them in the store.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from workbench.synth.inspections import Inspections
from workbench.synth.intel import Intel
from workbench.synth.parties import Population
from workbench.synth.trade import Trade
from workbench.synth.voyages import Movements
from workbench.synth.world import WorldConfig


def numbered(prefix: str, numbers: np.ndarray, width: int) -> pa.Array:
    """Ids like ``P0000042`` from integers.

    >>> numbered("P", np.array([42, 7]), 7).to_pylist()
    ['P0000042', 'P0000007']
    """
    digits = pc.utf8_lpad(pc.cast(pa.array(numbers), pa.string()), width, "0")
    return pc.binary_join_element_wise(prefix, digits, "")


@dataclass(frozen=True)
class WorldIds:
    party: pa.Array           # by party index
    party_known_at: np.ndarray
    declaration: pa.Array     # by declaration index (already in lodgement order)
    voyage: pa.Array          # by voyage index
    inspection: pa.Array      # by inspection row (already in selection order)
    report: pa.Array          # by report (already in order of receipt)


def party_known_at(cfg: WorldConfig, pop: Population, trade: Trade, moves: Movements) -> np.ndarray:
    """When each party record became known: registration for domestic companies, first use on a
    declaration otherwise, and for directors the registration of their first company."""
    n = len(pop.parties)
    first = np.full(n, np.iinfo(np.int64).max, dtype=np.int64)
    for col in (trade.d_importer, trade.d_exporter, trade.d_declarant, moves.d_carrier):
        np.minimum.at(first, col, trade.d_lodged)
    for person, _, _, known in pop.links:
        first[person] = min(first[person], known)
    reg = np.array([r if r is not None else np.iinfo(np.int64).max for r in pop.parties.registered], dtype=np.int64)
    known = np.minimum(reg, first)
    return np.where(known == np.iinfo(np.int64).max, cfg.start_epoch, known)


def build_ids(cfg: WorldConfig, pop: Population, trade: Trade, moves: Movements, insp: Inspections,
              intel: Intel) -> WorldIds:
    known = party_known_at(cfg, pop, trade, moves)
    order = np.lexsort((np.arange(len(known)), known))
    number = np.empty(len(known), dtype=np.int64)
    number[order] = np.arange(1, len(known) + 1)
    n_voy = len(moves.voyages["arrived"])
    v_order = np.lexsort((np.arange(n_voy), moves.voyages["arrived"]))
    v_number = np.empty(n_voy, dtype=np.int64)
    v_number[v_order] = np.arange(1, n_voy + 1)
    return WorldIds(
        party=numbered("P", number, 7), party_known_at=known,
        declaration=numbered("D", np.arange(1, trade.n_decl + 1), 9),
        voyage=numbered("V", v_number, 7),
        inspection=numbered("I", np.arange(1, len(insp.decl) + 1), 9),
        report=numbered("R", np.arange(1, len(intel.received) + 1), 6))

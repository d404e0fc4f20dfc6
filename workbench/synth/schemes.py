"""Planting the schemes, and assessing duty as declared and as it truly was.

Each scheme picks exactly ``rate × declarations`` declarations among those it could touch
(a scheme trader's declarations with something to work on; for biosecurity, any produce
from a pest country), changes what is *declared* and keeps the truth beside it:

- undervaluation: dutiable items declared at 25–60 % of their value;
- misclassification: goods declared under a lower-duty tariff line (often vaguely described);
- false origin: remedy goods made in China invoiced by a hub shell company, declared as of the
  hub's origin with a free-trade preference;
- concealment: prohibited goods hidden in a front company's cover goods (and a few "rip-ons" in
  legitimate containers);
- biosecurity: pests in produce (nobody's fraud: the importer may not know);
- splitting and phoenix were shaped when trade was drawn.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from workbench.synth.profiles import Profiles
from workbench.synth.reference import CONCEALED_GOODS, COUNTRIES, HS_INDEX, MISCLASSIFY, PESTS_BY_CHAPTER, TARIFF
from workbench.synth.trade import COUNTRY_INDEX, CURRENCY_INDEX, FTA, LINE_DUTY, Trade
from workbench.synth.world import WorldConfig, scheme_bit, stream

PESTS = np.array([c.pests for c in COUNTRIES])
PRODUCE = np.array(["P" in t.flags for t in TARIFF])
REMEDY = np.array(["R" in t.flags for t in TARIFF])
MISCLASS_TO = np.full(len(TARIFF), -1, dtype=np.int16)
for _src, _dst in MISCLASSIFY.items():
    MISCLASS_TO[HS_INDEX[_src]] = HS_INDEX[_dst]
PEST_NAMES = tuple(sorted(set(PESTS_BY_CHAPTER.values())))
LINE_PEST = np.array([PEST_NAMES.index(PESTS_BY_CHAPTER[t.hs[:2]]) if t.hs[:2] in PESTS_BY_CHAPTER else -1
                      for t in TARIFF], dtype=np.int8)


@dataclass
class Truth:
    """What really happened, beside what was declared."""

    i_true_value: np.ndarray     # true customs value in the declaration currency
    i_duty_rate: np.ndarray      # applied rate as declared
    i_duty: np.ndarray           # duty as declared (declaration currency)
    i_evaded_usd: np.ndarray     # duty the item truly owed beyond what was declared, in USD
    i_pest: np.ndarray           # int8 index into PEST_NAMES, -1 when clean
    d_concealed: np.ndarray      # int8 index into CONCEALED_GOODS, -1 when clean
    d_low_value: np.ndarray      # bool: declared below de minimis
    d_forced: np.ndarray         # bool: a phoenix predecessor's last scheme declaration


def _per_decl_any(trade: Trade, item_flag: np.ndarray) -> np.ndarray:
    return np.bincount(trade.i_decl, weights=item_flag.astype(float), minlength=trade.n_decl) > 0


def _choose(rng: np.random.Generator, eligible: np.ndarray, k: int) -> np.ndarray:
    idx = np.flatnonzero(eligible)
    if k >= len(idx):
        return idx
    return np.sort(rng.choice(idx, k, replace=False))


def plant_schemes(cfg: WorldConfig, trade: Trade, prof: Profiles, party_country: list[str]) -> Truth:
    """Change what is declared for the scheme declarations; return the truth kept aside.

    ``party_country`` gives the country of each party record (for the hub shell companies).
    """
    rng = stream(cfg.seed, "schemes")
    n = trade.n_decl
    rates = cfg.schemes
    in_scheme = lambda s: prof.scheme[s][trade.d_trader]  # noqa: E731
    applied = np.where(trade.i_claim & FTA[trade.i_origin], 0.0, LINE_DUTY[trade.i_line])

    # undervaluation: every dutiable item of the chosen declarations
    dutiable = applied > 0
    chosen = _choose(rng, in_scheme("undervaluation") & _per_decl_any(trade, dutiable), round(rates.undervaluation * n))
    hit = np.isin(trade.i_decl, chosen) & dutiable
    lo, hi = rates.undervalue_factor
    factor = np.ones(trade.n_item)
    factor[hit] = rng.uniform(lo, hi, int(hit.sum()))
    _mark(trade, chosen, hit, "undervaluation")

    # misclassification
    can = MISCLASS_TO[trade.i_line] >= 0
    chosen = _choose(rng, in_scheme("misclassification") & _per_decl_any(trade, can),
                     round(rates.misclassification * n))
    hit = np.isin(trade.i_decl, chosen) & can
    trade.i_line[hit] = MISCLASS_TO[trade.i_line[hit]]
    to_kg = hit & np.array([t.unit == "kg" for t in TARIFF])[trade.i_line] & \
        np.array([t.unit != "kg" for t in TARIFF])[trade.i_true_line]
    trade.i_quantity[to_kg] = trade.i_mass[to_kg]
    vague = hit & (rng.random(trade.n_item) < 0.4)
    trade.i_vague[vague] = rng.integers(0, 3, int(vague.sum()))
    _mark(trade, chosen, hit, "misclassification")

    # false origin through a hub shell company
    chosen = _choose(rng, in_scheme("false_origin") & (prof.shell[trade.d_trader] >= 0), round(rates.false_origin * n))
    shell = prof.shell[trade.d_trader[chosen]]
    hub = np.array([COUNTRY_INDEX[party_country[s]] for s in shell], dtype=np.int16)
    trade.d_exporter[chosen] = shell
    trade.d_dispatch[chosen] = hub
    trade.d_currency[chosen] = CURRENCY_INDEX["USD"]
    trade.d_fx[chosen] = 1.0
    hit = np.isin(trade.i_decl, chosen)
    pos = np.searchsorted(chosen, trade.i_decl[hit])
    trade.i_origin[hit] = hub[pos]
    trade.i_claim[hit] = True
    _mark(trade, chosen, hit, "false_origin")

    # concealment: fronts, and rip-ons in ordinary sea containers
    k = round(rates.concealment * n)
    fronts = _choose(rng, prof.front[trade.d_trader], int(round(0.8 * k)))
    others = (trade.d_mode == 0) & ~prof.front[trade.d_trader]
    ripons = _choose(rng, others, k - len(fronts))
    chosen = np.union1d(fronts, ripons)
    concealed = np.full(n, -1, dtype=np.int8)
    w = np.array([4, 2, 1, 1, 2, 1], dtype=float)
    concealed[chosen] = rng.choice(len(CONCEALED_GOODS), len(chosen), p=w / w.sum())
    _mark(trade, chosen, None, "concealment")

    # biosecurity: pests in produce from pest countries
    risky = PRODUCE[trade.i_true_line] & PESTS[trade.i_true_origin]
    chosen = _choose(rng, _per_decl_any(trade, risky), round(rates.biosecurity * n))
    hit = np.isin(trade.i_decl, chosen) & risky
    pest = np.full(trade.n_item, -1, dtype=np.int8)
    pest[hit] = LINE_PEST[trade.i_true_line[hit]]
    _mark(trade, chosen, hit, "biosecurity")

    true_value = np.round(trade.i_value_usd * trade.d_fx[trade.i_decl], 2)
    trade.i_value = np.round(true_value * factor, 2)
    truth = _assess(cfg, trade, true_value, pest, concealed)
    truth.d_forced = _forced(trade, prof)
    return truth


def _mark(trade: Trade, decls: np.ndarray, items: np.ndarray | None, scheme: str) -> None:
    bit = scheme_bit(scheme)
    trade.d_mask[decls] |= bit
    if items is not None:
        trade.i_mask[items] |= bit


def _assess(cfg: WorldConfig, trade: Trade, true_value: np.ndarray, pest: np.ndarray, concealed: np.ndarray) -> Truth:
    """Duty as declared and as truly owed (a split consignment truly owes duty on its whole)."""
    fx_item = trade.d_fx[trade.i_decl]
    declared_usd = np.bincount(trade.i_decl, weights=trade.i_value / fx_item, minlength=trade.n_decl)
    true_usd = np.bincount(trade.i_decl, weights=true_value / fx_item, minlength=trade.n_decl)
    low = declared_usd < cfg.de_minimis_usd
    rate = np.where(trade.i_claim & FTA[trade.i_origin], 0.0, LINE_DUTY[trade.i_line])
    duty = np.where(low[trade.i_decl], 0.0, np.round(trade.i_value * rate, 2))
    true_rate = np.where(trade.i_claim & FTA[trade.i_true_origin], 0.0, LINE_DUTY[trade.i_true_line])
    truly_low = (true_usd < cfg.de_minimis_usd)[trade.i_decl] & (trade.d_split[trade.i_decl] < 0)
    true_duty = np.where(truly_low, 0.0, true_value * true_rate)
    evaded = np.maximum(0.0, np.round((true_duty - duty) / fx_item, 2))
    return Truth(i_true_value=true_value, i_duty_rate=rate, i_duty=duty, i_evaded_usd=evaded, i_pest=pest,
                 d_concealed=concealed, d_low_value=low, d_forced=np.zeros(trade.n_decl, dtype=bool))


def _forced(trade: Trade, prof: Profiles) -> np.ndarray:
    """The last scheme declaration of each phoenix predecessor: the one that got it caught."""
    forced = np.zeros(trade.n_decl, dtype=bool)
    is_pred = np.zeros(len(prof.party), dtype=bool)
    is_pred[prof.phoenix_of[prof.phoenix_of >= 0]] = True
    crooked = (trade.d_mask & ~np.uint8(scheme_bit("phoenix"))) > 0
    idx = np.flatnonzero(crooked & is_pred[trade.d_trader])[::-1]
    _, first = np.unique(trade.d_trader[idx], return_index=True)
    forced[idx[first]] = True
    return forced

"""Declarations and their items, drawn from the traders' profiles as whole arrays.

Each normal declaration picks a trader by activity, a lodgement time inside the trader's trading
window (seasonal, fewer at weekends, mostly in office hours), a mode, a supplier, a broker, and
one or more items from the trader's tariff lines with unit prices around the reference price
of the line and origin. Split consignments (de minimis abuse) are drawn as a separate block of
small parcels sharing a supplier and goods within a day or two. Nothing here is crooked yet
except the splitting: :mod:`workbench.synth.schemes` plants the rest.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

import numpy as np

from workbench.synth.market import CURRENCY_CODES, Market
from workbench.synth.parties import DAY, Population
from workbench.synth.profiles import Profiles
from workbench.synth.reference import COUNTRIES, TARIFF
from workbench.synth.world import WorldConfig, scheme_bit, stream

MODES = ("sea", "air", "post")
MODE_SCALE = np.array([1.0, 0.06, 0.004])
COUNTRY_INDEX = {c.code: i for i, c in enumerate(COUNTRIES)}
CURRENCY_INDEX = {c: i for i, c in enumerate(CURRENCY_CODES)}
HUBS = np.array([c.hub for c in COUNTRIES])
FTA = np.array([c.fta for c in COUNTRIES])
LINE_DUTY = np.array([t.duty for t in TARIFF])
LINE_KG = np.array([t.kg_per_unit for t in TARIFF])
LINE_LOT = np.array([t.lot for t in TARIFF])
LINE_COUNTED = np.array([t.unit != "kg" for t in TARIFF])
HOUR_WEIGHT = np.array([1, 1, 1, 1, 1, 2, 4, 8, 12, 13, 13, 12, 10, 12, 13, 12, 11, 9, 6, 4, 3, 2, 2, 1], float)


@dataclass
class Trade:
    """Declarations (``d_`` arrays, one per declaration) and items (``i_`` arrays, one per item)."""

    d_lodged: np.ndarray        # int64 epoch seconds, minute resolution
    d_trader: np.ndarray        # int32 trader index
    d_importer: np.ndarray      # int32 party index (main or variant record)
    d_exporter: np.ndarray
    d_declarant: np.ndarray
    d_mode: np.ndarray          # int8 index into MODES
    d_dispatch: np.ndarray      # int16 country index
    d_currency: np.ndarray      # int16 currency index
    d_fx: np.ndarray            # float64 units of currency per USD on the lodgement day
    d_split: np.ndarray         # int32 split group, -1 when not split
    d_mask: np.ndarray          # uint8 scheme bits
    i_decl: np.ndarray          # int32 declaration index
    i_no: np.ndarray            # int16 item number, from 1
    i_line: np.ndarray          # int16 declared tariff line
    i_origin: np.ndarray        # int16 declared origin
    i_true_line: np.ndarray
    i_true_origin: np.ndarray
    i_quantity: np.ndarray      # in the declared line's unit
    i_mass: np.ndarray          # kg
    i_value_usd: np.ndarray     # true value in USD
    i_value: np.ndarray         # declared customs value in the declaration currency
    i_claim: np.ndarray         # bool: preference claimed
    i_vague: np.ndarray         # int8: index into VAGUE_DESCRIPTIONS, -1 for the line's description
    i_mask: np.ndarray          # uint8 scheme bits

    @property
    def n_decl(self) -> int:
        return len(self.d_lodged)

    @property
    def n_item(self) -> int:
        return len(self.i_decl)

    def item_starts(self) -> np.ndarray:
        """Index of each declaration's first item (items are stored declaration by declaration)."""
        return np.searchsorted(self.i_decl, np.arange(self.n_decl))


def lodgement_days(rng: np.random.Generator, start: np.ndarray, end: np.ndarray, amp: np.ndarray,
                   phase: np.ndarray) -> np.ndarray:
    """A lodgement day (epoch seconds at midnight) per row inside [start, end), seasonal,
    with weekends at a third of weekday traffic."""
    out = np.empty(len(start), dtype=np.int64)
    todo = np.arange(len(start))
    d0, d1 = start // DAY, np.maximum(start // DAY + 1, (end - 1) // DAY + 1)
    while todo.size:
        day = d0[todo] + (rng.random(todo.size) * (d1[todo] - d0[todo])).astype(np.int64)
        a = amp[todo]
        season = 1 + a * np.sin(day / 365.25 * 2 * np.pi + phase[todo])
        weekend = ((day + 3) % 7) >= 5
        keep = rng.random(todo.size) < season / (1 + a) * np.where(weekend, 0.33, 1.0)
        out[todo[keep]] = day[keep] * DAY
        todo = todo[~keep]
    return out


def minutes_of_day(rng: np.random.Generator, n: int) -> np.ndarray:
    hour = rng.choice(24, n, p=HOUR_WEIGHT / HOUR_WEIGHT.sum())
    return (hour * 60 + rng.integers(0, 60, n)) * 60


def _headers(rng: np.random.Generator, prof: Profiles, pop: Population, trader: np.ndarray, cfg: WorldConfig
             ) -> dict[str, np.ndarray]:
    """Supplier, importer record, broker, dispatch and currency for declarations of ``trader``."""
    n = len(trader)
    exporter = prof.suppliers.draw(trader, rng)
    importer = prof.party[trader].copy()
    has_var = prof.variants.sizes()[trader] > 0
    use = has_var & (rng.random(n) < cfg.variant_use)
    if use.any():
        importer[use] = prof.variants.draw(trader[use], rng)
    country_idx = np.array([COUNTRY_INDEX[c] for c in pop.parties.country], dtype=np.int16)
    cur_of = np.full(len(pop.parties), CURRENCY_INDEX["USD"], dtype=np.int16)
    for p, c in pop.exporter_currency.items():
        cur_of[p] = CURRENCY_INDEX[c]
    return {"exporter": exporter, "importer": importer, "declarant": prof.brokers.draw(trader, rng),
            "dispatch": country_idx[exporter], "currency": cur_of[exporter]}


def _items(rng: np.random.Generator, prof: Profiles, market: Market, trader: np.ndarray, mode: np.ndarray,
           dispatch: np.ndarray, counts: np.ndarray) -> dict[str, np.ndarray]:
    decl = np.repeat(np.arange(len(trader), dtype=np.int32), counts)
    first = np.concatenate([[0], np.cumsum(counts)[:-1]])
    no = (np.arange(len(decl)) - np.repeat(first, counts) + 1).astype(np.int16)
    t = trader[decl]
    line = prof.lines.draw(t, rng).astype(np.int16)
    origin = dispatch[decl].copy()
    reexport = HUBS[origin] & (rng.random(len(decl)) < 0.4)
    origin[reexport] = COUNTRY_INDEX["CN"]
    scale = MODE_SCALE[mode[decl]]
    qty = LINE_LOT[line] * scale * rng.lognormal(0.0, 0.6, len(decl))
    counted = LINE_COUNTED[line]
    qty = np.where(counted, np.maximum(1.0, np.round(qty)), np.maximum(0.1, np.round(qty, 1)))
    mass = np.maximum(0.1, np.round(qty * LINE_KG[line] * np.where(counted, rng.lognormal(0, 0.05, len(decl)), 1.0), 1))
    price = market.reference_price[line, origin] * prof.price_level[t] * rng.lognormal(0.0, 0.22, len(decl))
    return {"decl": decl, "no": no, "line": line, "origin": origin.astype(np.int16), "quantity": qty,
            "mass": mass, "value_usd": qty * price, "claim": FTA[origin] & (rng.random(len(decl)) < 0.85),
            "vague": np.where(rng.random(len(decl)) < 0.02, rng.integers(0, 6, len(decl)), -1).astype(np.int8)}


def build_trade(cfg: WorldConfig, pop: Population, prof: Profiles, market: Market) -> Trade:
    """All declarations and items of the world, in lodgement order."""
    rng = stream(cfg.seed, "trade")
    n = cfg.declarations
    n_split = int(round(cfg.schemes.splitting * n)) if prof.splitter.any() and n >= 50 else 0
    n_norm = n - n_split

    trader = rng.choice(len(prof.share), n_norm, p=prof.share).astype(np.int32)
    lodged = lodgement_days(rng, prof.start[trader], prof.end[trader], prof.season_amp[trader],
                            prof.season_phase[trader]) + minutes_of_day(rng, n_norm)
    mode = (rng.random(n_norm)[:, None] > prof.modes[trader]).sum(axis=1).astype(np.int8)
    split = np.full(n_norm, -1, dtype=np.int32)
    if n_split:
        s_trader, s_lodged, s_mode, s_split = _split_block(rng, prof, cfg, n_split)
        trader, lodged = np.concatenate([trader, s_trader]), np.concatenate([lodged, s_lodged])
        mode, split = np.concatenate([mode, s_mode]), np.concatenate([split, s_split])
    lodged = np.minimum(lodged, cfg.end_epoch - 60)

    order = np.lexsort((rng.random(n), lodged))
    trader, lodged, mode, split = trader[order], lodged[order], mode[order], split[order]
    head = _headers(rng, prof, pop, trader, cfg)
    counts = np.where(mode == 2, 1, np.minimum(rng.geometric(1.0 / cfg.mean_items, n), 30))
    counts[split >= 0] = 1
    items = _items(rng, prof, market, trader, mode, head["dispatch"], counts)

    d_mask = np.zeros(n, dtype=np.uint8)
    d_mask[split >= 0] |= scheme_bit("splitting")
    d_mask[prof.phoenix_of[trader] >= 0] |= scheme_bit("phoenix")
    i_mask = np.zeros(len(items["decl"]), dtype=np.uint8)
    i_mask[split[items["decl"]] >= 0] |= scheme_bit("splitting")
    fx = market.rate(head["currency"].astype(np.int64), lodged)
    trade = Trade(
        d_lodged=lodged, d_trader=trader, d_importer=head["importer"], d_exporter=head["exporter"],
        d_declarant=head["declarant"], d_mode=mode, d_dispatch=head["dispatch"], d_currency=head["currency"],
        d_fx=fx, d_split=split, d_mask=d_mask, i_decl=items["decl"], i_no=items["no"], i_line=items["line"],
        i_origin=items["origin"], i_true_line=items["line"].copy(), i_true_origin=items["origin"].copy(),
        i_quantity=items["quantity"], i_mass=items["mass"], i_value_usd=items["value_usd"], i_value=np.empty(0),
        i_claim=items["claim"], i_vague=items["vague"], i_mask=i_mask)
    if n_split:
        _split_values(rng, trade, market, prof, cfg)
    trade.i_value = np.round(trade.i_value_usd * fx[trade.i_decl], 2)
    return trade


def _split_block(rng: np.random.Generator, prof: Profiles, cfg: WorldConfig, n_split: int
                 ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Parcels of split consignments: groups of 3-8 parts lodged within a day or two."""
    lo, hi = cfg.schemes.split_parts
    sizes = rng.integers(lo, hi + 1, n_split // lo + 2)
    sizes = sizes[: int(np.searchsorted(np.cumsum(sizes), n_split)) + 1]
    sizes[-1] -= int(sizes.sum()) - n_split
    if sizes[-1] < 2 and len(sizes) > 1:
        sizes[-2] += sizes[-1]
        sizes = sizes[:-1]
    splitters = np.flatnonzero(prof.splitter)
    w = prof.share[splitters] + 1e-9
    g_trader = splitters[rng.choice(len(splitters), len(sizes), p=w / w.sum())].astype(np.int32)
    g_day = lodgement_days(rng, prof.start[g_trader], prof.end[g_trader], prof.season_amp[g_trader],
                           prof.season_phase[g_trader])
    g_mode = np.where(rng.random(len(sizes)) < 0.6, 2, 1).astype(np.int8)
    group = np.repeat(np.arange(len(sizes), dtype=np.int32), sizes)
    lodged = g_day[group] + minutes_of_day(rng, n_split) + rng.integers(0, 2, n_split) * DAY
    return g_trader[group], lodged, g_mode[group], group


def _split_values(rng: np.random.Generator, trade: Trade, market: Market, prof: Profiles, cfg: WorldConfig) -> None:
    """Give the parts of each split group the same goods and supplier and values just under
    the de minimis threshold, summing to a consignment well above it."""
    dm = cfg.de_minimis_usd
    is_split = trade.d_split >= 0
    idx = np.flatnonzero(is_split)
    group = trade.d_split[idx]
    order = np.lexsort((idx, group))
    idx, group = idx[order], group[order]
    first = np.concatenate([[True], group[1:] != group[:-1]])
    lead = np.maximum.accumulate(np.where(first, np.arange(len(idx)), 0))
    lead_decl = idx[lead]
    trade.d_exporter[idx] = trade.d_exporter[lead_decl]
    trade.d_dispatch[idx] = trade.d_dispatch[lead_decl]
    trade.d_currency[idx] = trade.d_currency[lead_decl]
    trade.d_fx[idx] = market.rate(trade.d_currency[idx].astype(np.int64), trade.d_lodged[idx])
    starts = trade.item_starts()
    it, lead_it = starts[idx], starts[lead_decl]
    trade.i_line[it] = trade.i_line[lead_it]
    trade.i_origin[it] = trade.i_origin[lead_it]
    trade.i_true_line[it], trade.i_true_origin[it] = trade.i_line[it], trade.i_origin[it]
    trade.i_claim[it] = trade.i_claim[lead_it]
    part_value = dm * rng.uniform(0.6, 0.97, len(idx))
    line, origin = trade.i_line[it], trade.i_origin[it]
    unit = market.reference_price[line, origin] * prof.price_level[trade.d_trader[idx]]
    qty = np.where(LINE_COUNTED[line], np.maximum(1.0, np.floor(part_value / unit)),
                   np.maximum(0.1, np.round(part_value / unit, 1)))
    trade.i_quantity[it] = qty
    trade.i_mass[it] = np.maximum(0.1, np.round(qty * LINE_KG[line], 1))
    trade.i_value_usd[it] = part_value


def fields_of(trade: Trade) -> list[str]:
    return [f.name for f in fields(trade)]

"""Selection for control and what the controls find, with results arriving late.

Selections come from four streams, as in a real targeting centre:

- **profile**: rule-like profiles on declaration data (low unit values on dutiable goods, remedy
  goods from transhipment hubs, produce from pest countries, new importers on drug routes, parcels
  just under the de minimis threshold, vague descriptions) and, in a second pass, traders with a
  positive result already known at lodgement;
- **random**: a small uniform sample, the only unbiased view of compliance;
- **intelligence**: declarations of traders named in actionable reports, and the catch that ended
  each phoenix predecessor;
- **officer**: hunches, somewhat better than chance.

Physical exams (red lane) are capped per day; lower-priority selections over the cap get a scan.
A control detects each scheme present with a probability that depends on the lane, and results
arrive after realistic delays (lab results and audits weeks later), so labels are biased,
incomplete and late.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from workbench.ingest.canonical import LANES, SELECTION_SOURCES
from workbench.synth.intel import Intel
from workbench.synth.market import Market
from workbench.synth.parties import DAY, Population
from workbench.synth.schemes import PESTS, PRODUCE, REMEDY, Truth
from workbench.synth.trade import HUBS, LINE_DUTY, Trade
from workbench.synth.reference import COUNTRIES
from workbench.synth.world import WorldConfig, scheme_bit, stream

PROFILES = ("PRF-ORG-01", "PRF-BIO-01", "PRF-NEW-01", "PRF-VAL-01", "PRF-DESC-01", "PRF-LV-01", "PRF-HIST-01")
OFFENCES = ("prohibited_goods", "biosecurity", "false_origin", "misclassification", "undervaluation",
            "splitting", "documentation")
_SEVERITY = ("concealment", "biosecurity", "false_origin", "misclassification", "undervaluation", "splitting")
# result delay in days (low, high) per offence found; negatives and audits below
_DELAY = {"concealment": (5, 30), "biosecurity": (3, 21), "false_origin": (20, 90), "misclassification": (2, 20),
          "undervaluation": (14, 60), "splitting": (5, 30), "documentation": (0.5, 3)}
_NEGATIVE = {"yellow": (0.1, 2), "orange": (0.02, 0.5), "red": (0.5, 5), "blue": (30, 150)}
DRUGS = np.array([c.drugs for c in COUNTRIES])
LANE = {name: i for i, name in enumerate(LANES)}
SOURCE = {name: i for i, name in enumerate(SELECTION_SOURCES)}


@dataclass
class Inspections:
    decl: np.ndarray            # int32 declaration index, in order of selection time
    selected_at: np.ndarray     # int64 epoch seconds
    lane: np.ndarray            # int8 index into LANES
    source: np.ndarray          # int8 index into SELECTION_SOURCES
    profile: np.ndarray         # int8 index into PROFILES, -1
    positive: np.ndarray        # bool: the finding (whenever it arrives)
    offence: np.ndarray         # int8 index into OFFENCES, -1
    revenue: np.ndarray         # float64 USD recovered
    result_at: np.ndarray       # int64 epoch seconds
    detected: np.ndarray        # uint8 scheme bits found
    known: np.ndarray           # bool: result known by the extract date


def _any(values: np.ndarray, starts: np.ndarray) -> np.ndarray:
    return np.maximum.reduceat(values.astype(np.int8), starts) > 0


def _features(cfg: WorldConfig, trade: Trade, truth: Truth, pop: Population, market: Market) -> dict[str, np.ndarray]:
    starts = trade.item_starts()
    fx = trade.d_fx[trade.i_decl]
    unit = trade.i_value / fx / np.maximum(trade.i_quantity, 1e-9)
    ratio = unit / market.reference_price[trade.i_line, trade.i_origin]
    dutiable = LINE_DUTY[trade.i_line] >= 0.08
    low_ratio = np.minimum.reduceat(np.where(dutiable, ratio, np.inf), starts)
    declared_usd = np.add.reduceat(trade.i_value / fx, starts)
    reg = np.array([r if r is not None else -(2**62) for r in pop.parties.registered], dtype=np.int64)
    age = trade.d_lodged - reg[trade.d_importer]
    dm = cfg.de_minimis_usd
    return {
        "PRF-ORG-01": HUBS[trade.d_dispatch] & _any(REMEDY[trade.i_line], starts),
        "PRF-BIO-01": _any(PRODUCE[trade.i_line] & PESTS[trade.i_origin], starts),
        "PRF-NEW-01": (age < 180 * DAY) & DRUGS[trade.d_dispatch] & (trade.d_mode == 0),
        "PRF-VAL-01": low_ratio < 0.55,
        "PRF-DESC-01": _any(trade.i_vague >= 0, starts),
        "PRF-LV-01": (declared_usd >= 0.75 * dm) & (declared_usd < dm) & (trade.d_mode > 0),
    }


def build_inspections(cfg: WorldConfig, trade: Trade, truth: Truth, pop: Population, market: Market,
                      intel: Intel) -> Inspections:
    """Select, cap, control and report, in two passes (the second acts on known offenders)."""
    rng = stream(cfg.seed, "inspections")
    ic = cfg.inspection
    n = trade.n_decl
    lane = np.full(n, -1, dtype=np.int8)
    source = np.full(n, -1, dtype=np.int8)
    profile = np.full(n, -1, dtype=np.int8)

    feats = _features(cfg, trade, truth, pop, market)
    for k, code in enumerate(PROFILES[:-1]):
        pick = feats[code] & (lane < 0) & (rng.random(n) < ic.profile_share.get(code, 0.0))
        lane[pick] = LANE["red"] if code in ("PRF-ORG-01", "PRF-BIO-01") else (
            LANE["orange"] if code == "PRF-NEW-01" else LANE["yellow"])
        if code == "PRF-VAL-01":
            lane[pick & (rng.random(n) < 0.3)] = LANE["blue"]
        source[pick], profile[pick] = SOURCE["profile"], k
    offending = (trade.d_mask & ~np.uint8(scheme_bit("phoenix"))) > 0
    boost = np.where(offending, ic.officer_skill, 1.0) / (1 + (ic.officer_skill - 1) * offending.mean())
    officer = (lane < 0) & (rng.random(n) < ic.officer_rate * boost)
    lane[officer], source[officer] = LANE["red"], SOURCE["officer"]
    intel_pick = _intel_selection(rng, cfg, trade, intel)
    lane[intel_pick], source[intel_pick], profile[intel_pick] = LANE["red"], SOURCE["intelligence"], -1
    rand = rng.random(n) < ic.random_rate
    lane[rand] = rng.choice([LANE["red"], LANE["yellow"], LANE["orange"]], int(rand.sum()), p=[0.6, 0.3, 0.1])
    source[rand], profile[rand] = SOURCE["random"], -1
    forced = truth.d_forced
    lane[forced], source[forced], profile[forced] = LANE["red"], SOURCE["intelligence"], -1

    selected_at = trade.d_lodged + rng.integers(2, 181, n) * 60
    day = (trade.d_lodged - cfg.start_epoch) // DAY
    # daily exam capacity, rounded at random so small worlds keep the configured share on average
    cap = np.floor(ic.red_capacity * n / cfg.days + rng.random(cfg.days + 2)).astype(np.int64)
    used = _cap_red(rng, lane, source, day, cap, np.zeros(cfg.days + 2, dtype=np.int64))
    first = _control(rng, cfg, trade, truth, np.flatnonzero(lane >= 0), lane, forced)

    # second pass: a positive result known before lodgement puts the trader on the history profile
    sel = np.flatnonzero(lane >= 0)
    first_result = selected_at[sel] + first["delay"]
    known_pos = first["positive"] & (first_result <= cfg.extract_epoch)
    first_pos = np.full(int(trade.d_trader.max()) + 1, np.iinfo(np.int64).max)
    np.minimum.at(first_pos, trade.d_trader[sel[known_pos]], first_result[known_pos])
    later = (lane < 0) & (trade.d_lodged > first_pos[trade.d_trader])
    hist = later & (rng.random(n) < ic.profile_share.get("PRF-HIST-01", ic.history_share))
    lane[hist], source[hist], profile[hist] = LANE["red"], SOURCE["profile"], PROFILES.index("PRF-HIST-01")
    only = np.zeros(n, dtype=bool)
    only[hist] = True
    _cap_red(rng, np.where(only, lane, -1).astype(np.int8), source, day, cap, used, out=lane)
    second = _control(rng, cfg, trade, truth, np.flatnonzero(hist), lane, forced)

    idx = np.concatenate([sel, np.flatnonzero(hist)])
    res = {k: np.concatenate([first[k], second[k]]) for k in first}
    result_at = selected_at[idx] + res["delay"]
    selected_at = selected_at[idx]
    order = np.argsort(selected_at, kind="stable")
    return Inspections(
        decl=idx[order].astype(np.int32), selected_at=selected_at[order], lane=lane[idx][order],
        source=source[idx][order], profile=profile[idx][order], positive=res["positive"][order],
        offence=res["offence"][order], revenue=res["revenue"][order], result_at=result_at[order],
        detected=res["detected"][order], known=result_at[order] <= cfg.extract_epoch)


def _intel_selection(rng: np.random.Generator, cfg: WorldConfig, trade: Trade, intel: Intel) -> np.ndarray:
    """Declarations of traders named in actionable reports, lodged while the report is fresh."""
    pick = np.zeros(trade.n_decl, dtype=bool)
    by_trader = np.argsort(trade.d_trader, kind="stable")
    bounds = np.searchsorted(trade.d_trader[by_trader], np.arange(int(trade.d_trader.max()) + 2))
    follow = cfg.inspection.intel_follow_days * DAY
    for k in np.flatnonzero(intel.actionable):
        t = intel.about[k][0]
        if t + 1 >= len(bounds):
            continue
        rows = by_trader[bounds[t]:bounds[t + 1]]
        t0 = intel.received[k]
        rows = rows[(trade.d_lodged[rows] >= t0) & (trade.d_lodged[rows] < t0 + follow)]
        pick[rows[rng.random(len(rows)) < cfg.inspection.intel_follow_share]] = True
    return pick


def _cap_red(rng: np.random.Generator, lane: np.ndarray, source: np.ndarray, day: np.ndarray, cap: np.ndarray,
             used: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
    """Downgrade profile selections beyond the daily exam capacity to a scan (intelligence,
    random and officer selections are examined first); returns the exams used per day."""
    out = lane if out is None else out
    red = np.flatnonzero(lane == LANE["red"])
    prio = np.select([source[red] == SOURCE["intelligence"], source[red] == SOURCE["random"],
                      source[red] == SOURCE["officer"]], [0, 1, 2], 3)
    order = np.lexsort((rng.random(len(red)), prio, day[red]))
    red, prio, d = red[order], prio[order], day[red][order]
    start = np.searchsorted(d, d)
    rank = np.arange(len(red)) - start + used[d]
    over = (rank >= cap[d]) & (prio >= 3)
    out[red[over]] = LANE["orange"]
    np.add.at(used, d[~over], 1)
    return used


def _control(rng: np.random.Generator, cfg: WorldConfig, trade: Trade, truth: Truth, idx: np.ndarray,
             lane: np.ndarray, forced: np.ndarray) -> dict[str, np.ndarray]:
    """What the controls of declarations ``idx`` find, what they recover and how long it takes."""
    m = len(idx)
    lanes = lane[idx]
    mask = trade.d_mask[idx]
    detected = np.zeros(m, dtype=np.uint8)
    offence = np.full(m, -1, dtype=np.int8)
    revenue = np.zeros(m)
    for s in _SEVERITY[::-1]:
        bit = scheme_bit(s)
        p = np.array([cfg.detection.get(name, {}).get(s, 0.0) for name in LANES])[lanes]
        hit = ((mask & bit) > 0) & ((rng.random(m) < p) | forced[idx])
        detected[hit] |= bit
        offence[hit] = OFFENCES.index("prohibited_goods" if s == "concealment" else s)
        if s in ("undervaluation", "misclassification", "false_origin", "splitting"):
            ev = np.bincount(trade.i_decl, weights=truth.i_evaded_usd * ((trade.i_mask & bit) > 0),
                             minlength=trade.n_decl)
            revenue[hit] += ev[idx[hit]]
    positive = detected > 0
    fp = ~positive & (rng.random(m) < cfg.inspection.false_positive)
    positive |= fp
    offence[fp] = OFFENCES.index("documentation")
    revenue[fp] = np.round(rng.uniform(20, 300, int(fp.sum())), 2)
    delay = np.zeros(m)
    for name, (lo, hi) in _NEGATIVE.items():
        rows = ~positive & (lanes == LANE[name])
        delay[rows] = rng.uniform(lo, hi, int(rows.sum()))
    for k, name in enumerate(OFFENCES):
        key = "concealment" if name == "prohibited_goods" else name
        rows = positive & (offence == k)
        delay[rows] = rng.uniform(*_DELAY[key], int(rows.sum()))
    audit = positive & (lanes == LANE["blue"])
    delay[audit] = rng.uniform(30, 150, int(audit.sum()))
    return {"positive": positive, "offence": offence, "revenue": np.round(revenue, 2),
            "delay": (delay * DAY).astype(np.int64) // 60 * 60, "detected": detected}


"""Trade profiles as arrays, so millions of declarations can be drawn in a few vectorised steps.

Ragged per-trader lists (tariff lines, suppliers, brokers, variant records) become CSR-style
arrays; :func:`draw` picks one element per row for many rows at once.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from workbench.synth.parties import Population
from workbench.synth.world import SCHEMES, WorldConfig


@dataclass(frozen=True)
class Ragged:
    """Per-trader lists with weights: ``values[off[i]:off[i+1]]`` for trader ``i``."""

    off: np.ndarray
    values: np.ndarray
    cum: np.ndarray          # cumulative weights of row i lie in (i, i+1]

    @classmethod
    def build(cls, lists: list[list[int]], weights: list[list[float]] | None = None) -> Ragged:
        lengths = np.array([len(x) for x in lists], dtype=np.int64)
        off = np.concatenate([[0], np.cumsum(lengths)])
        values = np.fromiter((v for x in lists for v in x), dtype=np.int32, count=int(off[-1]))
        cum = np.empty(int(off[-1]))
        for i, x in enumerate(lists):
            if not x:
                continue
            w = np.asarray(weights[i] if weights else np.ones(len(x)), dtype=float)
            c = np.cumsum(w / w.sum())
            c[-1] = 1.0
            cum[off[i]:off[i + 1]] = i + c
        return cls(off, values, cum)

    def draw(self, rows: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        """One weighted element for each row index in ``rows`` (rows must not be empty lists)."""
        pos = np.searchsorted(self.cum, rows + rng.random(len(rows)), side="right")
        return self.values[np.minimum(pos, len(self.values) - 1)]

    def sizes(self) -> np.ndarray:
        return np.diff(self.off)


@dataclass(frozen=True)
class Profiles:
    """Everything the declaration generator needs about each trader, as arrays."""

    party: np.ndarray
    share: np.ndarray            # probability that a normal declaration is this trader's
    start: np.ndarray
    end: np.ndarray
    modes: np.ndarray            # [trader, 3] cumulative sea, air, post
    season_amp: np.ndarray
    season_phase: np.ndarray
    price_level: np.ndarray
    registered: np.ndarray       # epoch seconds
    lines: Ragged
    suppliers: Ragged
    brokers: Ragged
    variants: Ragged
    scheme: dict[str, np.ndarray]
    front: np.ndarray
    splitter: np.ndarray
    phoenix_of: np.ndarray
    shell: np.ndarray


def build_profiles(pop: Population, cfg: WorldConfig) -> Profiles:
    """Arrays of the population's traders; shares sum to one over normal declarations."""
    traders = pop.traders
    span = cfg.end_epoch - cfg.start_epoch
    eff = np.array([0.0 if t.quota >= 0 else t.weight * max(t.end - t.start, 86400) / span for t in traders])
    quota = np.array([max(t.quota, 0.0) for t in traders])
    n_normal = max(1.0, cfg.declarations * (1 - cfg.schemes.splitting))
    fixed = min(quota.sum() / n_normal, 0.5)
    share = eff / eff.sum() * (1 - fixed) + (quota / quota.sum() * fixed if quota.sum() > 0 else 0.0)
    modes = np.cumsum(np.array([t.modes for t in traders]), axis=1)
    modes[:, -1] = 1.0
    regs = pop.parties.registered
    return Profiles(
        party=np.array([t.party for t in traders], dtype=np.int32),
        share=share,
        start=np.array([t.start for t in traders], dtype=np.int64),
        end=np.array([t.end for t in traders], dtype=np.int64),
        modes=modes,
        season_amp=np.array([t.season_amp for t in traders]),
        season_phase=np.array([t.season_phase for t in traders]),
        price_level=np.array([t.price_level for t in traders]),
        registered=np.array([regs[t.party] for t in traders], dtype=np.int64),
        lines=Ragged.build([t.lines for t in traders], [t.line_w for t in traders]),
        suppliers=Ragged.build([t.suppliers for t in traders], [t.supplier_w for t in traders]),
        brokers=Ragged.build([t.brokers for t in traders]),
        variants=Ragged.build([t.variants for t in traders]),
        scheme={s: np.array([s in t.schemes for t in traders]) for s in SCHEMES},
        front=np.array([t.front for t in traders]),
        splitter=np.array([t.splitter for t in traders]),
        phoenix_of=np.array([t.phoenix_of for t in traders], dtype=np.int32),
        shell=np.array([t.shell for t in traders], dtype=np.int32),
    )

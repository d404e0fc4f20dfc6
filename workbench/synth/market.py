"""Prices and money: exchange-rate series and reference unit prices per tariff line × origin.

Declared unit prices are drawn around the reference price of their tariff line and origin, so
a price indicator ("unit value below the 10th percentile for the same HS6 × origin") has a
real norm to measure against, and undervaluation stands out from it — but not always.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from workbench.synth.reference import COUNTRIES, CURRENCIES, TARIFF
from workbench.synth.world import WorldConfig, stream

CURRENCY_CODES = tuple(CURRENCIES)
RICH = {"JP", "KR", "US", "CA", "AU", "DE", "FR", "IT", "NL", "BE", "GB", "CH", "SG"}


@dataclass(frozen=True)
class Market:
    """Exchange rates (units per USD) by currency × day, and reference prices (USD per unit)."""

    first_day: int                 # days since 1970 of column 0 of ``rates``
    rates: np.ndarray              # float64 [currency, day]
    reference_price: np.ndarray    # float64 [tariff line, country]

    def rate(self, currency: np.ndarray, epoch_seconds: np.ndarray) -> np.ndarray:
        """Units of ``currency`` per USD on the day of each timestamp."""
        day = epoch_seconds // 86400 - self.first_day
        return self.rates[currency, day]


def _decimals(level: float) -> int:
    return max(2, 6 - int(np.floor(np.log10(level))) - 1)


def build_market(cfg: WorldConfig) -> Market:
    """Daily rates from a week before the period to the extract date, and the price table."""
    rng = stream(cfg.seed, "market")
    first_day = cfg.start_epoch // 86400 - 7
    n_days = (cfg.extract_epoch // 86400 + 2) - first_day
    rates = np.empty((len(CURRENCY_CODES), n_days))
    for k, (level, vol) in enumerate(CURRENCIES.values()):
        shocks = rng.normal(0.0, vol, n_days) if vol else np.zeros(n_days)
        log_dev = np.empty(n_days)
        acc = 0.0
        for d in range(n_days):   # mean-reverting walk: a few hundred steps per currency
            acc = 0.997 * acc + shocks[d]
            log_dev[d] = acc
        rates[k] = np.round(level * np.exp(log_dev), _decimals(level))

    base = np.array([t.price for t in TARIFF])
    origin_level = rng.lognormal(0.0, 0.15, len(COUNTRIES))
    origin_level *= np.array([1.3 if c.code in RICH else 1.0 for c in COUNTRIES])
    combo = rng.lognormal(0.0, 0.12, (len(TARIFF), len(COUNTRIES)))
    ref = base[:, None] * origin_level[None, :] * combo
    return Market(first_day=first_day, rates=rates, reference_price=ref)

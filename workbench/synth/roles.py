"""Who is crooked: scheme traders, criminal front companies, phoenix successors, and the traders
who appear under variant records.

Scheme traders are ordinary small and mid-sized importers chosen so that their expected
declarations cover the configured prevalence (the schemes module then picks exactly the
configured number of declarations among theirs). Fronts are short-lived new companies that
import cover goods from drug-route countries. A phoenix takes over a past offender's trade,
suppliers and broker after it stops, and shares its address, phone or a director.
"""

from __future__ import annotations

import numpy as np

from workbench.synth import names
from workbench.synth.parties import (
    DAY, Population, Trader, add_directors, add_domestic_companies, add_exporter, link_director,
)
from workbench.synth.reference import COUNTRIES, HS_INDEX, MISCLASSIFY, TARIFF
from workbench.synth.sectors import SECTOR_LINES
from workbench.synth.variants import variant_address, variant_name, variant_phone
from workbench.synth.world import WorldConfig, stream

_COUNTRY = {c.code: c for c in COUNTRIES}
DUTIABLE = [i for i, t in enumerate(TARIFF) if t.duty >= 0.08]
REMEDY = [i for i, t in enumerate(TARIFF) if "R" in t.flags]
MISCLASS_SOURCES = [HS_INDEX[h] for h in MISCLASSIFY]
COVER_SECTORS = ("furniture", "building", "food", "household")
FRONT_ORIGINS = ("MX", "CO", "PA", "TH", "CN", "HK", "MY", "ZA", "US", "CA", "NL", "BE", "PE", "IN")
LAUNDRY_HUBS = ("MY", "VN", "SG", "HK")


def expected_declarations(traders: list[Trader], n: int, cfg: WorldConfig) -> np.ndarray:
    """Expected declarations of each trader over the period, from weight and trading window."""
    span = cfg.end_epoch - cfg.start_epoch
    eff = np.array([t.weight * max(t.end - t.start, DAY) / span for t in traders])
    return eff / eff.sum() * n


def assign_roles(pop: Population, cfg: WorldConfig) -> None:
    """Mark trusted traders, scheme traders, splitters, fronts, phoenixes and variant records."""
    rng = stream(cfg.seed, "roles")
    n = cfg.declarations
    rates = cfg.schemes
    traders = pop.traders
    expected = expected_declarations(traders, n, cfg)
    order = np.argsort(-expected, kind="stable")
    n_trusted = int(round(cfg.trusted_share * len(traders)))
    for i in order[: max(1, n_trusted * 3)]:
        if rng.random() < 1 / 3 and n_trusted > 0:
            pop.parties.trusted[traders[i].party] = True
            n_trusted -= 1
    cap = np.quantile(expected, 0.95)
    pool = [int(i) for i in rng.permutation(len(traders))
            if not pop.parties.trusted[traders[i].party] and expected[i] <= cap]

    def take(target: float) -> list[int]:
        chosen, total = [], 0.0
        while pool and total < target:
            i = pool.pop()
            chosen.append(i)
            total += expected[i]
        return chosen

    for scheme, rate in (("undervaluation", rates.undervaluation), ("misclassification", rates.misclassification),
                         ("false_origin", rates.false_origin)):
        for i in take(rate * n / rates.engaged_share * 1.3):
            traders[i].schemes.add(scheme)
            _fit_profile(pop, rng, traders[i], scheme)
    n_split = rates.splitting * n
    for i in take(n_split * 0.25):
        t = traders[i]
        t.splitter = True
        t.modes = (0.1, 0.4, 0.5)
    _add_fronts(pop, rng, cfg)
    _add_phoenixes(pop, rng, cfg)
    _add_variants(pop, rng, cfg)


def _fit_profile(pop: Population, rng: np.random.Generator, t: Trader, scheme: str) -> None:
    """Make a scheme trader's trade give its scheme something to work on."""
    if scheme == "undervaluation":
        dutiable = sum(w for li, w in zip(t.lines, t.line_w) if TARIFF[li].duty >= 0.08)
        if dutiable < 0.5:
            own = [li for s in t.sectors for li in SECTOR_LINES[s] if TARIFF[li].duty >= 0.08]
            _add_line(t, int(rng.choice(own or DUTIABLE)), 0.6)
    elif scheme == "misclassification":
        own = [li for s in t.sectors for li in SECTOR_LINES[s] if li in MISCLASS_SOURCES]
        _add_line(t, int(rng.choice(own or MISCLASS_SOURCES)), 0.65)
    elif scheme == "false_origin":
        k = int(rng.integers(1, 4))
        t.lines = [int(x) for x in rng.choice(REMEDY, k, replace=False)]
        t.line_w = [float(x) for x in rng.dirichlet(np.ones(k))]
        t.sectors = ["metals"]
        t.suppliers = [add_exporter(pop, rng, "CN") for _ in range(int(rng.integers(1, 3)))]
        t.supplier_w = [float(x) for x in rng.dirichlet(np.ones(len(t.suppliers)))]
        t.shell = add_exporter(pop, rng, str(rng.choice(LAUNDRY_HUBS)))
        t.modes = (1.0, 0.0, 0.0)


def _add_line(t: Trader, line: int, share: float) -> None:
    if line in t.lines:
        k = t.lines.index(line)
        rest = 1.0 - t.line_w[k]
        t.line_w = [share if j == k else w / rest * (1 - share) if rest > 0 else 0.0 for j, w in enumerate(t.line_w)]
        return
    t.line_w = [w * (1 - share) for w in t.line_w] + [share]
    t.lines = t.lines + [line]


def _add_fronts(pop: Population, rng: np.random.Generator, cfg: WorldConfig) -> None:
    rates = cfg.schemes
    target = 0.8 * rates.concealment * cfg.declarations / rates.engaged_share
    if target <= 0:
        return
    n_fronts = max(1, int(round(target / 35)))
    per = target / n_fronts
    span = cfg.end_epoch - cfg.start_epoch
    sectors = [str(rng.choice(COVER_SECTORS)) for _ in range(n_fronts)]
    reg = [int(cfg.start_epoch + rng.uniform(0.05, 0.8) * span) // DAY * DAY for _ in range(n_fronts)]
    parties = add_domestic_companies(pop, rng, sectors, "importer", reg)
    complicit = pop.brokers[int(rng.integers(0, len(pop.brokers)))]
    for k, p in enumerate(parties):
        if k > 0 and rng.random() < 0.5:         # fronts come in clusters sharing a phone or address
            other = parties[int(rng.integers(0, k))]
            if rng.random() < 0.5:
                pop.parties.phone[p] = pop.parties.phone[other]
            else:
                for col in ("address", "city", "postcode"):
                    getattr(pop.parties, col)[p] = getattr(pop.parties, col)[other]
        country = str(rng.choice(FRONT_ORIGINS))
        lines = [li for li in SECTOR_LINES[sectors[k]] if "C" in TARIFF[li].flags] or list(SECTOR_LINES[sectors[k]])
        start = reg[k] + int(rng.integers(10, 40)) * DAY
        t = Trader(
            party=p, sectors=[sectors[k]], lines=lines, line_w=[1.0 / len(lines)] * len(lines),
            suppliers=[add_exporter(pop, rng, country, sectors[k]) for _ in range(int(rng.integers(1, 3)))],
            supplier_w=[], brokers=[complicit] if rng.random() < 0.7 else [p], weight=0.0,
            start=start, end=min(cfg.end_epoch, start + int(rng.integers(90, 300)) * DAY),
            modes=(1.0, 0.0, 0.0), season_amp=0.0, season_phase=0.0, price_level=float(rng.lognormal(-0.1, 0.1)),
            front=True)
        t.supplier_w = [1.0 / len(t.suppliers)] * len(t.suppliers)
        t.quota = per
        pop.traders.append(t)
        pop.traders_by_party[p] = t
    add_directors(pop, rng, parties)


def _add_phoenixes(pop: Population, rng: np.random.Generator, cfg: WorldConfig) -> None:
    traders = pop.traders
    span = cfg.end_epoch - cfg.start_epoch
    candidates = [i for i, t in enumerate(traders)
                  if t.schemes and not t.front and t.start <= cfg.start_epoch + 0.1 * span
                  and t.end >= cfg.start_epoch + 0.7 * span]
    wanted = max(2, int(round(cfg.schemes.phoenix_per_1000_importers * len(traders) / 1000)))
    rng.shuffle(candidates)
    for i in candidates[:wanted]:
        old = traders[i]
        cease = int(cfg.start_epoch + rng.uniform(0.25, 0.55) * span)
        reg = (cease + int(rng.integers(10, 60)) * DAY) // DAY * DAY
        p = add_domestic_companies(pop, rng, [old.sectors[0]], "importer", [reg])[0]
        shares = [s for s in ("address", "phone", "director") if rng.random() < 0.55]
        if not shares:
            shares = [str(rng.choice(["address", "phone", "director"]))]
        parties = pop.parties
        if "address" in shares:
            parties.address[p] = parties.address[old.party] if rng.random() < 0.7 else \
                variant_address(parties.address[old.party], rng)
            parties.city[p], parties.postcode[p] = parties.city[old.party], parties.postcode[old.party]
        if "phone" in shares:
            parties.phone[p] = variant_phone(old.area, old.phone_local, old.phone_fmt, rng, other_line=0.0) \
                if rng.random() < 0.5 else parties.phone[old.party]
        new = Trader(
            party=p, sectors=list(old.sectors), lines=list(old.lines), line_w=list(old.line_w),
            suppliers=list(old.suppliers), supplier_w=list(old.supplier_w), brokers=list(old.brokers),
            weight=old.weight, start=reg + int(rng.integers(5, 30)) * DAY, end=old.end, modes=old.modes,
            season_amp=old.season_amp, season_phase=old.season_phase, price_level=old.price_level,
            schemes=set(old.schemes), phoenix_of=i, shares=tuple(shares), shell=old.shell)
        if old.brokers == [old.party]:
            new.brokers = [p]
        old.end = cease
        old.successor = len(traders)
        traders.append(new)
        pop.traders_by_party[p] = new
        if "director" in shares and old.directors:
            link_director(pop, old.directors[0], p)
        else:
            add_directors(pop, rng, [p])


def _add_variants(pop: Population, rng: np.random.Generator, cfg: WorldConfig) -> None:
    parties = pop.parties
    for t in pop.traders:
        share = 0.9 if t.splitter else (0.0 if t.front else cfg.variant_share)
        if rng.random() >= share:
            continue
        main = t.party
        for _ in range(int(rng.choice([1, 1, 2, 3]))):
            tax = parties.tax_id[main]
            if rng.random() < 0.65 or tax is None:
                tax = None
            else:
                k = int(rng.integers(4, len(tax)))
                tax = tax[:k] + str((int(tax[k]) + 1) % 10) + tax[k + 1:]
            email = parties.email[main] if rng.random() < 0.4 else \
                f"{names.slug(parties.name[main])}.{('nz', 'imports', 'ltd')[int(rng.integers(0, 3))]}@gmail.com"
            v = parties.add(
                name=variant_name(parties.name[main], rng), kind="company", country=parties.country[main],
                role="importer", entity=parties.entity[main], variant_of=main,
                address=variant_address(parties.address[main], rng) if rng.random() < 0.8 else parties.address[main],
                city=parties.city[main].upper() if rng.random() < 0.2 else parties.city[main],
                postcode=None if rng.random() < 0.2 else parties.postcode[main],
                phone=variant_phone(t.area, t.phone_local, t.phone_fmt, rng), email=email, tax_id=tax)
            t.variants.append(v)

"""Drawing a whole world in memory, step by step, in the order facts depend on each other."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from workbench.synth.ids import WorldIds, build_ids
from workbench.synth.inspections import Inspections, build_inspections
from workbench.synth.intel import Intel, build_intel
from workbench.synth.market import Market, build_market
from workbench.synth.parties import Population, build_population
from workbench.synth.profiles import Profiles, build_profiles
from workbench.synth.roles import assign_roles
from workbench.synth.schemes import Truth, plant_schemes
from workbench.synth.trade import Trade, build_trade
from workbench.synth.voyages import Movements, build_movements
from workbench.synth.world import WorldConfig


@dataclass
class World:
    """Everything drawn for one config: the population, its trade, the truth and the controls."""

    cfg: WorldConfig
    market: Market
    pop: Population
    prof: Profiles
    trade: Trade
    truth: Truth
    moves: Movements
    intel: Intel
    insp: Inspections
    ids: WorldIds


STEPS = ("market", "parties", "roles", "declarations", "schemes", "voyages", "intelligence", "inspections", "ids")


def build_world(cfg: WorldConfig, step: Callable[[str], None] | None = None) -> World:
    """Draw the world; ``step(name)`` is called after each of :data:`STEPS` (for progress)."""
    done = step or (lambda name: None)
    market = build_market(cfg)
    done("market")
    pop = build_population(cfg)
    done("parties")
    assign_roles(pop, cfg)
    prof = build_profiles(pop, cfg)
    done("roles")
    trade = build_trade(cfg, pop, prof, market)
    done("declarations")
    truth = plant_schemes(cfg, trade, prof, pop.parties.country)
    done("schemes")
    moves = build_movements(cfg, trade, pop)
    done("voyages")
    intel = build_intel(cfg, pop, prof)
    done("intelligence")
    insp = build_inspections(cfg, trade, truth, pop, market, intel)
    done("inspections")
    ids = build_ids(cfg, pop, trade, moves, insp, intel)
    done("ids")
    return World(cfg, market, pop, prof, trade, truth, moves, intel, insp, ids)

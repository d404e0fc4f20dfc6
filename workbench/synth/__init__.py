"""A seeded synthetic customs world with planted schemes and a realistic inspection process.

world.py        the knobs (sizes, scheme rates, selection rates, detection probabilities)
reference.py    countries, currencies, offices and the tariff
market.py       exchange rates and reference prices
names.py, variants.py   how traders are named, and misnamed
parties.py, sectors.py, roles.py, profiles.py   who trades what, and who is crooked
trade.py        declarations and items
schemes.py      planting the schemes; duty as declared and as owed
voyages.py      sailings, flights, containers, transport documents
intel.py        graded intelligence reports
inspections.py  selection, capacity, detection and late results
ids.py, columns.py, writer.py, flat.py, xlsx.py, truth.py   writing it all down
build.py, generate.py   putting it together; fixtures.py for tests

>>> from workbench.synth import WorldConfig
>>> WorldConfig().declarations
200000
"""

from __future__ import annotations

from workbench.synth.generate import Generated, generate, read_manifest
from workbench.synth.world import WorldConfig, read_config

__all__ = ["Generated", "WorldConfig", "generate", "read_config", "read_manifest"]

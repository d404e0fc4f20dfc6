"""Watch-list screening: parties fuzzily matched against the loaded watch lists (sanctions
lists included), with a score and a reason; also an indicator (``lists.watchlist_party``).

>>> from workbench.screening import normalise_name
>>> normalise_name("Banco Nacional de Cuba, S.A.")
'BANCO NACIONAL CUBA'
"""

from workbench.screening.matcher import DEFAULT_THRESHOLD, Entry, Match, WatchIndex
from workbench.screening.normalise import normalise_name
from workbench.screening.screen import PartyMatch, ScreeningRun, load_index, screen_names, screen_parties

__all__ = ["DEFAULT_THRESHOLD", "Entry", "Match", "PartyMatch", "ScreeningRun", "WatchIndex", "load_index",
           "normalise_name", "screen_names", "screen_parties"]

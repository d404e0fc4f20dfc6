"""The reference targeting service: receives signed bundles, keeps versions (activate, roll
back), and scores declarations at lodgement with the profiles' own compiler — one truth for a
profile. It reads only bundles, never the store.

- :class:`Scorer` (a bundle's profiles over an in-memory frame), :class:`Shelf` (bundles on
  disk), :func:`create_app` / :func:`serve` (the HTTP service).

docs/analysts/export.md ("The reference targeting service") describes the API and the message.
"""

from workbench.targeting.app import create_app, serve
from workbench.targeting.scorer import Scorer
from workbench.targeting.shelf import Shelf

__all__ = ["Scorer", "Shelf", "create_app", "serve"]

"""The indicator catalogue: documented SQL indicators computed point in time per declaration item.

Families: price, route, newness, history, lists, description, shape; network and model
indicators register later through the same door (:func:`register`).

>>> from workbench.indicators import catalogue
>>> len(catalogue().indicators()) >= 25
True
"""

from workbench.indicators.build import BuildError, BuildResult, build, builds
from workbench.indicators.catalogue import (
    Catalogue,
    CatalogueError,
    Evidence,
    Indicator,
    Input,
    catalogue,
    register,
    register_input,
)
from workbench.indicators.explain import ExplainError, ItemExplanation, explain

__all__ = ["BuildError", "BuildResult", "Catalogue", "CatalogueError", "Evidence", "ExplainError", "Indicator",
           "Input", "ItemExplanation", "build", "builds", "catalogue", "explain", "register", "register_input"]

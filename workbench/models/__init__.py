"""Supervised risk scoring trained on past outcomes: time-split, calibrated, explained per declaration.

- :func:`train` (:mod:`workbench.models.training`): LightGBM on outcomes known before a cut-off,
  calibrated on a later window before it, stored with its window, features and metrics;
- :func:`score` (:mod:`workbench.models.scoring`): scores kept for the ``model`` indicators;
- :func:`explain` (:mod:`workbench.models.explanation`): each feature's contribution for one declaration;
- :func:`evaluate` (:mod:`workbench.models.evaluation`): precision, recall and revenue at a budget on a
  later window, against random selection and the best single indicator;
- :func:`get_model`, :func:`list_models` (:mod:`workbench.models.registry`).

LightGBM is imported only where a model is trained or applied, and names load lazily, so
``import workbench.models`` stays light.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

_LAZY = {
    "evaluate": "workbench.models.evaluation",
    "explain": "workbench.models.explanation",
    "ModelError": "workbench.models.registry",
    "ModelRecord": "workbench.models.registry",
    "get_model": "workbench.models.registry",
    "list_models": "workbench.models.registry",
    "score": "workbench.models.scoring",
    "TrainOptions": "workbench.models.training",
    "train": "workbench.models.training",
}
__all__ = sorted(_LAZY)


def __getattr__(name: str) -> Any:
    """Names are imported on first use, so the catalogue's entry point (workbench.models.indicators)
    loads nothing of the models themselves."""
    if name in _LAZY:
        return getattr(import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'workbench.models' has no attribute {name!r}")

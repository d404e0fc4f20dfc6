"""Customs Risk Workbench: from the strategic risk register to tactical profiles and target lists.

The names an analyst types in a notebook::

    import workbench as wb
    settings = wb.load_settings()
    with wb.open_store(settings.db_path, read_only=True) as con:
        con.sql("select count(*) from declaration_current").show()
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

__version__ = "0.1.0"

_LAZY = {
    "load_settings": "workbench.settings",
    "current_user": "workbench.identity",
    "open_store": "workbench.store.connection",
    "load": "workbench.ingest.loader",
    "Mapping": "workbench.ingest.mapping",
    "store_summary": "workbench.store.summary",
}

__all__ = sorted(_LAZY)


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'workbench' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))

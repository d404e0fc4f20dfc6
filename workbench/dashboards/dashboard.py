"""What every dashboard shares: its store, what it shows (``.value``), a status line that says
what went wrong, one read-only open of the store per action, and displaying itself in a notebook.
"""

from __future__ import annotations

import html
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

T = TypeVar("T")


class Dashboard:
    """The base of the dashboards; a subclass builds ``self.widget`` (its root) and ``self.status``."""

    widget: Any
    status: Any

    def __init__(self, db: str | Path | None = None) -> None:
        from workbench.settings import load_settings

        self.db = Path(db) if db else load_settings().db_path
        self.data: Any = None

    @property
    def value(self) -> Any:
        """What the dashboard shows now."""
        return self.data

    def show_error(self, message: object) -> None:
        self.status.value = f'<span style="color:#c0392b">{html.escape(str(message))}</span>'

    def read_store(self, compute: Callable[[Any], T]) -> T | None:
        """``compute(con)`` on the store opened read-only for this action; None (and the reason on
        the status line) when the store cannot be opened."""
        from workbench.store.connection import StoreError, open_store

        try:
            with open_store(self.db, read_only=True) as con:
                return compute(con)
        except StoreError as exc:
            self.show_error(exc)
            return None

    def _repr_mimebundle_(self, **kwargs: Any) -> Any:
        return self.widget._repr_mimebundle_(**kwargs)

"""Dashboards: ipywidgets views composed from the package, for JupyterLab.

- :class:`TradeExplorer` — the commodity and route explorer (date, HS, origin, dispatch,
  office and lane filters driving DuckDB queries with bound parameters; linked charts);
- :class:`StoreOverview` — what the store holds, month by month;
- :class:`RiskMatrix` — the risk register on the 5 × 5 matrix.

What they compute is plain Python in modules that do not import ipywidgets
(:func:`trade_slice`, :class:`TradeFilters`, :func:`overview_data`, :func:`register_view`), so
headless jobs and tests use it without a browser. Names load lazily: importing this package
pulls in neither ipywidgets nor Altair.

>>> from workbench.dashboards import TradeFilters
>>> TradeFilters(hs_prefix="8528", lane="red").describe()
'HS 8528 · lane red'
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

_LAZY = {
    "TradeExplorer": "workbench.dashboards.explorer",
    "StoreOverview": "workbench.dashboards.overview",
    "RiskMatrix": "workbench.dashboards.risk_matrix",
    "TradeFilters": "workbench.dashboards.filters",
    "FilterError": "workbench.dashboards.filters",
    "TradeSlice": "workbench.dashboards.slice_data",
    "trade_slice": "workbench.dashboards.slice_data",
    "slice_options": "workbench.dashboards.slice_data",
    "slice_indicators": "workbench.dashboards.slice_data",
    "overview_data": "workbench.dashboards.overview",
    "register_view": "workbench.dashboards.register_view",
    "monthly_chart": "workbench.dashboards.slice_charts",
    "route_chart": "workbench.dashboards.slice_charts",
    "lane_chart": "workbench.dashboards.slice_charts",
}

__all__ = sorted(_LAZY)


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'workbench.dashboards' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))

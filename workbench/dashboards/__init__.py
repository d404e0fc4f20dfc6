"""Dashboards: ipywidgets views composed from the package, for JupyterLab.

- :class:`TradeExplorer` — the commodity and route explorer (date, HS, origin, dispatch,
  office and lane filters driving DuckDB queries with bound parameters; linked charts);
- :class:`StoreOverview` — what the store holds, month by month;
- :class:`RiskMatrix` — the risk register on the 5 × 5 matrix;
- :class:`ProfileBuilder` — criteria and thresholds measured live on a backtest window, saved as a
  draft profile (:class:`BuilderCriteria`, :class:`BuilderFrame`);
- :class:`NetworkExplorer` — an entity's neighbourhood, offenders nearby, risk and declarations
  (:func:`entity_view`);
- :class:`PerformanceMonitor` — active profiles against target, coverage and capacity
  (:func:`monitor_view` on the store; :func:`window_view` on a window read once);
- target-list candidates for an operation: :func:`profile_hit_traders`, :func:`linked_traders`,
  :func:`target_list`.

What they compute is plain Python in modules that do not import ipywidgets
(:func:`trade_slice`, :class:`TradeFilters`, :func:`overview_data`, :func:`register_view`, and the
ones named above), so
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
    "ProfileBuilder": "workbench.dashboards.profile_builder",
    "BuilderCriteria": "workbench.dashboards.builder_criteria",
    "CriteriaError": "workbench.dashboards.builder_criteria",
    "BuilderFrame": "workbench.dashboards.builder_frame",
    "BuilderResult": "workbench.dashboards.builder_frame",
    "NetworkExplorer": "workbench.dashboards.network_explorer",
    "entity_view": "workbench.dashboards.entity_data",
    "busiest_traders": "workbench.dashboards.entity_data",
    "PerformanceMonitor": "workbench.dashboards.performance_monitor",
    "monitor_view": "workbench.dashboards.monitor_data",
    "window_view": "workbench.dashboards.monitor_data",
    "monthly_hit_rate_chart": "workbench.dashboards.monitor_data",
    "profile_hit_traders": "workbench.dashboards.target_candidates",
    "linked_traders": "workbench.dashboards.target_candidates",
    "target_list": "workbench.dashboards.target_candidates",
}

__all__ = sorted(_LAZY)


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'workbench.dashboards' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))

"""The performance monitor: the active profiles against their targets, month by month, the ones
to review, the register's coverage and the load on each office and lane against capacity.

The live profiles' hits and outcomes over the last 24 months are read from the store once
(:class:`~workbench.profiles.monitor_window.MonitorWindow`, the store opened read-only and
released straight after); each change of months or weeks then aggregates in memory
(:func:`window_view`, the same figures as :func:`monitor_view` on the store). "Read the store
again" prepares the window anew. Capacity comes from the settings (``[workbench.capacity]``).

::

    from workbench.dashboards import PerformanceMonitor
    PerformanceMonitor(months=6)
"""

from __future__ import annotations

import html
from pathlib import Path
from typing import Any

from workbench.dashboards.chart_widget import chart_widget
from workbench.dashboards.dashboard import Dashboard
from workbench.dashboards.html_table import records_html
from workbench.dashboards.monitor_data import PROFILE_COLUMNS, monthly_hit_rate_chart, window_view
from workbench.profiles.monitor_window import MAX_MONTHS, MonitorWindow

PERCENT = ("hit_rate", "target_hit_rate", "detection_rate", "unbiased_hit_rate")


class PerformanceMonitor(Dashboard):
    """A dashboard of the active profiles' performance. ``.value`` is :func:`monitor_view`'s dict."""

    def __init__(self, *, db: str | Path | None = None, months: int = 6, weeks: int = 8) -> None:
        import ipywidgets as w

        from workbench.settings import load_settings

        super().__init__(db)
        self.limits = dict(load_settings().capacity)
        self.months = w.IntSlider(description="Months", value=months, min=1, max=MAX_MONTHS, continuous_update=False)
        self.weeks = w.IntSlider(description="Capacity weeks", value=weeks, min=1, max=26, continuous_update=False,
                                 style={"description_width": "110px"})
        self.reload = w.Button(description="Read the store again")
        self.status = w.HTML()
        self.headline = w.HTML()
        self.profiles = w.HTML()
        self.flagged = w.HTML()
        self.trend = chart_widget(monthly_hit_rate_chart([]))
        self.coverage = w.HTML()
        self.capacity = w.HTML()
        for control in (self.months, self.weeks):
            control.observe(lambda _: self.refresh(), names="value")
        self.window: MonitorWindow | None = None
        self.reload.on_click(lambda _: self.refresh(reload=True))
        self.widget = w.VBox([w.HBox([self.months, self.weeks, self.reload]), self.status, self.headline,
                              self.profiles, w.HTML("<b>To review</b>"), self.flagged, self.trend,
                              w.HTML("<b>Coverage of the register</b>"), self.coverage,
                              w.HTML("<b>Expected load per week against capacity</b>"), self.capacity])
        self.widget.add_class("wb-performance-monitor")
        self.refresh()

    def refresh(self, *, reload: bool = False) -> dict[str, Any] | None:
        """Show the months and weeks chosen; ``reload`` reads the store again first."""
        from workbench.store.connection import StoreError

        if reload and self.window is not None:
            self.window.close()
            self.window = None
        if self.window is None:
            try:
                self.window = MonitorWindow(self.db)
            except StoreError as exc:
                self.show_error(exc)
                return None
        data = window_view(self.window, months=self.months.value, weeks=self.weeks.value, capacity=self.limits)
        self.data = data
        perf, cover, load = data["performance"], data["coverage"], data["capacity"]
        window = perf["window"]
        self.status.value = f"<small>{html.escape(data['note'] or '')}</small>"
        self.headline.value = ("<b class='wb-monitor-headline'>" + html.escape(
            f"{len(perf['profiles'])} active profile(s) over {window['from']} to {window['to']}; "
            f"{len(perf['flagged'])} to review; {len(cover['gaps'])} high risk(s) without an active profile"
            if window else f"No declarations yet; {len(cover['gaps'])} high risk(s) without an active profile")
            + "</b>")
        self.profiles.value = records_html(perf["profiles"], PROFILE_COLUMNS, percent=PERCENT,
                                           empty="no active profiles: activate one with `workbench profile activate`")
        self.flagged.value = records_html(perf["flagged"], ("profile_id", "why", "evidence"), empty="none")
        self.trend.chart = monthly_hit_rate_chart(perf["monthly"])
        self.coverage.value = records_html(
            [{**r, "active": ", ".join(r["active"]), "in_preparation": ", ".join(r["in_preparation"])}
             for r in cover["risks"]], ("risk_id", "title", "band", "active", "in_preparation"),
            empty="the register is empty: add risks with `workbench risk add`")
        self.capacity.value = records_html(load["rows"], ("office", "lane", "per_week", "capacity", "load", "over"),
                                           empty="no expected selections")
        return data

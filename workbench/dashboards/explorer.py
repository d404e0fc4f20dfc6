"""The commodity and route explorer: filters on the left, the slice they select on the right.

When it opens, the explorer copies the base of every slice from the store into an in-memory
DuckDB (:class:`workbench.dashboards.slice_data.TradeSnapshot`: the store opened read-only and
closed straight after); every change of a filter then recomputes the slice from that copy
(bound parameters) and redraws the numbers, the monthly and route charts, the lanes and the
latest declarations. **Read the store again** takes a fresh copy (after a load). Clicking a
route in the route chart filters on it. The logic is plain Python: tests set the widgets' values and read
:attr:`TradeExplorer.value` and :attr:`TradeExplorer.slice`, no browser needed.

::

    from workbench.dashboards import TradeExplorer
    TradeExplorer(TradeFilters(hs_prefix="8528"))
"""

from __future__ import annotations

import html
import time
from pathlib import Path
from typing import Any

from workbench.dashboards.chart_widget import chart_widget, watch_selection
from workbench.dashboards.dashboard import Dashboard
from workbench.dashboards.filters import FilterError, TradeFilters
from workbench.dashboards.html_table import records_html
from workbench.dashboards.slice_charts import ROUTE_SELECTION, lane_chart, monthly_chart, route_chart
from workbench.dashboards.slice_data import DEFAULT_TOP, TradeSlice, TradeSnapshot

DECLARATION_COLUMNS = ("declaration_id", "lodged_at", "office", "importer", "dispatch", "origin", "hs_codes",
                       "declared_value", "examined")
ROUTE_COLUMNS = ("dispatch", "origin", "dispatch_is_hub", "declarations", "declared_value", "examined", "positives")


ALL = ""
"""The dropdowns' value for "no filter" (ipywidgets reads None as "nothing chosen")."""


def _choices(values: list[str], current: str | None) -> list[tuple[str, str]]:
    found = list(values) + ([current] if current and current not in values else [])
    return [("all", ALL)] + [(v, v) for v in found]


class TradeExplorer(Dashboard):
    """A dashboard over a slice of trade: date, HS prefix, origin, dispatch, office and lane filters."""

    def __init__(self, filters: TradeFilters | None = None, *, db: str | Path | None = None,
                 top: int = DEFAULT_TOP) -> None:
        import ipywidgets as w

        super().__init__(db)
        self.top = top
        self._filters = filters or TradeFilters()
        self._holding = False
        self.slice: TradeSlice | None = None
        self.refresh_ms: float | None = None
        self.snapshot = TradeSnapshot(self.db)
        self.options = self.snapshot.options()
        f, o = self._filters, self.options
        layout = w.Layout(width="240px")
        self.since = w.DatePicker(description="Since", value=f.since, layout=layout)
        self.until = w.DatePicker(description="Until", value=f.until, layout=layout)
        self.hs_prefix = w.Text(description="HS prefix", value=f.hs_prefix or "", placeholder="e.g. 8528",
                                continuous_update=False, layout=layout)
        self.origin = w.Dropdown(description="Origin", options=_choices(o["origins"], f.origin),
                                 value=f.origin or ALL, layout=layout)
        self.dispatch = w.Dropdown(description="Dispatch", options=_choices(o["dispatch"], f.dispatch),
                                   value=f.dispatch or ALL, layout=layout)
        self.office = w.Dropdown(description="Office", options=_choices(o["offices"], f.office),
                                 value=f.office or ALL, layout=layout)
        self.lane = w.Dropdown(description="Lane", options=_choices(o["lanes"], f.lane), value=f.lane or ALL,
                               layout=layout)
        self.clear = w.Button(description="Clear filters", layout=layout)
        self.reload = w.Button(description="Read the store again", layout=layout)
        self.status = w.HTML()
        self.headline = w.HTML()
        self.monthly = chart_widget(monthly_chart([]))
        self.routes = chart_widget(route_chart([]))
        self.lanes = chart_widget(lane_chart([]))
        self.route_table = w.HTML()
        self.declarations = w.HTML()
        self.controls = (self.since, self.until, self.hs_prefix, self.origin, self.dispatch, self.office, self.lane)
        for control in self.controls:
            control.observe(self._on_change, names="value")
        self.clear.on_click(lambda _: self.set_filters(TradeFilters()))
        self.reload.on_click(lambda _: self.reread())
        filters_box = w.VBox([w.HTML("<b>Filters</b>"), *self.controls, self.clear, self.reload, self.status],
                             layout=w.Layout(min_width="250px", width="250px"))
        results = w.VBox([self.headline, self.monthly, self.routes, self.lanes, self.route_table,
                          w.HTML("<b>Latest declarations</b>"), self.declarations])
        self.widget = w.HBox([filters_box, results])
        self.widget.add_class("wb-trade-explorer")
        self.refresh()

    @property
    def value(self) -> TradeFilters:
        """The filters the slice on show was computed with."""
        return self._filters

    def _from_widgets(self) -> TradeFilters:
        return TradeFilters(since=self.since.value, until=self.until.value, hs_prefix=self.hs_prefix.value,
                            origin=self.origin.value, dispatch=self.dispatch.value, office=self.office.value,
                            lane=self.lane.value)

    def _on_change(self, _change: Any = None) -> None:
        if self._holding:
            return
        try:
            filters = self._from_widgets()
        except FilterError as exc:
            self.show_error(exc)
            return
        if filters != self._filters or self.slice is None:
            self._filters = filters
            self.refresh()

    def set_filters(self, filters: TradeFilters) -> None:
        """Show the slice of ``filters`` (the widgets follow), in one refresh."""
        self._holding = True
        try:
            for widget, value in ((self.since, filters.since), (self.until, filters.until),
                                  (self.hs_prefix, filters.hs_prefix or "")):
                widget.value = value
            for widget, value in ((self.origin, filters.origin), (self.dispatch, filters.dispatch),
                                  (self.office, filters.office), (self.lane, filters.lane)):
                value = value or ALL
                if value not in [v for _, v in widget.options]:
                    widget.options = [*widget.options, (value, value)]
                widget.value = value
        finally:
            self._holding = False
        self._filters = filters
        self.refresh()

    def _on_route_pick(self, selection: Any) -> None:
        picked = getattr(selection, "value", None) or []
        if len(picked) == 1 and picked[0].get("dispatch") not in (None, "?"):
            route = picked[0]
            origin = route.get("origin") if route.get("origin") != "?" else None
            self.set_filters(self._filters.with_(dispatch=route["dispatch"], origin=origin))

    def reread(self) -> TradeSlice | None:
        """Copy the store again (after a load, say) and show the current filters' slice."""
        from workbench.store.connection import StoreError

        try:
            self.snapshot.reload()
        except StoreError as exc:
            self.show_error(exc)
            return None
        return self.refresh()

    def refresh(self) -> TradeSlice:
        """Recompute the slice of the current filters from the copy and redraw; returns it."""
        started = time.perf_counter()
        found = self.snapshot.slice(self._filters, top=self.top)
        self.slice = found
        self.headline.value = (f"<b>{html.escape(self._filters.describe())}</b><br>"
                               f"<span class='wb-headline'>{html.escape(found.headline())}</span>")
        self.monthly.chart = monthly_chart(found.monthly)
        self.lanes.chart = lane_chart(found.lanes)
        self.routes.chart = route_chart(found.routes)
        watch_selection(self.routes, ROUTE_SELECTION, self._on_route_pick)
        self.route_table.value = records_html(found.routes, ROUTE_COLUMNS, empty="no routes")
        self.declarations.value = records_html(found.declarations, DECLARATION_COLUMNS, empty="no declarations")
        self.refresh_ms = 1000 * (time.perf_counter() - started)
        self.status.value = (f"<small>refreshed in {self.refresh_ms:.0f} ms from the store as of load "
                             f"{self.snapshot.last_load_id}</small>")
        return found

"""The store overview: what the store holds, month by month, and how examinations went, with a
button that reads it again (after a load, say).

::

    from workbench.dashboards import StoreOverview
    StoreOverview()
"""

from __future__ import annotations

import html
from pathlib import Path
from typing import Any

from workbench.dashboards.chart_widget import chart_widget
from workbench.dashboards.dashboard import Dashboard
from workbench.dashboards.filters import TradeFilters
from workbench.dashboards.html_table import records_html
from workbench.dashboards.slice_charts import lane_chart, monthly_chart


def overview_data(con: Any) -> dict[str, Any]:
    """The store summary plus the whole store as one trade slice (months and lanes)."""
    from workbench.dashboards.slice_data import trade_slice
    from workbench.store.summary import store_summary

    return {"summary": store_summary(con), "slice": trade_slice(con, TradeFilters(), top=1)}


class StoreOverview(Dashboard):
    """A dashboard of the store: tables, lodgements, loads, quarantine, examinations.
    ``.value`` holds ``summary`` (store_summary) and ``slice`` (the whole store)."""

    def __init__(self, *, db: str | Path | None = None) -> None:
        import ipywidgets as w

        super().__init__(db)
        self.reload = w.Button(description="Read the store again")
        self.status = w.HTML()
        self.tables = w.HTML()
        self.facts = w.HTML()
        self.monthly = chart_widget(monthly_chart([]))
        self.lanes = chart_widget(lane_chart([]))
        self.reload.on_click(lambda _: self.refresh())
        self.widget = w.VBox([w.HBox([self.reload, self.status]), w.HBox([self.tables, self.facts]),
                              w.HBox([self.monthly, self.lanes])])
        self.widget.add_class("wb-store-overview")
        self.refresh()

    def refresh(self) -> dict[str, Any] | None:
        """Read the store again and redraw."""
        data = self.read_store(overview_data)
        if data is None:
            return None
        self.data = data
        s = data["summary"]
        self.status.value = f"<small>{html.escape(str(self.db))}</small>"
        self.tables.value = records_html(s["tables"], ("table", "records", "versions"))
        quarantine = ", ".join(f"{k}: {v}" for k, v in s["quarantine"].items()) or "empty"
        self.facts.value = records_html([
            {"": "lodged from", "value": str(s["lodged_from"] or "no declarations yet")},
            {"": "lodged to", "value": str(s["lodged_to"] or "no declarations yet")},
            {"": "loads", "value": s["loads"]},
            {"": "quarantine", "value": quarantine},
            {"": "audit entries", "value": s["audit_entries"]},
            {"": "base currency", "value": s["base_currency"]},
            {"": "in a sentence", "value": data["slice"].headline()},
        ])
        self.monthly.chart = monthly_chart(data["slice"].monthly, title="Declarations and findings by month")
        self.lanes.chart = lane_chart(data["slice"].lanes)
        return data

"""The risk register on the 5 × 5 matrix, filtered by category and band, as it stands or stood.

::

    from workbench.dashboards import RiskMatrix
    RiskMatrix()
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from workbench.dashboards.chart_widget import chart_widget
from workbench.dashboards.dashboard import Dashboard
from workbench.dashboards.html_table import records_html
from workbench.dashboards.register_view import REGISTER_COLUMNS, register_view


class RiskMatrix(Dashboard):
    """A dashboard of the risk register: filters, the matrix, and the risks in a table.
    ``.value`` holds the ``risks`` on show and the ``matrix`` cells."""

    def __init__(self, *, db: str | Path | None = None) -> None:
        import ipywidgets as w

        from workbench.charts import risk_matrix_chart
        from workbench.strategic.register import BANDS, CATEGORIES

        super().__init__(db)
        self.category = w.Dropdown(description="Category", options=[("all", "")] + [(c, c) for c in CATEGORIES])
        self.band = w.Dropdown(description="Band", options=[("all", "")] + [(b[0], b[0]) for b in BANDS])
        self.as_of = w.DatePicker(description="As of")
        self.include_closed = w.Checkbox(description="Closed risks too", value=False)
        self.status = w.HTML()
        self.matrix = chart_widget(risk_matrix_chart([]))
        self.table = w.HTML()
        self._draw = risk_matrix_chart
        for control in (self.category, self.band, self.as_of, self.include_closed):
            control.observe(lambda _: self.refresh(), names="value")
        self.widget = w.VBox([w.HBox([self.category, self.band]), w.HBox([self.as_of, self.include_closed]),
                              self.status, w.HBox([self.matrix, self.table])])
        self.widget.add_class("wb-risk-matrix")
        self.refresh()

    def refresh(self) -> dict[str, Any] | None:
        """Read the register with the current filters and redraw."""
        data = self.read_store(lambda con: register_view(
            con, category=self.category.value or None, band=self.band.value or None, as_of=self.as_of.value,
            include_closed=self.include_closed.value))
        if data is None:
            return None
        self.data = data
        self.status.value = f"<small>{len(data['risks'])} risk(s)</small>"
        self.matrix.chart = self._draw(data["matrix"])
        self.table.value = records_html(data["risks"], REGISTER_COLUMNS,
                                        empty="no risks: add them with `workbench risk add`")
        return data

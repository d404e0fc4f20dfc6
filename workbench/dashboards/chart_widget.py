"""How a dashboard shows an Altair chart: an interactive ``alt.JupyterChart`` whose scripts come
from vl-convert's bundle, so it draws without a network (Altair's default loads Vega from a CDN).

A dashboard replaces a chart by assigning ``widget.chart = new_chart``; the selections object
is rebuilt then, so observers of a selection are attached again after each change
(:func:`watch_selection`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any


def chart_widget(chart: Any) -> Any:
    """An offline ``alt.JupyterChart`` showing ``chart``."""
    import altair as alt

    alt.JupyterChart.enable_offline()  # once per process: later calls return at once
    return alt.JupyterChart(chart)


def watch_selection(widget: Any, name: str, callback: Callable[[Any], None]) -> None:
    """Call ``callback(selection)`` when the chart's selection ``name`` changes in the browser."""
    if name in widget.selections.trait_names():
        widget.selections.observe(lambda change: callback(change["new"]), names=[name])

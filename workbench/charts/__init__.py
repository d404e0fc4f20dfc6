"""Altair chart builders: data in (records from the data functions), chart out.

Charts render in a notebook (``alt.JupyterChart.enable_offline()``) and save offline to PNG,
SVG or PDF through vl-convert (:func:`save_chart`). Altair is imported inside the functions,
so importing the workbench never pulls it in.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from workbench.charts.emerging import emerging_chart
from workbench.charts.finding_rates import finding_rate_chart
from workbench.charts.risk_matrix import risk_matrix_chart

FORMATS = (".png", ".svg", ".pdf", ".html", ".json")


def save_chart(chart: Any, path: str | Path, *, scale: float = 2.0) -> Path:
    """Write a chart to ``path`` (PNG, SVG, PDF, self-contained HTML or the Vega-Lite JSON)."""
    path = Path(path)
    if path.suffix.lower() not in FORMATS:
        raise ValueError(f"save a chart as one of {', '.join(FORMATS)}, not {path.suffix or 'no extension'}")
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.suffix.lower() == ".html":
        chart.save(str(path), inline=True)
    elif path.suffix.lower() == ".png":
        chart.save(str(path), scale_factor=scale)
    else:
        chart.save(str(path))
    return path


__all__ = ["emerging_chart", "finding_rate_chart", "risk_matrix_chart", "save_chart"]

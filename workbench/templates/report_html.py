"""The HTML report of an executed template: one file that reads offline.

nbconvert's lab template, less everything it would fetch from a CDN (MathJax, RequireJS,
Mermaid, the widget manager): see ``report_template/workbench_report/``. Charts reach the report as
the static SVG or PNG that Altair's ``svg``/``png`` renderers (vl-convert) put in the notebook,
embedded in the page. Widgets have no live kernel in a report: an output that also carries a
static form shows that form; one that does not shows a note saying where to use it.
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
STATIC_CHARTS = ("image/svg+xml", "image/png")
TEMPLATE_DIR = Path(__file__).resolve().parent / "report_template"
TEMPLATE_NAME = "workbench_report"
WIDGET_NOTE = ("<p><em>An interactive widget was here: it needs a live notebook. Open the executed "
               "notebook beside this report in JupyterLab to use it.</em></p>")
ONLINE_CHART_NOTE = ("<p><em>A chart was here, drawn by Altair's default renderer, which needs the network. "
                     "Templates call <code>alt.renderers.enable(\"svg\")</code> so charts are static.</em></p>")
# The order nbconvert picks an output's form in: static forms first, live widgets never.
PRIORITY = ["text/html", "image/svg+xml", "image/png", "image/jpeg", "text/markdown", "text/latex",
            "application/javascript", "text/plain"]


def static_outputs(nb: Any) -> dict[str, int]:
    """Make a notebook's outputs static (in place): widget views dropped in favour of another form,
    or replaced by a note; charts that would need the network replaced by a note. Returns the
    counts of static charts (SVG/PNG images), widgets replaced and charts that were not static."""
    charts = widgets = online = 0
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        for output in cell.get("outputs", []):
            data = output.get("data")
            if not data:
                continue
            if WIDGET_VIEW in data:
                del data[WIDGET_VIEW]
                if not any(k in data for k in PRIORITY[:-1]):
                    data.clear()
                    data["text/html"] = WIDGET_NOTE
                    data["text/plain"] = "(interactive widget: open the notebook in JupyterLab)"
                    widgets += 1
            if "vegaEmbed" in str(data.get("text/html", "")) and not any(k in data for k in STATIC_CHARTS):
                data["text/html"] = ONLINE_CHART_NOTE
                online += 1
            if any(k in data for k in STATIC_CHARTS):
                charts += 1
    nb.metadata.pop("widgets", None)
    return {"charts": charts, "widgets_not_rendered": widgets, "charts_not_static": online}


def write_html_report(nb: Any, path: Path, *, title: str) -> dict[str, int]:
    """Write ``nb`` (an executed nbformat notebook; not changed) as a self-contained HTML report."""
    from nbconvert import HTMLExporter

    nb = copy.deepcopy(nb)
    counts = static_outputs(nb)
    nb.metadata["title"] = title
    exporter = HTMLExporter(extra_template_basedirs=[str(TEMPLATE_DIR)], template_name=TEMPLATE_NAME)
    exporter.display_data_priority = PRIORITY
    body, _ = exporter.from_notebook_node(nb)
    Path(path).write_text(body, encoding="utf-8")
    return counts

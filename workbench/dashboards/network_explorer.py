"""The network explorer: search an entity, see its neighbourhood (interactive, ipysigma), the
known offenders near it, its network risk and its declarations; expand through a hub, widen or
narrow the number of links.

Every search or change opens the store read-only for one read (:func:`entity_view`) and closes
it. The logic is plain Python: tests set ``search.value`` and read :attr:`NetworkExplorer.value`.

::

    from workbench.dashboards import NetworkExplorer
    NetworkExplorer("synth:P000123")
"""

from __future__ import annotations

import html
from pathlib import Path
from typing import Any

from workbench.dashboards.dashboard import Dashboard
from workbench.dashboards.entity_data import NEIGHBOUR_COLUMNS, EntityView, busiest_traders, entity_view
from workbench.dashboards.html_table import records_html
from workbench.network.subgraph import DEFAULT_HUB_DEGREE

DECLARATION_COLUMNS = ("declaration_id", "lodged_at", "role", "importer_id", "exporter_id", "country_origin",
                       "office_code")


class NetworkExplorer(Dashboard):
    """A dashboard over the stored entity graph, one entity at a time. ``.value`` is the
    :class:`EntityView` on show (None before a search finds something)."""

    def __init__(self, entity: str | None = None, *, db: str | Path | None = None, hops: int = 1,
                 height: int = 420) -> None:
        import ipywidgets as w

        super().__init__(db)
        self.height = height
        self._expand: list[str] = []
        self.search = w.Text(description="Entity", value=entity or "", continuous_update=False,
                             placeholder="party id, node id or exact name", layout=w.Layout(width="420px"))
        self.hops = w.IntSlider(description="Links", value=hops, min=1, max=3, continuous_update=False)
        self.expand_choice = w.Dropdown(description="Expand hub", options=[("(none)", "")],
                                        layout=w.Layout(width="420px"))
        self.expand = w.Button(description="Expand")
        self.status = w.HTML()
        self.headline = w.HTML()
        self.graph_box = w.VBox()
        self.offenders = w.HTML()
        self.neighbours = w.HTML()
        self.declarations = w.HTML()
        self.starts = w.HTML()
        self.search.observe(lambda _: self._new_search(), names="value")
        self.hops.observe(lambda _: self.refresh(), names="value")
        self.expand.on_click(lambda _: self.expand_hub(self.expand_choice.value))
        self.widget = w.VBox([
            w.HBox([self.search, self.hops]), w.HBox([self.expand_choice, self.expand]), self.status,
            self.headline, self.graph_box, w.HTML("<b>Known offenders nearby</b>"), self.offenders,
            w.HTML("<b>Its declarations (latest first)</b>"), self.declarations,
            w.HTML("<b>Entities around it</b>"), self.neighbours, self.starts])
        self.widget.add_class("wb-network-explorer")
        self.refresh()

    @property
    def value(self) -> EntityView | None:
        return self.data

    def _new_search(self) -> None:
        self._expand = []
        self.refresh()

    def expand_hub(self, node: str) -> EntityView | None:
        """Walk through ``node`` (a hub, shown but not expanded by default) too."""
        if node and node not in self._expand:
            self._expand.append(node)
        return self.refresh()

    def refresh(self) -> EntityView | None:
        """Read the entity's neighbourhood from the store and redraw."""
        from workbench.network.subgraph import NodeNotFound

        text = self.search.value.strip()
        if not text:
            found = self.read_store(lambda con: busiest_traders(con))
            self.starts.value = ("<b>Where to start</b> (importers by network risk, then declarations)"
                                 + records_html(found or [], ("node", "label", "declarations", "degree", "risk"),
                                                empty="the entity graph is empty: run `workbench graph build`"))
            self.status.value = "<small>type a party id, a node id or an exact name</small>"
            return None
        try:
            view = self.read_store(lambda con: entity_view(con, text, hops=self.hops.value, expand=self._expand))
        except (NodeNotFound, ValueError) as exc:
            self.show_error(exc)
            return None
        if view is None:
            return None
        self.data = view
        self.starts.value = ""
        self.status.value = (f"<small>{html.escape(view.node)}"
                             + (f"; expanded through {html.escape(', '.join(view.expanded))}" if view.expanded else "")
                             + "</small>")
        self.headline.value = f"<b class='wb-network-headline'>{html.escape(view.headline())}</b>"
        hubs = [(f"{r['label']} ({r['type']}, {r['degree']} links)", r["node"]) for r in view.neighbours
                if (r["degree"] or 0) > DEFAULT_HUB_DEGREE and r["node"] not in view.expanded]
        self.expand_choice.options = [("(none)", "")] + hubs
        self.offenders.value = records_html(view.offenders, NEIGHBOUR_COLUMNS, empty="no known offender within reach")
        self.neighbours.value = records_html(view.neighbours[:50], NEIGHBOUR_COLUMNS, empty="no links")
        self.declarations.value = records_html(view.declarations, DECLARATION_COLUMNS, empty="no declarations name it")
        self.graph_box.children = [self._sigma(view)]
        return view

    def _sigma(self, view: EntityView) -> Any:
        from workbench.network import NetworkView

        return NetworkView(view.graph, db=self.db, risk=view.risk or None, height=self.height).widget

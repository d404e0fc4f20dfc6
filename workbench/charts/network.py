"""A network drawn for reports: links as lines, entities as points coloured by type (or risk)
and sized by centrality, labelled with their names. Saves offline to SVG or PNG."""

from __future__ import annotations

from typing import Any


def network_chart(data: dict[str, list[dict]], *, title: str = "Network", colour_by: str = "type",
                  width: int = 640, height: int = 480) -> Any:
    """An Altair node-link chart from :func:`workbench.network.view.layout_data` records."""
    import altair as alt

    if colour_by not in ("type", "risk"):
        raise ValueError("colour_by must be 'type' or 'risk'")
    axis = {"axis": None}
    links = alt.Chart(alt.Data(values=data["edges"])).mark_line(color="#bbbbbb", strokeWidth=1).encode(
        x=alt.X("x:Q", **axis), y=alt.Y("y:Q", **axis), detail="edge:N")
    colour = alt.Color("type:N", title="Type") if colour_by == "type" else \
        alt.Color("risk:Q", title="Risk", scale=alt.Scale(scheme="reds"))
    nodes = alt.Chart(alt.Data(values=data["nodes"])).encode(x=alt.X("x:Q", **axis), y=alt.Y("y:Q", **axis))
    points = nodes.mark_circle(opacity=0.9, stroke="#333333", strokeWidth=0.5).encode(
        color=colour, size=alt.Size("centrality:Q", title="Centrality", scale=alt.Scale(range=[40, 600])),
        tooltip=["label:N", "type:N", "risk:Q", "centrality:Q", "node:N"])
    labels = nodes.mark_text(dy=-10, fontSize=9).encode(text="label:N")
    return (links + points + labels).properties(title=title, width=width, height=height)

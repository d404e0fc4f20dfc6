"""Charts of a trade slice (records of :func:`workbench.dashboards.slice_data.trade_slice` in,
Altair chart out): volume and findings month by month, the busiest routes, examinations by lane.

Altair is imported inside each function. Each chart's encodings are built once (a cached,
data-less template) and the data is attached to a copy for each call: building encodings costs
Altair about 40 ms a chart, which a dashboard would pay on every change of a filter. The route
chart carries a point selection named ``route`` (a click picks a dispatch > origin pair), which
the explorer reads back to filter on.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from typing import Any

ROUTE_SELECTION = "route"
LANE_ORDER = ["green", "yellow", "orange", "red", "blue"]


def _rate(record: dict[str, Any]) -> float | None:
    return record["positives"] / record["examined"] if record["examined"] else None


@functools.lru_cache(maxsize=32)
def _monthly(title: str) -> Any:
    import altair as alt

    base = alt.Chart().encode(x=alt.X("month:T", title="Month of lodgement"))
    volume = base.mark_bar(color="#4c78a8").encode(
        y=alt.Y("declarations:Q", title="Declarations"),
        tooltip=[alt.Tooltip("month:T", format="%b %Y"), "declarations:Q",
                 alt.Tooltip("declared_value:Q", format=",.0f", title="declared value")],
    ).properties(height=140, width=520, title=title)
    findings = base.mark_line(point=True, color="#e2574c").encode(
        y=alt.Y("positives:Q", title="Positive findings"),
        tooltip=[alt.Tooltip("month:T", format="%b %Y"), "examined:Q", "positives:Q"],
    ).properties(height=90, width=520)
    return alt.vconcat(volume, findings)


def monthly_chart(monthly: Sequence[dict[str, Any]], *, title: str = "Month by month") -> Any:
    """Declarations per month (bars) over positive findings per month (line), one above the other."""
    import altair as alt

    return _monthly(title).properties(data=alt.Data(values=[{**m, "month": str(m["month"])} for m in monthly]))


@functools.lru_cache(maxsize=8)
def _routes(title: str) -> Any:
    import altair as alt

    pick = alt.selection_point(name=ROUTE_SELECTION, fields=["dispatch", "origin"], on="click")
    return alt.Chart().mark_bar().encode(
        y=alt.Y("route:N", sort=None, title=None),
        x=alt.X("declarations:Q", title="Declarations"),
        color=alt.Color("dispatch_is_hub:N", title="Dispatch is a hub",
                        scale=alt.Scale(domain=[False, True], range=["#4c78a8", "#f58518"])),
        opacity=alt.condition(pick, alt.value(1.0), alt.value(0.45)),
        tooltip=["route:N", "declarations:Q", alt.Tooltip("declared_value:Q", format=",.0f"), "examined:Q",
                 "positives:Q", alt.Tooltip("rate:Q", format=".1%", title="finding rate")],
    ).add_params(pick).properties(title=title, width=420)


def route_chart(routes: Sequence[dict[str, Any]], *, title: str = "Busiest routes (dispatch > origin)") -> Any:
    """The routes as bars of declarations, busiest on top, transhipment hubs in orange; click one
    to pick it."""
    import altair as alt

    values = [{**r, "route": f"{r['dispatch']} > {r['origin']}", "rate": _rate(r)} for r in routes]
    return _routes(title).properties(data=alt.Data(values=values), height=max(60, 18 * len(values)))


@functools.lru_cache(maxsize=8)
def _lanes(title: str) -> Any:
    import altair as alt

    return alt.Chart().mark_bar().encode(
        x=alt.X("lane:N", sort=LANE_ORDER, title="Lane"),
        xOffset=alt.XOffset("stream:N"),
        y=alt.Y("examined:Q", title="Examinations with a result"),
        color=alt.Color("stream:N", title="Stream", scale=alt.Scale(domain=["random", "targeted"],
                                                                    range=["#72b7b2", "#4c78a8"])),
        tooltip=["lane:N", "stream:N", "inspections:Q", "examined:Q", "positives:Q",
                 alt.Tooltip("rate:Q", format=".1%", title="finding rate")],
    ).properties(title=title, width=300, height=180)


def lane_chart(lanes: Sequence[dict[str, Any]], *, title: str = "Examinations by lane and stream") -> Any:
    """Examinations with a result by lane, random and targeted side by side."""
    import altair as alt

    return _lanes(title).properties(data=alt.Data(values=[{**r, "rate": _rate(r)} for r in lanes]))

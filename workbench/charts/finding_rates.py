"""Finding rates month by month, one line per group, the random stream dashed apart from the
targeted one."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any


def finding_rate_chart(records: Sequence[dict[str, Any]], *, groups: Sequence[str] | None = None,
                       top: int = 6, title: str | None = None) -> Any:
    """An Altair line chart from :func:`workbench.strategic.finding_rates` records; shows the
    ``groups`` given, or the ``top`` groups by examinations."""
    import altair as alt

    if groups is None:
        totals: dict[str, int] = {}
        for r in records:
            totals[r["group"]] = totals.get(r["group"], 0) + r["examined"]
        groups = sorted(totals, key=lambda g: (-totals[g], g))[:top]
    chosen = [{**r, "month": str(r["month"])} for r in records if r["group"] in set(groups)]
    dimension = records[0]["dimension"] if records else ""
    return alt.Chart(alt.Data(values=chosen)).mark_line(point=True).encode(
        x=alt.X("month:T", title="Month of selection"),
        y=alt.Y("rate:Q", title="Finding rate", axis=alt.Axis(format="%")),
        color=alt.Color("group:N", title=dimension),
        strokeDash=alt.StrokeDash("stream:N", title="Stream", scale=alt.Scale(domain=["targeted", "random"],
                                                                             range=[[1, 0], [4, 3]])),
        tooltip=["group:N", "month:T", "stream:N", "examined:Q", "positives:Q", alt.Tooltip("rate:Q", format=".1%")],
    ).properties(title=title or f"Finding rate by {dimension}", width=520, height=280)

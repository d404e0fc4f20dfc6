"""The 5 × 5 risk matrix as a heat map: likelihood up, consequence across, coloured by band,
each cell naming the risks in it."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

BAND_COLOURS = {"low": "#8fd19e", "medium": "#ffe08a", "high": "#f8a65b", "extreme": "#e2574c"}


def risk_matrix_chart(cells: Sequence[dict[str, Any]], *, title: str = "Risk register") -> Any:
    """An Altair heat map from :func:`workbench.strategic.matrix_data` records."""
    import altair as alt

    data = alt.Data(values=[dict(c) for c in cells])
    base = alt.Chart(data).encode(
        x=alt.X("consequence_label:O", title="Consequence", sort=[c["consequence_label"] for c in cells
                                                                   if c["likelihood"] == 1]),
        y=alt.Y("likelihood_label:O", title="Likelihood",
                sort=[c["likelihood_label"] for c in sorted(cells, key=lambda c: -c["likelihood"])
                      if c["consequence"] == 1]),
    )
    heat = base.mark_rect(stroke="white", strokeWidth=2).encode(
        color=alt.Color("band:N", title="Band", scale=alt.Scale(domain=list(BAND_COLOURS),
                                                                 range=list(BAND_COLOURS.values()))),
        tooltip=["likelihood_label:N", "consequence_label:N", "rating:Q", "band:N", "count:Q", "risks:N"],
    )
    counts = base.mark_text(fontSize=14, fontWeight="bold").encode(
        text=alt.condition("datum.count > 0", "count:Q", alt.value("")))
    names = base.mark_text(dy=14, fontSize=8).encode(text="risks:N")
    return (heat + counts + names).properties(title=title, width=360, height=300)

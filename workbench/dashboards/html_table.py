"""Records as a small HTML table for a dashboard (every value escaped; numbers formatted).

>>> page = records_html([{"route": "HK > CN", "declarations": 1234, "rate": 0.0512}], percent=("rate",))
>>> page[page.index("<tbody>"):]
'<tbody><tr><td>HK &gt; CN</td><td style="text-align:right">1,234</td><td style="text-align:right">5.1%</td></tr></tbody></table>'
"""

from __future__ import annotations

import datetime as dt
import html
from collections.abc import Sequence
from typing import Any


def _cell(value: Any, percent: bool) -> str:
    if value is None:
        return "<td></td>"
    if isinstance(value, bool):
        return f"<td>{'yes' if value else 'no'}</td>"
    if isinstance(value, int | float):
        text = f"{100 * value:.1f}%" if percent else (f"{value:,}" if isinstance(value, int) else f"{value:,.2f}")
        return f'<td style="text-align:right">{text}</td>'
    if isinstance(value, dt.datetime):
        value = value.strftime("%Y-%m-%d %H:%M")
    return f"<td>{html.escape(str(value))}</td>"


def records_html(records: Sequence[dict[str, Any]], columns: Sequence[str] | None = None, *,
                 percent: Sequence[str] = (), empty: str = "nothing to show") -> str:
    """An HTML table of ``records`` (the ``columns`` given, else all of the first record's)."""
    if not records:
        return f"<p><em>{html.escape(empty)}</em></p>"
    columns = list(columns or records[0])
    head = "".join(f"<th>{html.escape(c)}</th>" for c in columns)
    body = "".join("<tr>" + "".join(_cell(r.get(c), c in percent) for c in columns) + "</tr>" for r in records)
    return f'<table class="wb-table"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'

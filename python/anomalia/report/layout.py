"""HTML fragments of the report: page, tables, figures.

Convention: a parameter holding *text* is escaped here with
:func:`html.escape`; a parameter holding *HTML* (named ``body``, ``parts`` or
``content``) is a fragment already built by these functions.
"""

from __future__ import annotations

import base64
import html
import numbers
from pathlib import Path

import numpy as np
import pandas as pd

_CSS = """
body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: #222;
       margin: 0; background: #f6f7f9; line-height: 1.45; }
main { max-width: 1240px; margin: 0 auto; padding: 24px 28px 48px; background: #fff; }
h1 { font-size: 1.6em; margin: 0 0 4px; }
h2 { font-size: 1.25em; margin: 36px 0 8px; padding-top: 8px; border-top: 2px solid #e3e6ea; }
h3 { font-size: 1.05em; margin: 0; display: inline; }
.meta, .note { color: #555; font-size: 0.92em; }
.note { background: #fff8e6; border-left: 4px solid #ffb000; padding: 8px 12px; }
table { border-collapse: collapse; margin: 10px 0 18px; font-size: 0.92em; }
th, td { padding: 5px 12px; border-bottom: 1px solid #e3e6ea; text-align: left; }
th { background: #f0f2f5; font-weight: 600; }
td.number { text-align: right; font-variant-numeric: tabular-nums; }
tbody tr:hover { background: #f8fafc; }
.wide { overflow-x: auto; }
figure { margin: 8px 0 14px; }
figure img { max-width: 100%; height: auto; display: block; border: 1px solid #eceef1; }
figcaption { color: #666; font-size: 0.85em; margin-top: 3px; }
.pair { display: grid; grid-template-columns: minmax(0, 1fr) minmax(0, 1fr); gap: 18px;
        align-items: start; }
details { margin: 10px 0; border: 1px solid #e3e6ea; border-radius: 6px; padding: 8px 14px; }
summary { cursor: pointer; padding: 4px 0; }
nav ul { columns: 3; padding-left: 18px; }
code { background: #f0f2f5; padding: 0 3px; border-radius: 3px; }
"""


def text(value: object) -> str:
    """Escape any value for use in HTML text or attributes."""
    return html.escape(str(value), quote=True)


def format_cell(value: object, digits: int = 3) -> tuple[str, bool]:
    """Return (escaped text, is-number) for one table cell; floats get ``digits`` decimals."""
    if value is None or (isinstance(value, float | np.floating) and np.isnan(value)):
        return "—", False
    if isinstance(value, bool | np.bool_):
        return text("yes" if value else "no"), False
    if isinstance(value, numbers.Integral):
        return text(f"{int(value):,}"), True
    if isinstance(value, numbers.Real):
        return text(f"{float(value):.{digits}f}"), True
    if isinstance(value, pd.Timestamp):
        return text(value.strftime("%Y-%m-%d %H:%M:%S %Z").strip()), False
    return text(value), False


def table(frame: pd.DataFrame, *, digits: int = 3, index: bool = True) -> str:
    """Render ``frame`` as an HTML table; numbers right-aligned, floats rounded."""
    columns = ([frame.index.name or ""] if index else []) + [str(c) for c in frame.columns]
    head = "".join(f"<th>{text(column)}</th>" for column in columns)
    rows = []
    for key, row in zip(frame.index, frame.itertuples(index=False), strict=True):
        cells = ([key] if index else []) + list(row)
        rendered = []
        for cell in cells:
            content, is_number = format_cell(cell, digits)
            rendered.append(
                f'<td class="number">{content}</td>' if is_number else f"<td>{content}</td>"
            )
        rows.append(f"<tr>{''.join(rendered)}</tr>")
    body = "".join(rows)
    # The wrapper scrolls sideways when a metrics table is wider than the page.
    return (
        f'<div class="wide"><table><thead><tr>{head}</tr></thead>'
        f"<tbody>{body}</tbody></table></div>"
    )


def figure(source: str, alt: str, caption: str | None = None, *, root: Path | None = None) -> str:
    """An image (relative ``source``) with alternative text and an optional caption.

    With ``root``, the PNG at ``root / source`` is embedded in the page as a
    data URI, so the HTML file stands alone; ``data-file`` keeps its name.
    """
    caption_html = f"<figcaption>{text(caption)}</figcaption>" if caption else ""
    src = source
    if root is not None:
        encoded = base64.b64encode((Path(root) / source).read_bytes()).decode("ascii")
        src = f"data:image/png;base64,{encoded}"
    return (
        f'<figure><img src="{text(src)}" data-file="{text(source)}" alt="{text(alt)}" '
        f'loading="lazy">{caption_html}</figure>'
    )


def paragraph(content: str, css_class: str | None = None) -> str:
    """A paragraph around an HTML fragment."""
    attribute = f' class="{text(css_class)}"' if css_class else ""
    return f"<p{attribute}>{content}</p>"


def page(title: str, body: str) -> str:
    """A whole standalone HTML document: inline CSS, no external assets, no JavaScript."""
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{text(title)}</title>\n<style>{_CSS}</style>\n</head>\n"
        f"<body>\n<main>\n{body}\n</main>\n</body>\n</html>\n"
    )

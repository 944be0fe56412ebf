"""The only way a value enters a workbook: XML-safe text, never a live formula, numbers with their format."""

from __future__ import annotations

import re
from typing import Any

from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

MAX_CELL = 32_767
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
# Characters XML 1.0 does not allow (controls, surrogates, U+FFFE/U+FFFF): one would make the file unreadable.
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff\ufffe\uffff]")
HEADER_FILL = PatternFill("solid", fgColor="DBEAFE")
BOLD = Font(bold=True)


def safe_text(value: object) -> str:
    """Text as Excel should hold it: valid XML 1.0 characters only (others become U+FFFD), at most 32,767."""
    s = _CONTROL.sub("\ufffd", str(value))
    if len(s) > MAX_CELL:
        marker = " [truncated]"
        s = s[: MAX_CELL - len(marker)] + marker
    return s


def sheet_title(name: str) -> str:
    """A valid sheet name: no []:*?/\\, at most 31 characters, not empty."""
    cleaned = re.sub(r"[\[\]:*?/\\]", "_", name).strip("'")[:31]
    return cleaned or "Sheet"


def put(ws: Worksheet, row: int, col: int, value: Any, number_format: str | None = None) -> None:
    """The only way a value enters the workbook."""
    cell = ws.cell(row=row, column=col)
    if value is None:
        return
    if isinstance(value, str):
        text = safe_text(value)
        cell.value = text
        cell.data_type = "s"  # a string, even when it looks like a formula
        if text.startswith(FORMULA_START):
            cell.quotePrefix = True
        return
    if isinstance(value, bool):
        cell.value = value
        return
    if isinstance(value, (int, float)):
        cell.value = value
        if number_format:
            cell.number_format = number_format
        return
    put(ws, row, col, str(value))


def table(ws: Worksheet, top: int, headers: list[str], rows: list[list[Any]], formats: list[str | None]) -> int:
    """A header row plus rows with per-column number formats; returns the next free row."""
    for j, h in enumerate(headers, 1):
        put(ws, top, j, h)
        ws.cell(row=top, column=j).font = BOLD
        ws.cell(row=top, column=j).fill = HEADER_FILL
    for i, r in enumerate(rows, top + 1):
        for j, v in enumerate(r, 1):
            put(ws, i, j, v, formats[j - 1] if j - 1 < len(formats) else None)
    return top + len(rows) + 1


def finish(ws: Worksheet, header_row: int, widths: dict[int, int] | None = None, last_row: int | None = None) -> None:
    ws.freeze_panes = ws.cell(row=header_row + 1, column=1)
    last_col = ws.max_column
    ws.auto_filter.ref = f"A{header_row}:{get_column_letter(last_col)}{last_row or ws.max_row}"
    for col in range(1, last_col + 1):
        letter = get_column_letter(col)
        if widths and col in widths:
            ws.column_dimensions[letter].width = widths[col]
            continue
        longest = max((len(str(c.value)) for c in ws[letter][:200] if c.value is not None), default=8)
        ws.column_dimensions[letter].width = min(60, max(10, longest + 2))

"""Parse rows copied from Excel, Google Sheets or a CRM grid into a header and text rows.

Those programs put tab-separated text on the clipboard. A cell that contains a
tab, a line break or a leading double quote is wrapped in double quotes, and
each quote inside it is doubled. Rows end with CRLF on Windows and LF elsewhere.
Every value stays text exactly as copied, so leading zeros and formatted
amounts are kept.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Sequence
from dataclasses import dataclass

from hypermailer.i18n import _
from hypermailer.workbook import layout

#: A cell holding one address, bare or as ``Name <address>``; not a full syntax check.
_ADDRESS = re.compile(r"^(?:[^<>]*<)?\s*(?:mailto:)?[^\s<>@]+@[^\s<>@]+\.[^\s<>@]+\s*>?$",
                      re.IGNORECASE)


@dataclass(frozen=True)
class PastedRows:
    """Clipboard rows; ``header`` is ``None`` when the first line contains data."""

    header: tuple[str, ...] | None
    rows: tuple[tuple[str, ...], ...]

    @property
    def width(self) -> int:
        if self.header is not None:
            return len(self.header)
        return len(self.rows[0]) if self.rows else 0


def parse_clipboard(text: str) -> PastedRows:
    """Parse clipboard *text* and tell whether its first line is a header.

    Trailing empty lines and columns that are empty on every line are
    dropped, and short lines are padded, so every row has the same width.
    Raises ``ValueError`` with a translated message when there is nothing
    to paste.
    """
    grid = _trim(parse_grid(text))
    if not grid:
        raise ValueError(_("The clipboard contains no rows. Copy the recipients' rows (with or without "
                           "the header row) in Excel, Google Sheets or your CRM, then try again."))
    if has_header(grid):
        return PastedRows(header=tuple(grid[0]), rows=tuple(tuple(row) for row in grid[1:]))
    return PastedRows(header=None, rows=tuple(tuple(row) for row in grid))


def parse_grid(text: str) -> list[list[str]]:
    """Split tab-separated *text* into rows of cells, honouring quoted cells."""
    text = text.lstrip("\ufeff")
    reader = csv.reader(io.StringIO(text, newline=""), delimiter="\t", quotechar='"',
                        doublequote=True, strict=False)
    return [[_cell_text(cell) for cell in row] for row in reader]


def _cell_text(cell: str) -> str:
    # Excel puts LF between the lines of a cell; a CRLF inside a quoted cell
    # comes from other programs and becomes the LF Excel uses.
    return cell.replace("\r\n", "\n").replace("\r", "\n")


def _trim(grid: list[list[str]]) -> list[list[str]]:
    """Drop empty trailing lines and empty trailing columns; pad short lines."""
    while grid and not any(cell.strip() for cell in grid[-1]):
        grid.pop()
    width = max((_used_width(row) for row in grid), default=0)
    return [(row + [""] * width)[:width] for row in grid]


def _used_width(row: list[str]) -> int:
    width = len(row)
    while width and not row[width - 1].strip():
        width -= 1
    return width


def has_header(grid: list[list[str]]) -> bool:
    """Guess whether the first line of *grid* is a header.

    The address column is the first column in which most lines below the
    first hold an address. The first line is a header when its cell in that
    column is not an address. Without lines below it, or without an address
    column, it is a header when its first cell is not an address and no cell
    is a number.
    """
    first = grid[0]
    column = _address_column(grid[1:])
    if column is not None:
        return not _looks_like_address(first[column])
    return not _looks_like_address(first[0]) and not any(_looks_like_number(cell) for cell in first)


def _address_column(rows: list[list[str]]) -> int | None:
    if not rows:
        return None
    for column in range(len(rows[0])):
        addresses = sum(1 for row in rows if _looks_like_address(row[column]))
        if addresses * 2 > len(rows):
            return column
    return None


def _looks_like_address(text: str) -> bool:
    return bool(_ADDRESS.match(text.strip().replace("\u00a0", " ")))


def _looks_like_number(text: str) -> bool:
    cleaned = text.strip().replace(",", "").replace("₪", "").replace("$", "").replace("%", "")
    try:
        float(cleaned)
    except ValueError:
        return False
    return True


def table_content(pasted: PastedRows, current_header: Sequence[str],
                  status_header: str) -> tuple[list[str], list[list[str]]]:
    """Return the Recipients table's new header and rows after pasting *pasted*.

    The header is the pasted one, or else the current one without its status
    column, named ``Field N`` where the pasted rows are wider, and rows
    narrower than the header are padded with empty cells. The status
    column comes last, headed *status_header*, and starts empty.
    """
    if pasted.header is not None:
        data_header = list(pasted.header)
    else:
        data_header = [text for text in current_header if not layout.is_status_header(text)]
        for number in range(len(data_header) + 1, pasted.width + 1):
            data_header.append(_("Field {number}").format(number=number))
    width = len(data_header)
    rows = [list(row[:width]) + [""] * (width - len(row)) + [""] for row in pasted.rows]
    return data_header + [status_header], rows

"""The workbook open in Excel, read and written through xlwings objects in bulk.

:class:`ExcelCellSource` implements the same small interface as the file
reader (:class:`~hypermailer.workbook.cellsource.CellSource`): cell values
with their number formats, so placeholders show the same text either way.
:class:`ExcelWorkbook` implements
:class:`~hypermailer.workbook.access.CampaignWorkbook` on top of it.

Every range is read or written with one call, never one call per cell,
except where a column mixes number formats (then that column's formats are
read cell by cell). This module receives xlwings objects but does not
import xlwings, so it imports on any machine.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

from openpyxl.utils.cell import get_column_letter

from hypermailer.campaign import Campaign, Cell, CellError, SourceRow
from hypermailer.errors import WorkbookError
from hypermailer.i18n import _
from hypermailer.workbook import layout
from hypermailer.workbook.cellsource import SourceTable
from hypermailer.workbook.reader import read_campaign_from

#: The error values Excel shows in a cell; xlwings returns them as text with ``err_to_str``.
EXCEL_ERRORS = frozenset({"#NULL!", "#DIV/0!", "#VALUE!", "#REF!", "#NAME?", "#NUM!", "#N/A",
                          "#GETTING_DATA", "#SPILL!", "#CALC!", "#FIELD!", "#BLOCKED!",
                          "#CONNECT!", "#BUSY!", "#UNKNOWN!", "#PYTHON!"})

#: Day zero of Excel's 1900 date system; a time-only value arrives as a datetime on this day.
_EXCEL_DAY_ZERO = datetime.date(1899, 12, 30)


class ExcelCellSource:
    """A :class:`~hypermailer.workbook.cellsource.CellSource` over an ``xlwings.Book``."""

    def __init__(self, book) -> None:
        self.book = book
        self.path = Path(book.fullname)
        # xlwings converts date cells to datetime itself, so the date system
        # only matters for plain numbers, which are never shown as dates.
        self.date1904 = False

    def table(self, name: str, *, rows_below: bool = False) -> SourceTable | None:
        found = self.find_table(name)
        if found is None:
            return None
        sheet, table = found
        header_range = table.header_row_range
        header = tuple("" if value is None else str(value)
                       for value in _as_rows(header_range.value, 1)[0])
        first_row, first_column = header_range.row + 1, header_range.column
        last_row = first_row - 1
        body = table.data_body_range
        if body is not None:
            last_row = body.row + body.rows.count - 1
        if rows_below and table.totals_row_range is None:
            last_row = self._last_row_below(sheet, last_row, first_column)
        rows = ()
        if last_row >= first_row:
            area = sheet.range((first_row, first_column), (last_row, first_column + len(header) - 1))
            rows = read_area(area, first_row, first_column, len(header))
        return SourceTable(name=name, sheet=sheet.name, header=header, rows=rows)

    def named_cell(self, name: str) -> tuple[str, Cell] | None:
        defined = self.find_name(name)
        if defined is None:
            return None
        try:
            cell_range = defined.refers_to_range
        except Exception as error:  # COM and AppleScript raise their own types here.
            raise ValueError(str(defined.refers_to)) from error
        first = cell_range[0, 0]
        value = first.options(err_to_str=True).value
        coordinate = f"{get_column_letter(first.column)}{first.row}"
        return first.sheet.name, make_cell(value, first.number_format or "General", coordinate)

    def find_table(self, name: str):
        folded = name.casefold()
        for sheet in self.book.sheets:
            for table in sheet.tables:
                if table.name.casefold() == folded:
                    return sheet, table
        return None

    def find_name(self, name: str):
        folded = name.casefold()
        for defined in self.book.names:
            # A sheet-scoped name is listed as "Sheet!Name".
            if defined.name.rpartition("!")[2].casefold() == folded:
                return defined
        return None

    def _last_row_below(self, sheet, last_row: int, column: int) -> int:
        below = sheet.range((last_row + 1, column))
        if below.value is None:
            return last_row
        return below.expand("down").last_cell.row


def read_area(area, first_row: int, first_column: int, width: int) -> tuple[SourceRow, ...]:
    """Read a range's values and number formats into rows of cells.

    One call reads the values. Number formats and row heights (for hidden
    rows) are read per block of equal values, see :func:`uniform_blocks`.
    """
    values = _as_rows(area.options(ndim=2, err_to_str=True).value, width)
    sheet = area.sheet
    last_row = first_row + len(values) - 1
    formats = [_column_formats(sheet, first_column + index, first_row, last_row)
               for index in range(width)]
    hidden = hidden_rows(
        lambda top, bottom: sheet.range((top, first_column), (bottom, first_column)).row_height,
        first_row, last_row)
    return tuple(
        SourceRow(number=first_row + offset,
                  cells=tuple(make_cell(value, formats[index][offset],
                                        f"{get_column_letter(first_column + index)}{first_row + offset}")
                              for index, value in enumerate(row)),
                  hidden=first_row + offset in hidden)
        for offset, row in enumerate(values))


def uniform_blocks(read: Callable[[int, int], object], first: int, last: int) -> dict[int, object]:
    """Return each row's value of a property Excel reports for a block only when it is uniform.

    *read(top, bottom)* gives the value shared by rows *top* to *bottom*, or
    ``None`` when they differ (as Excel does for row heights and number
    formats). A uniform block is settled in one call and a mixed one is split
    in half, so a column with a few runs of different values costs a few calls
    per run, not one per row.
    """
    values: dict[int, object] = {}
    blocks = [(first, last)] if last >= first else []
    while blocks:
        top, bottom = blocks.pop()
        value = read(top, bottom)
        if value is not None or top == bottom:
            values.update(dict.fromkeys(range(top, bottom + 1), value))
            continue
        middle = (top + bottom) // 2
        blocks += [(top, middle), (middle + 1, bottom)]
    return values


def hidden_rows(row_height: Callable[[int, int], float | None], first: int, last: int) -> set[int]:
    """Return the rows from *first* to *last* that are hidden (by a filter or by hand): height 0."""
    return {row for row, height in uniform_blocks(row_height, first, last).items() if height == 0}


def _column_formats(sheet, column: int, first_row: int, last_row: int) -> list[str]:
    """Return the number format of each cell of one column, in few calls."""
    formats = uniform_blocks(
        # A mixed block reads as None on Windows and may read as "" elsewhere.
        lambda top, bottom: sheet.range((top, column), (bottom, column)).number_format or None,
        first_row, last_row)
    return [formats[row] or "General" for row in range(first_row, last_row + 1)]


def _as_rows(value, width: int) -> list[list[object]]:
    """Return a range value as a list of rows, whatever shape xlwings gave it."""
    if not isinstance(value, list):
        return [[value] + [None] * (width - 1)]
    if value and not isinstance(value[0], list):
        return [value]
    return value


# Excel's Range.NumberFormat gives the system short date (built-in format 14)
# and short date-time (22) in their US form. The file reader shows them day
# first (see hypermailer.workbook.sheets), and so does this reader, so that both
# give the same text.
# NOTE: taken from Excel's documented behaviour, not run in real Excel; a
# custom "m/d/yyyy" format also reads day first here.
_SYSTEM_DATE_FORMATS = {
    "m/d/yyyy": "dd/mm/yyyy",
    "m/d/yyyy h:mm": "dd/mm/yyyy hh:mm",
}


def make_cell(value: object, number_format: str, coordinate: str) -> Cell:
    """Turn a value as xlwings returns it into the :class:`Cell` openpyxl would give.

    Whole numbers become ``int`` and a time of day becomes ``datetime.time``,
    as openpyxl returns them. An error value becomes an error cell.
    """
    # NOTE: a cell holding the typed text "#N/A" reads as an error here,
    # because err_to_str returns both as the same string.
    if isinstance(value, str) and value in EXCEL_ERRORS:
        return Cell(value=value, number_format=number_format, coordinate=coordinate,
                    error=CellError.ERROR_VALUE)
    if isinstance(value, float) and value.is_integer() and abs(value) < 2 ** 53:
        value = int(value)
    elif isinstance(value, datetime.datetime) and value.date() == _EXCEL_DAY_ZERO:
        value = value.time()
    number_format = _SYSTEM_DATE_FORMATS.get(number_format, number_format or "General")
    return Cell(value=value, number_format=number_format, coordinate=coordinate)


class ExcelWorkbook:
    """A :class:`~hypermailer.workbook.access.CampaignWorkbook` open in Excel."""

    def __init__(self, book) -> None:
        self.book = book
        self.cells = ExcelCellSource(book)
        self.path = self.cells.path

    def read_campaign(self) -> Campaign:
        return read_campaign_from(self.cells)

    def recipients(self) -> SourceTable:
        table = self.cells.table(layout.RECIPIENTS_TABLE, rows_below=True)
        if table is None:
            raise WorkbookError(
                _("{file}: the table {table!r} was not found. Open the workbook in Excel and give the "
                  "table its name again (Table Design > Table Name), or start from a new HyperMailer "
                  "workbook.").format(file=self.path.name, table=layout.RECIPIENTS_TABLE),
                path=str(self.path))
        return table

    def write_results(self, *, statuses: Mapping[int, str] | None = None,
                      campaign_id: str | None = None,
                      log_row: Sequence[object] | None = None) -> None:
        if statuses:
            self._write_statuses(statuses)
        if campaign_id is not None:
            self._write_text(self._named_range(layout.CAMPAIGN_ID), [[campaign_id]])
        if log_row is not None:
            self._append_log_row(log_row)

    def replace_recipients(self, header: Sequence[str], rows: Sequence[Sequence[str]]) -> None:
        sheet, table = self.cells.find_table(layout.RECIPIENTS_TABLE)
        top_left = table.range[0, 0]
        old = table.range
        sheet.range((old.row, old.column), (old.last_cell.row, old.last_cell.column)).clear_contents()

        last_row = top_left.row + max(len(rows), 1)
        last_column = top_left.column + len(header) - 1
        table.resize(sheet.range((top_left.row, top_left.column), (last_row, last_column)))
        self._write_text(sheet.range((top_left.row, top_left.column), (top_left.row, last_column)),
                         [list(header)])
        if rows:
            self._write_text(sheet.range((top_left.row + 1, top_left.column), (last_row, last_column)),
                             [list(row) for row in rows])

    def _write_statuses(self, statuses: Mapping[int, str]) -> None:
        sheet, table = self.cells.find_table(layout.RECIPIENTS_TABLE)
        header = table.header_row_range
        titles = _as_rows(header.value, 1)[0]
        index = next((number for number, title in enumerate(titles) if layout.is_status_header(title)),
                     None)
        if index is None:
            raise WorkbookError(
                _("{file}: the Recipients table has no status column. Add a last column headed "
                  "{header!r}, then try again.").format(
                    file=self.path.name, header=layout.STATUS_HEADERS["he"]),
                path=str(self.path))
        column = header.column + index
        for first, texts in status_runs(statuses):
            cells = sheet.range((first, column), (first + len(texts) - 1, column))
            self._write_text(cells, [[text] for text in texts])

    def _append_log_row(self, values: Sequence[object]) -> None:
        sheet, table = self.cells.find_table(layout.LOG_TABLE)
        body = table.data_body_range
        header = table.header_row_range
        width = header.columns.count
        row = header.row + 1
        if body is not None:
            last = body.last_cell.row
            last_values = _as_rows(sheet.range((last, header.column), (last, header.column + width - 1)).value,
                                   width)[0]
            row = last if all(value in (None, "") for value in last_values) else last + 1
        if row > header.row + (0 if body is None else body.rows.count):
            table.resize(sheet.range((header.row, header.column), (row, header.column + width - 1)))
        cells = sheet.range((row, header.column), (row, header.column + min(width, len(values)) - 1))
        cells.value = [[_as_literal(value) for value in values[:width]]]

    def _named_range(self, name: str):
        defined = self.cells.find_name(name)
        if defined is None:
            raise WorkbookError(
                _("{file}: the name {name!r} was not found. Open Formulas > Name Manager in Excel and "
                  "define {name!r} for its input cell, or start from a new HyperMailer workbook.").format(
                    file=self.path.name, name=name), path=str(self.path))
        return defined.refers_to_range[0, 0]

    @staticmethod
    def _write_text(cells, values: list[list[str]]) -> None:
        """Write *values* as text: the text number format first, so nothing becomes a number or formula."""
        cells.number_format = "@"
        cells.value = values


def _as_literal(value: object) -> object:
    """Keep text that Excel would parse as a formula (``=``, ``+``, ``-``, ``@``) as text."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@"):
        return "'" + value
    return value


def status_runs(statuses: Mapping[int, str]) -> list[tuple[int, list[str]]]:
    """Group statuses by runs of consecutive rows, so each run is written with one call."""
    runs: list[tuple[int, list[str]]] = []
    for row in sorted(statuses):
        if runs and runs[-1][0] + len(runs[-1][1]) == row:
            runs[-1][1].append(statuses[row])
        else:
            runs.append((row, [statuses[row]]))
    return runs

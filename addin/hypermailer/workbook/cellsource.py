"""The small interface campaign reading goes through: a workbook's tables and named cells.

:class:`FileCellSource` reads a workbook file with openpyxl.
``hypermailer.excel_source.ExcelCellSource`` implements the same interface for
a workbook open in Excel. Both return :class:`~hypermailer.campaign.Cell`
values with their number formats, so the text a placeholder shows comes from
the same formatting code whichever way the workbook was read.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from openpyxl.utils.datetime import CALENDAR_MAC_1904
from openpyxl.workbook.workbook import Workbook

from hypermailer.campaign import Cell, CellError, SourceRow
from hypermailer.workbook.sheets import (
    Bounds,
    FormulaView,
    FoundTable,
    find_named_cell,
    find_table,
    is_empty_value,
    read_rows,
)


@dataclass(frozen=True)
class SourceTable:
    """A table's sheet title, header texts and data rows (1-based sheet row numbers)."""

    name: str
    sheet: str
    header: tuple[str, ...]
    rows: tuple[SourceRow, ...]


class CellSource(Protocol):
    """Tables and named cells of one workbook, read in bulk."""

    path: Path
    date1904: bool

    def table(self, name: str, *, rows_below: bool = False) -> SourceTable | None:
        """Return the table called *name* (case-insensitive), or ``None`` when it is missing.

        With *rows_below*, rows pasted right below the table with a value in
        its first column count as table rows.
        """

    def named_cell(self, name: str) -> tuple[str, Cell] | None:
        """Return the sheet title and cell the defined *name* refers to, or ``None``.

        Raises ``ValueError`` with the name's reference text when it refers
        to no cell.
        """


class FileCellSource:
    """A :class:`CellSource` over a workbook loaded by openpyxl with ``data_only=True``."""

    def __init__(self, workbook: Workbook, path: Path, formulas: FormulaView | None = None) -> None:
        self.workbook = workbook
        self.path = Path(path)
        self.formulas = formulas
        self.date1904 = workbook.epoch == CALENDAR_MAC_1904

    def table(self, name: str, *, rows_below: bool = False) -> SourceTable | None:
        found = find_table(self.workbook, name)
        if found is None:
            return None
        bounds = _with_rows_below(found) if rows_below else found.bounds
        rows = read_rows(found.sheet, bounds, self.formulas) if bounds.last_row >= bounds.first_row else []
        return SourceTable(name=name, sheet=found.sheet.title, header=found.header, rows=tuple(rows))

    def named_cell(self, name: str) -> tuple[str, Cell] | None:
        located = find_named_cell(self.workbook, name)
        if located is None:
            return None
        sheet, coordinate = located
        cell = sheet[coordinate]
        error = CellError.ERROR_VALUE if cell.data_type == "e" else None
        return sheet.title, Cell(value=cell.value, number_format=cell.number_format or "General",
                                 coordinate=coordinate, error=error)


def _with_rows_below(found: FoundTable) -> Bounds:
    """Extend a table's rows over rows pasted right below it with an address."""
    bounds = found.bounds
    if found.table.totalsRowCount:
        return bounds
    last_row = bounds.last_row
    while not is_empty_value(found.sheet.cell(row=last_row + 1, column=bounds.first_column).value):
        last_row += 1
    return Bounds(bounds.first_row, last_row, bounds.first_column, bounds.last_column)

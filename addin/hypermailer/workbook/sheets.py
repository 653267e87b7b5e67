"""Read openpyxl worksheets into rows of cells, and find tables and defined names.

Worksheets come from a workbook loaded with ``data_only=True``, so every cell
contains the value Excel last calculated. A formula saved without a calculated
value then reads as empty. To tell such formulas apart, the formulas view of
the same file is opened, but only when a read range has empty cells. A
formula whose calculated result is empty text reads as ``""``, not as empty.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import openpyxl
from openpyxl.styles.numbers import BUILTIN_FORMATS
from openpyxl.utils.cell import get_column_letter, range_boundaries
from openpyxl.workbook.workbook import Workbook
from openpyxl.worksheet.table import Table as SheetTable
from openpyxl.worksheet.worksheet import Worksheet

from hypermailer.campaign import Cell, CellError, SourceRow

# Built-in formats 14 (short date) and 22 (short date and time) have no code
# in the file, because Excel shows them in the user's regional form. For he-IL
# that is dd/mm/yyyy and dd/mm/yyyy hh:mm. openpyxl 3.1.5 reports them by the
# US-order codes in its BUILTIN_FORMATS table, "mm-dd-yy" and "m/d/yy h:mm".
# On loading, it also gives a custom format with one of these codes the
# built-in id, so neither number_format nor numFmtId distinguishes the two.
# Both are read as the built-in, because Excel saves a date typed into a cell
# with id 14. The mapping is here and not in hypermailer.cells because only
# openpyxl turns the ids into these codes.
# NOTE: a custom "mm-dd-yy" code, which XlsxWriter writes, therefore reads as
# dd/mm/yyyy, although Excel shows it in US order.
_REGIONAL_FORMATS = {
    BUILTIN_FORMATS[14]: "dd/mm/yyyy",
    BUILTIN_FORMATS[22]: "dd/mm/yyyy hh:mm",
}


@dataclass(frozen=True)
class Bounds:
    """A rectangle of cells, 1-based and inclusive."""

    first_row: int
    last_row: int
    first_column: int
    last_column: int


@dataclass(frozen=True)
class FoundTable:
    """A table and the worksheet it is on; ``bounds`` cover its data rows only."""

    sheet: Worksheet
    table: SheetTable
    header: tuple[str, ...]
    header_row: int
    bounds: Bounds


class FormulaView:
    """The formulas of a workbook file, loaded once and only when first asked."""

    def __init__(self, path: Path) -> None:
        self._path = path
        self._workbook: Workbook | None = None

    def formula_cells(self, sheet_title: str, rows: set[int], first_column: int,
                      last_column: int) -> set[str]:
        """Return the coordinates among *rows* whose cells hold a formula."""
        if not rows:
            return set()
        if self._workbook is None:
            self._workbook = openpyxl.load_workbook(self._path, read_only=True, data_only=False)
        sheet = self._workbook[sheet_title]

        found = set()
        for row in sheet.iter_rows(min_row=min(rows), max_row=max(rows),
                                   min_col=first_column, max_col=last_column):
            for cell in row:
                if getattr(cell, "data_type", None) == "f" and cell.row in rows:
                    found.add(cell.coordinate)
        return found

    def close(self) -> None:
        if self._workbook is not None:
            self._workbook.close()
            self._workbook = None


def find_table(workbook: Workbook, name: str) -> FoundTable | None:
    """Find the table called *name* (Excel compares table names ignoring case)."""
    folded = name.casefold()
    for sheet in workbook.worksheets:
        for table in sheet.tables.values():
            if folded in (table.name.casefold(), (table.displayName or "").casefold()):
                return _describe_table(sheet, table)
    return None


def _describe_table(sheet: Worksheet, table: SheetTable) -> FoundTable:
    first_column, first_row, last_column, last_row = range_boundaries(table.ref)
    header_rows = 1 if table.headerRowCount is None else table.headerRowCount
    totals_rows = table.totalsRowCount or 0
    header = tuple(column.name or "" for column in table.tableColumns)
    bounds = Bounds(first_row + header_rows, last_row - totals_rows, first_column, last_column)
    return FoundTable(sheet, table, header, first_row, bounds)


def find_named_cell(workbook: Workbook, name: str) -> tuple[Worksheet, str] | None:
    """Find the sheet and top-left coordinate that the defined *name* refers to.

    Defined names are compared ignoring case, as Excel does. Returns ``None``
    when the name is missing; raises ``ValueError`` when it refers to no cell
    (``#REF!``, a constant or a formula).
    """
    defined = _find_defined_name(workbook, name)
    if defined is None:
        return None

    try:
        destinations = list(defined.destinations)
    except (AttributeError, TypeError, ValueError) as error:
        # openpyxl fails this way on a reference without a sheet name.
        raise ValueError(defined.attr_text) from error
    if not destinations:
        raise ValueError(defined.attr_text)
    sheet_title, reference = destinations[0]
    sheet_title = sheet_title.replace("''", "'")
    if sheet_title not in workbook.sheetnames:
        raise ValueError(defined.attr_text)
    first_column, first_row, _last_column, _last_row = range_boundaries(reference.replace("$", ""))
    return workbook[sheet_title], f"{get_column_letter(first_column)}{first_row}"


def _find_defined_name(workbook: Workbook, name: str):
    folded = name.casefold()
    for key, defined in workbook.defined_names.items():
        if key.casefold() == folded:
            return defined
    for sheet in workbook.worksheets:
        for key, defined in sheet.defined_names.items():
            if key.casefold() == folded:
                return defined
    return None


def read_rows(sheet: Worksheet, bounds: Bounds, formulas: FormulaView | None = None) -> list[SourceRow]:
    """Read the cells within *bounds*, one ``SourceRow`` per sheet row.

    A merged range's top-left value and format are repeated in the range's first
    column on every row it spans; its other cells read as empty. Rows hidden by
    a filter or by hand are marked ``hidden``.
    """
    merged = _merged_sources(sheet)
    rows: list[SourceRow] = []
    empty: dict[int, set[str]] = {}
    for sheet_row in sheet.iter_rows(min_row=bounds.first_row, max_row=bounds.last_row,
                                     min_col=bounds.first_column, max_col=bounds.last_column):
        cells = []
        for cell in sheet_row:
            source = merged.get((cell.row, cell.column), cell)
            cells.append(_make_cell(cell.coordinate, source))
            if cells[-1].value is None and (cell.row, cell.column) not in merged:
                empty.setdefault(cell.row, set()).add(cell.coordinate)
        number = sheet_row[0].row
        dimension = sheet.row_dimensions.get(number)
        rows.append(SourceRow(number=number, cells=tuple(cells),
                              hidden=bool(dimension is not None and dimension.hidden)))

    if formulas is not None and empty:
        rows = _mark_uncalculated(sheet, bounds, rows, empty, formulas)
    return rows


def _merged_sources(sheet: Worksheet) -> dict[tuple[int, int], object]:
    """Map each cell of a merged range's first column to the range's top-left cell."""
    sources = {}
    for merged_range in sheet.merged_cells.ranges:
        top_left = sheet.cell(row=merged_range.min_row, column=merged_range.min_col)
        for row in range(merged_range.min_row + 1, merged_range.max_row + 1):
            sources[(row, merged_range.min_col)] = top_left
    return sources


def _make_cell(coordinate: str, source) -> Cell:
    error = CellError.ERROR_VALUE if source.data_type == "e" else None
    number_format = source.number_format or "General"
    return Cell(value=_cell_value(source), number_format=_REGIONAL_FORMATS.get(number_format, number_format),
                coordinate=coordinate, error=error)


def _cell_value(source) -> object:
    """Return the cell's value, with a formula's empty text result as ``""``.

    Excel saves a formula whose result is empty text, such as
    ``=IFERROR(VLOOKUP(...),"")``, as ``<c t="str">`` with an empty ``<v>`` or
    none. openpyxl 3.1.5 then reads the value as ``None`` but keeps the data
    type ``"str"``. A formula that was never calculated has no ``t``.
    """
    if source.value is None and source.data_type == "str":
        return ""
    return source.value


def _mark_uncalculated(sheet: Worksheet, bounds: Bounds, rows: list[SourceRow], empty: dict[int, set[str]],
                       formulas: FormulaView) -> list[SourceRow]:
    """Mark each empty cell that contains a formula, because Excel saved no result for it.

    *empty* maps a sheet row number to the coordinates of its empty cells. A
    formula cell with a value in the same row keeps its value.
    """
    in_rows = formulas.formula_cells(sheet.title, set(empty), bounds.first_column, bounds.last_column)
    found = in_rows & set().union(*empty.values())
    if not found:
        return rows

    marked = []
    for row in rows:
        cells = tuple(
            Cell(value=None, number_format=cell.number_format, coordinate=cell.coordinate,
                 error=CellError.UNCALCULATED) if cell.coordinate in found else cell
            for cell in row.cells
        )
        marked.append(SourceRow(number=row.number, cells=cells, hidden=row.hidden))
    return marked


def is_empty_value(value: object) -> bool:
    """Tell whether a cell value shows nothing: ``None`` or blank text."""
    return value is None or (isinstance(value, str) and not value.strip())


def is_empty_row(row: SourceRow) -> bool:
    return all(is_empty_value(cell.value) and cell.error is None for cell in row.cells)


def value_text(value: object, *, strip: bool = True) -> str:
    """Return a header or setting cell's value as text; a whole number loses its ``.0``."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip() if strip else str(value)

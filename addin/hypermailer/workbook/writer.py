"""Write send results back into a workbook file without losing anything it contains.

One load and one save per call. The file is replaced atomically: the new
package is written to a temporary file in the same folder and moved over the
original, so a failure leaves the original as it was. Values are always
written as text or plain numbers, never as formulas, because statuses carry
text from mail servers and recipients' cells.

NOTE: openpyxl rewrites every part it models and drops the ones it does not,
such as drawings with shapes or text boxes, form controls, sparklines and
slicers. A HyperMailer workbook has none of these. The ribbon, the VBA part
and the formulas' calculated results are put back after the save.
"""

from __future__ import annotations

import io
import logging
import os
import stat
import tempfile
from collections.abc import Mapping, Sequence
from pathlib import Path

from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.utils.cell import get_column_letter
from openpyxl.workbook.workbook import Workbook
from openpyxl.worksheet.table import Table as SheetTable
from openpyxl.worksheet.table import TableColumn
from openpyxl.worksheet.worksheet import Worksheet

from hypermailer.campaign import STATUS_HEADERS
from hypermailer.errors import WorkbookError
from hypermailer.i18n import _
from hypermailer.workbook import layout
from hypermailer.workbook.cached_values import restore_cached_values
from hypermailer.workbook.files import MACRO_SUFFIXES, open_workbook
from hypermailer.workbook.package import repair_saved_package
from hypermailer.workbook.sheets import FoundTable, find_named_cell, find_table, is_empty_value

logger = logging.getLogger(__name__)

#: Excel keeps at most this many characters in a cell.
MAX_CELL_CHARACTERS = 32767


def update_workbook(path: Path, *, statuses: Mapping[int, str] | None = None,
                    campaign_id: str | None = None,
                    log_row: Sequence[object] | None = None,
                    status_header: str = STATUS_HEADERS["he"]) -> None:
    """Write statuses, the campaign id and a run summary into the workbook at *path*.

    *statuses* maps sheet row numbers of the recipients sheet to text. In a
    HyperMailer workbook they go into the Recipients table's status column,
    which is added as the table's last column when missing. In any other
    workbook they go into the first sheet: into the column with a status
    header, or else into a new column after the last used one, headed
    *status_header*. *campaign_id* goes into the ``CampaignId`` cell and
    *log_row* becomes a new row of the ``Log`` table, so both need a
    HyperMailer workbook.

    Raises :class:`WorkbookError` when the file cannot be read or written, or
    lacks the place a value goes, and ``ValueError`` for a status row above
    the first recipient row. The file is then left unchanged.
    """
    def change(workbook: Workbook) -> None:
        if statuses:
            _write_statuses(workbook, path, statuses, status_header)
        if campaign_id is not None:
            _write_campaign_id(workbook, path, campaign_id)
        if log_row is not None:
            _append_log_row(workbook, path, log_row)

    path = Path(path)
    _edit_file(path, change)


def replace_recipients(path: Path, header: Sequence[str], rows: Sequence[Sequence[str]]) -> None:
    """Make *header* and *rows* the whole content of the Recipients table at *path*.

    Every value is written as text. The table keeps its top-left corner and
    grows or shrinks to fit; cells it no longer covers are cleared. A table
    without rows keeps one empty data row, as Excel requires.
    """
    def change(workbook: Workbook) -> None:
        found = find_table(workbook, layout.RECIPIENTS_TABLE)
        if found is None:
            raise WorkbookError(
                _("{file}: the table {table!r} was not found, so the rows cannot be pasted. Start "
                  "from a new HyperMailer workbook.").format(file=path.name, table=layout.RECIPIENTS_TABLE),
                path=str(path))
        _fill_table(found, header, rows)

    path = Path(path)
    _edit_file(path, change)


def _fill_table(found: FoundTable, header: Sequence[str], rows: Sequence[Sequence[str]]) -> None:
    sheet, table = found.sheet, found.table
    first_column, header_row = found.bounds.first_column, found.header_row
    old_last_row = found.bounds.last_row + (table.totalsRowCount or 0)
    for row in range(header_row, old_last_row + 1):
        for column in range(first_column, found.bounds.last_column + 1):
            sheet.cell(row=row, column=column).value = None

    for offset, text in enumerate(header):
        write_text(sheet, header_row, first_column + offset, text)
    for row_offset, values in enumerate(rows, start=1):
        for offset, text in enumerate(values):
            if text != "":
                write_text(sheet, header_row + row_offset, first_column + offset, text)

    table.tableColumns = [TableColumn(id=number, name=text) for number, text in enumerate(header, start=1)]
    table.totalsRowCount = None
    last_row = header_row + max(len(rows), 1)
    _set_table_ref(table, first_column, header_row, first_column + len(header) - 1, last_row)


def _edit_file(path: Path, change) -> None:
    """Load the workbook at *path*, apply *change* to it, and save it back atomically."""
    _check_writable(path)
    original = _read_bytes(path)
    workbook = open_workbook(path, data_only=False, rich_text=True,
                             keep_vba=path.suffix.lower() in MACRO_SUFFIXES)
    change(workbook)
    buffer = io.BytesIO()
    workbook.save(buffer)
    saved = repair_saved_package(original, buffer.getvalue())
    _replace_file(path, restore_cached_values(original, saved))


def write_text(sheet: Worksheet, row: int, column: int, text: object) -> None:
    """Store *text* in a cell as a string, even when it starts with ``=`` or looks like ``#N/A``.

    Control characters, which XML cannot carry, become spaces, and line breaks
    become the line feeds Excel uses inside a cell.
    """
    value = str(text).replace("\r\n", "\n").replace("\r", "\n")
    value = ILLEGAL_CHARACTERS_RE.sub(" ", value)[:MAX_CELL_CHARACTERS]
    cell = sheet.cell(row=row, column=column)
    cell.value = value
    cell.data_type = "s"


def _write_value(sheet: Worksheet, row: int, column: int, value: object) -> None:
    if isinstance(value, str):
        write_text(sheet, row, column, value)
    else:
        sheet.cell(row=row, column=column).value = value


# Statuses

def _write_statuses(workbook: Workbook, path: Path, statuses: Mapping[int, str], status_header: str) -> None:
    found = find_table(workbook, layout.RECIPIENTS_TABLE)
    if found is not None:
        sheet = found.sheet
        first_row = found.bounds.first_row
        column = _table_status_column(found, path, status_header)
        _cover_rows(found, max(statuses))
    else:
        sheet = workbook.worksheets[0]
        first_row = 2
        column = _sheet_status_column(sheet, status_header)

    for row, text in sorted(statuses.items()):
        if row < first_row:
            raise ValueError(f"row {row} is above the first recipient row {first_row}")
        write_text(sheet, row, column, text)


def _table_status_column(found: FoundTable, path: Path, status_header: str) -> int:
    """Return the sheet column of the table's status column, adding it when missing."""
    for index, name in enumerate(found.header):
        if layout.is_status_header(name):
            return found.bounds.first_column + index

    sheet, table = found.sheet, found.table
    column = found.bounds.last_column + 1
    _require_empty(sheet, path, found.header_row, found.bounds.last_row, column, column)
    write_text(sheet, found.header_row, column, status_header)
    next_id = max((existing.id for existing in table.tableColumns), default=0) + 1
    table.tableColumns.append(TableColumn(id=next_id, name=status_header))
    _set_table_ref(table, found.bounds.first_column, found.header_row, column,
                   found.bounds.last_row + (table.totalsRowCount or 0))
    return column


def _sheet_status_column(sheet: Worksheet, status_header: str) -> int:
    """Return the first sheet's status column, adding it after the last used column."""
    last_used = 0
    for row in sheet.iter_rows():
        for cell in row:
            if not is_empty_value(cell.value):
                if cell.row == 1 and layout.is_status_header(cell.value):
                    return cell.column
                last_used = max(last_used, cell.column)
    column = last_used + 1
    write_text(sheet, 1, column, status_header)
    return column


def _cover_rows(found: FoundTable, last_row: int) -> None:
    """Extend the table over rows pasted below it that received a status."""
    table = found.table
    if last_row <= found.bounds.last_row or table.totalsRowCount:
        return
    last_column = found.bounds.first_column + len(table.tableColumns) - 1
    _set_table_ref(table, found.bounds.first_column, found.header_row, last_column, last_row)


def _set_table_ref(table: SheetTable, first_column: int, first_row: int, last_column: int,
                   last_row: int) -> None:
    """Move a table's corners; its filter range leaves out the totals row."""
    start = f"{get_column_letter(first_column)}{first_row}"
    table.ref = f"{start}:{get_column_letter(last_column)}{last_row}"
    if table.autoFilter is not None:
        filter_last_row = last_row - (table.totalsRowCount or 0)
        table.autoFilter.ref = f"{start}:{get_column_letter(last_column)}{filter_last_row}"


def _require_empty(sheet: Worksheet, path: Path, first_row: int, last_row: int, first_column: int,
                   last_column: int) -> None:
    """Raise :class:`WorkbookError` when a table would grow over a non-empty cell."""
    for row in sheet.iter_rows(min_row=first_row, max_row=last_row,
                               min_col=first_column, max_col=last_column):
        for cell in row:
            if not is_empty_value(cell.value):
                raise WorkbookError(
                    _("{file}, sheet {sheet!r}, cell {cell}: HyperMailer needs this cell for its "
                      "table, but it is not empty. Move its content elsewhere and try again.").format(
                        file=path.name, sheet=sheet.title, cell=cell.coordinate),
                    path=str(path), sheet=sheet.title, cell=cell.coordinate)


# Campaign id and log

def _write_campaign_id(workbook: Workbook, path: Path, campaign_id: str) -> None:
    try:
        located = find_named_cell(workbook, layout.CAMPAIGN_ID)
    except ValueError:
        located = None
    if located is None:
        raise WorkbookError(
            _("{file}: the name {name!r} for the campaign ID cell was not found or does not point "
              "at a cell. Define it in Excel (Formulas > Name Manager), or start from a new "
              "HyperMailer workbook.").format(file=path.name, name=layout.CAMPAIGN_ID),
            path=str(path))
    sheet, coordinate = located
    cell = sheet[coordinate]
    write_text(sheet, cell.row, cell.column, campaign_id)


def _append_log_row(workbook: Workbook, path: Path, values: Sequence[object]) -> None:
    found = find_table(workbook, layout.LOG_TABLE)
    if found is None or found.table.totalsRowCount:
        raise WorkbookError(
            _("{file}: the table {table!r} was not found or has a totals row, so the run summary "
              "cannot be added. Start from a new HyperMailer workbook, or remove the totals row.").format(
                file=path.name, table=layout.LOG_TABLE), path=str(path))

    sheet, bounds = found.sheet, found.bounds
    width = bounds.last_column - bounds.first_column + 1
    if len(values) > width:
        logger.warning("The Log table of %s has %d columns; %d values of the run summary are left out.",
                       path, width, len(values) - width)

    row = bounds.last_row
    if bounds.last_row < bounds.first_row or not _is_empty_row(sheet, row, bounds.first_column, width):
        row = bounds.last_row + 1
        _require_empty(sheet, path, row, row, bounds.first_column, bounds.last_column)
        _set_table_ref(found.table, bounds.first_column, found.header_row, bounds.last_column, row)
    for offset, value in enumerate(values[:width]):
        _write_value(sheet, row, bounds.first_column + offset, value)


def _is_empty_row(sheet: Worksheet, row: int, first_column: int, width: int) -> bool:
    return all(is_empty_value(sheet.cell(row=row, column=first_column + offset).value)
               for offset in range(width))


# Files

def _owner_files(path: Path) -> list[tuple[str, Path]]:
    """Return the files a spreadsheet program keeps beside a workbook it has open, by program."""
    return [("Excel", path.with_name(f"~${path.name}")),
            ("LibreOffice", path.with_name(f".~lock.{path.name}#"))]


def _check_writable(path: Path) -> None:
    # Writing a workbook another program has open would be lost when it saves.
    for program, lock_file in _owner_files(path):
        if lock_file.exists():
            raise WorkbookError(
                _("{file}: the workbook is open in {program}, so the results cannot be written "
                  "into it. Close it and try again; if it is not open, delete the leftover file "
                  "{lock}.").format(file=path.name, program=program, lock=lock_file.name),
                path=str(path))
    if not path.exists():
        raise WorkbookError(_("{file}: the file was not found. Check the path.").format(file=path),
                            path=str(path))
    # Root may write anywhere, so the permission bits are checked as well.
    write_bits = stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH
    if not os.access(path, os.W_OK) or not path.stat().st_mode & write_bits:
        raise WorkbookError(
            _("{file}: the workbook is read-only, so the results cannot be written into it. Clear "
              "the read-only setting in the file's properties, or copy it to a folder you can write "
              "to.").format(file=path.name), path=str(path))


def _read_bytes(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as error:
        raise WorkbookError(
            _("{file}: the file cannot be read ({reason}). Close it in Excel or any other program "
              "and try again.").format(file=path.name, reason=error.strerror or error),
            path=str(path)) from error


def _replace_file(path: Path, data: bytes) -> None:
    """Write *data* to a temporary file beside *path*, then move it over *path*."""
    mode = stat.S_IMODE(path.stat().st_mode)
    temporary = None
    try:
        descriptor, name = tempfile.mkstemp(prefix=".~hypermailer-", suffix=path.suffix, dir=path.parent)
        temporary = Path(name)
        with os.fdopen(descriptor, "wb") as stream:
            stream.write(data)
            stream.flush()
            os.fsync(stream.fileno())
        os.chmod(temporary, mode)
        os.replace(temporary, path)
    except OSError as error:
        if temporary is not None:
            temporary.unlink(missing_ok=True)
        raise WorkbookError(
            _("{file}: the results cannot be written ({reason}). Close the workbook in Excel or any "
              "other program, check that you may write to the folder {folder}, and try again.").format(
                file=path.name, reason=error.strerror or error, folder=path.parent),
            path=str(path)) from error

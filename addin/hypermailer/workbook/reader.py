"""Read a workbook or CSV file into the value objects of ``hypermailer.campaign``.

A HyperMailer workbook is recognised by its ``Recipients`` table and its
``Subject`` defined name; everything in it is found through table and defined
names. Any other workbook or CSV file is read as a plain list: the first
sheet, with the headers in row 1.
"""

from __future__ import annotations

import zipfile
from dataclasses import dataclass
from pathlib import Path
from xml.etree import ElementTree

from openpyxl.utils.datetime import CALENDAR_MAC_1904
from openpyxl.workbook.workbook import Workbook

from hypermailer.cells import CellDisplayError, format_cell
from hypermailer.campaign import BodyFormat, Campaign, Mailbox, SourceRow, Table
from hypermailer.errors import WorkbookError
from hypermailer.i18n import _, normalise_language
from hypermailer.workbook import layout
from hypermailer.workbook.csvfile import read_csv
from hypermailer.workbook.files import WORKBOOK_SUFFIXES, open_workbook
from hypermailer.workbook.cellsource import CellSource, FileCellSource, SourceTable
from hypermailer.workbook.mailboxes import parse_mailbox_row, parse_yes_no
from hypermailer.workbook.sheets import (
    Bounds,
    FormulaView,
    find_table,
    value_text,
    is_empty_row,
    is_empty_value,
    read_rows,
)

__all__ = [
    "is_hypermailer_workbook",
    "parse_mailbox_row",
    "read_campaign",
    "read_campaign_from",
    "read_csv",
    "read_table_file",
]

_MAIN_NS = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"


def is_hypermailer_workbook(path: Path) -> bool:
    """Tell whether *path* is a workbook with a Recipients table and a Subject name.

    Looks into the zip package without loading the sheets; a file that cannot
    be read is not a HyperMailer workbook.
    """
    path = Path(path)
    if path.suffix.lower() not in WORKBOOK_SUFFIXES:
        return False
    try:
        with zipfile.ZipFile(path) as archive:
            return _has_defined_name(archive, layout.SUBJECT) and _has_table(archive, layout.RECIPIENTS_TABLE)
    except (OSError, zipfile.BadZipFile, ElementTree.ParseError, KeyError):
        return False


def _has_defined_name(archive: zipfile.ZipFile, name: str) -> bool:
    root = ElementTree.fromstring(archive.read("xl/workbook.xml"))
    folded = name.casefold()
    return any((element.get("name") or "").casefold() == folded
               for element in root.iter(f"{_MAIN_NS}definedName"))


def _has_table(archive: zipfile.ZipFile, name: str) -> bool:
    folded = name.casefold()
    for entry in archive.namelist():
        if entry.startswith("xl/tables/") and entry.endswith(".xml"):
            root = ElementTree.fromstring(archive.read(entry))
            if folded in ((root.get("name") or "").casefold(), (root.get("displayName") or "").casefold()):
                return True
    return False


def read_table_file(path: Path) -> Table:
    """Read the recipients list of any ``.xlsx``/``.xlsm`` or ``.csv`` file.

    A HyperMailer workbook gives its Recipients table, and another workbook
    its first sheet with the headers in row 1. A ``.csv``, ``.tsv`` or
    ``.txt`` file is read with :func:`read_csv`.
    """
    path = Path(path)
    if path.suffix.lower() in (".csv", ".txt", ".tsv"):
        return read_csv(path)

    workbook = open_workbook(path, data_only=True)
    formulas = FormulaView(path)
    try:
        if find_table(workbook, layout.RECIPIENTS_TABLE) is not None:
            return _read_recipients(FileCellSource(workbook, path, formulas))
        return _read_first_sheet(workbook, path, formulas)
    finally:
        formulas.close()


def _read_first_sheet(workbook: Workbook, path: Path, formulas: FormulaView) -> Table:
    sheet = workbook.worksheets[0]
    last_row, last_column = sheet.max_row, sheet.max_column
    header_cells = next(sheet.iter_rows(min_row=1, max_row=1, max_col=last_column))
    rows = read_rows(sheet, Bounds(2, last_row, 1, last_column), formulas) if last_row >= 2 else []

    # Cells that only carry formatting count in max_row and max_column.
    while rows and is_empty_row(rows[-1]):
        rows.pop()
    used_columns = [index for index, cell in enumerate(header_cells) if not is_empty_value(cell.value)]
    for row in rows:
        used_columns += [index for index, cell in enumerate(row.cells)
                         if not is_empty_value(cell.value) or cell.error is not None]
    width = max(used_columns, default=-1) + 1
    if width == 0:
        raise WorkbookError(
            _("{file}, sheet {sheet!r}: the sheet is empty. Put the column headers in row 1, "
              "starting with the address column, and the recipients below them.").format(
                file=path.name, sheet=sheet.title), path=str(path), sheet=sheet.title)

    header = tuple(value_text(cell.value) for cell in header_cells[:width])
    rows = [SourceRow(number=row.number, cells=row.cells[:width], hidden=row.hidden) for row in rows]
    return Table(sheet=sheet.title, header=header, rows=tuple(rows), status_column=_status_column(header),
                 date1904=_is_date1904(workbook))


def read_campaign(path: Path) -> Campaign:
    """Read everything a run needs from a HyperMailer workbook.

    Raises :class:`WorkbookError` when the file cannot be read or lacks the
    Recipients table or a required defined name, and
    :class:`ConfigurationError` for an invalid Mailboxes row.
    """
    path = Path(path)
    workbook = open_workbook(path, data_only=True)
    formulas = FormulaView(path)
    try:
        return read_campaign_from(FileCellSource(workbook, path, formulas))
    finally:
        formulas.close()


def read_campaign_from(source: CellSource) -> Campaign:
    """Read everything a run needs through *source*, a workbook file or one open in Excel.

    Raises the same errors as :func:`read_campaign`.
    """
    table = _read_recipients(source)
    return _CampaignReader(source).read(table)


def _read_recipients(source: CellSource) -> Table:
    found = _require_table(source, layout.RECIPIENTS_TABLE)
    return Table(sheet=found.sheet, header=found.header, rows=found.rows,
                 status_column=_status_column(found.header), date1904=source.date1904)


def _status_column(header: tuple[str, ...]) -> int | None:
    return next((index for index, text in enumerate(header) if layout.is_status_header(text)), None)


def _is_date1904(workbook: Workbook) -> bool:
    return workbook.epoch == CALENDAR_MAC_1904


def _require_table(source: CellSource, name: str) -> SourceTable:
    found = source.table(name, rows_below=True)
    path = source.path
    if found is None:
        raise WorkbookError(
            _("{file}: the table {table!r} was not found. Open the workbook in Excel and give the "
              "table its name again (Table Design > Table Name), or start from a new HyperMailer "
              "workbook.").format(file=path.name, table=name), path=str(path))
    return found


@dataclass(frozen=True)
class _HelperTable:
    """A Mailboxes, Templates or Unsubscribed table: known columns by key, non-empty rows."""

    name: str
    found: SourceTable
    keys: dict[str, int]
    rows: list[SourceRow]


class _CampaignReader:
    """Reads the named cells and the helper tables of one HyperMailer workbook."""

    def __init__(self, source: CellSource) -> None:
        self.source = source
        self.path = source.path
        self.base_folder = source.path.resolve().parent

    def read(self, table: Table) -> Campaign:
        template_name = self.text(layout.TEMPLATE)
        return Campaign(
            table=table,
            subject=self.text(layout.SUBJECT, required=True),
            body=self.text(layout.BODY, required=True, strip=False),
            body_format=self.body_format(),
            mailbox_name=self.text(layout.MAILBOX),
            organisation_template=self.template_html(template_name),
            template_name=template_name,
            attachments=self.attachments(),
            reply_to=self.text(layout.REPLY_TO),
            test_address=self.text(layout.TEST_ADDRESS),
            campaign_id=self.text(layout.CAMPAIGN_ID),
            language=self.language(),
            unsubscribed=self.unsubscribed(),
            unsubscribe_details=self.unsubscribe_details(),
            base_folder=self.base_folder,
            source_path=self.path,
            mailboxes=self.mailboxes(),
            is_hypermailer_workbook=True,
            advertisement=self.advertisement(),
            locations=self.locations(),
        )

    def locations(self) -> dict[str, str]:
        """Return the cell reference (``'Sheet'!B2``) of the subject and body cells."""
        found = {}
        for key, name in (("subject", layout.SUBJECT), ("body", layout.BODY)):
            located = self._locate(name, required=False)
            if located is not None:
                sheet, cell = located
                found[key] = "'{}'!{}".format(sheet.replace("'", "''"), cell.coordinate)
        return found

    # Named cells

    def text(self, name: str, *, required: bool = False, strip: bool = True) -> str:
        """Return the text of the cell the defined *name* refers to."""
        located = self._locate(name, required=required)
        if located is None:
            return ""
        sheet, cell = located
        if cell.error is not None:
            raise WorkbookError(
                _("{file}, sheet {sheet!r}, cell {cell} ({name}): the cell shows the error {value}. "
                  "Correct its formula or type the value.").format(
                    file=self.path.name, sheet=sheet, cell=cell.coordinate, name=name, value=cell.value),
                path=str(self.path), sheet=sheet, cell=cell.coordinate)
        return value_text(cell.value, strip=strip)

    def _locate(self, name: str, *, required: bool):
        try:
            located = self.source.named_cell(name)
        except ValueError as error:
            raise WorkbookError(
                _("{file}: the name {name!r} refers to {reference}, not to a cell. Open Formulas > "
                  "Name Manager in Excel and point {name!r} at its input cell.").format(
                    file=self.path.name, name=name, reference=str(error)), path=str(self.path)) from error
        if located is None and required:
            raise WorkbookError(
                _("{file}: the name {name!r} was not found. Open Formulas > Name Manager in Excel and "
                  "define {name!r} for its input cell, or start from a new HyperMailer workbook.").format(
                    file=self.path.name, name=name), path=str(self.path))
        return located

    def _where(self, name: str) -> tuple[str, str]:
        sheet, cell = self._locate(name, required=True)
        return sheet, cell.coordinate

    def body_format(self) -> BodyFormat:
        text = self.text(layout.BODY_FORMAT).lower()
        if not text:
            return BodyFormat.TEXT
        try:
            return BodyFormat(text)
        except ValueError:
            sheet, cell = self._where(layout.BODY_FORMAT)
            raise WorkbookError(
                _("{file}, sheet {sheet!r}, cell {cell}: the body format {value!r} is invalid. "
                  "Choose text, html or markdown.").format(file=self.path.name, sheet=sheet, cell=cell,
                                                            value=text),
                path=str(self.path), sheet=sheet, cell=cell) from None

    def language(self) -> str:
        text = self.text(layout.LANGUAGE)
        if not text:
            return "he"
        language = normalise_language(text)
        if language is None:
            sheet, cell = self._where(layout.LANGUAGE)
            raise WorkbookError(
                _("{file}, sheet {sheet!r}, cell {cell}: the language {value!r} is not supported. "
                  "Choose he or en.").format(file=self.path.name, sheet=sheet, cell=cell, value=text),
                path=str(self.path), sheet=sheet, cell=cell)
        return language

    def advertisement(self) -> bool:
        """Read the Advertisement cell; an empty cell or a workbook without the name is "no"."""
        located = self._locate(layout.ADVERTISEMENT, required=False)
        if located is None:
            return False
        value = located[1].value
        answer = parse_yes_no(value)
        if answer is None:
            sheet, cell = self._where(layout.ADVERTISEMENT)
            raise WorkbookError(
                _("{file}, sheet {sheet!r}, cell {cell}: the Advertisement cell contains {value!r}. "
                  "Choose yes or no (כן / לא).").format(file=self.path.name, sheet=sheet, cell=cell,
                                                        value=value),
                path=str(self.path), sheet=sheet, cell=cell)
        return answer

    def attachments(self) -> tuple[Path, ...]:
        """Split the attachments cell on ``;`` and line breaks into paths."""
        text = self.text(layout.ATTACHMENTS)
        paths = []
        for item in text.replace(";", "\n").splitlines():
            # Windows' "Copy as path" puts double quotes around a path.
            item = item.strip().strip('"').strip()
            if item:
                path = Path(item).expanduser()
                paths.append(path if path.is_absolute() else self.base_folder / path)
        return tuple(paths)

    # Helper tables

    def _helper_table(self, name: str) -> _HelperTable | None:
        found = self.source.table(name)
        if found is None:
            return None
        return _HelperTable(name, found, layout.column_keys(name, found.header),
                            [row for row in found.rows if not is_empty_row(row)])

    def _require_column(self, table: _HelperTable, key: str) -> int:
        if key in table.keys:
            return table.keys[key]
        column = next(column for column in layout.TABLE_COLUMNS[table.name] if column.key == key)
        sheet = table.found.sheet
        raise WorkbookError(
            _("{file}, sheet {sheet!r}: the table {table!r} has no column {header!r}. Add a column "
              "with that header (or {other!r}).").format(
                file=self.path.name, sheet=sheet, table=table.name, header=column.he, other=column.en),
            path=str(self.path), sheet=sheet)

    def template_html(self, template_name: str) -> str:
        """Return the HTML of the Templates row named *template_name*."""
        if not template_name:
            return ""
        table = self._helper_table(layout.TEMPLATES_TABLE)
        names: list[str] = []
        if table is not None:
            name_index = self._require_column(table, "name")
            html_index = self._require_column(table, "html")
            for row in table.rows:
                name = value_text(row.cells[name_index].value)
                if name.casefold() == template_name.casefold():
                    return "" if row.cells[html_index].value is None else str(row.cells[html_index].value)
                names.append(name)

        sheet, cell = self._where(layout.TEMPLATE)
        raise WorkbookError(
            _("{file}, sheet {sheet!r}, cell {cell}: there is no template named {name!r} in the "
              "Templates table. Choose one of: {names}, or leave the cell empty.").format(
                file=self.path.name, sheet=sheet, cell=cell, name=template_name,
                names=", ".join(names) or "-"),
            path=str(self.path), sheet=sheet, cell=cell)

    def unsubscribed(self) -> frozenset[str]:
        return frozenset(self.unsubscribe_details())

    def unsubscribe_details(self) -> dict[str, str]:
        """Map each address of the Unsubscribed table to its source and date as typed, if any."""
        table = self._helper_table(layout.UNSUBSCRIBED_TABLE)
        if table is None:
            return {}
        index = self._require_column(table, "address")
        details = {}
        for row in table.rows:
            address = value_text(row.cells[index].value)
            if not address:
                continue
            notes = [_display(row.cells[table.keys[key]])
                     for key in ("source", "date") if key in table.keys]
            details[address] = ", ".join(note for note in notes if note)
        return details

    def mailboxes(self) -> tuple[Mailbox, ...]:
        table = self._helper_table(layout.MAILBOXES_TABLE)
        if table is None:
            return ()
        mailboxes = []
        for row in table.rows:
            fields = {key: row.cells[index].value for key, index in table.keys.items()}
            labels = {key: f"{table.found.header[index]!r} ({row.cells[index].coordinate})"
                      for key, index in table.keys.items()}
            where = _("{file}, sheet {sheet!r}, row {row}").format(
                file=self.path.name, sheet=table.found.sheet, row=row.number)
            mailboxes.append(parse_mailbox_row(fields, base_folder=self.base_folder, where=where,
                                               labels=labels))
        return tuple(mailboxes)


def _display(cell) -> str:
    """Return a helper cell's text as the sheet shows it, or ``""`` for an error value."""
    try:
        return format_cell(cell).strip()
    except CellDisplayError:
        return ""

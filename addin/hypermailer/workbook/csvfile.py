"""Read a CSV file of recipients into a Table, guessing its encoding and delimiter.

Every cell is text exactly as written in the file, so leading zeros and
number formatting survive. The encodings accepted are the ones Excel writes:
UTF-8 with or without a byte order mark ("CSV UTF-8"), UTF-16 with a byte
order mark ("Unicode Text"), and Windows-1255, which Hebrew Excel uses for
plain "CSV".
"""

from __future__ import annotations

import codecs
import csv
import io
from pathlib import Path

from openpyxl.utils.cell import get_column_letter

from hypermailer.campaign import Cell, SourceRow, Table
from hypermailer.errors import WorkbookError
from hypermailer.i18n import _
from hypermailer.workbook.layout import is_status_header

DELIMITERS = (",", ";", "\t")
SNIFF_SAMPLE_CHARACTERS = 64 * 1024


def read_csv(path: Path) -> Table:
    """Read *path* as CSV; the first record is the header.

    Raises :class:`WorkbookError` when the file cannot be read, is in another
    encoding, or is not valid CSV.
    """
    path = Path(path)
    try:
        raw = path.read_bytes()
    except FileNotFoundError as error:
        raise WorkbookError(_("{file}: the file was not found. Check the path.").format(file=path),
                            path=str(path)) from error
    except OSError as error:
        raise WorkbookError(
            _("{file}: the file cannot be read ({reason}). Close any program that has it open "
              "and check that you may read it.").format(file=path, reason=error.strerror or error),
            path=str(path)) from error

    text = decode_csv_bytes(raw, path)
    delimiter = detect_delimiter(text)
    try:
        records = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
    except csv.Error as error:
        raise WorkbookError(
            _("{file}: the file is not valid CSV ({reason}). Open it in Excel and save it again "
              "as CSV UTF-8.").format(file=path, reason=error), path=str(path)) from error

    while records and not any(value.strip() for value in records[-1]):
        records.pop()
    return _records_to_table(path, records)


def decode_csv_bytes(raw: bytes, path: Path) -> str:
    """Decode CSV bytes: a byte order mark decides, else UTF-8, else Windows-1255."""
    for bom, encoding in ((codecs.BOM_UTF8, "utf-8"), (codecs.BOM_UTF16_LE, "utf-16-le"),
                          (codecs.BOM_UTF16_BE, "utf-16-be")):
        if raw.startswith(bom):
            return _decode(raw[len(bom):], encoding, path)
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        pass
    return _decode(raw, "cp1255", path)


def _decode(raw: bytes, encoding: str, path: Path) -> str:
    try:
        return raw.decode(encoding)
    except UnicodeDecodeError as error:
        raise WorkbookError(
            _("{file}: the text at byte {position} is neither UTF-8 nor Windows-1255 (Hebrew). "
              "Open the file in Excel and save it as \"CSV UTF-8 (comma delimited)\".").format(
                file=path, position=error.start), path=str(path)) from error


def detect_delimiter(text: str) -> str:
    """Guess the delimiter among comma, semicolon and tab.

    ``csv.Sniffer`` decides when its guess also occurs in the header line.
    Otherwise the candidate found most often in the header line wins. A file
    with a single column gets a comma.
    """
    sample = text[:SNIFF_SAMPLE_CHARACTERS]
    if len(text) > SNIFF_SAMPLE_CHARACTERS and "\n" in sample:
        sample = sample[:sample.rindex("\n")]
    header_line = sample.split("\n", 1)[0]

    try:
        sniffed = csv.Sniffer().sniff(sample, delimiters="".join(DELIMITERS)).delimiter
    except csv.Error:
        sniffed = ""
    if sniffed in DELIMITERS and sniffed in header_line:
        return sniffed

    counts = {delimiter: header_line.count(delimiter) for delimiter in DELIMITERS}
    best = max(DELIMITERS, key=lambda delimiter: counts[delimiter])
    return best if counts[best] else ","


def _records_to_table(path: Path, records: list[list[str]]) -> Table:
    if not records:
        raise WorkbookError(
            _("{file}: the file is empty. The first line must hold the column headers, "
              "starting with the address column.").format(file=path), path=str(path))

    width = max(len(record) for record in records)
    header = tuple(value.strip() for value in records[0]) + ("",) * (width - len(records[0]))
    rows = []
    for index, record in enumerate(records[1:], start=2):
        values = record + [""] * (width - len(record))
        cells = tuple(Cell(value=value, coordinate=f"{get_column_letter(column)}{index}")
                      for column, value in enumerate(values, start=1))
        rows.append(SourceRow(number=index, cells=cells))

    status = next((index for index, text in enumerate(header) if is_status_header(text)), None)
    return Table(sheet=path.name, header=header, rows=tuple(rows), status_column=status)

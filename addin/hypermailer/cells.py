"""Render a cell as the text Excel shows for it.

A placeholder puts a cell into a message the way the user sees it in the
sheet. So this module interprets Excel number formats: sections and
conditions, digit placeholders, thousands separators and scaling, percent,
scientific notation, fractions, quoted literals, currency and locale tags.
It also renders date and time codes, with month and day names from Babel's
locale data.

The output follows Excel's ``TEXT()`` function rather than a cell of some
width: a ``*x`` fill repeats nothing and ``_x`` is one space. In a number's
text, spaces at both ends are removed and a run of spaces becomes one, so an
accounting format gives ``₪ 1,234.57`` without its alignment padding.

The format parser and the number and date renderers are in
:mod:`hypermailer.numberformat`. This module sends each value to them and
contains the public functions.
"""

from __future__ import annotations

import datetime as dt
import logging
from decimal import localcontext

from hypermailer.campaign import Cell, CellError
from hypermailer.errors import HyperMailerError
from hypermailer.i18n import _
from hypermailer.numberformat.dates import _format_date_section, _temporal_seconds
from hypermailer.numberformat.decimals import _DECIMAL_CONTEXT, _UNINTERPRETABLE, _to_decimal
from hypermailer.numberformat.digits import _format_number_section
from hypermailer.numberformat.general import _general_number, _is_general
from hypermailer.numberformat.sections import (
    _AT,
    _DATE_SECTION,
    _EMPTY_SECTION,
    _TEXT_SECTION,
    _choose_section,
    _literal,
    _parse_format,
)

logger = logging.getLogger(__name__)


class CellDisplayError(HyperMailerError):
    """A cell contains an error value or a formula without a saved result.

    ``coordinate`` is the cell's address (``C7``) and ``sheet`` its sheet's
    name, or ``""`` when the caller did not give it.
    """

    def __init__(self, message: str, *, coordinate: str, sheet: str = "") -> None:
        super().__init__(message)
        self.coordinate = coordinate
        self.sheet = sheet


def cell_reference(sheet: str, coordinate: str) -> str:
    """Return an Excel reference such as ``'Recipients'!C7`` for messages.

    The sheet name is always quoted, and a quote inside it doubled, as Excel
    writes references to sheets whose names have spaces or Hebrew letters.
    """
    if not sheet:
        return coordinate or "?"
    quoted = sheet.replace("'", "''")
    return f"'{quoted}'!{coordinate or '?'}"


def format_cell(cell: Cell, *, date1904: bool = False, sheet: str = "") -> str:
    """Return the text Excel shows for *cell*.

    *date1904* selects the 1904 date system for numbers under a date format.
    *sheet* is used only to name the cell in an error message.

    Raises :class:`CellDisplayError` when the cell contains an error value such
    as ``#N/A`` or a formula saved without a calculated result.
    """
    if cell.error is not None:
        raise _display_error(cell, sheet)
    return format_value(cell.value, cell.number_format, date1904=date1904)


def format_value(value: object, number_format: str | None = "General", *,
                 date1904: bool = False) -> str:
    """Return the text Excel shows for *value* under *number_format*.

    A format this module cannot interpret gives the General text; this
    function raises nothing for any format string.
    """
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, str):
        return _format_text(value, number_format or "General")

    with localcontext(_DECIMAL_CONTEXT):
        try:
            return _format_non_text(value, number_format or "General", date1904)
        except _UNINTERPRETABLE as error:
            logger.debug("number format %r not interpreted (%s); using General",
                         number_format, error)
            return _format_general(value)


def _display_error(cell: Cell, sheet: str) -> CellDisplayError:
    reference = cell_reference(sheet, cell.coordinate)
    if cell.error is CellError.UNCALCULATED:
        message = _(
            "Cell {cell} has a formula whose result was never calculated and saved. "
            "Open the workbook in Excel, let it calculate, save it and run again."
        ).format(cell=reference)
    else:
        message = _(
            "Cell {cell} shows the error {error}, so it has no value to put into a message. "
            "Fix the formula or the data it uses, then run again."
        ).format(cell=reference, error=cell.value or "#VALUE!")
    return CellDisplayError(message, coordinate=cell.coordinate, sheet=sheet)


# ---------------------------------------------------------------------------
# General


def _format_general(value: object) -> str:
    """Return the General text for a number, date, time or duration."""
    if isinstance(value, dt.datetime):
        return _general_datetime(value)
    if isinstance(value, dt.date):
        return f"{value.day:02d}/{value.month:02d}/{value.year:04d}"
    if isinstance(value, dt.time):
        return _general_time(value.hour, value.minute, value.second)
    if isinstance(value, dt.timedelta):
        return _general_duration(value)
    try:
        with localcontext(_DECIMAL_CONTEXT):
            return _general_number(_to_decimal(value))
    except _UNINTERPRETABLE:
        return str(value)


def _general_datetime(value: dt.datetime) -> str:
    text = f"{value.day:02d}/{value.month:02d}/{value.year:04d}"
    if value.time() == dt.time():
        return text
    return f"{text} {_general_time(value.hour, value.minute, value.second)}"


def _general_time(hour: int, minute: int, second: int) -> str:
    text = f"{hour:02d}:{minute:02d}"
    return f"{text}:{second:02d}" if second else text


def _general_duration(value: dt.timedelta) -> str:
    pattern = "[h]:mm:ss" if value.seconds % 60 or value.microseconds else "[h]:mm"
    return format_value(value, pattern)


# ---------------------------------------------------------------------------
# Formatting values other than text


_TEMPORAL = (dt.datetime, dt.date, dt.time, dt.timedelta)


def _format_non_text(value: object, number_format: str, date1904: bool) -> str:
    if _is_general(number_format):
        return _format_general(value)

    sections = _parse_format(number_format)
    if isinstance(value, _TEMPORAL):
        seconds = _temporal_seconds(value, date1904)
        if seconds is None:
            return _format_general(value)
        number = seconds / 86400
    else:
        number = _to_decimal(value)
        seconds = number * 86400

    section, absolute = _choose_section(sections, number)
    if section is None or section.kind == _TEXT_SECTION:
        return _format_general(value)
    if section.kind == _EMPTY_SECTION:
        return ""
    if section.kind == _DATE_SECTION:
        text = _format_date_section(section, seconds, date1904)
        return _format_general(value) if text is None else text
    return _format_number_section(section, number, absolute)


def _format_text(text: str, number_format: str) -> str:
    """Apply the text section (the fourth, or a lone section with ``@``) to *text*."""
    if _is_general(number_format):
        return text
    try:
        sections = _parse_format(number_format)
    except _UNINTERPRETABLE:
        return text
    if len(sections) >= 4:
        section = sections[3]
    elif len(sections) == 1 and sections[0].kind == _TEXT_SECTION:
        section = sections[0]
    else:
        return text

    pieces = [text if token.kind == _AT else _literal(token) for token in section.tokens]
    at_positions = [index for index, token in enumerate(section.tokens) if token.kind == _AT]
    if not at_positions:
        return "".join(pieces).strip()

    # Trim the format's padding around the text, never the text itself.
    first, last = at_positions[0], at_positions[-1]
    prefix = "".join(pieces[:first]).lstrip()
    suffix = "".join(pieces[last + 1:]).rstrip()
    return prefix + "".join(pieces[first:last + 1]) + suffix

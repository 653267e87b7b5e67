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
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Context, Decimal, localcontext
from fractions import Fraction
from functools import cache, lru_cache
from typing import NamedTuple

from babel import Locale

from hypermailer.campaign import Cell, CellError
from hypermailer.errors import HyperMailerError
from hypermailer.i18n import _

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
# Numbers as Decimal

# Serial numbers up to 1e308 need more digits than the default context has.
_DECIMAL_CONTEXT = Context(prec=400, rounding=ROUND_HALF_UP)

# Errors that mean "this format or value cannot be interpreted". The caller
# then shows the General text.
_UNINTERPRETABLE = (ArithmeticError, ValueError, IndexError, KeyError)

# Excel stores numbers as doubles and shows at most 15 significant digits.
_EXCEL_DIGITS = 15


def _to_decimal(number: object) -> Decimal:
    """Convert a cell number to a Decimal with Excel's 15 significant digits."""
    if isinstance(number, Decimal):
        value = number
    elif isinstance(number, int):
        value = Decimal(number)
    elif isinstance(number, float):
        # repr() is the shortest text that reads back as the same double, so
        # 1.005 stays 1.005 and rounds half away from zero as in Excel.
        value = Decimal(repr(number))
    else:
        value = Decimal(str(number))
    if not value.is_finite():
        raise ValueError(f"not a finite number: {number!r}")
    if value and len(value.as_tuple().digits) > _EXCEL_DIGITS:
        value = _round_significant(value, _EXCEL_DIGITS)
    return value


def _round_significant(value: Decimal, digits: int) -> Decimal:
    exponent = value.adjusted() - digits + 1
    return value.quantize(Decimal(1).scaleb(exponent), rounding=ROUND_HALF_UP)


def _round_places(value: Decimal, places: int) -> Decimal:
    return value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


def _plain(value: Decimal) -> str:
    """Write *value* without exponent and without trailing decimal zeros."""
    text = format(value, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text


# ---------------------------------------------------------------------------
# General

# Excel's General format switches to scientific notation outside this range,
# as a default-width column shows it.
_GENERAL_HUGE = Decimal("1e11")
_GENERAL_TINY = Decimal("1e-9")
_GENERAL_DIGITS = 10
_GENERAL_MANTISSA_PLACES = 5


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


def _general_number(number: Decimal) -> str:
    """Write a number as Excel's General format does in a default-width column.

    Whole numbers below 1e11 show every digit. Other numbers in [1e-9, 1e11)
    show up to 10 significant digits, but always every digit of the integer
    part. Numbers outside that range use scientific notation with 6
    significant digits.
    """
    if number == 0:
        return "0"
    sign = "-" if number < 0 else ""
    magnitude = abs(number)

    if magnitude < _GENERAL_HUGE and magnitude == magnitude.to_integral_value():
        return sign + _plain(magnitude)
    if _GENERAL_TINY <= magnitude < _GENERAL_HUGE:
        # Up to 10 significant digits, but never rounding into the integer part.
        places = max(_GENERAL_DIGITS - 1 - magnitude.adjusted(), 0)
        rounded = _round_places(magnitude, places)
        if rounded < _GENERAL_HUGE:
            return sign + _plain(rounded)
    return sign + _general_scientific(magnitude)


def _general_scientific(magnitude: Decimal) -> str:
    exponent = magnitude.adjusted()
    mantissa = _round_places(magnitude.scaleb(-exponent), _GENERAL_MANTISSA_PLACES)
    if mantissa >= 10:
        exponent += 1
        mantissa = _round_places(magnitude.scaleb(-exponent), _GENERAL_MANTISSA_PLACES)
    sign = "+" if exponent >= 0 else "-"
    return f"{_plain(mantissa)}E{sign}{abs(exponent):02d}"


def _is_general(number_format: str) -> bool:
    return number_format.strip().lower() in ("general", "")


# ---------------------------------------------------------------------------
# Parsing number formats


class _Token(NamedTuple):
    kind: str
    text: str


# Token kinds.
_LITERAL = "literal"    # text shown as is
_PAD = "pad"            # _x: one space where x would be
_DIGIT = "digit"        # 0 # ?
_POINT = "point"        # .
_COMMA = "comma"        # , (thousands separator or scaling, decided later)
_PERCENT = "percent"    # %
_EXPONENT = "exponent"  # E+ E- e+ e-
_SLASH = "slash"        # / in a fraction
_AT = "at"              # @, the text itself
_GENERAL = "general"    # General inside a section
_DATE = "date"          # a date or time code, lower-case: yyyy mmm d hh nn s [h] .00 am/pm

# Section kinds.
_NUMBER_SECTION = "number"
_DATE_SECTION = "date"
_TEXT_SECTION = "text"
_EMPTY_SECTION = "empty"


@dataclass(frozen=True)
class _Section:
    """One ``;``-separated part of a number format, tokenised and classified.

    ``scale`` is the power of ten the value is multiplied by before display:
    +2 for each ``%``, -3 for each comma after the last digit placeholder.
    ``precision`` is the number of decimal places of seconds a date section
    shows.
    """

    tokens: tuple[_Token, ...]
    kind: str
    condition: tuple[str, Decimal] | None = None
    language: str = "en"
    grouping: bool = False
    scale: int = 0
    precision: int = 0
    twelve_hour: bool = False
    elapsed: bool = False


# openpyxl 3.1.5 lists built-in format 44 without its section separators.
_OPENPYXL_FIXES = {
    '_("$"* #,##0.00_)_("$"* \\(#,##0.00\\)_("$"* "-"??_)_(@_)':
        '_("$"* #,##0.00_);_("$"* \\(#,##0.00\\);_("$"* "-"??_);_(@_)',
}

_CONDITION = re.compile(r"^(<=|>=|<>|<|>|=)\s*(-?\d+(?:\.\d*)?(?:[eE][-+]?\d+)?)$")
_ELAPSED = re.compile(r"^(h+|m+|s+)$", re.IGNORECASE)
_DATE_LETTERS = "ymdhs"


@lru_cache(maxsize=512)
def _parse_format(number_format: str) -> tuple[_Section, ...]:
    text = _OPENPYXL_FIXES.get(number_format, number_format)
    return tuple(_parse_section(part) for part in _split_sections(text)[:4])


def _split_sections(number_format: str) -> list[str]:
    """Split at ``;`` outside quotes, brackets and backslash escapes."""
    sections, start, index = [], 0, 0
    while index < len(number_format):
        char = number_format[index]
        if char == "\\":
            index += 1
        elif char == '"':
            index = _closing(number_format, index, '"')
        elif char == "[":
            index = _closing(number_format, index, "]")
        elif char == ";":
            sections.append(number_format[start:index])
            start = index + 1
        index += 1
    sections.append(number_format[start:])
    return sections


def _closing(text: str, start: int, char: str) -> int:
    """Return the index of the *char* closing the group opened at *start*."""
    end = text.find(char, start + 1)
    return len(text) if end < 0 else end


def _parse_section(text: str) -> _Section:
    tokens, condition, language = _tokenise(text)
    if not tokens:
        return _Section((), _EMPTY_SECTION, condition, language)
    if any(token.kind == _DATE for token in tokens):
        return _date_section(tokens, condition, language)
    kinds = {token.kind for token in tokens}
    if _AT in kinds and not kinds & {_DIGIT, _GENERAL}:
        return _Section(tuple(tokens), _TEXT_SECTION, condition, language)
    return _number_section(tokens, condition, language)


def _tokenise(text: str) -> tuple[list[_Token], tuple[str, Decimal] | None, str]:
    """Split one section into tokens; also return its condition and language."""
    tokens: list[_Token] = []
    condition = None
    language = "en"
    index = 0
    while index < len(text):
        char = text[index]
        lower = text[index:index + 7].lower()

        if char == '"':
            end = _closing(text, index, '"')
            tokens.append(_Token(_LITERAL, text[index + 1:end]))
            index = end + 1
        elif char == "\\":
            tokens.append(_Token(_LITERAL, text[index + 1:index + 2]))
            index += 2
        elif char == "_":
            tokens.append(_Token(_PAD, " "))
            index += 2
        elif char == "*":
            index += 2  # a fill repeats its character to the column width: none here
        elif char == "[":
            end = _closing(text, index, "]")
            bracket = _read_bracket(text[index + 1:end])
            if isinstance(bracket, _Token):
                tokens.append(bracket)
            elif isinstance(bracket, tuple):
                condition = bracket
            elif bracket:
                language = bracket
            index = end + 1
        elif lower == "general":
            tokens.append(_Token(_GENERAL, "General"))
            index += 7
        elif lower.startswith("am/pm"):
            tokens.append(_Token(_DATE, "am/pm"))
            index += 5
        elif lower.startswith("a/p"):
            tokens.append(_Token(_DATE, text[index:index + 3]))
            index += 3
        elif char in "0#?":
            tokens.append(_Token(_DIGIT, char))
            index += 1
        elif char in "Ee" and text[index + 1:index + 2] in ("+", "-"):
            tokens.append(_Token(_EXPONENT, text[index:index + 2]))
            index += 2
        elif char.lower() in _DATE_LETTERS:
            run = _letter_run(text, index)
            tokens.append(_Token(_DATE, _date_code(run)))
            index += len(run)
        else:
            tokens.append(_single_char_token(char))
            index += 1
    return tokens, condition, language


def _single_char_token(char: str) -> _Token:
    kinds = {".": _POINT, ",": _COMMA, "%": _PERCENT, "/": _SLASH, "@": _AT}
    return _Token(kinds.get(char, _LITERAL), char)


def _letter_run(text: str, index: int) -> str:
    end = index
    while end < len(text) and text[end].lower() == text[index].lower():
        end += 1
    return text[index:end]


def _date_code(run: str) -> str:
    """Map a run of one date letter to its code (``yyy`` is ``yyyy``, ``hhh`` is ``hh``)."""
    letter, length = run[0].lower(), len(run)
    if letter == "y":
        return "yy" if length <= 2 else "yyyy"
    if letter == "m":
        return "mmmm" if length > 5 else letter * length
    if letter == "d":
        return letter * min(length, 4)
    return letter * min(length, 2)


def _read_bracket(content: str) -> _Token | tuple[str, Decimal] | str | None:
    """Interpret ``[...]``: a condition, a currency or locale, an elapsed-time code.

    Returns a token to insert, a ``(operator, value)`` condition, a language
    code, or ``None`` for what only changes the look (colours, ``DBNum``).
    """
    match = _CONDITION.match(content.strip())
    if match:
        return match.group(1), Decimal(match.group(2))
    if _ELAPSED.match(content):
        return _Token(_DATE, f"[{content[0].lower() * min(len(content), 2)}]")
    if content.startswith("$"):
        symbol, _dash, locale_tag = content[1:].partition("-")
        if symbol:
            return _Token(_LITERAL, symbol)
        return _language_of(locale_tag)
    return None


def _language_of(locale_tag: str) -> str | None:
    """Return ``he`` for a Hebrew locale tag (``40D``, ``he-IL``), else ``None``.

    A hexadecimal tag is a Windows LCID, possibly with calendar and digit
    flags in its high bytes. Its low ten bits are the primary language, which
    is 0x0D for Hebrew.
    """
    tag = locale_tag.strip()
    try:
        lcid = int(tag, 16)
    except ValueError:
        return "he" if tag.lower().startswith(("he", "iw")) else None
    return "he" if lcid & 0x3FF == 0x0D else None


def _number_section(tokens: list[_Token], condition: tuple[str, Decimal] | None,
                    language: str) -> _Section:
    """Classify commas and count percent signs of a number section."""
    result: list[_Token] = []
    grouping = False
    scaling_commas = 0
    seen_point = False
    for index, token in enumerate(tokens):
        if token.kind == _POINT:
            seen_point = True
        if token.kind != _COMMA:
            result.append(token)
            continue

        following = tokens[index + 1] if index + 1 < len(tokens) else None
        previous = result[-1] if result else None
        if following is not None and following.kind == _DIGIT:
            # Between digit placeholders: a thousands separator (ignored after the point).
            grouping = grouping or not seen_point
        elif previous is not None and (previous.kind == _DIGIT or tokens[index - 1].kind == _COMMA):
            scaling_commas += 1
        else:
            result.append(_Token(_LITERAL, ","))

    percents = sum(token.kind == _PERCENT for token in result)
    return _Section(tuple(result), _NUMBER_SECTION, condition, language,
                    grouping=grouping, scale=2 * percents - 3 * scaling_commas)


def _date_section(tokens: list[_Token], condition: tuple[str, Decimal] | None,
                  language: str) -> _Section:
    """Resolve minutes against months and fractional seconds in a date section."""
    merged = _merge_fractional_seconds(tokens)
    codes = [index for index, token in enumerate(merged) if token.kind == _DATE]
    result = list(merged)
    for position, index in enumerate(codes):
        if merged[index].text in ("m", "mm") and _is_minute(merged, codes, position):
            result[index] = _Token(_DATE, "n" * len(merged[index].text))

    texts = [token.text for token in result if token.kind == _DATE]
    precision = max((len(text) - 1 for text in texts if text.startswith(".")), default=0)
    return _Section(
        tuple(result), _DATE_SECTION, condition, language,
        precision=min(precision, 3),
        twelve_hour=any(text.lower() in ("am/pm", "a/p") for text in texts),
        elapsed=any(text.startswith("[") for text in texts),
    )


def _merge_fractional_seconds(tokens: list[_Token]) -> list[_Token]:
    """Turn ``.`` followed by ``0`` placeholders into one ``.00`` code."""
    merged: list[_Token] = []
    index = 0
    while index < len(tokens):
        token = tokens[index]
        end = index + 1
        while token.kind == _POINT and end < len(tokens) and tokens[end].text == "0":
            end += 1
        if end > index + 1:
            merged.append(_Token(_DATE, "." + "0" * (end - index - 1)))
        else:
            merged.append(token)
        index = end
    return merged


def _is_minute(tokens: list[_Token], codes: list[int], position: int) -> bool:
    """Tell whether ``m``/``mm`` means minutes: right after an hour or before a second code."""
    previous = tokens[codes[position - 1]].text if position > 0 else ""
    following = tokens[codes[position + 1]].text if position + 1 < len(codes) else ""
    return previous.strip("[]") in ("h", "hh") or following.strip("[]") in ("s", "ss")


# ---------------------------------------------------------------------------
# Choosing a section


def _choose_section(sections: tuple[_Section, ...], number: Decimal) -> tuple[_Section | None, bool]:
    """Pick the section for *number* and tell whether it shows the number without sign.

    Without conditions the sections are positive; negative; zero. A negative
    number in the second section (or a section whose condition admits only
    negative numbers) is shown without its minus sign, because that section
    writes its own form, such as ``(5)``.
    """
    numeric = sections[:3]
    if not any(section.condition for section in numeric[:2]):
        if len(numeric) == 1 or number > 0:
            return numeric[0], False
        if number < 0:
            return numeric[1], True
        return numeric[2 if len(numeric) == 3 else 0], False
    return _choose_by_condition(numeric, number)


def _choose_by_condition(numeric: tuple[_Section, ...], number: Decimal) -> tuple[_Section | None, bool]:
    first = numeric[0]
    first_condition = first.condition or (">=", Decimal(0))
    if _holds(first_condition, number):
        return first, _only_negative(first_condition)
    if len(numeric) == 1:
        return None, False

    second = numeric[1]
    if second.condition is None and len(numeric) == 2:
        return second, False  # the second section takes everything else
    second_condition = second.condition or ("<", Decimal(0))
    if _holds(second_condition, number):
        return second, _only_negative(second_condition)
    if len(numeric) == 3:
        return numeric[2], False
    return None, False


def _holds(condition: tuple[str, Decimal], number: Decimal) -> bool:
    operator, limit = condition
    checks = {
        "<": number < limit, "<=": number <= limit, ">": number > limit,
        ">=": number >= limit, "=": number == limit, "<>": number != limit,
    }
    return checks[operator]


def _only_negative(condition: tuple[str, Decimal]) -> bool:
    operator, limit = condition
    return (operator == "<" and limit <= 0) or (operator == "<=" and limit < 0)


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


def _literal(token: _Token) -> str:
    """Return what a token shows when it is not a placeholder in its context."""
    if token.kind in (_AT, _GENERAL, _EXPONENT):
        return ""
    return token.text


# ---------------------------------------------------------------------------
# Number sections

# Padding (_x, ? placeholders) leaves runs of spaces that only align columns.
_SPACE_RUN = re.compile(" {2,}")


def _format_number_section(section: _Section, number: Decimal, absolute: bool) -> str:
    magnitude = abs(number).scaleb(section.scale)
    kinds = {token.kind for token in section.tokens}

    if _DIGIT not in kinds and _GENERAL not in kinds:
        body = "".join(_literal(token) for token in section.tokens)
    elif _GENERAL in kinds:
        body = "".join(_general_number(magnitude) if token.kind == _GENERAL else _literal(token)
                       for token in section.tokens)
    elif _EXPONENT in kinds:
        body = _render_scientific(section, magnitude)
    elif _is_fraction(section.tokens):
        body = _render_fraction(section, magnitude)
    else:
        body = _render_fixed(section.tokens, magnitude, section.grouping)

    body = _SPACE_RUN.sub(" ", body).strip()
    if number < 0 and not absolute:
        return "-" + body
    return body


def _render_fixed(tokens: tuple[_Token, ...], magnitude: Decimal, grouping: bool) -> str:
    """Render digits into the placeholders before and after the decimal point."""
    point = next((index for index, token in enumerate(tokens) if token.kind == _POINT), None)
    integer_tokens = tokens if point is None else tokens[:point]
    decimal_tokens = () if point is None else tokens[point + 1:]
    places = sum(token.kind == _DIGIT for token in decimal_tokens)

    rounded = _round_places(magnitude, places)
    whole = int(rounded)
    integer_digits = str(whole) if whole else ""
    decimal_digits = format(rounded - whole, "f")[2:2 + places].ljust(places, "0")

    text = _render_integer(integer_tokens, integer_digits, grouping)
    if point is not None:
        text += "." + _render_decimals(decimal_tokens, decimal_digits)
    return text


# Text of a digit placeholder where the number has no digit.
_PLACEHOLDER_FILL = {"0": "0", "#": "", "?": " "}


def _render_integer(tokens: tuple[_Token, ...], digits: str, grouping: bool) -> str:
    """Place *digits* into integer placeholders, right to left.

    Digits beyond the placeholders go into the leftmost one, literals between
    placeholders stay where they are (``000-00-0000``), and a thousands
    separator goes before every third digit when *grouping* is on.
    """
    positions = [index for index, token in enumerate(tokens) if token.kind == _DIGIT]
    pieces = [_literal(token) if token.kind != _DIGIT else "" for token in tokens]
    if not positions:
        # No integer placeholder at all (".00"): Excel still shows the digits.
        return "".join(pieces) + digits

    count = len(positions)
    for place in range(max(count, len(digits))):
        index = positions[max(count - 1 - place, 0)]
        if place < len(digits):
            char = digits[-1 - place]
        else:
            char = _PLACEHOLDER_FILL[tokens[index].text]
        if grouping and place and place % 3 == 0 and char:
            char += " " if char == " " else ","
        pieces[index] = char + pieces[index]
    return "".join(pieces)


def _render_decimals(tokens: tuple[_Token, ...], digits: str) -> str:
    """Place decimal digits left to right; ``#`` and ``?`` drop trailing zeros."""
    last_significant = max((index for index, digit in enumerate(digits) if digit != "0"), default=-1)
    pieces = []
    place = 0
    for token in tokens:
        if token.kind != _DIGIT:
            pieces.append(_literal(token))
            continue
        if place > last_significant:
            pieces.append(_PLACEHOLDER_FILL[token.text])
        else:
            pieces.append(digits[place])
        place += 1
    return "".join(pieces)


def _render_scientific(section: _Section, magnitude: Decimal) -> str:
    """Render ``0.00E+00``; ``##0.0E+0`` keeps the exponent a multiple of three."""
    tokens = section.tokens
    marker = next(index for index, token in enumerate(tokens) if token.kind == _EXPONENT)
    mantissa_tokens, exponent_tokens = tokens[:marker], tokens[marker + 1:]
    point = next((index for index, token in enumerate(mantissa_tokens) if token.kind == _POINT),
                 len(mantissa_tokens))
    integer_placeholders = [token.text for token in mantissa_tokens[:point] if token.kind == _DIGIT]
    places = sum(token.kind == _DIGIT for token in mantissa_tokens[point:])

    width = max(len(integer_placeholders), 1)
    engineering = width > 1 and "#" in integer_placeholders
    step = width if engineering else 1
    if magnitude == 0:
        exponent = 0
    elif engineering:
        exponent = (magnitude.adjusted() // width) * width
    else:
        exponent = magnitude.adjusted() - (width - 1)
    mantissa = _round_places(magnitude.scaleb(-exponent), places)
    if mantissa >= 10 ** width:
        exponent += step
        mantissa = _round_places(magnitude.scaleb(-exponent), places)

    text = _render_fixed(mantissa_tokens, mantissa, section.grouping)
    marker_text = tokens[marker].text
    if exponent < 0:
        sign = "-"
    else:
        sign = "+" if marker_text[1] == "+" else ""
    exponent_text = _render_integer(exponent_tokens, str(abs(exponent)) if exponent else "", False)
    return f"{text}{marker_text[0]}{sign}{exponent_text}"


def _is_fraction(tokens: tuple[_Token, ...]) -> bool:
    slash = next((index for index, token in enumerate(tokens) if token.kind == _SLASH), None)
    return slash is not None and slash > 0 and tokens[slash - 1].kind == _DIGIT


def _render_fraction(section: _Section, magnitude: Decimal) -> str:
    """Render ``# ?/?``, ``# ??/??``, ``?/?`` or a fixed denominator such as ``# ?/16``.

    The fraction is the closest one whose denominator fits the placeholders
    (Python's ``Fraction.limit_denominator``).
    """
    tokens = section.tokens
    slash = next(index for index, token in enumerate(tokens) if token.kind == _SLASH)
    numerator_start = slash
    while numerator_start > 0 and tokens[numerator_start - 1].kind == _DIGIT:
        numerator_start -= 1
    denominator_end, fixed = _denominator_span(tokens, slash)
    whole_tokens = tokens[:numerator_start]
    has_whole = any(token.kind == _DIGIT for token in whole_tokens)

    whole = int(magnitude) if has_whole else 0
    numerator, denominator = _fraction_parts(magnitude - whole, tokens[slash + 1:denominator_end], fixed)
    if has_whole and numerator >= denominator:
        whole += numerator // denominator
        numerator %= denominator

    numerator_tokens = tokens[numerator_start:slash]
    denominator_tokens = tokens[slash + 1:denominator_end]
    rest = "".join(_literal(token) for token in tokens[denominator_end:])
    if has_whole and numerator == 0:
        # A whole number: the fraction's place stays blank.
        head = _render_integer(whole_tokens, str(whole), section.grouping)
        blank = " " * (len(numerator_tokens) + 1 + len(denominator_tokens))
        return head + blank + rest

    head = _render_integer(whole_tokens, str(whole) if whole else "", section.grouping)
    top = _render_integer(numerator_tokens, str(numerator), False)
    if fixed:
        bottom = "".join(token.text for token in denominator_tokens)
    else:
        bottom = str(denominator).ljust(len(denominator_tokens))
    return f"{head}{top}/{bottom}{rest}"


def _denominator_span(tokens: tuple[_Token, ...], slash: int) -> tuple[int, bool]:
    """Return where the denominator ends and whether it is a fixed number (``/16``)."""
    end = slash + 1
    fixed = end < len(tokens) and tokens[end].text.isdigit() and tokens[end].text != "0"
    while end < len(tokens):
        token = tokens[end]
        is_placeholder = token.kind == _DIGIT and not fixed
        is_fixed_digit = fixed and token.text.isdigit() and token.kind in (_LITERAL, _DIGIT)
        if not (is_placeholder or is_fixed_digit):
            break
        end += 1
    return end, fixed


def _fraction_parts(remainder: Decimal, denominator_tokens: tuple[_Token, ...],
                    fixed: bool) -> tuple[int, int]:
    if fixed:
        denominator = int("".join(token.text for token in denominator_tokens))
        numerator = int(_round_places(remainder * denominator, 0))
        return numerator, denominator
    largest = 10 ** len(denominator_tokens) - 1
    fraction = Fraction(remainder).limit_denominator(largest)
    return fraction.numerator, fraction.denominator


# ---------------------------------------------------------------------------
# Dates and times

_EPOCH_1900 = dt.date(1899, 12, 30)
_EPOCH_1904 = dt.date(1904, 1, 1)
_SECONDS_PER_DAY = 86400


class _Moment(NamedTuple):
    """A point in time split into the fields date codes show.

    ``elapsed`` is the whole number of seconds since serial 0, for the
    ``[h]``, ``[m]`` and ``[s]`` codes. ``date`` is ``None`` past 9999-12-31.
    """

    date: tuple[int, int, int, int] | None  # year, month, day, weekday (0 = Monday)
    hour: int
    minute: int
    second: int
    fraction: str
    elapsed: int


def _temporal_seconds(value: object, date1904: bool) -> Decimal | None:
    """Return a date, time or duration as seconds since serial 0, or ``None`` before it."""
    if isinstance(value, dt.timedelta):
        return Decimal(value.days * _SECONDS_PER_DAY + value.seconds) + Decimal(value.microseconds).scaleb(-6)
    if isinstance(value, dt.time):
        return _seconds_of_day(value)

    day = value.date() if isinstance(value, dt.datetime) else value
    serial = _serial_day(day, date1904)
    if serial is None:
        return None
    seconds = Decimal(serial * _SECONDS_PER_DAY)
    if isinstance(value, dt.datetime):
        seconds += _seconds_of_day(value.time())
    return seconds


def _seconds_of_day(value: dt.time) -> Decimal:
    whole = value.hour * 3600 + value.minute * 60 + value.second
    return Decimal(whole) + Decimal(value.microsecond).scaleb(-6)


def _serial_day(day: dt.date, date1904: bool) -> int | None:
    """Return Excel's serial number of *day*, or ``None`` before the first serial date.

    In the 1900 system serial 60 is 1900-02-29, a day that never existed but
    that Excel keeps for compatibility with Lotus 1-2-3, so earlier dates
    are one less than their distance from 1899-12-30.
    """
    if date1904:
        serial = (day - _EPOCH_1904).days
        return serial if serial >= 0 else None
    serial = (day - _EPOCH_1900).days
    if serial < 2:
        return None
    return serial - 1 if serial < 61 else serial


def _serial_date(serial: int, date1904: bool) -> tuple[int, int, int, int] | None:
    """Return (year, month, day, weekday) for a serial day, with Excel's 1900 quirks."""
    try:
        if date1904:
            day = _EPOCH_1904 + dt.timedelta(days=serial)
            return day.year, day.month, day.day, day.weekday()

        # Excel's weekdays before March 1900 follow its fictional 1900-02-29.
        weekday = (_EPOCH_1900 + dt.timedelta(days=serial)).weekday()
        if serial == 0:
            return 1900, 1, 0, weekday
        if serial == 60:
            return 1900, 2, 29, weekday
        offset = serial + 1 if serial < 60 else serial
        day = _EPOCH_1900 + dt.timedelta(days=offset)
        return day.year, day.month, day.day, weekday
    except OverflowError:
        return None


def _moment(seconds: Decimal, date1904: bool, precision: int) -> _Moment:
    """Split non-negative *seconds* after rounding them to *precision* decimal places."""
    total = _round_places(seconds, precision)
    whole = int(total)
    fraction = format(total - whole, "f")[2:2 + precision].ljust(precision, "0")
    days, second_of_day = divmod(whole, _SECONDS_PER_DAY)
    hour, rest = divmod(second_of_day, 3600)
    minute, second = divmod(rest, 60)
    return _Moment(_serial_date(days, date1904), hour, minute, second, fraction, whole)


_DAY_CODES = ("yy", "yyyy", "m", "mm", "mmm", "mmmm", "mmmmm", "d", "dd", "ddd", "dddd")


def _format_date_section(section: _Section, seconds: Decimal, date1904: bool) -> str | None:
    """Render a date section, or return ``None`` where Excel shows ``#####``."""
    negative = seconds < 0
    if negative and not section.elapsed:
        return None
    moment = _moment(abs(seconds), date1904, section.precision)
    uses_date = any(token.kind == _DATE and token.text in _DAY_CODES for token in section.tokens)
    if uses_date and moment.date is None:
        return None

    names = _calendar_names(section.language)
    pieces = [_render_date_code(token.text, moment, section, names) if token.kind == _DATE
              else _literal(token) for token in section.tokens]
    text = "".join(pieces).strip()
    return "-" + text if negative else text


@dataclass(frozen=True)
class _CalendarNames:
    months: dict[int, str]
    month_abbreviations: dict[int, str]
    days: dict[int, str]
    day_abbreviations: dict[int, str]
    am: str
    pm: str


@cache
def _calendar_names(language: str) -> _CalendarNames:
    """Load month, day and AM/PM names for *language* from Babel's CLDR data."""
    locale = Locale.parse(language)
    periods = locale.day_periods["format"]["abbreviated"]
    return _CalendarNames(
        months=dict(locale.months["format"]["wide"]),
        month_abbreviations=dict(locale.months["format"]["abbreviated"]),
        days=dict(locale.days["format"]["wide"]),
        day_abbreviations=dict(locale.days["format"]["abbreviated"]),
        am=periods.get("am", "AM"),
        pm=periods.get("pm", "PM"),
    )


def _render_date_code(code: str, moment: _Moment, section: _Section, names: _CalendarNames) -> str:
    if code.startswith("["):
        return _render_elapsed(code, moment.elapsed)
    if code.startswith("."):
        return "." + moment.fraction[:len(code) - 1]
    if code.lower() in ("am/pm", "a/p"):
        return _render_day_period(code, moment.hour, names)
    if code[0] in "hns":
        return _render_clock(code, moment, section.twelve_hour)
    return _render_calendar(code, moment.date, names)


def _render_elapsed(code: str, elapsed: int) -> str:
    """Render ``[h]``, ``[mm]`` and the like: the total count of that unit."""
    unit = {"h": 3600, "m": 60, "s": 1}[code[1]]
    width = len(code) - 2
    return f"{elapsed // unit:0{width}d}"


def _render_day_period(code: str, hour: int, names: _CalendarNames) -> str:
    if code.lower() == "am/pm":
        return names.am if hour < 12 else names.pm
    # A/P shows one letter, in the case written in the format.
    return code[0] if hour < 12 else code[2]


def _render_clock(code: str, moment: _Moment, twelve_hour: bool) -> str:
    if code[0] == "h":
        value = (moment.hour % 12 or 12) if twelve_hour else moment.hour
    elif code[0] == "n":
        value = moment.minute
    else:
        value = moment.second
    return f"{value:02d}" if len(code) == 2 else str(value)


def _render_calendar(code: str, date: tuple[int, int, int, int] | None,
                     names: _CalendarNames) -> str:
    assert date is not None  # checked by the caller before rendering
    year, month, day, weekday = date
    renderers = {
        "yy": lambda: f"{year % 100:02d}",
        "yyyy": lambda: f"{year:04d}",
        "m": lambda: str(month),
        "mm": lambda: f"{month:02d}",
        "mmm": lambda: names.month_abbreviations[month],
        "mmmm": lambda: names.months[month],
        "mmmmm": lambda: names.months[month][0],
        "d": lambda: str(day),
        "dd": lambda: f"{day:02d}",
        "ddd": lambda: names.day_abbreviations[weekday],
        "dddd": lambda: names.days[weekday],
    }
    return renderers[code]()

"""Render date and time sections from Excel serial dates, with month and day names from Babel."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from functools import cache
from typing import NamedTuple

from babel import Locale

from hypermailer.numberformat.decimals import _round_places
from hypermailer.numberformat.sections import _DATE, _Section, _literal

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

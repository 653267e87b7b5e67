"""Excel's General format for numbers, and which format strings mean General."""

from __future__ import annotations

from decimal import Decimal

from hypermailer.numberformat.decimals import _plain, _round_places


# Excel's General format switches to scientific notation outside this range,
# as a default-width column shows it.
_GENERAL_HUGE = Decimal("1e11")
_GENERAL_TINY = Decimal("1e-9")
_GENERAL_DIGITS = 10
_GENERAL_MANTISSA_PLACES = 5


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

"""Decimal arithmetic for cell numbers, with Excel's 15 significant digits and half-up rounding."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Context, Decimal


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

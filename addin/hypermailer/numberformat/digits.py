"""Render a number section: digit placeholders, thousands, scaling, percent, scientific and fractions."""

from __future__ import annotations

import re
from decimal import Decimal
from fractions import Fraction

from hypermailer.numberformat.decimals import _round_places
from hypermailer.numberformat.general import _general_number
from hypermailer.numberformat.sections import (
    _DIGIT,
    _EXPONENT,
    _GENERAL,
    _LITERAL,
    _POINT,
    _SLASH,
    _Section,
    _Token,
    _literal,
)

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

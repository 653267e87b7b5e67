"""Parse a number format into classified sections and choose the section for a number."""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache
from typing import NamedTuple


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


def _literal(token: _Token) -> str:
    """Return what a token shows when it is not a placeholder in its context."""
    if token.kind in (_AT, _GENERAL, _EXPONENT):
        return ""
    return token.text


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

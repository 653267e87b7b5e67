"""Tests for hypermailer.cells: a cell becomes the text Excel shows.

Expected texts are what Excel (Microsoft 365, en-US or he-IL regional
settings with "." as decimal and "," as thousands separator) shows for the
value under the format. They follow its TEXT() function, where a "*" fill
adds nothing and "_x" adds one space.
"""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal

import openpyxl
import pytest
import xlsxwriter
from openpyxl.styles.numbers import BUILTIN_FORMATS

from hypermailer.campaign import Cell, CellError
from hypermailer.cells import CellDisplayError, cell_reference, format_cell, format_value
from hypermailer.errors import HyperMailerError
from hypermailer.workbook import read_table_file

ACCOUNTING_SHEKEL = '_-* #,##0.00 [$₪-40D]_-;-* #,##0.00 [$₪-40D]_-;_-* "-"?? [$₪-40D]_-;_-@_-'
ACCOUNTING_SHEKEL_HE = '_ ₪ * #,##0.00_ ;_ ₪ * -#,##0.00_ ;_ ₪ * "-"??_ ;_ @_ '


def case(value, number_format, expected, *, date1904=False):
    return pytest.param(value, number_format, expected, date1904,
                        id=f"{value!r} {number_format!r}")


def check(value, number_format, expected, date1904):
    assert format_value(value, number_format, date1904=date1904) == expected


# ---------------------------------------------------------------------------
# The cases the project requires


REQUIRED = [
    case(1234.5, "#,##0.00", "1,234.50"),
    case(0.1, "0%", "10%"),
    case(1234.567, "[$₪-40D] #,##0.00", "₪ 1,234.57"),
    case(-5, "#,##0;(#,##0)", "(5)"),
    case(123, "00000", "00123"),
    case(45291, "dd/mm/yyyy", "31/12/2023"),
    case(dt.datetime(2024, 3, 5, 14, 7), "d/m/yy h:mm", "5/3/24 14:07"),
    case(2.5, "General", "2.5"),
    case(3.0, "General", "3"),
    case(1 / 3, "General", "0.3333333333"),
    case(1e12, "General", "1E+12"),
]


@pytest.mark.parametrize("value, number_format, expected, date1904", REQUIRED)
def test_format_value_required_cases(value, number_format, expected, date1904):
    check(value, number_format, expected, date1904)


# ---------------------------------------------------------------------------
# Values without a number format


SIMPLE_VALUES = [
    case(None, "General", ""),
    case(None, "0.00", ""),
    case("", "General", ""),
    case("00123", "General", "00123"),
    case("  two  spaces  ", "General", "  two  spaces  "),
    case("דנה כהן", "General", "דנה כהן"),
    case('חברה בע"מ', "General", 'חברה בע"מ'),
    case("054-1234567", "0", "054-1234567"),
    case("31/12/2023", "dd/mm/yyyy", "31/12/2023"),
    case(True, "General", "TRUE"),
    case(False, "General", "FALSE"),
    case(True, "0.00", "TRUE"),
]


@pytest.mark.parametrize("value, number_format, expected, date1904", SIMPLE_VALUES)
def test_format_value_text_bool_none(value, number_format, expected, date1904):
    check(value, number_format, expected, date1904)


GENERAL = [
    case(0, "General", "0"),
    case(0.0, "General", "0"),
    case(-0.0, "General", "0"),
    case(7, "General", "7"),
    case(-42, "General", "-42"),
    case(541234567, "General", "541234567"),
    case(99999999999, "General", "99999999999"),
    case(12345678901.0, "General", "12345678901"),
    case(12345678901.5, "General", "12345678902"),
    case(99999999999.9, "General", "1E+11"),
    case(123456789012, "General", "1.23457E+11"),
    case(972541234567, "General", "9.72541E+11"),
    case(10**15, "General", "1E+15"),
    case(-1.5e20, "General", "-1.5E+20"),
    case(1.2345e100, "General", "1.2345E+100"),
    case(0.1 + 0.2, "General", "0.3"),
    case(2 / 3, "General", "0.6666666667"),
    case(-2 / 3, "General", "-0.6666666667"),
    case(1234567.891, "General", "1234567.891"),
    case(1234.56789012, "General", "1234.56789"),
    case(0.000123, "General", "0.000123"),
    case(1e-9, "General", "0.000000001"),
    case(1e-10, "General", "1E-10"),
    case(1.5e-12, "General", "1.5E-12"),
    case(Decimal("12.50"), "General", "12.5"),
    case(5, "general", "5"),
    case(5, "", "5"),
    case(5, None, "5"),
    case(5, "@", "5"),
    case(2.5, "@", "2.5"),
]


@pytest.mark.parametrize("value, number_format, expected, date1904", GENERAL)
def test_format_value_general_numbers(value, number_format, expected, date1904):
    check(value, number_format, expected, date1904)


# ---------------------------------------------------------------------------
# Number formats


FIXED = [
    case(1234.5, "0", "1235"),
    case(1234.5, "0.00", "1234.50"),
    case(1234.5, "#,##0", "1,235"),
    case(1234567.891, "#,##0.00", "1,234,567.89"),
    case(-1234567.891, "#,##0.00", "-1,234,567.89"),
    case(0, "#,##0", "0"),
    case(0.5, "#,##0.00", "0.50"),
    case(0.5, "#.00", ".50"),
    case(0.5, "#.##", ".5"),
    case(1, "#.##", "1."),
    case(1.5, "0.0#", "1.5"),
    case(1.25, "0.0#", "1.25"),
    case(12.5, ".00", "12.50"),
    case(5, "0,000", "0,005"),
    case(1e20, "#,##0", "100,000,000,000,000,000,000"),
    case(123456789012345678, "0", "123456789012346000"),
    # Rounding is half away from zero on the decimal value Excel shows.
    case(2.5, "0", "3"),
    case(-2.5, "0", "-3"),
    case(1.005, "0.00", "1.01"),
    case(0.125, "0.00", "0.13"),
    case(-0.125, "0.00", "-0.13"),
    # Excel keeps the minus sign of a negative number that rounds to zero.
    case(-0.001, "0.00", "-0.00"),
    # Leading-zero masks: postal codes, Israeli ID numbers, phone numbers.
    case(123, "00000", "00123"),
    case(12345678, "000000000", "012345678"),
    case(123456789, "000000000", "123456789"),
    case(1234567890, "000000000", "1234567890"),
    case(541234567, "000-0000000", "054-1234567"),
    case(123456789, "000-00-0000", "123-45-6789"),
    case(5, "???", "5"),
    case(1.5, "0.0??", "1.5"),
    # Percent.
    case(0.1, "0%", "10%"),
    case(0.1234, "0.00%", "12.34%"),
    case(-0.05, "0%", "-5%"),
    case(1.5, "0%", "150%"),
    case(0.123, "0.0%", "12.3%"),
    # A comma after the last digit placeholder divides by 1000.
    case(1234567, '#,##0,"K"', "1,235K"),
    case(1234567, '0.0,,"M"', "1.2M"),
    case(999, "#,##0,", "1"),
    # Literals, escapes, padding and fills.
    case(5, '0" kg"', "5 kg"),
    case(5, "0\\ \\k\\g", "5 kg"),
    case(1234.5, '#,##0 "ש״ח"', "1,235 ש״ח"),
    case(5, "0_)", "5"),
    case(5, "*-0", "5"),
    case(5, '"(" 0 ")"', "( 5 )"),
    case(-5, '"x"', "-x"),
    case(5, "[Blue]0", "5"),
    case(5, "[Color10]0.0", "5.0"),
    case(5, "[DBNum1]0", "5"),
]


@pytest.mark.parametrize("value, number_format, expected, date1904", FIXED)
def test_format_value_fixed_formats(value, number_format, expected, date1904):
    check(value, number_format, expected, date1904)


CURRENCY = [
    case(1234.567, '"₪"#,##0.00', "₪1,234.57"),
    case(-1234.567, '"₪"#,##0.00', "-₪1,234.57"),
    case(1234.567, '#,##0.00 "₪"', "1,234.57 ₪"),
    case(1234.567, "[$₪-40D] #,##0.00", "₪ 1,234.57"),
    case(1234.567, "#,##0.00 [$₪-40D]", "1,234.57 ₪"),
    case(1234.567, "[$₪-he-IL] #,##0.00", "₪ 1,234.57"),
    case(1234.567, "[$€-x-euro2] #,##0.00", "€ 1,234.57"),
    case(1234.567, "#,##0.00 [$€-1]", "1,234.57 €"),
    case(1234.567, "[$$-409]#,##0.00", "$1,234.57"),
    case(1234.567, "[$USD] #,##0", "USD 1,235"),
    case(1234.567, "[$-40D]#,##0.00", "1,234.57"),
    case(1234.567, "[$-he-IL]0.0", "1234.6"),
    # Accounting: Excel's "Accounting" format in a he-IL workbook.
    case(1234.567, ACCOUNTING_SHEKEL, "1,234.57 ₪"),
    case(-1234.567, ACCOUNTING_SHEKEL, "-1,234.57 ₪"),
    case(0, ACCOUNTING_SHEKEL, "- ₪"),
    case("הערה", ACCOUNTING_SHEKEL, "הערה"),
    case(1234.567, ACCOUNTING_SHEKEL_HE, "₪ 1,234.57"),
    case(-1234.567, ACCOUNTING_SHEKEL_HE, "₪ -1,234.57"),
    case(0, ACCOUNTING_SHEKEL_HE, "₪ -"),
    case(" padded text ", ACCOUNTING_SHEKEL_HE, " padded text "),
]


@pytest.mark.parametrize("value, number_format, expected, date1904", CURRENCY)
def test_format_value_currency_and_accounting(value, number_format, expected, date1904):
    check(value, number_format, expected, date1904)


SECTIONS = [
    case(5, "#,##0;(#,##0)", "5"),
    case(-5, "#,##0;(#,##0)", "(5)"),
    case(0, "#,##0;(#,##0)", "0"),
    case(-1234.5, "#,##0.00;[Red]-#,##0.00", "-1,234.50"),
    case(-1234.5, "#,##0.00;[Red]#,##0.00", "1,234.50"),
    case(0, '0;-0;"zero"', "zero"),
    case(-3, '0;-0;"zero"', "-3"),
    case(-5, "0;;", ""),
    case(0, "0;-0;", ""),
    case(5, ";;;", ""),
    case("hidden", ";;;", ""),
    case("Dana", '0;-0;0;"Dear "@', "Dear Dana"),
    case("Dana", '"Name: "@', "Name: Dana"),
    case("Dana", "@", "Dana"),
    case("Dana", "0.00", "Dana"),
    case("Dana", "0;-0", "Dana"),
    case(12.5, '"₪"General', "₪12.5"),
    case(-12.5, "General;(General)", "(12.5)"),
    case(3, 'General" units"', "3 units"),
    # Conditions choose the section; a section for negatives only drops the sign.
    case(5, '[Red][<=10]0;[Blue][>10]"big"', "5"),
    case(12, '[Red][<=10]0;[Blue][>10]"big"', "big"),
    case(500, '[<1000]0;#,##0,"K"', "500"),
    case(5000, '[<1000]0;#,##0,"K"', "5K"),
    case(-5, '[<1000]0;#,##0,"K"', "-5"),
    case(5, '[<0]"minus "0;"plus "0', "plus 5"),
    case(-5, '[<0]"minus "0;"plus "0', "minus 5"),
    case(1234567, "[<=9999999]###-####;(###) ###-####", "123-4567"),
    case(5412345678, "[<=9999999]###-####;(###) ###-####", "(541) 234-5678"),
    case(5, "[=1]\"one\";[=2]\"two\";\"many\"", "many"),
    case(2, "[=1]\"one\";[=2]\"two\";\"many\"", "two"),
    case(50, "[>100]0;[<-100]0", "50"),
]


@pytest.mark.parametrize("value, number_format, expected, date1904", SECTIONS)
def test_format_value_sections_and_conditions(value, number_format, expected, date1904):
    check(value, number_format, expected, date1904)


SCIENTIFIC_AND_FRACTIONS = [
    case(12345, "0.00E+00", "1.23E+04"),
    case(-12345, "0.00E+00", "-1.23E+04"),
    case(0.000123, "0.00E+00", "1.23E-04"),
    case(0, "0.00E+00", "0.00E+00"),
    case(9.999, "0.00E+00", "1.00E+01"),
    case(12345, "0.0E-0", "1.2E4"),
    case(0.00012, "0.0E-0", "1.2E-4"),
    case(12345, "##0.0E+0", "12.3E+3"),
    case(1234.5, "##0.0E+0", "1.2E+3"),
    case(999999, "##0.0E+0", "1.0E+6"),
    case(1234.5, "00.00E+00", "12.35E+02"),
    case(1.5, "# ?/?", "1 1/2"),
    case(0.5, "# ?/?", "1/2"),
    case(2, "# ?/?", "2"),
    case(0, "# ?/?", "0"),
    case(-1.25, "# ?/?", "-1 1/4"),
    case(0.3333, "# ??/??", "1/3"),
    case(3.14159265, "# ??/??", "3 14/99"),
    case(1.5, "?/?", "3/2"),
    case(0.5, "# ?/16", "8/16"),
    case(1.3, "# ?/4", "1 1/4"),
    case(1.99, "# ?/4", "2"),
]


@pytest.mark.parametrize("value, number_format, expected, date1904", SCIENTIFIC_AND_FRACTIONS)
def test_format_value_scientific_and_fractions(value, number_format, expected, date1904):
    check(value, number_format, expected, date1904)


# ---------------------------------------------------------------------------
# Dates and times

MARCH_5 = dt.datetime(2024, 3, 5, 14, 7, 30)

DATES = [
    case(45291, "dd/mm/yyyy", "31/12/2023"),
    case(45291.75, "dd/mm/yyyy hh:mm", "31/12/2023 18:00"),
    case(45291, "d/m/yy", "31/12/23"),
    case(45292, "d/m/yy", "1/1/24"),
    # A code renders as written, like a custom format with that code. The file
    # reader gives built-in formats 14 and 22, which openpyxl reports as
    # "mm-dd-yy" and "m/d/yy h:mm", the regional dd/mm/yyyy codes instead
    # (test_format_cell_builtin_dates_from_file).
    case(45291, "mm-dd-yy", "12-31-23"),
    case(45291, "d-mmm-yy", "31-Dec-23"),
    case(45291, "d-mmm", "31-Dec"),
    case(45291, "mmm-yy", "Dec-23"),
    case(45291, "mmmm", "December"),
    case(45291, "mmmmm", "D"),
    case(45291, "dddd", "Sunday"),
    case(45291, "ddd", "Sun"),
    case(45291, "dddd, mmmm d, yyyy", "Sunday, December 31, 2023"),
    case(45291, "[$-F800]dddd\\,\\ mmmm\\ dd\\,\\ yyyy", "Sunday, December 31, 2023"),
    case(45291, "yyyy-mm-dd", "2023-12-31"),
    case(45291, "y", "23"),
    case(45291, "yyy", "2023"),
    case(45291, "[$-409]mmmm", "December"),
    # Hebrew names when the format carries a Hebrew locale.
    case(45291, "[$-40D]dddd d mmmm yyyy", "יום ראשון 31 דצמבר 2023"),
    case(45291, "[$-he-IL]mmm", "דצמ׳"),
    case(45291, "[$-he-IL]ddd", "יום א׳"),
    case(45293, "[$-101040D]d mmmm yyyy", "2 ינואר 2024"),
    case(45291, "[$-40D]mmmmm", "ד"),
    # Python date and time values.
    case(MARCH_5, "d/m/yy h:mm", "5/3/24 14:07"),
    case(MARCH_5, "dd/mm/yyyy hh:mm:ss", "05/03/2024 14:07:30"),
    case(MARCH_5, "m/d/yy h:mm", "3/5/24 14:07"),
    case(MARCH_5, "h:mm AM/PM", "2:07 PM"),
    case(MARCH_5, "h:mm:ss AM/PM", "2:07:30 PM"),
    case(MARCH_5, "hh:mm A/P", "02:07 P"),
    case(MARCH_5, "hh:mm a/p", "02:07 p"),
    case(dt.datetime(2024, 3, 5, 0, 30), "h:mm AM/PM", "12:30 AM"),
    case(dt.datetime(2024, 3, 5, 12, 0), "h AM/PM", "12 PM"),
    case(MARCH_5, 'h "hours" m "minutes"', "14 hours 7 minutes"),
    case(dt.date(2024, 3, 5), "dd/mm/yyyy", "05/03/2024"),
    case(dt.date(2024, 3, 5), "dddd", "Tuesday"),
    case(dt.time(9, 5, 3), "h:mm", "9:05"),
    case(dt.time(9, 5, 3), "hh:mm:ss", "09:05:03"),
    case(dt.time(0, 1, 5), "mm:ss", "01:05"),
    case(dt.time(0, 0, 1, 250000), "mm:ss.0", "00:01.3"),
    case(dt.time(0, 12, 34, 500000), "mmss.0", "1234.5"),
    case(dt.time(0, 0, 1, 234000), "ss.000", "01.234"),
    case(dt.time(14, 7), "dd/mm/yyyy h:mm", "00/01/1900 14:07"),
    # Excel rounds to the shown seconds and carries into the next day.
    case(dt.datetime(2024, 1, 1, 23, 59, 59, 600000), "dd/mm/yyyy hh:mm:ss", "02/01/2024 00:00:00"),
    # Excel never rounds to minutes: 14:07:59 under h:mm is 14:07.
    case(dt.datetime(2024, 1, 1, 14, 7, 59), "h:mm", "14:07"),
    # Elapsed time.
    case(dt.timedelta(hours=27, minutes=3), "[h]:mm:ss", "27:03:00"),
    case(dt.timedelta(hours=-2, minutes=-30), "[h]:mm", "-2:30"),
    case(1.5, "[h]:mm", "36:00"),
    case(1 / 24, "[mm]:ss", "60:00"),
    case(1 / 24, "[s]", "3600"),
    case(0.25, "[hh]", "06"),
    case(2.75, "d \"days\" h:mm", "2 days 18:00"),
    # Serial numbers and the 1900 date system's fictional 1900-02-29.
    case(1, "dd/mm/yyyy", "01/01/1900"),
    case(1, "dddd", "Sunday"),
    case(59, "dd/mm/yyyy", "28/02/1900"),
    case(60, "dd/mm/yyyy", "29/02/1900"),
    case(61, "dd/mm/yyyy", "01/03/1900"),
    case(0, "dd/mm/yyyy", "00/01/1900"),
    case(2958465, "dd/mm/yyyy", "31/12/9999"),
    case(dt.datetime(1900, 2, 28), "dd/mm/yyyy", "28/02/1900"),
    case(dt.datetime(1900, 3, 1), "dd/mm/yyyy", "01/03/1900"),
    # The 1904 date system.
    case(0, "dd/mm/yyyy", "01/01/1904", date1904=True),
    case(43829, "dd/mm/yyyy", "31/12/2023", date1904=True),
    case(dt.datetime(2023, 12, 31), "dd/mm/yyyy", "31/12/2023", date1904=True),
    # Out of Excel's range, Excel shows ##### and this module the General text.
    case(-1, "dd/mm/yyyy", "-1"),
    case(3000000, "dd/mm/yyyy", "3000000"),
    case(dt.datetime(1850, 1, 2), "dd/mm/yyyy", "02/01/1850"),
    # A date under a number format shows its serial number.
    case(dt.datetime(2023, 12, 31, 12), "0.00", "45291.50"),
    case(dt.date(2023, 12, 31), "#,##0", "45,291"),
]


@pytest.mark.parametrize("value, number_format, expected, date1904", DATES)
def test_format_value_dates_and_times(value, number_format, expected, date1904):
    check(value, number_format, expected, date1904)


GENERAL_DATES = [
    case(dt.datetime(2024, 3, 5), "General", "05/03/2024"),
    case(dt.datetime(2024, 3, 5, 14, 7), "General", "05/03/2024 14:07"),
    case(MARCH_5, "General", "05/03/2024 14:07:30"),
    case(dt.date(2024, 3, 5), "General", "05/03/2024"),
    case(dt.time(14, 7), "General", "14:07"),
    case(dt.time(14, 7, 5), "General", "14:07:05"),
    case(dt.time(0, 0), "General", "00:00"),
    case(dt.timedelta(hours=36), "General", "36:00"),
    case(dt.timedelta(hours=36, seconds=5), "General", "36:00:05"),
    case(dt.datetime(2024, 3, 5), "@", "05/03/2024"),
]


@pytest.mark.parametrize("value, number_format, expected, date1904", GENERAL_DATES)
def test_format_value_general_dates(value, number_format, expected, date1904):
    check(value, number_format, expected, date1904)


# ---------------------------------------------------------------------------
# Built-in formats as openpyxl names them

BUILTIN_EXPECTED = {
    0: "-1234.5678",
    1: "-1235",
    2: "-1234.57",
    3: "-1,235",
    4: "-1,234.57",
    5: "($1,235)",
    6: "($1,235)",
    7: "($1,234.57)",
    8: "($1,234.57)",
    9: "-123457%",
    10: "-123456.78%",
    11: "-1.23E+03",
    12: "-1234 4/7",
    13: "-1234 46/81",
    37: "(1,235)",
    38: "(1,235)",
    39: "(1,234.57)",
    40: "(1,234.57)",
    41: "(1,235)",
    42: "$(1,235)",
    43: "(1,234.57)",
    44: "$(1,234.57)",
    48: "-1.2E+3",
    49: "-1234.5678",
}


@pytest.mark.parametrize("index", sorted(BUILTIN_EXPECTED))
def test_format_value_builtin_number_formats(index):
    assert format_value(-1234.5678, BUILTIN_FORMATS[index]) == BUILTIN_EXPECTED[index]


# Formats 14 and 22 follow the regional settings: see
# test_format_cell_builtin_dates_from_file.
BUILTIN_DATE_EXPECTED = {
    15: "5-Mar-24",
    16: "5-Mar",
    17: "Mar-24",
    18: "2:07 PM",
    19: "2:07:30 PM",
    20: "14:07",
    21: "14:07:30",
    45: "07:30",
    46: "1088558:07:30",
    47: "0730.0",
}


@pytest.mark.parametrize("index", sorted(BUILTIN_DATE_EXPECTED))
def test_format_value_builtin_date_formats(index):
    assert format_value(MARCH_5, BUILTIN_FORMATS[index]) == BUILTIN_DATE_EXPECTED[index]


def test_format_value_builtin_accounting_zero():
    assert format_value(0, BUILTIN_FORMATS[43]) == "-"


def test_format_value_builtin_accounting_text():
    assert format_value("note", BUILTIN_FORMATS[44]) == "note"


# ---------------------------------------------------------------------------
# Formats that cannot be interpreted


@pytest.mark.parametrize("number_format", [
    "[", '"unclosed', "0.00E+", "E+", "\\", "_", "*", "[<abc]0", "0;0;0;@;0;0",
    "[h", "#,##0.00;;;;", "??/", "/?", "0/0", "[$", "[$-ZZZ]dd", "[>]0", "0.0.0", "%%%",
])
def test_format_value_odd_formats_never_raise(number_format):
    for value in (0, -1.5, 1234.5678, 45291, dt.datetime(2024, 3, 5, 14, 7), "text"):
        assert isinstance(format_value(value, number_format), str)


def test_format_value_random_formats_never_raise():
    alphabet = '0#?.,%E+-/@;"\\_*[]$<>=hmsdyAP: General'
    generator = random.Random(20240305)
    values = (0, -7, 0.5, 1234.5678, 1e15, dt.datetime(2024, 3, 5, 14, 7), dt.timedelta(hours=30))
    for _ in range(3000):
        number_format = "".join(generator.choice(alphabet) for _ in range(generator.randint(1, 14)))
        for value in values:
            assert isinstance(format_value(value, number_format), str), number_format


def test_format_value_unknown_object_uses_str():
    assert format_value(complex(1, 2), "0.00") == "(1+2j)"


# ---------------------------------------------------------------------------
# Cells


def test_format_cell_uses_value_and_format():
    cell = Cell(0.175, "0.0%", "C7")
    assert format_cell(cell) == "17.5%"


def test_format_cell_date1904_serial():
    cell = Cell(0, "dd/mm/yyyy", "D2")
    assert format_cell(cell, date1904=True) == "01/01/1904"


def test_format_cell_error_value_raises():
    cell = Cell("#N/A", "General", "C7", CellError.ERROR_VALUE)
    with pytest.raises(CellDisplayError) as raised:
        format_cell(cell)
    assert raised.value.coordinate == "C7"
    assert "C7" in str(raised.value)
    assert "#N/A" in str(raised.value)
    assert "formula" in str(raised.value)


def test_format_cell_error_names_sheet():
    cell = Cell("#DIV/0!", "0.00", "E12", CellError.ERROR_VALUE)
    with pytest.raises(CellDisplayError) as raised:
        format_cell(cell, sheet="נמענים")
    assert "'נמענים'!E12" in str(raised.value)
    assert raised.value.sheet == "נמענים"


def test_format_cell_uncalculated_formula_raises():
    cell = Cell(None, "General", "F3", CellError.UNCALCULATED)
    with pytest.raises(CellDisplayError) as raised:
        format_cell(cell)
    assert "F3" in str(raised.value)
    assert "save" in str(raised.value)


def test_cell_display_error_is_hypermailer_error():
    assert issubclass(CellDisplayError, HyperMailerError)


def test_cell_reference_quotes_sheet():
    assert cell_reference("Recipients", "A7") == "'Recipients'!A7"


def test_cell_reference_doubles_quote():
    assert cell_reference("Dana's list", "B2") == "'Dana''s list'!B2"


def test_cell_reference_without_sheet():
    assert cell_reference("", "B2") == "B2"


# ---------------------------------------------------------------------------
# A real workbook: formats exactly as Excel stores them, read back by openpyxl

WORKBOOK_CASES = [
    (1234.567, "[$₪-40D] #,##0.00", "₪ 1,234.57"),
    (1234.567, '"₪"#,##0.00', "₪1,234.57"),
    (1234.567, '#,##0.00 "₪"', "1,234.57 ₪"),
    (-1234.567, ACCOUNTING_SHEKEL, "-1,234.57 ₪"),
    (12345678, "000000000", "012345678"),
    (0.175, "0.0%", "17.5%"),
    (0.1, "0%", "10%"),
    (1234.5, "#,##0.00", "1,234.50"),
    (-5, "#,##0;(#,##0)", "(5)"),
    (45291, "dd/mm/yyyy", "31/12/2023"),
    (45291.6, "[$-40D]dddd d mmmm yyyy", "יום ראשון 31 דצמבר 2023"),
    (0.604166666666667, "h:mm", "14:30"),
    (1.5, "[h]:mm:ss", "36:00:00"),
    (3.0, "General", "3"),
    (1 / 3, "General", "0.3333333333"),
    ("00123", "@", "00123"),
    ("דנה", "General", "דנה"),
]


def test_format_cell_from_xlsx_file(tmp_path):
    path = tmp_path / "formats.xlsx"
    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet("נמענים")
    for row, (value, number_format, _expected) in enumerate(WORKBOOK_CASES):
        sheet.write(row, 0, value, book.add_format({"num_format": number_format}))
    book.close()

    loaded = openpyxl.load_workbook(path)["נמענים"]
    for row, (_value, number_format, expected) in enumerate(WORKBOOK_CASES, start=1):
        stored = loaded.cell(row=row, column=1)
        cell = Cell(stored.value, stored.number_format, stored.coordinate)
        assert format_cell(cell) == expected, (number_format, stored.value, stored.number_format)


def test_format_cell_from_xlsx_file_1904(tmp_path):
    path = tmp_path / "mac.xlsx"
    book = xlsxwriter.Workbook(str(path), {"date_1904": True})
    sheet = book.add_worksheet()
    sheet.write_number(0, 0, 43829, book.add_format({"num_format": "dd/mm/yyyy"}))
    book.close()

    loaded = openpyxl.load_workbook(path)
    stored = loaded.active["A1"]
    date1904 = loaded.epoch.year == 1904
    cell = Cell(stored.value, stored.number_format, stored.coordinate)
    assert format_cell(cell, date1904=date1904) == "31/12/2023"


def test_format_cell_builtin_dates_from_file(tmp_path):
    # openpyxl saves "mm-dd-yy" and "m/d/yy h:mm" as built-in ids 14 and 22,
    # which Excel shows in the user's regional short date.
    path = tmp_path / "dates.xlsx"
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "נמענים"
    sheet.append(["Email", "תאריך", "עדכון", "מותאם"])
    sheet.append(["a@example.com", MARCH_5, MARCH_5, MARCH_5])
    sheet["B2"].number_format = BUILTIN_FORMATS[14]
    sheet["C2"].number_format = BUILTIN_FORMATS[22]
    sheet["D2"].number_format = "mm/dd/yyyy"
    workbook.save(path)

    short_date, date_time, custom = read_table_file(path).rows[0].cells[1:]
    assert format_cell(short_date) == "05/03/2024"
    assert format_cell(date_time) == "05/03/2024 14:07"
    assert format_cell(custom) == "03/05/2024"

"""Tests of the clipboard parser (hypermailer.clipboard) on text shaped as Excel and Sheets copy it."""

from __future__ import annotations

import pytest

from hypermailer.clipboard import PastedRows, has_header, parse_clipboard, parse_grid, table_content
from hypermailer.i18n import get_language, set_language


@pytest.fixture(autouse=True)
def english_messages():
    previous = get_language()
    set_language("en")
    yield
    set_language(previous)


EXCEL_WITH_HEADER = (
    "דואר אלקטרוני\tשם מלא\tמספר לקוח\tסכום\r\n"
    "dana@example.com\tדנה כהן\t00123\t₪1,234.50\r\n"
    "moshe@example.org\tמשה לוי\t00456\t₪80.00\r\n"
)


def test_clipboard_excel_header_detected() -> None:
    pasted = parse_clipboard(EXCEL_WITH_HEADER)
    assert pasted.header == ("דואר אלקטרוני", "שם מלא", "מספר לקוח", "סכום")


def test_clipboard_excel_rows_kept_as_text() -> None:
    pasted = parse_clipboard(EXCEL_WITH_HEADER)
    assert pasted.rows == (
        ("dana@example.com", "דנה כהן", "00123", "₪1,234.50"),
        ("moshe@example.org", "משה לוי", "00456", "₪80.00"),
    )


def test_clipboard_no_header_when_first_line_is_address() -> None:
    pasted = parse_clipboard("dana@example.com\tדנה\r\nmoshe@example.org\tמשה\r\n")
    assert pasted.header is None
    assert len(pasted.rows) == 2


def test_clipboard_address_in_second_column() -> None:
    text = "שם\tכתובת\nדנה\tdana@example.com\nמשה\tmoshe@example.org\n"
    assert parse_clipboard(text).header == ("שם", "כתובת")


def test_clipboard_display_name_address_counts_as_address() -> None:
    text = "דנה כהן <dana@example.com>\t1\nמשה <moshe@example.org>\t2\n"
    assert parse_clipboard(text).header is None


def test_clipboard_quoted_multiline_cell() -> None:
    text = 'Email\tNote\r\ndana@example.com\t"first line\nsecond line"\r\n'
    pasted = parse_clipboard(text)
    assert pasted.rows == (("dana@example.com", "first line\nsecond line"),)


def test_clipboard_quoted_cell_with_tab_and_quotes() -> None:
    text = 'Email\tCompany\r\ndana@example.com\t"אופק ""בע""מ""\tסניף"\r\n'
    assert parse_clipboard(text).rows[0][1] == 'אופק "בע"מ"\tסניף'


def test_clipboard_bare_quote_inside_cell_kept() -> None:
    text = 'Email\tCompany\r\ndana@example.com\tאופק בע"מ\r\n'
    assert parse_clipboard(text).rows[0][1] == 'אופק בע"מ'


def test_clipboard_crlf_inside_quoted_cell_becomes_lf() -> None:
    text = 'Email\tNote\r\ndana@example.com\t"a\r\nb"\r\n'
    assert parse_clipboard(text).rows[0][1] == "a\nb"


def test_clipboard_trailing_empty_columns_dropped() -> None:
    text = "Email\tName\t\t\r\ndana@example.com\tDana\t\t\r\n"
    pasted = parse_clipboard(text)
    assert pasted.header == ("Email", "Name")
    assert pasted.rows == (("dana@example.com", "Dana"),)


def test_clipboard_inner_empty_column_kept() -> None:
    text = "Email\t\tName\r\ndana@example.com\t\tDana\r\n"
    assert parse_clipboard(text).rows[0] == ("dana@example.com", "", "Dana")


def test_clipboard_short_lines_padded() -> None:
    text = "Email\tName\tCity\r\ndana@example.com\tDana\r\n"
    assert parse_clipboard(text).rows[0] == ("dana@example.com", "Dana", "")


def test_clipboard_trailing_blank_lines_dropped() -> None:
    text = "dana@example.com\tDana\r\n\r\n\t\r\n"
    assert parse_clipboard(text).rows == (("dana@example.com", "Dana"),)


def test_clipboard_unix_line_ends() -> None:
    text = "Email\nDana@example.com\nmoshe@example.org"
    pasted = parse_clipboard(text)
    assert pasted.header == ("Email",)
    assert len(pasted.rows) == 2


def test_clipboard_old_mac_line_ends() -> None:
    assert parse_grid("a\tb\rc\td\r") == [["a", "b"], ["c", "d"]]


def test_clipboard_byte_order_mark_removed() -> None:
    assert parse_clipboard("\ufeffEmail\r\ndana@example.com\r\n").header == ("Email",)


def test_clipboard_leading_zeros_and_formula_text_kept() -> None:
    text = "dana@example.com\t007\t=1+1\r\n"
    assert parse_clipboard(text).rows[0] == ("dana@example.com", "007", "=1+1")


def test_clipboard_single_header_line_without_rows() -> None:
    pasted = parse_clipboard("Email\tName\r\n")
    assert pasted.header == ("Email", "Name")
    assert pasted.rows == ()


def test_clipboard_single_number_line_is_data() -> None:
    assert parse_clipboard("Dana\t123\r\n").header is None


def test_clipboard_empty_raises() -> None:
    with pytest.raises(ValueError, match="no rows"):
        parse_clipboard("\r\n\t\r\n")


def test_clipboard_width_property() -> None:
    assert parse_clipboard(EXCEL_WITH_HEADER).width == 4


def test_has_header_address_column_majority() -> None:
    grid = [["Email"], ["dana@example.com"], ["not an address"], ["moshe@example.org"]]
    assert has_header(grid)


def test_table_content_pasted_header_then_status() -> None:
    pasted = PastedRows(header=("Email", "Name"), rows=(("a@example.com", "A"),))
    header, rows = table_content(pasted, ("Old", "Send status"), "Send status")
    assert header == ["Email", "Name", "Send status"]
    assert rows == [["a@example.com", "A", ""]]


def test_table_content_keeps_current_header_without_status() -> None:
    pasted = PastedRows(header=None, rows=(("a@example.com", "A"),))
    header, _rows = table_content(pasted, ("Email", "Name", "סטטוס שליחה"), "סטטוס שליחה")
    assert header == ["Email", "Name", "סטטוס שליחה"]


def test_table_content_names_extra_columns() -> None:
    pasted = PastedRows(header=None, rows=(("a@example.com", "A", "x"),))
    header, rows = table_content(pasted, ("Email", "Send status"), "Send status")
    assert header == ["Email", "Field 2", "Field 3", "Send status"]
    assert rows == [["a@example.com", "A", "x", ""]]


def test_table_content_pads_narrow_rows() -> None:
    pasted = PastedRows(header=None, rows=(("a@example.com",),))
    header, rows = table_content(pasted, ("Email", "Name", "Amount", "Send status"), "Send status")
    assert rows == [["a@example.com", "", "", ""]]
    assert len(header) == 4

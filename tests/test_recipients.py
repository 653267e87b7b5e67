"""Tests for hypermailer.recipients: table rows become recipients or problems."""

from __future__ import annotations

import datetime as dt
import time
from pathlib import Path

import openpyxl
import pytest

from hypermailer.campaign import Cell, CellError, SourceRow, Table
from hypermailer.errors import HyperMailerError
from hypermailer.recipients import (
    AddressError,
    Problem,
    Recipient,
    RecipientList,
    address_key,
    normalise_address,
    read_recipients,
    split_addresses,
)
from hypermailer.workbook.reader import read_table_file

SHEET = "נמענים"


def make_table(header, *rows, status_column=None, hidden=(), date1904=False):
    """Build a table whose first data row is sheet row 2; a row is a list of values or Cells."""
    source_rows = []
    for number, values in enumerate(rows, start=2):
        cells = tuple(value if isinstance(value, Cell) else Cell(value) for value in values)
        source_rows.append(SourceRow(number, cells, hidden=number in hidden))
    return Table(SHEET, tuple(header), tuple(source_rows), status_column, date1904)


def read(table, base_folder=Path("."), unsubscribed=()):
    return read_recipients(table, base_folder=base_folder, unsubscribed=unsubscribed)


def kinds(result: RecipientList) -> list[tuple[int | None, str]]:
    return [(problem.row, problem.kind) for problem in result.problems]


def only_problem(result: RecipientList) -> Problem:
    assert len(result.problems) == 1, result.problems
    return result.problems[0]


def assert_problem(problem: Problem, **expected) -> None:
    """Check the named attributes of *problem*, one assert each."""
    for name, value in expected.items():
        assert getattr(problem, name) == value, (name, problem)


# ---------------------------------------------------------------------------
# normalise_address


@pytest.mark.parametrize("text, expected", [
    ("dana@example.com", ("", "dana@example.com")),
    ("  dana@example.com  ", ("", "dana@example.com")),
    ("\tdana@example.com\t", ("", "dana@example.com")),
    ("\u00a0dana@example.com\u202f", ("", "dana@example.com")),
    ("\u200fdana@example.com\u200f", ("", "dana@example.com")),
    ("\u202bdana@example.com\u202c", ("", "dana@example.com")),
    ("\u2067dana@example.com\u2069", ("", "dana@example.com")),
    ("\ufeffdana@example.com\u200b", ("", "dana@example.com")),
    ("dana@\u200eexample.com", ("", "dana@example.com")),
    ("Dana@EXAMPLE.COM", ("", "Dana@example.com")),
    ("mailto:dana@example.com", ("", "dana@example.com")),
    ("MAILTO:dana@example.com?subject=Hello", ("", "dana@example.com")),
    ("Dana <mailto:dana@example.com>", ("Dana", "dana@example.com")),
    ("Dana Cohen <dana@example.com>", ("Dana Cohen", "dana@example.com")),
    ('"Cohen, Dana" <dana@example.com>', ("Cohen, Dana", "dana@example.com")),
    ("דנה כהן <dana@example.com>", ("דנה כהן", "dana@example.com")),
    ('"כהן, דנה" <dana@example.com>', ("כהן, דנה", "dana@example.com")),
    ("\u200fדנה כהן\u200f <dana@example.com>\u200f", ("דנה כהן", "dana@example.com")),
    ('"חברה בע\\"מ" <office@example.com>', ('חברה בע"מ', "office@example.com")),
    ("Dana J. Cohen <dana@example.com>", ("Dana J. Cohen", "dana@example.com")),
    ("<dana@example.com>", ("", "dana@example.com")),
    ("user@דוגמה.co.il", ("", "user@xn--6dbbec0c.co.il")),
    ("user@דוגמה.קום", ("", "user@xn--6dbbec0c.xn--9dbq2a")),
    ("דנה <user@דוגמה.co.il>", ("דנה", "user@xn--6dbbec0c.co.il")),
    ("user@BÜCHER.de", ("", "user@xn--bcher-kva.de")),
    ("first.last+tag@sub.example.co.il", ("", "first.last+tag@sub.example.co.il")),
    ('אור ים בע"מ <office@example.com>', ('אור ים בע"מ', "office@example.com")),
    ('ת"א יפו <a@example.com>', ('ת"א יפו', "a@example.com")),
    ('אור ים בע"מ ת"א <a@example.com>', ('אור ים בע"מ ת"א', "a@example.com")),
    ('"אור ים בע"מ" <a@example.com>', ('אור ים בע"מ', "a@example.com")),
    ('"אור ים בע"מ, סניף חיפה" <a@example.com>', ('אור ים בע"מ, סניף חיפה', "a@example.com")),
    ('\u200fאור ים בע\u200f"\u200fמ\u200f <a@example.com>', ('אור ים בע"מ', "a@example.com")),
    ('  אור ים בע"מ   <a@example.com>;', ('אור ים בע"מ', "a@example.com")),
    ("Dana [Sales] <dana@example.com>", ("Dana [Sales]", "dana@example.com")),
    ("dana@example.com;", ("", "dana@example.com")),
    ("dana@example.com,", ("", "dana@example.com")),
    ("dana@example.com ; ", ("", "dana@example.com")),
    ("dana@example.com;\u200f", ("", "dana@example.com")),
    ("; dana@example.com", ("", "dana@example.com")),
    ("dana@example.com;;", ("", "dana@example.com")),
    ('"Cohen, Dana" <dana@example.com>;', ("Cohen, Dana", "dana@example.com")),
    ("mailto:dana@example.com,", ("", "dana@example.com")),
])
def test_normalise_address_accepts(text, expected):
    assert normalise_address(text) == expected


@pytest.mark.parametrize("text, code", [
    ("", "empty"),
    ("   ", "empty"),
    ("\u200f\u00a0", "empty"),
    ("dana", "invalid"),
    ("dana@", "invalid"),
    ("dana@example", "invalid"),
    ("dana@@example.com", "invalid"),
    ("dana cohen@example.com", "invalid"),
    ("dana.@example.com", "invalid"),
    ("דנה@example.com", "smtputf8"),
    ("Dana <דנה@example.com>", "smtputf8"),
    ("dana@example.com, avi@example.com", "several"),
    ("dana@example.com; avi@example.com", "several"),
    ("dana@example.com\navi@example.com", "several"),
    ("Cohen, Dana <dana@example.com>", "several"),
    ("Dana\r\nBcc: eve@example.com <dana@example.com>", "several"),
    ("Dana <dana@example.com", "malformed"),
    ("Dana <>", "malformed"),
    ("Dana <dana@example.com> extra", "malformed"),
    ("Friends: dana@example.com <avi@example.com>", "malformed"),
    ("dana@example.com <avi@example.com>", "malformed"),
    ('Dana "Cohen <dana@example.com>', "malformed"),
    ('"אור ים" בע"מ <a@example.com>', "malformed"),
    ('לקוחות: בע"מ <a@example.com>', "malformed"),
    ('אור ים בע"מ <a@example.com', "malformed"),
    ('אור ים בע"מ <>', "malformed"),
    ('אור ים בע"מ <a@example.com> extra', "malformed"),
    ('אור ים בע"מ, סניף <a@example.com>', "several"),
    ('אור ים בע"מ <דנה@example.com>', "smtputf8"),
    ("dana@example.com;avi@example.com;", "several"),
    (" ; ,", "empty"),
])
def test_normalise_address_rejects(text, code):
    with pytest.raises(AddressError) as raised:
        normalise_address(text)
    assert raised.value.code == code


def test_normalise_address_validator_reason():
    with pytest.raises(AddressError) as raised:
        normalise_address("dana@example")
    assert raised.value.reason
    assert raised.value.reason in str(raised.value)
    assert "'dana@example'" in str(raised.value)


def test_normalise_address_smtputf8_message():
    with pytest.raises(AddressError) as raised:
        normalise_address("דנה@example.com")
    assert "SMTPUTF8" in str(raised.value)
    assert raised.value.reason in str(raised.value)


def test_normalise_address_several_hint():
    with pytest.raises(AddressError) as raised:
        normalise_address("Cohen, Dana <dana@example.com>")
    assert '"Cohen, Dana" <dana@example.com>' in str(raised.value)


def test_address_error_is_hypermailer_error():
    assert issubclass(AddressError, HyperMailerError)


# ---------------------------------------------------------------------------
# address_key and split_addresses


def test_address_key_ignores_case():
    assert address_key("Dana@Example.COM") == address_key("dana@example.com")


def test_address_key_idn_forms_equal():
    assert address_key("user@דוגמה.co.il") == address_key("USER@xn--6dbbec0c.co.il")


def test_address_key_ignores_display_name():
    assert address_key("Dana <DANA@example.com>") == "dana@example.com"


def test_address_key_invalid_text_casefolded():
    assert address_key("  Not An Address\u200f ") == "not an address"


@pytest.mark.parametrize("text, expected", [
    ("a@example.com", ["a@example.com"]),
    ("a@example.com, b@example.com", ["a@example.com", "b@example.com"]),
    ("a@example.com;b@example.com", ["a@example.com", "b@example.com"]),
    ("a@example.com\nb@example.com\r\nc@example.com", ["a@example.com", "b@example.com", "c@example.com"]),
    ('"Cohen, Dana" <d@example.com>, b@example.com', ['"Cohen, Dana" <d@example.com>', "b@example.com"]),
    ('"Cohen; Dana" <d@example.com>', ['"Cohen; Dana" <d@example.com>']),
    ('"Say \\"hi\\", Dana" <d@example.com>', ['"Say \\"hi\\", Dana" <d@example.com>']),
    ("a@example.com (work, main); b@example.com", ["a@example.com (work, main)", "b@example.com"]),
    (" ;, a@example.com ,, ; ", ["a@example.com"]),
    ("\u200fa@example.com\u200f;\u00a0b@example.com", ["a@example.com", "b@example.com"]),
    ("", []),
    ('אור ים בע"מ <a@example.com>, b@example.org', ['אור ים בע"מ <a@example.com>', "b@example.org"]),
    ('ת"א <a@example.com>; בע"מ <b@example.org>', ['ת"א <a@example.com>', 'בע"מ <b@example.org>']),
    ('"אור ים בע"מ, סניף" <a@example.com>, b@example.org',
     ['"אור ים בע"מ, סניף" <a@example.com>', "b@example.org"]),
    ('b@example.org, "כהן, דנה" <d@example.com>', ["b@example.org", '"כהן, דנה" <d@example.com>']),
    ('בע\u200f"מ <a@example.com>, b@example.org', ['בע"מ <a@example.com>', "b@example.org"]),
    ("a@example.com;", ["a@example.com"]),
])
def test_split_addresses_cases(text, expected):
    assert split_addresses(text) == expected


# ---------------------------------------------------------------------------
# read_recipients: rows and fields


def test_read_recipients_basic_row():
    table = make_table(("Email", "Name", "City"), ["dana@example.com", "דנה", "חיפה"])
    result = read(table)
    recipient = result.recipients[0]
    assert recipient == Recipient(
        row=2, address="dana@example.com", display_name="",
        fields=("dana@example.com", "דנה", "חיפה"),
        names={"Email": "dana@example.com", "Name": "דנה", "City": "חיפה"},
        cc=(), attachments=(), key="dana@example.com",
    )
    assert result.problems == ()
    assert result.blank_rows == 0


def test_read_recipients_status_column_in_middle():
    table = make_table(
        ("Email", "Name", "סטטוס שליחה", "Amount"),
        ["dana@example.com", "Dana", "Sent 01/01/2024", 10],
        status_column=2,
    )
    recipient = read(table).recipients[0]
    assert recipient.fields == ("dana@example.com", "Dana", "10")
    assert "סטטוס שליחה" not in recipient.names
    assert recipient.names["Amount"] == "10"


def test_read_recipients_status_only_row_blank():
    table = make_table(
        ("Email", "Send status", "Name"),
        ["dana@example.com", None, "Dana"],
        [None, "Sent", None],
        status_column=1,
    )
    result = read(table)
    assert result.blank_rows == 1
    assert result.problems == ()


def test_read_recipients_blank_rows_in_middle():
    table = make_table(
        ("Email", "Name"),
        ["dana@example.com", "Dana"],
        [None, None],
        ["", "   "],
        ["\u200f", "\u00a0"],
        ["avi@example.com", "Avi"],
    )
    result = read(table)
    assert [recipient.row for recipient in result.recipients] == [2, 6]
    assert result.blank_rows == 3
    assert result.problems == ()


def test_read_recipients_blank_rows_at_start_and_end():
    table = make_table(("Email",), [None], ["a@example.com"], [None], [None])
    result = read(table)
    assert len(result.recipients) == 1
    assert result.blank_rows == 3


def test_read_recipients_fields_use_number_formats():
    table = make_table(
        ("Email", "ID", "Amount", "Date", "Share", "Phone"),
        [
            "dana@example.com",
            Cell(12345678, "000000000"),
            Cell(1234.567, "[$₪-40D] #,##0.00"),
            Cell(dt.datetime(2023, 12, 31), "dd/mm/yyyy"),
            Cell(0.1, "0%"),
            Cell("0541234567", "@"),
        ],
    )
    recipient = read(table).recipients[0]
    assert recipient.fields[1:] == ("012345678", "₪ 1,234.57", "31/12/2023", "10%", "0541234567")


def test_read_recipients_date1904_from_table():
    table = make_table(("Email", "Date"), ["dana@example.com", Cell(0, "dd/mm/yyyy")], date1904=True)
    assert read(table).recipients[0].fields[1] == "01/01/1904"


def test_read_recipients_field_zero_shown_text():
    table = make_table(("Email", "Name"), ["Dana Cohen <Dana@Example.COM>", "Dana"])
    recipient = read(table).recipients[0]
    assert recipient.fields[0] == "Dana Cohen <Dana@Example.COM>"
    assert recipient.address == "Dana@example.com"
    assert recipient.display_name == "Dana Cohen"
    assert recipient.key == "dana@example.com"


def test_read_recipients_hebrew_display_name():
    table = make_table(("Email",), ["\u200fדנה כהן <dana@example.com>\u200f"])
    recipient = read(table).recipients[0]
    assert recipient.display_name == "דנה כהן"
    assert recipient.address == "dana@example.com"


def test_read_recipients_quoted_comma_display_name():
    table = make_table(("Email",), ['"Cohen, Dana" <dana@example.com>'])
    recipient = read(table).recipients[0]
    assert recipient.display_name == "Cohen, Dana"
    assert recipient.address == "dana@example.com"


def test_read_recipients_idn_domain_in_ascii():
    table = make_table(("Email",), ["user@דוגמה.co.il"])
    recipient = read(table).recipients[0]
    assert recipient.address == "user@xn--6dbbec0c.co.il"
    assert recipient.fields[0] == "user@דוגמה.co.il"


def test_read_recipients_names_skip_blank_headers():
    table = make_table(("Email", "  Name  ", "", "עיר"), ["dana@example.com", "Dana", "x", "חיפה"])
    recipient = read(table).recipients[0]
    assert dict(recipient.names) == {"Email": "dana@example.com", "Name": "Dana", "עיר": "חיפה"}
    assert recipient.fields == ("dana@example.com", "Dana", "x", "חיפה")


def test_read_recipients_duplicate_header_first_wins():
    table = make_table(("Email", "Name", "Name"), ["dana@example.com", "first", "second"])
    assert read(table).recipients[0].names["Name"] == "first"


def test_read_recipients_names_are_read_only():
    recipient = read(make_table(("Email", "Name"), ["dana@example.com", "Dana"])).recipients[0]
    with pytest.raises(TypeError):
        recipient.names["Name"] = "Eve"  # type: ignore[index]


def test_read_recipients_recipient_is_hashable():
    recipient = read(make_table(("Email", "Name"), ["dana@example.com", "Dana"])).recipients[0]
    assert recipient in {recipient}


def test_read_recipients_short_row_padded():
    table = make_table(("Email", "Name", "City"), ["dana@example.com", "Dana"])
    assert read(table).recipients[0].fields == ("dana@example.com", "Dana", "")


def test_read_recipients_long_row_keeps_positions():
    table = make_table(("Email", "Name"), ["dana@example.com", "Dana", "extra"])
    recipient = read(table).recipients[0]
    assert recipient.fields == ("dana@example.com", "Dana", "extra")
    assert "" not in recipient.names


def test_read_recipients_keeps_sheet_order():
    table = make_table(("Email",), ["c@example.com"], ["a@example.com"], ["b@example.com"])
    assert [r.address for r in read(table).recipients] == ["c@example.com", "a@example.com", "b@example.com"]


# ---------------------------------------------------------------------------
# read_recipients: problems


def test_read_recipients_missing_address():
    table = make_table(("Email", "Name"), ["dana@example.com", "Dana"], [None, "Avi"])
    result = read(table)
    problem = only_problem(result)
    assert_problem(problem, row=3, cell="A3", kind="missing-address", severity="error")
    assert f"'{SHEET}'!A3" in problem.message
    assert len(result.recipients) == 1


def test_read_recipients_invalid_address():
    table = make_table(("Email", "Name"), ["dana@example", "Dana"], ["avi@example.com", "Avi"])
    result = read(table)
    problem = only_problem(result)
    assert_problem(problem, row=2, cell="A2", kind="invalid-address", severity="error")
    assert f"'{SHEET}'!A2" in problem.message
    assert "'dana@example'" in problem.message
    assert "period" in problem.message  # email-validator's reason
    assert [r.address for r in result.recipients] == ["avi@example.com"]


def test_read_recipients_non_ascii_local_part():
    problem = only_problem(read(make_table(("Email",), ["דנה@example.com"])))
    assert problem.kind == "invalid-address"
    assert "SMTPUTF8" in problem.message


def test_read_recipients_uses_cell_coordinates():
    table = make_table(("Email", "Name"), [Cell("bad", coordinate="C10"), Cell("Dana", coordinate="D10")])
    problem = only_problem(read(table))
    assert problem.cell == "C10"
    assert f"'{SHEET}'!C10" in problem.message


def test_read_recipients_uppercase_duplicate():
    table = make_table(
        ("Email", "Name"),
        ["dana@example.com", "Dana"],
        ["avi@example.com", "Avi"],
        ["  DANA@Example.com\u200f", "Dana again"],
        ["Dana Cohen <Dana@EXAMPLE.com>", "Dana third"],
    )
    result = read(table)
    assert [r.row for r in result.recipients] == [2, 3]
    assert kinds(result) == [(4, "duplicate"), (5, "duplicate")]
    assert all(problem.severity == "info" for problem in result.problems)
    assert "row 2" in result.problems[0].message


def test_read_recipients_duplicate_of_idn_forms():
    table = make_table(("Email",), ["user@דוגמה.co.il"], ["user@xn--6dbbec0c.co.il"])
    result = read(table)
    assert len(result.recipients) == 1
    assert kinds(result) == [(3, "duplicate")]


def test_read_recipients_duplicate_of_missing_attachment(tmp_path):
    (tmp_path / "הצעה.pdf").write_bytes(b"%PDF-1.4\n")
    table = make_table(
        ("Email", "Attachments"),
        ["dana@x.com", "missing.pdf"],
        ["Dana@X.com", "הצעה.pdf"],
    )
    result = read(table, base_folder=tmp_path)
    assert [r.row for r in result.recipients] == [3]
    assert result.recipients[0].attachments == (tmp_path / "הצעה.pdf",)
    problem = only_problem(result)
    assert_problem(problem, row=2, cell="B2", kind="missing-attachment", severity="error")


def test_read_recipients_duplicate_of_cell_error_row():
    table = make_table(
        ("Email", "Total"),
        ["dana@x.com", Cell("#N/A", error=CellError.ERROR_VALUE)],
        ["Dana@X.com", 5],
    )
    result = read(table)
    assert [r.row for r in result.recipients] == [3]
    assert kinds(result) == [(2, "cell-error")]


def test_read_recipients_duplicate_of_invalid_cc_row():
    table = make_table(("Email", "CC"), ["dana@x.com", "boss@"], ["DANA@x.com", "boss@x.com"])
    result = read(table)
    assert [r.row for r in result.recipients] == [3]
    assert kinds(result) == [(2, "invalid-cc")]


def test_read_recipients_duplicate_names_first_valid_row():
    table = make_table(
        ("Email", "Total"),
        ["dana@x.com", Cell("#DIV/0!", error=CellError.ERROR_VALUE)],
        ["Dana@X.com", 1],
        ["DANA@x.com", 2],
    )
    result = read(table)
    assert [r.row for r in result.recipients] == [3]
    assert kinds(result) == [(2, "cell-error"), (4, "duplicate")]
    assert "row 3 is sent" in result.problems[1].message


def test_read_recipients_invalid_duplicates_own_problems():
    table = make_table(
        ("Email", "Total"),
        ["dana@x.com", Cell("#N/A", error=CellError.ERROR_VALUE)],
        ["Dana@X.com", Cell("#REF!", error=CellError.ERROR_VALUE)],
    )
    result = read(table)
    assert result.recipients == ()
    assert kinds(result) == [(2, "cell-error"), (3, "cell-error")]


def test_read_recipients_invalid_row_after_valid_is_duplicate():
    table = make_table(
        ("Email", "Total"),
        ["dana@x.com", 1],
        ["Dana@X.com", Cell("#N/A", error=CellError.ERROR_VALUE)],
    )
    result = read(table)
    assert [r.row for r in result.recipients] == [2]
    problem = only_problem(result)
    assert_problem(problem, row=3, cell="A3", kind="duplicate", severity="info")
    assert "row 2 is sent" in problem.message


def test_read_recipients_invalid_row_no_claim():
    table = make_table(("Email",), ["dana@example"], ["dana@example.com"])
    result = read(table)
    assert [r.row for r in result.recipients] == [3]
    assert kinds(result) == [(2, "invalid-address")]


def test_read_recipients_unsubscribed():
    table = make_table(("Email", "Name"), ["dana@example.com", "Dana"], ["avi@example.com", "Avi"])
    result = read(table, unsubscribed=["Avi Levi <AVI@example.com>", "not an address"])
    assert [r.address for r in result.recipients] == ["dana@example.com"]
    problem = only_problem(result)
    assert_problem(problem, row=3, kind="unsubscribed", severity="info")
    assert "avi@example.com" in problem.message


def test_read_recipients_unsubscribed_idn_marks():
    table = make_table(("Email",), ["user@דוגמה.co.il"])
    result = read(table, unsubscribed=["\u200fUSER@xn--6dbbec0c.co.il\u00a0"])
    assert result.recipients == ()
    assert kinds(result) == [(2, "unsubscribed")]


def test_read_recipients_unsubscribed_single_problem():
    table = make_table(("Email", "Total"), ["avi@example.com", Cell("#N/A", error=CellError.ERROR_VALUE)])
    result = read(table, unsubscribed=["avi@example.com"])
    assert kinds(result) == [(2, "unsubscribed")]


def test_read_recipients_hidden_row():
    table = make_table(("Email",), ["dana@example.com"], ["avi@example.com"], hidden={3})
    result = read(table)
    assert [r.row for r in result.recipients] == [2]
    problem = only_problem(result)
    assert_problem(problem, row=3, kind="hidden", severity="info")
    assert "filter" in problem.message


def test_read_recipients_hidden_row_no_claim():
    table = make_table(("Email",), ["dana@example.com"], ["dana@example.com"], hidden={2})
    result = read(table)
    assert [r.row for r in result.recipients] == [3]


def test_read_recipients_hidden_blank_row_is_blank():
    table = make_table(("Email",), ["dana@example.com"], [None], hidden={3})
    result = read(table)
    assert result.blank_rows == 1
    assert result.problems == ()


def test_read_recipients_cell_error_in_data_column():
    table = make_table(
        ("Email", "Total", "Name"),
        ["dana@example.com", Cell("#DIV/0!", coordinate="B2", error=CellError.ERROR_VALUE), "Dana"],
        ["avi@example.com", 5, "Avi"],
    )
    result = read(table)
    assert [r.row for r in result.recipients] == [3]
    problem = only_problem(result)
    assert_problem(problem, row=2, cell="B2", kind="cell-error", severity="error")
    assert f"'{SHEET}'!B2" in problem.message
    assert "#DIV/0!" in problem.message


def test_read_recipients_uncalculated_formula():
    table = make_table(("Email", "Total"), ["dana@example.com", Cell(None, error=CellError.UNCALCULATED)])
    problem = only_problem(read(table))
    assert_problem(problem, cell="B2", kind="cell-error")
    assert "Excel" in problem.message


def test_read_recipients_address_error_once():
    table = make_table(("Email", "Name"), [Cell("#N/A", error=CellError.ERROR_VALUE), "Dana"])
    result = read(table)
    assert result.recipients == ()
    assert kinds(result) == [(2, "cell-error")]


def test_read_recipients_error_row_not_blank():
    table = make_table(("Email",), [Cell("#REF!", error=CellError.ERROR_VALUE)])
    result = read(table)
    assert result.blank_rows == 0
    assert kinds(result) == [(2, "cell-error")]


def test_read_recipients_all_row_errors():
    table = make_table(
        ("Email", "Total", "CC"),
        ["dana@example", Cell("#N/A", error=CellError.ERROR_VALUE), "boss@"],
    )
    assert kinds(read(table)) == [(2, "invalid-address"), (2, "cell-error"), (2, "invalid-cc")]


def test_read_recipients_header_injection_rejected():
    table = make_table(("Email",), ["Dana\r\nBcc: eve@example.com <dana@example.com>"])
    result = read(table)
    assert result.recipients == ()
    assert kinds(result) == [(2, "invalid-address")]


def test_read_recipients_hebrew_unquoted_company_name():
    table = make_table(("Email",), ['אור ים בע"מ <office@example.com>'])
    result = read(table)
    assert result.problems == ()
    assert result.recipients[0].display_name == 'אור ים בע"מ'
    assert result.recipients[0].address == "office@example.com"


@pytest.mark.parametrize("text", ["dana@example.com;", "dana@example.com,", "Dana <dana@example.com>; "])
def test_read_recipients_trailing_separator(text):
    result = read(make_table(("Email",), [text]))
    assert result.problems == ()
    assert result.recipients[0].address == "dana@example.com"
    assert result.recipients[0].fields[0] == text


def test_read_recipients_message_names_cell():
    table = make_table(("Email",), ["bad"])
    problem = only_problem(read(table))
    assert problem.message.startswith(f"'{SHEET}'!A2: ")
    assert problem.message.endswith("This row is not sent.")


# ---------------------------------------------------------------------------
# CC columns


@pytest.mark.parametrize("header", ["CC", "Cc", "cc", "  CC ", "עותק", " עותק", "העתק", "עותקים"])
def test_read_recipients_cc_header_variants(header):
    table = make_table(("Email", header), ["dana@example.com", "boss@example.com"])
    assert read(table).recipients[0].cc == ("boss@example.com",)


def test_read_recipients_cc_several_addresses():
    table = make_table(
        ("Email", "CC"),
        ["dana@example.com", '"Levi, Avi" <Avi@Example.com>; boss@example.com\nuser@דוגמה.co.il'],
    )
    assert read(table).recipients[0].cc == ("Avi@example.com", "boss@example.com", "user@xn--6dbbec0c.co.il")


def test_read_recipients_cc_hebrew_unquoted_name():
    table = make_table(("Email", "עותק"), ["dana@example.com", 'אור ים בע"מ <a@example.com>, b@example.org;'])
    result = read(table)
    assert result.problems == ()
    assert result.recipients[0].cc == ("a@example.com", "b@example.org")


def test_read_recipients_cc_keeps_display_names():
    table = make_table(("Email", "CC"),
                       ["dana@example.com", '"לוי, משה" <moshe@example.org>; boss@example.com'])
    recipient = read(table).recipients[0]

    assert recipient.cc == ("moshe@example.org", "boss@example.com")
    assert recipient.cc_names == ("לוי, משה", "")


def test_read_recipients_cc_columns_still_numbered():
    table = make_table(("Email", "CC", "Name"), ["dana@example.com", "boss@example.com", "Dana"])
    recipient = read(table).recipients[0]
    assert recipient.fields == ("dana@example.com", "boss@example.com", "Dana")
    assert recipient.names["CC"] == "boss@example.com"


def test_read_recipients_cc_drops_duplicates_and_own_address():
    table = make_table(
        ("Email", "CC", "עותק"),
        ["dana@example.com", "boss@example.com, DANA@example.com", "BOSS@example.com"],
    )
    assert read(table).recipients[0].cc == ("boss@example.com",)


def test_read_recipients_invalid_cc_skips_row():
    table = make_table(("Email", "CC"), ["dana@example.com", "boss@example.com; boss@"], ["avi@example.com", None])
    result = read(table)
    assert [r.row for r in result.recipients] == [3]
    problem = only_problem(result)
    assert_problem(problem, row=2, cell="B2", kind="invalid-cc", severity="error")
    assert "'boss@'" in problem.message


def test_read_recipients_unsubscribed_cc_left_out():
    table = make_table(("Email", "CC"), ["dana@example.com", "boss@example.com, eve@example.com"])
    result = read(table, unsubscribed=["eve@example.com"])
    assert result.recipients[0].cc == ("boss@example.com",)
    problem = only_problem(result)
    assert_problem(problem, kind="unsubscribed-cc", severity="warning")


def test_read_recipients_cc_header_on_address():
    table = make_table(("CC", "Name"), ["dana@example.com", "Dana"])
    recipient = read(table).recipients[0]
    assert recipient.address == "dana@example.com"
    assert recipient.cc == ()


# ---------------------------------------------------------------------------
# Attachment columns


@pytest.fixture
def files(tmp_path):
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "חשבונית 17.pdf").write_bytes(b"%PDF-1.4\n")
    (tmp_path / "price list.xlsx").write_bytes(b"PK")
    return tmp_path


@pytest.mark.parametrize("header", ["Attachments", "attachment", "קבצים מצורפים", "קובץ מצורף",
                                    "צרופה", "צרופות"])
def test_read_recipients_attachment_header_variants(files, header):
    table = make_table(("Email", header), ["dana@example.com", "price list.xlsx"])
    recipient = read(table, base_folder=files).recipients[0]
    assert recipient.attachments == (files / "price list.xlsx",)


def test_read_recipients_attachments_several(files):
    absolute = files / "price list.xlsx"
    table = make_table(
        ("Email", "Attachments"),
        ["dana@example.com", f'docs/חשבונית 17.pdf;\n"{absolute}"\n'],
    )
    recipient = read(table, base_folder=files).recipients[0]
    assert recipient.attachments == (files / "docs" / "חשבונית 17.pdf", absolute)


def test_read_recipients_attachment_missing(files):
    table = make_table(
        ("Email", "Attachments"),
        ["dana@example.com", "docs/missing.pdf"],
        ["avi@example.com", "price list.xlsx"],
    )
    result = read(table, base_folder=files)
    assert [r.row for r in result.recipients] == [3]
    problem = only_problem(result)
    assert_problem(problem, row=2, cell="B2", kind="missing-attachment", severity="error")
    assert str(files / "docs" / "missing.pdf") in problem.message
    assert f"'{SHEET}'!B2" in problem.message


def test_read_recipients_attachment_is_folder(files):
    table = make_table(("Email", "Attachments"), ["dana@example.com", "docs"])
    problem = only_problem(read(table, base_folder=files))
    assert problem.kind == "missing-attachment"
    assert "folder" in problem.message


def test_read_recipients_attachment_column_numbered(files):
    table = make_table(("Email", "Attachments", "Name"), ["dana@example.com", "price list.xlsx", "Dana"])
    recipient = read(table, base_folder=files).recipients[0]
    assert recipient.fields == ("dana@example.com", "price list.xlsx", "Dana")


def test_read_recipients_empty_attachment_cell(files):
    table = make_table(("Email", "Attachments"), ["dana@example.com", " ; "])
    result = read(table, base_folder=files)
    assert result.recipients[0].attachments == ()
    assert result.problems == ()


# ---------------------------------------------------------------------------
# A workbook file


def test_read_recipients_from_xlsx_file(tmp_path):
    (tmp_path / "חשבונית.pdf").write_bytes(b"%PDF-1.4\n")
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = SHEET
    sheet.append(["Email", "עותק", "קובץ מצורף", "Date"])
    sheet.append(["dana@x.com", None, "missing.pdf", dt.datetime(2024, 3, 1)])
    sheet.append(["Dana@X.com;", 'ת"א יפו <tlv@example.org>, b@example.org', "חשבונית.pdf",
                  dt.datetime(2024, 3, 2)])
    sheet.append(['אור ים בע"מ <office@example.com>', None, None, dt.datetime(2024, 3, 3)])
    sheet["D3"].number_format = "dd/mm/yyyy"
    path = tmp_path / "רשימה.xlsx"
    workbook.save(path)

    result = read_recipients(read_table_file(path), base_folder=tmp_path)

    assert [r.row for r in result.recipients] == [3, 4]
    assert kinds(result) == [(2, "missing-attachment")]
    dana, office = result.recipients
    assert dana.address == "Dana@x.com"
    assert dana.cc == ("tlv@example.org", "b@example.org")
    assert dana.attachments == (tmp_path / "חשבונית.pdf",)
    assert dana.fields[3] == "02/03/2024"
    assert office.display_name == 'אור ים בע"מ'


# ---------------------------------------------------------------------------
# Scale


def test_read_recipients_ten_thousand_rows():
    rows = [[f"user{number}@example.com", f"Name {number}", Cell(number * 1.5, "#,##0.00")]
            for number in range(10_000)]
    table = make_table(("Email", "Name", "Amount"), *rows)
    started = time.perf_counter()
    result = read(table)
    elapsed = time.perf_counter() - started
    assert len(result.recipients) == 10_000
    assert result.recipients[-1].fields[2] == "14,998.50"
    assert elapsed < 10, f"{elapsed:.1f} s for 10,000 rows"

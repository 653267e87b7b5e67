"""Tests of reading workbooks and CSV files (hypermailer.workbook.reader)."""

from __future__ import annotations

import codecs
import datetime
import zipfile
from pathlib import Path

import openpyxl
import pytest
from openpyxl.utils.datetime import CALENDAR_MAC_1904

from hypermailer.campaign import STATUS_HEADERS, BodyFormat, CellError, Security
from hypermailer.cells import format_cell
from hypermailer.errors import ConfigurationError, WorkbookError
from hypermailer.i18n import get_language, set_language
from hypermailer.recipients import read_recipients
from hypermailer.workbook import (
    build_workbook,
    is_hypermailer_workbook,
    parse_mailbox_row,
    read_campaign,
    read_csv,
    read_table_file,
    update_workbook,
)
from hypermailer.workbook import layout
from hypermailer.workbook.csvfile import detect_delimiter


@pytest.fixture(autouse=True)
def english_messages():
    previous = get_language()
    set_language("en")
    yield
    set_language(previous)


@pytest.fixture
def built(tmp_path: Path) -> Path:
    path = tmp_path / "HyperMailer.xlsm"
    build_workbook(path)
    return path


@pytest.fixture
def built_xlsx(tmp_path: Path) -> Path:
    """A built workbook saved as .xlsx, for tests that change it with openpyxl."""
    path = tmp_path / "HyperMailer.xlsx"
    build_workbook(path)
    return path


def change_workbook(path: Path, change) -> Path:
    """Load *path* with openpyxl, apply *change* and save it in place."""
    workbook = openpyxl.load_workbook(path)
    change(workbook)
    workbook.save(path)
    return path


def recipients_sheet(workbook: openpyxl.Workbook):
    return next(sheet for sheet in workbook.worksheets if layout.RECIPIENTS_TABLE in sheet.tables)


def named_cell(workbook: openpyxl.Workbook, name: str):
    sheet_title, reference = next(iter(workbook.defined_names[name].destinations))
    return workbook[sheet_title][reference.replace("$", "")]


def set_named(name: str, value: object):
    def change(workbook: openpyxl.Workbook) -> None:
        named_cell(workbook, name).value = value
    return change


def plain_workbook(path: Path, rows: list[list[object]]) -> Path:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "Sheet1"
    for row in rows:
        sheet.append(row)
    workbook.save(path)
    return path


# HyperMailer workbook: the sample

def test_read_campaign_five_recipients(built: Path) -> None:
    table = read_campaign(built).table
    assert len(table.rows) == 5
    assert [row.number for row in table.rows] == [2, 3, 4, 5, 6]
    assert table.rows[0].cells[0].value == "דנה כהן <dana.cohen@example.com>"


def test_read_campaign_customer_number_format(built: Path) -> None:
    cell = read_campaign(built).table.rows[0].cells[2]
    assert cell.value == 123
    assert cell.number_format == "00000"
    assert cell.coordinate == "C2"
    assert f"{cell.value:05d}" == "00123"


def test_read_campaign_amount_and_date_formats(built: Path) -> None:
    cells = read_campaign(built).table.rows[0].cells
    assert cells[3].value == 1234.5
    assert cells[3].number_format == "[$₪-40D] #,##0.00"
    assert cells[4].value == datetime.datetime(2025, 1, 31)
    assert cells[4].number_format == "dd/mm/yyyy"


def test_read_campaign_hebrew_sheet_title(built: Path) -> None:
    table = read_campaign(built).table
    assert table.sheet == "נמענים"
    assert table.header[0] == "דואר אלקטרוני"


def test_read_campaign_status_column(built: Path) -> None:
    table = read_campaign(built).table
    assert table.status_column == 5
    assert table.header[5] == STATUS_HEADERS["he"]
    assert all(row.cells[5].value is None for row in table.rows)
    assert all(row.cells[5].error is None for row in table.rows)


def test_read_campaign_message_fields(built: Path) -> None:
    campaign = read_campaign(built)
    assert campaign.subject == "{#1}, תזכורת לתשלום עבור לקוח מספר <#2>"
    assert campaign.body.startswith("שלום {#1},\n\n")
    assert "{{ סכום }}" in campaign.body
    assert campaign.body_format is BodyFormat.TEXT
    assert campaign.mailbox_name == "תיבת יציאה מקומית"
    assert campaign.template_name == "תבנית הארגון"
    assert campaign.language == "he"
    assert campaign.campaign_id == ""
    assert campaign.reply_to == ""
    assert campaign.test_address == ""
    assert campaign.attachments == ()


def test_read_campaign_template_html(built: Path) -> None:
    html = read_campaign(built).organisation_template
    assert "{{ body }}" in html
    assert 'dir="rtl"' in html


def test_read_campaign_unsubscribed(built: Path) -> None:
    assert read_campaign(built).unsubscribed == frozenset({"former.client@example.org"})


def test_read_campaign_mailbox(built: Path) -> None:
    (mailbox,) = read_campaign(built).mailboxes
    assert mailbox.name == "תיבת יציאה מקומית"
    assert mailbox.kind == "pickup"
    assert mailbox.from_address == "office@example.com"
    assert mailbox.display_name == "משרד אור ים"
    assert mailbox.folder == built.resolve().parent / "outbox"
    assert mailbox.port == 0
    assert mailbox.per_minute == 0
    assert mailbox.allow_plain_auth is False


def test_read_campaign_source_and_folder(built: Path) -> None:
    campaign = read_campaign(built)
    assert campaign.source_path == built
    assert campaign.base_folder == built.resolve().parent
    assert campaign.is_hypermailer_workbook is True
    assert campaign.table.date1904 is False


def test_read_campaign_english_build(tmp_path: Path) -> None:
    path = tmp_path / "en.xlsm"
    build_workbook(path, language="en")
    campaign = read_campaign(path)
    assert campaign.language == "en"
    assert campaign.table.sheet == "Recipients"
    assert campaign.table.header[campaign.table.status_column] == STATUS_HEADERS["en"]
    assert campaign.mailboxes[0].name == "Local outbox"
    assert "{{ body }}" in campaign.organisation_template
    assert campaign.unsubscribed == frozenset({"former.client@example.org"})


def test_read_campaign_headers_either_language(built_xlsx: Path) -> None:
    def rename_headers(workbook: openpyxl.Workbook) -> None:
        for sheet in workbook.worksheets:
            if layout.MAILBOXES_TABLE in sheet.tables:
                table = sheet.tables[layout.MAILBOXES_TABLE]
                for index, column in enumerate(layout.MAILBOX_COLUMNS[:6]):
                    table.tableColumns[index].name = column.en
                    sheet.cell(row=1, column=index + 1).value = column.en
    change_workbook(built_xlsx, rename_headers)
    (mailbox,) = read_campaign(built_xlsx).mailboxes
    assert mailbox.name == "תיבת יציאה מקומית"
    assert mailbox.from_address == "office@example.com"
    assert mailbox.kind == "pickup"


def test_read_campaign_attachments_split(built_xlsx: Path, tmp_path: Path) -> None:
    absolute = tmp_path / "price list.pdf"
    cell_text = f'a.pdf; docs/b.docx\n"{absolute}"\n\n ;'
    change_workbook(built_xlsx, set_named(layout.ATTACHMENTS, cell_text))
    attachments = read_campaign(built_xlsx).attachments
    base = built_xlsx.resolve().parent
    assert attachments == (base / "a.pdf", base / "docs" / "b.docx", absolute)


def test_read_campaign_campaign_id_number(built_xlsx: Path) -> None:
    change_workbook(built_xlsx, set_named(layout.CAMPAIGN_ID, 20250101.0))
    assert read_campaign(built_xlsx).campaign_id == "20250101"


def test_read_campaign_html_format(built_xlsx: Path) -> None:
    change_workbook(built_xlsx, set_named(layout.BODY_FORMAT, " HTML "))
    assert read_campaign(built_xlsx).body_format is BodyFormat.HTML


def test_read_campaign_invalid_body_format(built_xlsx: Path) -> None:
    change_workbook(built_xlsx, set_named(layout.BODY_FORMAT, "rtf"))
    with pytest.raises(WorkbookError) as caught:
        read_campaign(built_xlsx)
    assert "'rtf'" in str(caught.value)
    assert "B4" in str(caught.value)
    assert caught.value.cell == "B4"
    assert caught.value.sheet == "הודעה"


def test_read_campaign_invalid_language(built_xlsx: Path) -> None:
    change_workbook(built_xlsx, set_named(layout.LANGUAGE, "fr"))
    with pytest.raises(WorkbookError, match="'fr'"):
        read_campaign(built_xlsx)


def test_read_campaign_english_language_word(built_xlsx: Path) -> None:
    change_workbook(built_xlsx, set_named(layout.LANGUAGE, "English"))
    assert read_campaign(built_xlsx).language == "en"


def test_read_campaign_unknown_template(built_xlsx: Path) -> None:
    change_workbook(built_xlsx, set_named(layout.TEMPLATE, "Missing"))
    with pytest.raises(WorkbookError) as caught:
        read_campaign(built_xlsx)
    message = str(caught.value)
    assert "'Missing'" in message
    assert "B5" in message
    assert "תבנית הארגון" in message


def test_read_campaign_empty_template(built_xlsx: Path) -> None:
    change_workbook(built_xlsx, set_named(layout.TEMPLATE, None))
    campaign = read_campaign(built_xlsx)
    assert campaign.organisation_template == ""
    assert campaign.template_name == ""


def test_read_campaign_error_in_named_cell(built_xlsx: Path) -> None:
    change_workbook(built_xlsx, set_named(layout.SUBJECT, "#REF!"))
    with pytest.raises(WorkbookError) as caught:
        read_campaign(built_xlsx)
    assert "#REF!" in str(caught.value)
    assert "B2" in str(caught.value)


def test_read_campaign_missing_table(tmp_path: Path) -> None:
    path = plain_workbook(tmp_path / "plain.xlsx", [["Email"], ["a@example.com"]])
    with pytest.raises(WorkbookError) as caught:
        read_campaign(path)
    assert "'Recipients'" in str(caught.value)
    assert "plain.xlsx" in str(caught.value)


def test_read_campaign_missing_subject_name(built_xlsx: Path) -> None:
    def drop_subject(workbook: openpyxl.Workbook) -> None:
        del workbook.defined_names[layout.SUBJECT]
    change_workbook(built_xlsx, drop_subject)
    with pytest.raises(WorkbookError) as caught:
        read_campaign(built_xlsx)
    assert "'Subject'" in str(caught.value)
    assert "Name Manager" in str(caught.value)


def test_read_campaign_broken_name(built_xlsx: Path) -> None:
    def break_body(workbook: openpyxl.Workbook) -> None:
        workbook.defined_names[layout.BODY].attr_text = "#REF!"
    change_workbook(built_xlsx, break_body)
    with pytest.raises(WorkbookError, match="'Body' refers to #REF!"):
        read_campaign(built_xlsx)


def test_read_campaign_invalid_mailbox_row(built_xlsx: Path) -> None:
    def make_smtp(workbook: openpyxl.Workbook) -> None:
        sheet = next(sheet for sheet in workbook.worksheets if layout.MAILBOXES_TABLE in sheet.tables)
        sheet["D2"] = "smtp"
        sheet["E2"] = "smtp.example.com"
        sheet["F2"] = "abc"
    change_workbook(built_xlsx, make_smtp)
    with pytest.raises(ConfigurationError) as caught:
        read_campaign(built_xlsx)
    message = str(caught.value)
    assert "תיבות דואר" in message
    assert "row 2" in message
    assert "'פורט' (F2)" in message
    assert "'abc'" in message


def test_read_campaign_empty_mailbox_rows_ignored(built_xlsx: Path) -> None:
    def add_empty_row(workbook: openpyxl.Workbook) -> None:
        sheet = next(sheet for sheet in workbook.worksheets if layout.MAILBOXES_TABLE in sheet.tables)
        last_column = openpyxl.utils.get_column_letter(len(layout.MAILBOX_COLUMNS))
        sheet.tables[layout.MAILBOXES_TABLE].ref = f"A1:{last_column}3"
        sheet["A3"] = "   "
    change_workbook(built_xlsx, add_empty_row)
    assert len(read_campaign(built_xlsx).mailboxes) == 1


def test_read_campaign_table_name_any_case(built_xlsx: Path) -> None:
    def rename(workbook: openpyxl.Workbook) -> None:
        sheet = next(sheet for sheet in workbook.worksheets if layout.MAILBOXES_TABLE in sheet.tables)
        table = sheet.tables.pop(layout.MAILBOXES_TABLE)
        table.name = table.displayName = "MAILBOXES"
        sheet.tables.add(table)
    change_workbook(built_xlsx, rename)
    assert read_campaign(built_xlsx).mailboxes[0].kind == "pickup"


def test_read_campaign_template_column_missing(built_xlsx: Path) -> None:
    def rename_html(workbook: openpyxl.Workbook) -> None:
        sheet = next(sheet for sheet in workbook.worksheets if layout.TEMPLATES_TABLE in sheet.tables)
        sheet.tables[layout.TEMPLATES_TABLE].tableColumns[1].name = "Markup"
        sheet["B1"] = "Markup"
    change_workbook(built_xlsx, rename_html)
    with pytest.raises(WorkbookError) as caught:
        read_campaign(built_xlsx)
    assert "'Templates'" in str(caught.value)
    assert "'HTML'" in str(caught.value)
    assert caught.value.sheet == "תבניות"


# HyperMailer workbook: hard cells

def test_read_campaign_filtered_hidden_row(built_xlsx: Path) -> None:
    def hide_row(workbook: openpyxl.Workbook) -> None:
        recipients_sheet(workbook).row_dimensions[4].hidden = True
    change_workbook(built_xlsx, hide_row)
    rows = read_campaign(built_xlsx).table.rows
    assert [row.hidden for row in rows] == [False, False, True, False, False]


def test_read_campaign_merged_cell(built_xlsx: Path) -> None:
    def merge(workbook: openpyxl.Workbook) -> None:
        sheet = recipients_sheet(workbook)
        sheet["B3"] = "משפחת לוי"
        sheet.merge_cells("B3:C4")
    change_workbook(built_xlsx, merge)
    rows = read_campaign(built_xlsx).table.rows
    assert rows[1].cells[1].value == "משפחת לוי"
    assert rows[2].cells[1].value == "משפחת לוי"
    assert rows[2].cells[1].coordinate == "B4"
    assert rows[1].cells[2].value is None
    assert rows[2].cells[2].value is None
    assert rows[2].cells[2].error is None


def test_read_campaign_error_value(built_xlsx: Path) -> None:
    change_workbook(built_xlsx, lambda workbook: recipients_sheet(workbook).cell(row=3, column=4, value="#N/A"))
    cell = read_campaign(built_xlsx).table.rows[1].cells[3]
    assert cell.value == "#N/A"
    assert cell.error is CellError.ERROR_VALUE
    assert cell.coordinate == "D3"


def test_read_campaign_uncalculated_formula(built_xlsx: Path) -> None:
    # openpyxl saves formulas without a calculated value.
    change_workbook(built_xlsx, lambda workbook: recipients_sheet(workbook).cell(row=5, column=4, value="=C5*2"))
    rows = read_campaign(built_xlsx).table.rows
    assert rows[3].cells[3].error is CellError.UNCALCULATED
    assert rows[3].cells[3].coordinate == "D5"
    assert rows[3].cells[5].error is None
    assert rows[2].cells[3].error is None


def test_read_campaign_rows_below_table(built_xlsx: Path) -> None:
    def paste_rows(workbook: openpyxl.Workbook) -> None:
        sheet = recipients_sheet(workbook)
        sheet["A7"] = "pasted.one@example.com"
        sheet["B7"] = "שורה מודבקת"
        sheet["A8"] = "pasted.two@example.org"
        sheet["A10"] = "after.gap@example.com"
    change_workbook(built_xlsx, paste_rows)
    table = read_campaign(built_xlsx).table
    assert [row.number for row in table.rows] == [2, 3, 4, 5, 6, 7, 8]
    assert table.rows[5].cells[1].value == "שורה מודבקת"
    assert len(table.rows[6].cells) == 6


def test_read_campaign_blank_rows_kept_in_table(built_xlsx: Path) -> None:
    def blank_row(workbook: openpyxl.Workbook) -> None:
        sheet = recipients_sheet(workbook)
        for column in range(1, 6):
            sheet.cell(row=4, column=column).value = None
    change_workbook(built_xlsx, blank_row)
    rows = read_campaign(built_xlsx).table.rows
    assert len(rows) == 5
    assert all(cell.value is None for cell in rows[2].cells)


def test_read_campaign_date1904(built_xlsx: Path) -> None:
    def use_1904(workbook: openpyxl.Workbook) -> None:
        workbook.epoch = CALENDAR_MAC_1904
    change_workbook(built_xlsx, use_1904)
    assert read_campaign(built_xlsx).table.date1904 is True


# Recognising a HyperMailer workbook

def test_is_hypermailer_workbook_built(built: Path, built_xlsx: Path) -> None:
    assert is_hypermailer_workbook(built)
    assert is_hypermailer_workbook(built_xlsx)


def test_is_hypermailer_workbook_plain(tmp_path: Path) -> None:
    assert not is_hypermailer_workbook(plain_workbook(tmp_path / "plain.xlsx", [["Email"]]))


def test_is_hypermailer_workbook_other_files(tmp_path: Path) -> None:
    csv_file = tmp_path / "list.csv"
    csv_file.write_text("Email\na@example.com\n", encoding="utf-8")
    garbage = tmp_path / "garbage.xlsx"
    garbage.write_bytes(b"not a zip")
    assert not is_hypermailer_workbook(csv_file)
    assert not is_hypermailer_workbook(garbage)
    assert not is_hypermailer_workbook(tmp_path / "missing.xlsm")


def test_is_hypermailer_workbook_needs_subject(built_xlsx: Path) -> None:
    def drop_subject(workbook: openpyxl.Workbook) -> None:
        del workbook.defined_names[layout.SUBJECT]
    change_workbook(built_xlsx, drop_subject)
    assert not is_hypermailer_workbook(built_xlsx)


# Any workbook: first sheet, headers in row 1

def test_read_table_file_plain_first_sheet(tmp_path: Path) -> None:
    path = plain_workbook(tmp_path / "list.xlsx", [
        ["Email", "שם", "Amount"],
        ["a@example.com", "אבי", 10],
        ["b@example.org", "בת", 20.5],
    ])
    table = read_table_file(path)
    assert table.sheet == "Sheet1"
    assert table.header == ("Email", "שם", "Amount")
    assert [row.number for row in table.rows] == [2, 3]
    assert table.rows[1].cells[2].value == 20.5
    assert table.status_column is None


def test_read_table_file_uses_first_sheet(tmp_path: Path) -> None:
    workbook = openpyxl.Workbook()
    workbook.active.append(["Email"])
    workbook.active.append(["first@example.com"])
    second = workbook.create_sheet("Other")
    second.append(["Email"])
    second.append(["second@example.com"])
    workbook.active = 1
    workbook.save(tmp_path / "two.xlsx")
    assert read_table_file(tmp_path / "two.xlsx").rows[0].cells[0].value == "first@example.com"


def test_read_table_file_trims_formatted_empties(tmp_path: Path) -> None:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(["Email", "Name"])
    sheet.append(["a@example.com", "A"])
    sheet["D20"].number_format = "0.00"
    sheet["A15"].number_format = "0.00"
    workbook.save(tmp_path / "formatted.xlsx")
    table = read_table_file(tmp_path / "formatted.xlsx")
    assert table.header == ("Email", "Name")
    assert len(table.rows) == 1
    assert len(table.rows[0].cells) == 2


def test_read_table_file_headerless_data_column(tmp_path: Path) -> None:
    path = plain_workbook(tmp_path / "wide.xlsx", [["Email", None], ["a@example.com", None, "x"]])
    table = read_table_file(path)
    assert table.header == ("Email", "", "")
    assert table.rows[0].cells[2].value == "x"


def test_read_table_file_empty_sheet(tmp_path: Path) -> None:
    path = plain_workbook(tmp_path / "empty.xlsx", [])
    with pytest.raises(WorkbookError, match="'Sheet1': the sheet is empty") as caught:
        read_table_file(path)
    assert caught.value.sheet == "Sheet1"


def test_read_table_file_status_column_anywhere(tmp_path: Path) -> None:
    path = plain_workbook(tmp_path / "status.xlsx", [
        ["Email", STATUS_HEADERS["en"], "Name"], ["a@example.com", "sent", "A"]])
    assert read_table_file(path).status_column == 1


def test_read_table_file_hard_cells(tmp_path: Path) -> None:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(["Email", "Group", "Score", "Total"])
    sheet.append(["a@example.com", "צפון", 1, "=C2+1"])
    sheet.append(["b@example.com", None, "#DIV/0!", 5])
    sheet.append(["c@example.com", "דרום", 3, 6])
    sheet.merge_cells("B2:B3")
    sheet.auto_filter.ref = "A1:D4"
    sheet.row_dimensions[4].hidden = True
    workbook.save(tmp_path / "hard.xlsx")

    rows = read_table_file(tmp_path / "hard.xlsx").rows
    assert rows[0].cells[3].error is CellError.UNCALCULATED
    assert rows[1].cells[1].value == "צפון"
    assert rows[1].cells[2].error is CellError.ERROR_VALUE
    assert rows[1].cells[2].value == "#DIV/0!"
    assert [row.hidden for row in rows] == [False, False, True]


def test_read_table_file_hypermailer_workbook(built: Path) -> None:
    table = read_table_file(built)
    assert len(table.rows) == 5
    assert table.status_column == 5


def test_read_table_file_csv(tmp_path: Path) -> None:
    path = tmp_path / "list.csv"
    path.write_text("Email,Name\na@example.com,A\n", encoding="utf-8")
    assert read_table_file(path).header == ("Email", "Name")


# Files as Excel writes them: built-in date formats, formulas with empty text

MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
PACKAGE_RELS_NS = "http://schemas.openxmlformats.org/package/2006/relationships"
DOCUMENT_RELS_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
XML_DECLARATION = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\r\n'

EXCEL_STRINGS = ("Email", "שם", "תאריך", "עדכון", "קוד הנחה", "הערה", "דנה", "אור", "מאושר", "נועה",
                 "dana@example.com", "or@example.org", "noa@example.net")

#: Rows of an Excel sheet. Style 1 is built-in format 14 and style 2 is 22, as
#: Excel saves dates typed into cells. Styles 3 and 4 are custom formats.
#: E2, F2 and E3 are formulas whose calculated result is empty text, C4 and
#: D4 are formulas saved without a calculated result, and E4 is a calculated
#: formula in a row with an empty cell (F4).
EXCEL_ROWS = (
    '<row r="1" spans="1:6"><c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v>1</v></c>'
    '<c r="C1" t="s"><v>2</v></c><c r="D1" t="s"><v>3</v></c><c r="E1" t="s"><v>4</v></c>'
    '<c r="F1" t="s"><v>5</v></c></row>'
    '<row r="2" spans="1:6"><c r="A2" t="s"><v>10</v></c><c r="B2" t="s"><v>6</v></c>'
    '<c r="C2" s="1"><v>45291</v></c><c r="D2" s="2"><v>45291.75</v></c>'
    '<c r="E2" t="str"><f>IFERROR(VLOOKUP(A2,$H$2:$I$9,2,FALSE),"")</f><v></v></c>'
    '<c r="F2" t="str"><f>IF(B2="","",IF(C2&gt;TODAY(),"",""))</f><v/></c></row>'
    '<row r="3" spans="1:6"><c r="A3" t="s"><v>11</v></c><c r="B3" t="s"><v>7</v></c>'
    '<c r="C3" s="3"><v>45291</v></c><c r="D3" s="4"><v>45291</v></c>'
    '<c r="E3" t="str"><f>IFERROR(VLOOKUP(A3,$H$2:$I$9,2,FALSE),"")</f></c>'
    '<c r="F3" t="str"><f>IF(B3="","","מאושר")</f><v>מאושר</v></c></row>'
    '<row r="4" spans="1:6"><c r="A4" t="s"><v>12</v></c><c r="B4" t="s"><v>9</v></c>'
    '<c r="C4" s="1"><f>TODAY()</f></c><c r="D4"><f>C4+1</f><v></v></c>'
    '<c r="E4"><f>LEN(B4)</f><v>4</v></c></row>'
)

EXCEL_STYLES = (
    f'<styleSheet xmlns="{MAIN_NS}"><numFmts count="2">'
    '<numFmt numFmtId="164" formatCode="mm/dd/yyyy"/>'
    '<numFmt numFmtId="165" formatCode="[$-40D]d mmmm yyyy;@"/></numFmts>'
    '<fonts count="1"><font><sz val="11"/><name val="Arial"/><family val="2"/></font></fonts>'
    '<fills count="2"><fill><patternFill patternType="none"/></fill>'
    '<fill><patternFill patternType="gray125"/></fill></fills>'
    '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
    '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
    '<cellXfs count="5"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
    '<xf numFmtId="14" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
    '<xf numFmtId="22" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
    '<xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
    '<xf numFmtId="165" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/></cellXfs>'
    '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles></styleSheet>'
)


def excel_part_types() -> str:
    office = "application/vnd.openxmlformats-officedocument.spreadsheetml"
    overrides = {"/xl/workbook.xml": "sheet.main", "/xl/worksheets/sheet1.xml": "worksheet",
                 "/xl/styles.xml": "styles", "/xl/sharedStrings.xml": "sharedStrings"}
    return (
        '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        + "".join(f'<Override PartName="{part}" ContentType="{office}.{kind}+xml"/>'
                  for part, kind in overrides.items())
        + "</Types>")


def excel_relationships(targets: dict[str, str]) -> str:
    items = "".join(f'<Relationship Id="rId{number}" Type="{DOCUMENT_RELS_NS}/{kind}" Target="{target}"/>'
                    for number, (kind, target) in enumerate(targets.items(), start=1))
    return f'<Relationships xmlns="{PACKAGE_RELS_NS}">{items}</Relationships>'


def excel_workbook(path: Path) -> Path:
    """Write an .xlsx whose sheet "נמענים" contains EXCEL_ROWS, in the XML forms Excel saves.

    The package has the parts openpyxl needs. Excel's theme and document
    properties are left out.
    """
    shared = "".join(f"<si><t>{text}</t></si>" for text in EXCEL_STRINGS)
    parts = {
        "[Content_Types].xml": excel_part_types(),
        "_rels/.rels": excel_relationships({"officeDocument": "xl/workbook.xml"}),
        "xl/workbook.xml": (f'<workbook xmlns="{MAIN_NS}" xmlns:r="{DOCUMENT_RELS_NS}">'
                            '<sheets><sheet name="נמענים" sheetId="1" r:id="rId1"/></sheets></workbook>'),
        "xl/_rels/workbook.xml.rels": excel_relationships({
            "worksheet": "worksheets/sheet1.xml", "styles": "styles.xml", "sharedStrings": "sharedStrings.xml"}),
        "xl/worksheets/sheet1.xml": (f'<worksheet xmlns="{MAIN_NS}" xmlns:r="{DOCUMENT_RELS_NS}">'
                                     f'<dimension ref="A1:F4"/><sheetData>{EXCEL_ROWS}</sheetData></worksheet>'),
        "xl/styles.xml": EXCEL_STYLES,
        "xl/sharedStrings.xml": (f'<sst xmlns="{MAIN_NS}" count="{len(EXCEL_STRINGS)}" '
                                 f'uniqueCount="{len(EXCEL_STRINGS)}">{shared}</sst>'),
    }
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in parts.items():
            archive.writestr(name, XML_DECLARATION + text)
    return path


def change_zip_part(path: Path, name: str, change) -> None:
    """Rewrite one text part of the zip at *path* through *change*."""
    with zipfile.ZipFile(path) as archive:
        parts = {item: archive.read(item) for item in archive.namelist()}
    parts[name] = change(parts[name].decode("utf-8")).encode("utf-8")
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for item, data in parts.items():
            archive.writestr(item, data)


@pytest.fixture
def excel_file(tmp_path: Path) -> Path:
    return excel_workbook(tmp_path / "רשימה.xlsx")


def test_read_excel_file_builtin_short_date(excel_file: Path) -> None:
    table = read_table_file(excel_file)
    cell = table.rows[0].cells[2]
    assert cell.number_format == "dd/mm/yyyy"
    assert format_cell(cell) == "31/12/2023"


def test_read_excel_file_builtin_date_time(excel_file: Path) -> None:
    cell = read_table_file(excel_file).rows[0].cells[3]
    assert cell.number_format == "dd/mm/yyyy hh:mm"
    assert format_cell(cell) == "31/12/2023 18:00"


def test_read_excel_file_custom_date_formats_kept(excel_file: Path) -> None:
    us_order, hebrew = read_table_file(excel_file).rows[1].cells[2:4]
    assert us_order.number_format == "mm/dd/yyyy"
    assert format_cell(us_order) == "12/31/2023"
    assert format_cell(hebrew) == "31 דצמבר 2023"


def test_read_excel_file_builtin_date_1904(excel_file: Path) -> None:
    change_zip_part(excel_file, "xl/workbook.xml",
                    lambda text: text.replace("<sheets>", '<workbookPr date1904="1"/><sheets>'))
    table = read_table_file(excel_file)
    assert table.date1904 is True
    assert format_cell(table.rows[0].cells[2], date1904=True) == "01/01/2028"


@pytest.mark.parametrize("row, column", [(0, 4), (0, 5), (1, 4)])
def test_read_excel_file_empty_text_result(excel_file: Path, row: int, column: int) -> None:
    cell = read_table_file(excel_file).rows[row].cells[column]
    assert cell.value == ""
    assert cell.error is None


def test_read_excel_file_text_result(excel_file: Path) -> None:
    assert read_table_file(excel_file).rows[1].cells[5].value == "מאושר"


@pytest.mark.parametrize("column, coordinate", [(2, "C4"), (3, "D4")])
def test_read_excel_file_formula_without_result(excel_file: Path, column: int, coordinate: str) -> None:
    cell = read_table_file(excel_file).rows[2].cells[column]
    assert cell.error is CellError.UNCALCULATED
    assert cell.coordinate == coordinate


def test_read_excel_file_formula_beside_empty_cell(excel_file: Path) -> None:
    cell = read_table_file(excel_file).rows[2].cells[4]
    assert cell.value == 4
    assert cell.error is None


def test_read_recipients_empty_text_formula(excel_file: Path, tmp_path: Path) -> None:
    result = read_recipients(read_table_file(excel_file), base_folder=tmp_path)
    assert [recipient.row for recipient in result.recipients] == [2, 3]
    assert result.recipients[0].fields == ("dana@example.com", "דנה", "31/12/2023", "31/12/2023 18:00", "", "")
    assert result.recipients[1].fields[5] == "מאושר"
    assert {problem.row for problem in result.problems} == {4}
    assert "C4" in result.problems[0].message


def test_update_workbook_keeps_empty_text_result(excel_file: Path) -> None:
    update_workbook(excel_file, statuses={2: "sent"})
    table = read_table_file(excel_file)
    assert table.rows[0].cells[4].value == ""
    assert table.rows[0].cells[4].error is None
    assert table.rows[1].cells[4].value == ""
    assert table.rows[1].cells[4].error is None
    assert table.rows[1].cells[5].value == "מאושר"
    assert table.rows[2].cells[3].error is CellError.UNCALCULATED
    assert format_cell(table.rows[0].cells[2]) == "31/12/2023"


# Unreadable files

def test_read_unreadable_not_zip(tmp_path: Path) -> None:
    path = tmp_path / "fake.xlsx"
    path.write_text("Email,Name\n", encoding="utf-8")
    with pytest.raises(WorkbookError, match="not an Excel workbook"):
        read_campaign(path)


def test_read_unreadable_password_protected(tmp_path: Path) -> None:
    path = tmp_path / "secret.xlsx"
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 504 + "EncryptionInfo".encode("utf-16-le"))
    with pytest.raises(WorkbookError, match="password"):
        read_table_file(path)


def test_read_unreadable_old_xls_content(tmp_path: Path) -> None:
    path = tmp_path / "old.xlsx"
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 1024)
    with pytest.raises(WorkbookError, match="97-2003"):
        read_table_file(path)


def test_read_unreadable_suffix(tmp_path: Path) -> None:
    path = tmp_path / "list.ods"
    path.write_bytes(b"")
    with pytest.raises(WorkbookError, match="'.ods'"):
        read_table_file(path)


def test_read_unreadable_missing_file(tmp_path: Path) -> None:
    with pytest.raises(WorkbookError, match="not found") as caught:
        read_campaign(tmp_path / "missing.xlsm")
    assert caught.value.path == str(tmp_path / "missing.xlsm")


# CSV

def write_csv(path: Path, text: str, encoding: str) -> Path:
    path.write_bytes(text.encode(encoding))
    return path


def test_read_csv_utf8_comma(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "a.csv", "Email,שם,Amount\nאבי <avi@example.com>,אבי כהן,1234.50\n", "utf-8")
    table = read_csv(path)
    assert table.header == ("Email", "שם", "Amount")
    assert table.rows[0].cells[1].value == "אבי כהן"
    assert table.rows[0].cells[2].value == "1234.50"
    assert table.sheet == "a.csv"


def test_read_csv_utf8_bom_semicolon(tmp_path: Path) -> None:
    path = tmp_path / "bom.csv"
    path.write_bytes(codecs.BOM_UTF8 + "Email;שם;Customer\na@example.com;דנה;00123\n".encode("utf-8"))
    table = read_csv(path)
    assert table.header == ("Email", "שם", "Customer")
    assert table.rows[0].cells[2].value == "00123"


def test_read_csv_cp1255_semicolon(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "hebrew.csv",
                     "דואר;שם מלא;סכום\r\nyossi@example.org;יוסי לוי;1,234.50\r\n", "cp1255")
    table = read_csv(path)
    assert table.header == ("דואר", "שם מלא", "סכום")
    assert table.rows[0].cells[1].value == "יוסי לוי"
    assert table.rows[0].cells[2].value == "1,234.50"


def test_read_csv_cp1255_tab(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "tab.csv", "דואר\tשם\tמספר\na@example.com\tמרים, כהן\t007\n", "cp1255")
    table = read_csv(path)
    assert table.header == ("דואר", "שם", "מספר")
    assert table.rows[0].cells[1].value == "מרים, כהן"
    assert table.rows[0].cells[2].value == "007"


def test_read_csv_utf16_unicode_text(tmp_path: Path) -> None:
    path = tmp_path / "unicode.txt"
    path.write_bytes(codecs.BOM_UTF16_LE + "Email\tשם\r\na@example.com\tנועה\r\n".encode("utf-16-le"))
    table = read_table_file(path)
    assert table.header == ("Email", "שם")
    assert table.rows[0].cells[1].value == "נועה"


def test_read_csv_quoted_fields(tmp_path: Path) -> None:
    text = 'Email,Name,Note\n"""Cohen, Dana"" <dana@example.com>","Cohen, Dana","line one\nline two"\nb@example.org,B,x\n'
    table = read_csv(write_csv(tmp_path / "quoted.csv", text, "utf-8"))
    assert table.rows[0].cells[0].value == '"Cohen, Dana" <dana@example.com>'
    assert table.rows[0].cells[2].value == "line one\nline two"
    assert table.rows[1].number == 3


def test_read_csv_text_as_written(tmp_path: Path) -> None:
    text = "Email,Id,Amount,Date,Formula\na@example.com,000123, 1.50 ,31/12/2024,=1+1\n"
    cells = read_csv(write_csv(tmp_path / "raw.csv", text, "utf-8")).rows[0].cells
    assert [cell.value for cell in cells] == ["a@example.com", "000123", " 1.50 ", "31/12/2024", "=1+1"]
    assert all(isinstance(cell.value, str) for cell in cells)
    assert [cell.coordinate for cell in cells] == ["A2", "B2", "C2", "D2", "E2"]


def test_read_csv_short_rows_padded(tmp_path: Path) -> None:
    table = read_csv(write_csv(tmp_path / "short.csv", "Email,Name,Amount\na@example.com\n\nb@example.org,B,1,extra\n\n\n", "utf-8"))
    assert table.header == ("Email", "Name", "Amount", "")
    assert [len(row.cells) for row in table.rows] == [4, 4, 4]
    assert [row.number for row in table.rows] == [2, 3, 4]
    assert table.rows[1].cells[0].value == ""


def test_read_csv_status_column(tmp_path: Path) -> None:
    table = read_csv(write_csv(tmp_path / "s.csv", f"Email;{STATUS_HEADERS['he']}\na@example.com;\n", "utf-8"))
    assert table.status_column == 1


def test_read_csv_invalid_encoding(tmp_path: Path) -> None:
    path = tmp_path / "bad.csv"
    path.write_bytes(b"Email\n\xff\xfe\x81\n")
    with pytest.raises(WorkbookError, match="CSV UTF-8"):
        read_csv(path)


def test_read_csv_empty_file(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "empty.csv", "\n\n", "utf-8")
    with pytest.raises(WorkbookError, match="empty"):
        read_csv(path)


def test_read_csv_missing_file(tmp_path: Path) -> None:
    with pytest.raises(WorkbookError, match="not found"):
        read_csv(tmp_path / "missing.csv")


@pytest.mark.parametrize(("text", "expected"), [
    ("Email,Name\na@example.com,A\n", ","),
    ("Email;Name\na@example.com;A, B\n", ";"),
    ("Email\tName\na@example.com\tA;B\n", "\t"),
    ("Email\na@example.com\n", ","),
    ("Email;Name;Amount\na;b;1,5\nc;d;2,5\n", ";"),
])
def test_detect_delimiter_cases(text: str, expected: str) -> None:
    assert detect_delimiter(text) == expected


# Mailbox fields

def mailbox(**fields: object):
    base = {"name": "Office", "from_address": "office@example.com", "kind": "smtp", "host": "smtp.example.com"}
    base.update(fields)
    return parse_mailbox_row(base, base_folder=Path("/data/campaigns"), where="mailboxes.toml [office]")


@pytest.mark.parametrize(("security", "port"), [("ssl", 465), ("starttls", 587), ("none", 25), (None, 587)])
def test_parse_mailbox_default_port(security: str | None, port: int) -> None:
    assert mailbox(security=security).port == port


def test_parse_mailbox_full_row() -> None:
    parsed = mailbox(port=2525.0, security="SSL", username="office", per_minute="30", per_day=500,
                     reply_to="help@example.com", max_size_mb=10, allow_plain_auth="כן", ca_file="ca.pem",
                     display_name=" משרד ", timeout="15")
    assert parsed.port == 2525
    assert parsed.security is Security.SSL
    assert parsed.username == "office"
    assert parsed.per_minute == 30
    assert parsed.per_day == 500
    assert parsed.reply_to == "help@example.com"
    assert parsed.max_message_bytes == 10 * 1024 * 1024
    assert parsed.allow_plain_auth is True
    assert parsed.ca_file == Path("/data/campaigns/ca.pem")
    assert parsed.display_name == "משרד"
    assert parsed.timeout == 15.0


def test_parse_mailbox_pickup_folder() -> None:
    relative = mailbox(kind="pickup", host=None, folder="outbox")
    absolute = mailbox(kind="pickup", folder="/var/mail/out")
    assert relative.folder == Path("/data/campaigns/outbox")
    assert absolute.folder == Path("/var/mail/out")
    assert relative.port == 0


def test_parse_mailbox_size_in_bytes() -> None:
    assert mailbox(max_message_bytes=10_000_000).max_message_bytes == 10_000_000
    assert mailbox().max_message_bytes == 25 * 1024 * 1024


def test_parse_mailbox_size_given_twice() -> None:
    with pytest.raises(ConfigurationError, match="max_size_mb and max_message_bytes"):
        mailbox(max_size_mb=10, max_message_bytes=10_000_000)


def test_parse_mailbox_kind_inferred() -> None:
    without_kind = {"name": "Office", "from_address": "office@example.com"}
    server = parse_mailbox_row({**without_kind, "host": "smtp.example.com"}, base_folder=Path("."), where="x")
    folder = parse_mailbox_row({**without_kind, "folder": "out"}, base_folder=Path("."), where="x")
    assert server.kind == "smtp"
    assert server.port == 587
    assert folder.kind == "pickup"


@pytest.mark.parametrize(("fields", "words"), [
    ({"kind": "imap"}, ["'imap'", "smtp, pickup"]),
    ({"security": "tls"}, ["'tls'", "ssl, starttls, none"]),
    ({"port": 70000}, ["1 to 65535", "70000"]),
    ({"port": 0}, ["1 to 65535"]),
    ({"port": "587a"}, ["'587a'"]),
    ({"per_minute": 2.5}, ["0 or more", "2.5"]),
    ({"per_day": -1}, ["0 or more"]),
    ({"per_day": True}, ["0 or more"]),
    ({"from_address": ""}, ["from_address"]),
    ({"from_address": "office"}, ["'office'"]),
    ({"name": "  "}, ["name is missing"]),
    ({"host": ""}, ["server name"]),
    ({"kind": "pickup", "folder": ""}, ["folder"]),
    ({"max_size_mb": "big"}, ["positive number", "'big'"]),
    ({"max_size_mb": 0}, ["positive number"]),
    ({"allow_plain_auth": "maybe"}, ["'maybe'"]),
    ({"passwd": "secret"}, ["'passwd'"]),
])
def test_parse_mailbox_invalid(fields: dict[str, object], words: list[str]) -> None:
    with pytest.raises(ConfigurationError) as caught:
        mailbox(**fields)
    message = str(caught.value)
    assert message.startswith("mailboxes.toml [office]: ")
    for word in words:
        assert word in message


def test_parse_mailbox_labels_name_field() -> None:
    with pytest.raises(ConfigurationError, match=r"'Port' \(F2\)"):
        parse_mailbox_row({"name": "x", "from_address": "x@example.com", "kind": "smtp", "host": "h",
                           "port": "x"}, base_folder=Path("."), where="here", labels={"port": "'Port' (F2)"})

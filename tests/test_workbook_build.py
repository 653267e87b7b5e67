"""Tests of the HyperMailer workbook build (hypermailer.workbook.build)."""

from __future__ import annotations

import io
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import openpyxl
import pytest

from hypermailer.campaign import STATUS_HEADERS
from hypermailer.workbook import layout
from hypermailer.workbook.build import build_workbook, main, workbook_bytes
from hypermailer.workbook.package import XLSM_MAIN_TYPE, XLSX_MAIN_TYPE

REPOSITORY = Path(__file__).resolve().parents[1]
COMMITTED_WORKBOOK = REPOSITORY / "workbook" / "HyperMailer.xlsm"
REBUILD_COMMAND = "PYTHONPATH=addin python -m hypermailer.workbook.build workbook/HyperMailer.xlsm"


@pytest.fixture(scope="module")
def hebrew_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("build") / "HyperMailer.xlsm"
    build_workbook(path)
    return path


@pytest.fixture(scope="module")
def hebrew(hebrew_path: Path) -> openpyxl.Workbook:
    return openpyxl.load_workbook(hebrew_path)


@pytest.fixture(scope="module")
def english(tmp_path_factory: pytest.TempPathFactory) -> openpyxl.Workbook:
    path = tmp_path_factory.mktemp("build") / "HyperMailer-en.xlsm"
    build_workbook(path, language="en")
    return openpyxl.load_workbook(path)


def sheet_with_table(workbook: openpyxl.Workbook, name: str):
    for sheet in workbook.worksheets:
        if name in sheet.tables:
            return sheet, sheet.tables[name]
    raise AssertionError(f"no table {name}")


def table_header(workbook: openpyxl.Workbook, name: str) -> list[str]:
    _sheet, table = sheet_with_table(workbook, name)
    return [column.name for column in table.tableColumns]


def named_cell(workbook: openpyxl.Workbook, name: str):
    sheet_title, reference = next(iter(workbook.defined_names[name].destinations))
    return workbook[sheet_title][reference.replace("$", "")]


def validations(workbook: openpyxl.Workbook) -> dict[str, str]:
    """Map each validated cell range, as "sheet!range", to its list source."""
    found = {}
    for sheet in workbook.worksheets:
        for validation in sheet.data_validations.dataValidation:
            found[f"{sheet.title}!{validation.sqref}"] = validation.formula1
    return found


def content_types(path: Path) -> str:
    with zipfile.ZipFile(path) as archive:
        return archive.read("[Content_Types].xml").decode()


def test_build_twice_identical_bytes(tmp_path: Path) -> None:
    first, second = tmp_path / "first.xlsm", tmp_path / "second.xlsm"
    build_workbook(first)
    build_workbook(second)
    assert first.read_bytes() == second.read_bytes()


def test_build_english_twice_identical_bytes() -> None:
    assert workbook_bytes(language="en") == workbook_bytes(language="en")


def test_build_matches_committed_workbook() -> None:
    # Parts are compared after unpacking, so a different zlib build that
    # compresses the same parts to other bytes does not fail the test.
    assert COMMITTED_WORKBOOK.exists(), f"{COMMITTED_WORKBOOK} is missing; run: {REBUILD_COMMAND}"
    fresh = workbook_bytes(language="he", macro_enabled=True)
    with zipfile.ZipFile(COMMITTED_WORKBOOK) as committed, zipfile.ZipFile(io.BytesIO(fresh)) as rebuilt:
        committed_parts = [(info.filename, committed.read(info)) for info in committed.infolist()]
        rebuilt_parts = [(info.filename, rebuilt.read(info)) for info in rebuilt.infolist()]
    assert committed_parts == rebuilt_parts, (
        f"workbook/HyperMailer.xlsm differs from a fresh build; run: {REBUILD_COMMAND}")


def test_build_xlsm_macro_enabled_type(hebrew_path: Path) -> None:
    types = content_types(hebrew_path)
    assert XLSM_MAIN_TYPE in types
    assert XLSX_MAIN_TYPE not in types


def test_build_xlsx_plain_type(tmp_path: Path) -> None:
    path = tmp_path / "HyperMailer.xlsx"
    build_workbook(path)
    types = content_types(path)
    assert XLSX_MAIN_TYPE in types
    assert XLSM_MAIN_TYPE not in types


def test_build_xlsm_has_vba_part(hebrew_path: Path) -> None:
    with zipfile.ZipFile(hebrew_path) as archive:
        names = archive.namelist()
        workbook_rels = archive.read("xl/_rels/workbook.xml.rels").decode()
    assert "xl/vbaProject.bin" in names
    assert "vbaProject.bin" in workbook_rels


def test_build_xlsx_has_no_vba_part(tmp_path: Path) -> None:
    path = tmp_path / "HyperMailer.xlsx"
    build_workbook(path)
    with zipfile.ZipFile(path) as archive:
        names = archive.namelist()
    assert "xl/vbaProject.bin" not in names
    assert "customUI/customUI.xml" not in names


def test_build_zip_entries_fixed_time(hebrew_path: Path) -> None:
    with zipfile.ZipFile(hebrew_path) as archive:
        times = {info.date_time for info in archive.infolist()}
    assert times == {(1980, 1, 1, 0, 0, 0)}


def test_build_fixed_document_times(hebrew_path: Path) -> None:
    with zipfile.ZipFile(hebrew_path) as archive:
        core = archive.read("docProps/core.xml").decode()
    assert "<dcterms:created xsi:type=\"dcterms:W3CDTF\">2025-01-01T00:00:00Z</dcterms:created>" in core
    assert "<dcterms:modified xsi:type=\"dcterms:W3CDTF\">2025-01-01T00:00:00Z</dcterms:modified>" in core


def test_build_hebrew_titles_right_to_left(hebrew: openpyxl.Workbook) -> None:
    assert hebrew.sheetnames == list(layout.SHEET_TITLES["he"].values())
    for sheet in hebrew.worksheets:
        assert sheet.sheet_view.rightToLeft, sheet.title


def test_build_english_titles_left_to_right(english: openpyxl.Workbook) -> None:
    assert english.sheetnames == ["Recipients", "Message", "Mailboxes", "Templates", "Unsubscribed", "Log"]
    for sheet in english.worksheets:
        assert not sheet.sheet_view.rightToLeft, sheet.title


def test_build_no_sheet_name_ends_py(hebrew: openpyxl.Workbook, english: openpyxl.Workbook) -> None:
    for title in hebrew.sheetnames + english.sheetnames:
        assert not title.lower().endswith(".py"), title


def test_build_recipients_first_and_active(hebrew: openpyxl.Workbook) -> None:
    assert layout.RECIPIENTS_TABLE in hebrew.worksheets[0].tables
    assert hebrew.active.title == hebrew.worksheets[0].title


@pytest.mark.parametrize("name", [layout.RECIPIENTS_TABLE, layout.MAILBOXES_TABLE, layout.TEMPLATES_TABLE,
                                  layout.UNSUBSCRIBED_TABLE, layout.LOG_TABLE])
def test_build_table_present(hebrew: openpyxl.Workbook, name: str) -> None:
    sheet, table = sheet_with_table(hebrew, name)
    assert table.name == name


def test_build_recipients_header(hebrew: openpyxl.Workbook, english: openpyxl.Workbook) -> None:
    assert table_header(hebrew, layout.RECIPIENTS_TABLE) == [
        "דואר אלקטרוני", "שם מלא", "מספר לקוח", "סכום", "תאריך תשלום", STATUS_HEADERS["he"]]
    assert table_header(english, layout.RECIPIENTS_TABLE) == [
        "Email", "Full name", "Customer number", "Amount", "Due date", STATUS_HEADERS["en"]]


def test_build_recipients_sample_rows(hebrew: openpyxl.Workbook) -> None:
    sheet, table = sheet_with_table(hebrew, layout.RECIPIENTS_TABLE)
    assert table.ref == "A1:F6"
    addresses = [sheet.cell(row=row, column=1).value for row in range(2, 7)]
    assert all(address.endswith(("@example.com", "@example.org", "@example.com>")) for address in addresses)
    assert addresses[0] == "דנה כהן <dana.cohen@example.com>"
    names = [sheet.cell(row=row, column=2).value for row in range(2, 7)]
    assert all(any("\u05d0" <= letter <= "\u05ea" for letter in name) for name in names)


def test_build_recipients_number_formats(hebrew: openpyxl.Workbook) -> None:
    sheet, _table = sheet_with_table(hebrew, layout.RECIPIENTS_TABLE)
    assert sheet["C2"].value == 123
    assert sheet["C2"].number_format == "00000"
    assert "₪" in sheet["D2"].number_format
    assert sheet["E2"].number_format == "dd/mm/yyyy"
    assert sheet["E2"].is_date


def test_build_status_cells_empty(hebrew: openpyxl.Workbook) -> None:
    sheet, _table = sheet_with_table(hebrew, layout.RECIPIENTS_TABLE)
    assert [sheet.cell(row=row, column=6).value for row in range(2, 7)] == [None] * 5


@pytest.mark.parametrize("name", [
    layout.MAILBOX, layout.SUBJECT, layout.BODY, layout.BODY_FORMAT, layout.TEMPLATE, layout.ATTACHMENTS,
    layout.REPLY_TO, layout.TEST_ADDRESS, layout.CAMPAIGN_ID, layout.LANGUAGE,
])
def test_build_message_name_points_at_cell(hebrew: openpyxl.Workbook, name: str) -> None:
    sheet_title, reference = next(iter(hebrew.defined_names[name].destinations))
    assert sheet_title == layout.SHEET_TITLES["he"]["Message"]
    assert reference.startswith("$B$")


def test_build_message_labels_beside_cells(hebrew: openpyxl.Workbook, english: openpyxl.Workbook) -> None:
    subject = named_cell(hebrew, layout.SUBJECT)
    assert subject.offset(column=-1).value == "נושא"
    assert named_cell(english, layout.SUBJECT).offset(column=-1).value == "Subject"


def test_build_list_names_structured(hebrew: openpyxl.Workbook, english: openpyxl.Workbook) -> None:
    assert hebrew.defined_names[layout.MAILBOX_NAMES].attr_text == "Mailboxes[שם]"
    assert hebrew.defined_names[layout.TEMPLATE_NAMES].attr_text == "Templates[שם]"
    assert english.defined_names[layout.MAILBOX_NAMES].attr_text == "Mailboxes[Name]"


def test_build_message_validations(hebrew: openpyxl.Workbook) -> None:
    found = validations(hebrew)
    message = layout.SHEET_TITLES["he"]["Message"]

    def source_of(name: str) -> str:
        return found[f"{message}!{named_cell(hebrew, name).coordinate}"]

    assert source_of(layout.MAILBOX) == layout.MAILBOX_NAMES
    assert source_of(layout.TEMPLATE) == layout.TEMPLATE_NAMES
    assert source_of(layout.BODY_FORMAT) == '"text,html,markdown"'
    assert source_of(layout.LANGUAGE) == '"he,en"'


def test_build_mailbox_choice_warns_instead_of_refusing(hebrew: openpyxl.Workbook) -> None:
    """A mailbox from mailboxes.toml is not in the drop-down, yet the user may type it."""
    cell = named_cell(hebrew, layout.MAILBOX)
    sheet = hebrew[layout.SHEET_TITLES["he"]["Message"]]
    (validation,) = [item for item in sheet.data_validations.dataValidation
                     if str(item.sqref) == cell.coordinate]

    assert validation.errorStyle == "warning"
    assert "mailboxes.toml" in validation.error
    assert "תיבת הדואר" in validation.error


def test_build_mailbox_validations(hebrew: openpyxl.Workbook) -> None:
    sheet, _table = sheet_with_table(hebrew, layout.MAILBOXES_TABLE)
    header = table_header(hebrew, layout.MAILBOXES_TABLE)
    kind = openpyxl.utils.get_column_letter(header.index("סוג") + 1)
    security = openpyxl.utils.get_column_letter(header.index("אבטחה") + 1)
    found = validations(hebrew)
    assert found[f"{sheet.title}!{kind}2"] == '"smtp,pickup"'
    assert found[f"{sheet.title}!{security}2"] == '"ssl,starttls,none"'


def test_build_subject_and_body_placeholders(hebrew: openpyxl.Workbook) -> None:
    subject = named_cell(hebrew, layout.SUBJECT).value
    body = named_cell(hebrew, layout.BODY).value
    assert "{#1}" in subject
    assert "<#2>" in subject
    assert "{{ סכום }}" in body
    assert "סכום" in table_header(hebrew, layout.RECIPIENTS_TABLE)
    assert "\n" in body


def test_build_english_body_uses_english_header(english: openpyxl.Workbook) -> None:
    assert "{{ Amount }}" in named_cell(english, layout.BODY).value


def test_build_body_cell_wraps(hebrew: openpyxl.Workbook) -> None:
    assert named_cell(hebrew, layout.BODY).alignment.wrap_text


def test_build_message_defaults(hebrew: openpyxl.Workbook) -> None:
    assert named_cell(hebrew, layout.MAILBOX).value == "תיבת יציאה מקומית"
    assert named_cell(hebrew, layout.BODY_FORMAT).value == "text"
    assert named_cell(hebrew, layout.LANGUAGE).value == "he"
    assert named_cell(hebrew, layout.CAMPAIGN_ID).value is None


def test_build_mailbox_sample(hebrew: openpyxl.Workbook, english: openpyxl.Workbook) -> None:
    sheet, table = sheet_with_table(hebrew, layout.MAILBOXES_TABLE)
    header = table_header(hebrew, layout.MAILBOXES_TABLE)
    row = {key.key: sheet.cell(row=2, column=header.index(key.he) + 1).value for key in layout.MAILBOX_COLUMNS}
    assert len(header) == len(layout.MAILBOX_COLUMNS)
    assert row["name"] == "תיבת יציאה מקומית"
    assert row["kind"] == "pickup"
    assert row["folder"] == "outbox"
    assert row["from_address"] == "office@example.com"
    assert any("\u05d0" <= letter <= "\u05ea" for letter in row["display_name"])
    english_sheet, _table = sheet_with_table(english, layout.MAILBOXES_TABLE)
    assert english_sheet["A2"].value == "Local outbox"


def test_build_template_sample(hebrew: openpyxl.Workbook, english: openpyxl.Workbook) -> None:
    sheet, _table = sheet_with_table(hebrew, layout.TEMPLATES_TABLE)
    html = sheet["B2"].value
    assert sheet["A2"].value == named_cell(hebrew, layout.TEMPLATE).value
    assert "{{ body }}" in html
    assert 'dir="rtl"' in html
    english_sheet, _table = sheet_with_table(english, layout.TEMPLATES_TABLE)
    assert 'dir="rtl"' not in english_sheet["B2"].value


def test_build_unsubscribed_not_a_recipient(hebrew: openpyxl.Workbook) -> None:
    sheet, table = sheet_with_table(hebrew, layout.UNSUBSCRIBED_TABLE)
    recipients, _table = sheet_with_table(hebrew, layout.RECIPIENTS_TABLE)
    unsubscribed = sheet["A2"].value
    assert table.ref == "A1:C2"
    assert unsubscribed
    assert all(unsubscribed not in recipients.cell(row=row, column=1).value for row in range(2, 7))


def test_build_log_table_one_empty_row(hebrew: openpyxl.Workbook) -> None:
    sheet, table = sheet_with_table(hebrew, layout.LOG_TABLE)
    assert table.ref == "A1:H2"
    assert table_header(hebrew, layout.LOG_TABLE) == [column.he for column in layout.LOG_COLUMNS]
    assert all(cell.value is None for cell in sheet[2])


def test_build_rejects_unknown_language(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="fr"):
        build_workbook(tmp_path / "x.xlsm", language="fr")


def test_build_main_writes_file(tmp_path: Path) -> None:
    target = tmp_path / "en.xlsm"
    main([str(target), "--language", "en"])
    assert openpyxl.load_workbook(target).sheetnames[0] == "Recipients"


def test_build_command_line_module(tmp_path: Path) -> None:
    target = tmp_path / "cli.xlsm"
    environment = dict(os.environ, PYTHONPATH=str(REPOSITORY / "addin"))
    completed = subprocess.run([sys.executable, "-m", "hypermailer.workbook.build", str(target)],
                               capture_output=True, text=True, env=environment, timeout=60)
    assert completed.returncode == 0, completed.stderr
    assert completed.stderr == ""
    assert target.read_bytes() == workbook_bytes(language="he", macro_enabled=True)

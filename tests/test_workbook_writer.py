"""Tests of writing results back into workbooks (hypermailer.workbook.writer)."""

from __future__ import annotations

import datetime
import io
import os
import stat
import zipfile
from pathlib import Path

import openpyxl
import pytest
from openpyxl.cell.rich_text import CellRichText, TextBlock
from openpyxl.cell.text import InlineFont

from hypermailer.campaign import STATUS_HEADERS
from hypermailer.errors import WorkbookError
from hypermailer.i18n import get_language, set_language
from hypermailer.workbook import build_workbook, read_campaign, read_table_file, update_workbook
from hypermailer.workbook import layout, writer
from hypermailer.workbook.build import workbook_bytes
from hypermailer.workbook.package import XLSM_MAIN_TYPE, XLSX_MAIN_TYPE, set_macro_enabled

VBA_BYTES = bytes(range(256)) * 8 + b"HyperMailer test VBA project"
RIBBON_2006 = "http://schemas.microsoft.com/office/2006/relationships/ui/extensibility"
RIBBON_2007 = "http://schemas.microsoft.com/office/2007/relationships/ui/extensibility"
CUSTOM_UI = (b'<customUI xmlns="http://schemas.microsoft.com/office/2006/01/customui">'
             b'<ribbon><tabs><tab id="hyperMailer" label="HyperMailer"/></tabs></ribbon></customUI>')
CUSTOM_UI_14 = (b'<customUI xmlns="http://schemas.microsoft.com/office/2009/07/customui">'
                b'<ribbon><tabs><tab id="hyperMailer14" label="HyperMailer"/></tabs></ribbon></customUI>')
PNG_BYTES = b"\x89PNG\r\n\x1a\n" + b"\0" * 32


@pytest.fixture(autouse=True)
def english_messages():
    previous = get_language()
    set_language("en")
    yield
    set_language(previous)


@pytest.fixture
def built(tmp_path: Path) -> Path:
    """A macro-enabled HyperMailer workbook without VBA or ribbon, so tests can inject their own."""
    path = tmp_path / "HyperMailer.xlsm"
    path.write_bytes(set_macro_enabled(workbook_bytes(macro_enabled=False)))
    return path


def rewrite_zip(path: Path, change, extra: dict[str, bytes]) -> None:
    """Rewrite the zip at *path*: each part through *change*, then the *extra* parts."""
    output = io.BytesIO()
    with zipfile.ZipFile(path) as source, zipfile.ZipFile(output, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            target.writestr(info, change(info.filename, source.read(info)))
        for name, data in extra.items():
            target.writestr(name, data)
    path.write_bytes(output.getvalue())


def add_relationship(rels: bytes, relationship_id: str, kind: str, target: str) -> bytes:
    element = f'<Relationship Id="{relationship_id}" Type="{kind}" Target="{target}"/>'.encode()
    return rels.replace(b"</Relationships>", element + b"</Relationships>")


def inject_vba_and_ribbon(path: Path) -> None:
    """Add a VBA part and an Office 2007 ribbon part, with their types and relationships."""
    def change(name: str, data: bytes) -> bytes:
        if name == "[Content_Types].xml":
            return data.replace(b"<Default ", b'<Default Extension="bin" '
                                b'ContentType="application/vnd.ms-office.vbaProject"/><Default ', 1)
        if name == "xl/_rels/workbook.xml.rels":
            return add_relationship(data, "rId900",
                                    "http://schemas.microsoft.com/office/2006/relationships/vbaProject",
                                    "vbaProject.bin")
        if name == "_rels/.rels":
            return add_relationship(data, "rId4", RIBBON_2006, "customUI/customUI.xml")
        return data
    rewrite_zip(path, change, {"xl/vbaProject.bin": VBA_BYTES, "customUI/customUI.xml": CUSTOM_UI})


def inject_office2010_ribbon(path: Path, relationship_id: str = "rId5") -> None:
    """Add a customUI14 ribbon with an image, under the Office 2010 relationship type."""
    image_rels = (b'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/'
                  b'package/2006/relationships"><Relationship Id="logo" Type="http://schemas.openxmlformats.org/'
                  b'officeDocument/2006/relationships/image" Target="images/logo.png"/></Relationships>')

    def change(name: str, data: bytes) -> bytes:
        if name == "_rels/.rels":
            return add_relationship(data, relationship_id, RIBBON_2007, "customUI/customUI14.xml")
        return data
    rewrite_zip(path, change, {
        "customUI/customUI14.xml": CUSTOM_UI_14,
        "customUI/_rels/customUI14.xml.rels": image_rels,
        "customUI/images/logo.png": PNG_BYTES,
    })


def zip_part(path: Path, name: str) -> bytes:
    with zipfile.ZipFile(path) as archive:
        return archive.read(name)


def zip_names(path: Path) -> list[str]:
    with zipfile.ZipFile(path) as archive:
        return archive.namelist()


def workbook_structure(path: Path) -> dict[str, object]:
    """Collect the defined names, tables and data validations of a workbook."""
    workbook = openpyxl.load_workbook(path)
    return {
        "names": {name: defined.attr_text for name, defined in workbook.defined_names.items()},
        "tables": {name: sheet.title for sheet in workbook.worksheets for name in sheet.tables},
        "validations": sorted((sheet.title, str(validation.sqref), validation.formula1)
                              for sheet in workbook.worksheets
                              for validation in sheet.data_validations.dataValidation),
    }


def sheet_of_table(workbook: openpyxl.Workbook, name: str):
    sheet = next(sheet for sheet in workbook.worksheets if name in sheet.tables)
    return sheet, sheet.tables[name]


def log_values(path: Path) -> tuple[str, list[list[object]]]:
    workbook = openpyxl.load_workbook(path)
    sheet, table = sheet_of_table(workbook, layout.LOG_TABLE)
    rows = [[cell.value for cell in row] for row in sheet[table.ref]][1:]
    return table.ref, rows


# Preservation

def test_update_preserves_vba_and_ribbon(built: Path) -> None:
    inject_vba_and_ribbon(built)
    before = workbook_structure(built)

    update_workbook(built, statuses={2: "נשלח", 3: "נכשל: 550"}, campaign_id="2025-01-01-abc",
                    log_row=[datetime.datetime(2025, 1, 1, 9, 30), "2025-01-01-abc", "Local outbox", 1, 1, 0, 0, ""])

    assert zip_part(built, "xl/vbaProject.bin") == VBA_BYTES
    assert zip_part(built, "customUI/customUI.xml") == CUSTOM_UI
    root_rels = zip_part(built, "_rels/.rels").decode()
    assert RIBBON_2006 in root_rels
    assert "customUI/customUI.xml" in root_rels
    assert "vbaProject.bin" in zip_part(built, "xl/_rels/workbook.xml.rels").decode()
    assert XLSM_MAIN_TYPE in zip_part(built, "[Content_Types].xml").decode()
    after = workbook_structure(built)
    assert after["names"] == before["names"]
    assert after["tables"] == before["tables"]
    assert after["validations"] == before["validations"]
    assert len(after["names"]) == 13
    assert len(after["tables"]) == 5
    assert len(after["validations"]) == 7


def test_update_preserves_written_values(built: Path) -> None:
    inject_vba_and_ribbon(built)
    update_workbook(built, statuses={2: "נשלח"}, campaign_id="c-1", log_row=["t", "c-1"])
    campaign = read_campaign(built)
    assert campaign.table.rows[0].cells[5].value == "נשלח"
    assert campaign.campaign_id == "c-1"


def test_update_restores_office2010_ribbon(built: Path) -> None:
    inject_vba_and_ribbon(built)
    inject_office2010_ribbon(built)
    update_workbook(built, statuses={2: "sent"})

    root_rels = zip_part(built, "_rels/.rels").decode()
    assert f'Id="rId5" Type="{RIBBON_2007}" Target="customUI/customUI14.xml"' in root_rels
    assert RIBBON_2006 in root_rels
    assert zip_part(built, "customUI/customUI14.xml") == CUSTOM_UI_14
    assert zip_part(built, "customUI/images/logo.png") == PNG_BYTES
    assert "customUI/_rels/customUI14.xml.rels" in zip_names(built)
    assert 'Extension="png"' in zip_part(built, "[Content_Types].xml").decode()


def test_update_restored_ribbon_gets_free_id(built: Path) -> None:
    # Excel-made files may number their relationships differently from
    # openpyxl, so a kept ribbon relationship can collide with a new one.
    def renumber(name: str, data: bytes) -> bytes:
        if name == "_rels/.rels":
            return data.replace(b'Id="rId1"', b'Id="R1"').replace(b'Id="rId2"', b'Id="R2"').replace(
                b'Id="rId3"', b'Id="R3"')
        return data
    rewrite_zip(built, renumber, {})
    inject_office2010_ribbon(built, relationship_id="rId1")
    update_workbook(built, statuses={2: "sent"})

    root_rels = zip_part(built, "_rels/.rels").decode()
    assert root_rels.count('Id="rId1"') == 1
    assert f'Id="rIdHM1" Type="{RIBBON_2007}"' in root_rels


def test_update_no_vba_no_dangling_relationship(built: Path) -> None:
    update_workbook(built, statuses={2: "sent"})
    assert "xl/vbaProject.bin" not in zip_names(built)
    assert "vbaProject" not in zip_part(built, "xl/_rels/workbook.xml.rels").decode()
    assert XLSM_MAIN_TYPE in zip_part(built, "[Content_Types].xml").decode()


def test_update_no_vba_keeps_structure(built: Path) -> None:
    before = workbook_structure(built)
    update_workbook(built, statuses={2: "sent"}, campaign_id="x", log_row=["a"])
    assert workbook_structure(built) == before


def test_update_xlsx_plain_type(tmp_path: Path) -> None:
    path = tmp_path / "HyperMailer.xlsx"
    build_workbook(path)
    update_workbook(path, statuses={2: "sent"})
    types = zip_part(path, "[Content_Types].xml").decode()
    assert XLSX_MAIN_TYPE in types
    assert XLSM_MAIN_TYPE not in types


def test_update_keeps_formulas_and_rich_text(built: Path) -> None:
    workbook = openpyxl.load_workbook(built, keep_vba=True, rich_text=True)
    sheet, _table = sheet_of_table(workbook, layout.RECIPIENTS_TABLE)
    sheet["D3"] = "=C3*2"
    sheet["B4"] = CellRichText(TextBlock(InlineFont(b=True), "מרים"), " מזרחי")
    workbook.save(built)

    update_workbook(built, statuses={3: "sent"})
    reloaded = openpyxl.load_workbook(built, rich_text=True)
    sheet, _table = sheet_of_table(reloaded, layout.RECIPIENTS_TABLE)
    assert sheet["D3"].value == "=C3*2"
    assert isinstance(sheet["B4"].value, CellRichText)
    assert str(sheet["B4"].value) == "מרים מזרחי"


# Statuses

def test_update_statuses_hebrew_text(built: Path) -> None:
    update_workbook(built, statuses={2: "נשלח 01/01/2025 09:30 <abc@example.com>", 6: "דולג: כפול"})
    rows = read_campaign(built).table.rows
    assert rows[0].cells[5].value == "נשלח 01/01/2025 09:30 <abc@example.com>"
    assert rows[4].cells[5].value == "דולג: כפול"
    assert rows[1].cells[5].value is None


@pytest.mark.parametrize("text", ["=HYPERLINK(\"http://example.com\")", "#N/A", "+972-3-5550100", "@SUM(A1)", "1e5"])
def test_update_status_stays_text(built: Path, text: str) -> None:
    update_workbook(built, statuses={2: text})
    workbook = openpyxl.load_workbook(built)
    sheet, _table = sheet_of_table(workbook, layout.RECIPIENTS_TABLE)
    assert sheet["F2"].value == text
    assert sheet["F2"].data_type == "s"
    assert b"<f>" not in zip_part(built, "xl/worksheets/sheet1.xml")


def test_update_status_control_characters(built: Path) -> None:
    update_workbook(built, statuses={2: "550 rejected\x00\x07 by server\r\nsecond line"})
    value = read_campaign(built).table.rows[0].cells[5].value
    assert value == "550 rejected   by server\nsecond line"
    assert "\x00" not in value


def test_update_status_long_text_cut(built: Path) -> None:
    update_workbook(built, statuses={2: "x" * 40000})
    assert len(read_campaign(built).table.rows[0].cells[5].value) == writer.MAX_CELL_CHARACTERS


def test_update_status_above_first_row(built: Path) -> None:
    before = built.read_bytes()
    with pytest.raises(ValueError, match="row 1"):
        update_workbook(built, statuses={1: "sent"})
    assert built.read_bytes() == before


def remove_status_column(path: Path) -> None:
    workbook = openpyxl.load_workbook(path, keep_vba=True)
    sheet, table = sheet_of_table(workbook, layout.RECIPIENTS_TABLE)
    table.tableColumns = table.tableColumns[:5]
    table.ref = "A1:E6"
    table.autoFilter.ref = "A1:E6"
    sheet["F1"] = None
    workbook.save(path)


def test_update_adds_status_column(built: Path) -> None:
    remove_status_column(built)
    assert read_campaign(built).table.status_column is None

    update_workbook(built, statuses={3: "sent"}, status_header=STATUS_HEADERS["en"])
    workbook = openpyxl.load_workbook(built)
    sheet, table = sheet_of_table(workbook, layout.RECIPIENTS_TABLE)
    assert table.ref == "A1:F6"
    assert table.autoFilter.ref == "A1:F6"
    assert [column.id for column in table.tableColumns] == [1, 2, 3, 4, 5, 6]
    assert sheet["F1"].value == STATUS_HEADERS["en"]
    table_read = read_campaign(built).table
    assert table_read.status_column == 5
    assert table_read.rows[1].cells[5].value == "sent"


def test_update_status_column_cell_in_use(built: Path) -> None:
    remove_status_column(built)
    workbook = openpyxl.load_workbook(built, keep_vba=True)
    sheet, _table = sheet_of_table(workbook, layout.RECIPIENTS_TABLE)
    sheet["F4"] = "a note"
    workbook.save(built)
    before = built.read_bytes()

    with pytest.raises(WorkbookError, match="F4"):
        update_workbook(built, statuses={2: "sent"})
    assert built.read_bytes() == before


def test_update_status_rows_below_table(built: Path) -> None:
    workbook = openpyxl.load_workbook(built, keep_vba=True)
    sheet, _table = sheet_of_table(workbook, layout.RECIPIENTS_TABLE)
    sheet["A7"] = "pasted@example.com"
    sheet["A8"] = "pasted.two@example.com"
    workbook.save(built)

    update_workbook(built, statuses={2: "sent", 8: "sent too"})
    workbook = openpyxl.load_workbook(built)
    _sheet, table = sheet_of_table(workbook, layout.RECIPIENTS_TABLE)
    assert table.ref == "A1:F8"
    assert read_campaign(built).table.rows[6].cells[5].value == "sent too"


def test_update_plain_workbook_status_column(tmp_path: Path) -> None:
    path = tmp_path / "list.xlsx"
    workbook = openpyxl.Workbook()
    workbook.active.append(["Email", "Name", None])
    workbook.active.append(["a@example.com", "A", None, "note"])
    workbook.active.append(["b@example.com", "B"])
    workbook.create_sheet("Other").append(["x", "y", "z", "w", "v", "u"])
    workbook.save(path)

    update_workbook(path, statuses={2: "sent"})
    update_workbook(path, statuses={3: "failed"})
    sheet = openpyxl.load_workbook(path).worksheets[0]
    assert sheet["E1"].value == STATUS_HEADERS["he"]
    assert sheet["E2"].value == "sent"
    assert sheet["E3"].value == "failed"
    assert sheet["F1"].value is None
    assert read_table_file(path).status_column == 4


def test_update_plain_workbook_needs_names_for_id(tmp_path: Path) -> None:
    path = tmp_path / "list.xlsx"
    workbook = openpyxl.Workbook()
    workbook.active.append(["Email"])
    workbook.save(path)
    before = path.read_bytes()

    with pytest.raises(WorkbookError, match="'CampaignId'"):
        update_workbook(path, campaign_id="abc")
    with pytest.raises(WorkbookError, match="'Log'"):
        update_workbook(path, log_row=["x"])
    assert path.read_bytes() == before
    assert sorted(os.listdir(tmp_path)) == ["list.xlsx"]


# Campaign id and log

def test_update_campaign_id_text(built: Path) -> None:
    update_workbook(built, campaign_id="=0001")
    assert read_campaign(built).campaign_id == "=0001"


def test_update_log_row_reuses_placeholder(built: Path) -> None:
    first = [datetime.datetime(2025, 1, 2, 10, 0), "c-1", "תיבת יציאה מקומית", 4, 1, 0, 0, "=not a formula"]
    update_workbook(built, log_row=first)
    ref, rows = log_values(built)
    assert ref == "A1:H2"
    assert rows == [first]


def test_update_log_row_appends(built: Path) -> None:
    update_workbook(built, log_row=["first"])
    update_workbook(built, log_row=["second", "c-2", "box", 5])
    ref, rows = log_values(built)
    workbook = openpyxl.load_workbook(built)
    _sheet, table = sheet_of_table(workbook, layout.LOG_TABLE)
    assert ref == "A1:H3"
    assert table.autoFilter.ref == "A1:H3"
    assert rows[0][0] == "first"
    assert rows[1][:4] == ["second", "c-2", "box", 5]


def test_update_log_row_too_long(built: Path, caplog: pytest.LogCaptureFixture) -> None:
    update_workbook(built, log_row=list(range(10)))
    _ref, rows = log_values(built)
    assert rows == [list(range(8))]
    assert "2 values" in caplog.text


# Files

def test_update_read_only_file(built: Path) -> None:
    before = built.read_bytes()
    built.chmod(0o444)
    try:
        with pytest.raises(WorkbookError, match="read-only"):
            update_workbook(built, statuses={2: "sent"})
    finally:
        built.chmod(0o644)
    assert built.read_bytes() == before


def test_update_excel_lock_file(built: Path) -> None:
    before = built.read_bytes()
    (built.parent / f"~${built.name}").write_bytes(b"owner")
    with pytest.raises(WorkbookError, match="open in Excel"):
        update_workbook(built, statuses={2: "sent"})
    assert built.read_bytes() == before


def test_update_libreoffice_lock_file(built: Path) -> None:
    before = built.read_bytes()
    (built.parent / f".~lock.{built.name}#").write_text("user,host,date", encoding="utf-8")

    with pytest.raises(WorkbookError, match="open in LibreOffice"):
        update_workbook(built, statuses={2: "sent"})
    assert built.read_bytes() == before


def test_update_replace_fails(built: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Windows refuses to replace a file that Excel holds open; a POSIX test
    # machine cannot lock a file that way, so the refusal is simulated.
    def refuse(source: object, target: object) -> None:
        raise PermissionError(13, "Permission denied")
    monkeypatch.setattr(writer.os, "replace", refuse)
    before = built.read_bytes()

    with pytest.raises(WorkbookError, match="cannot be written") as caught:
        update_workbook(built, statuses={2: "sent"})
    assert "Permission denied" in str(caught.value)
    assert built.read_bytes() == before
    assert sorted(os.listdir(built.parent)) == [built.name]


def test_update_keeps_file_mode(built: Path) -> None:
    built.chmod(0o640)
    update_workbook(built, statuses={2: "sent"})
    assert stat.S_IMODE(built.stat().st_mode) == 0o640
    assert sorted(os.listdir(built.parent)) == [built.name]


def test_update_missing_file(tmp_path: Path) -> None:
    with pytest.raises(WorkbookError, match="not found"):
        update_workbook(tmp_path / "missing.xlsm", statuses={2: "sent"})


def test_update_not_a_workbook(tmp_path: Path) -> None:
    path = tmp_path / "broken.xlsm"
    path.write_bytes(b"PK\x03\x04 broken")
    with pytest.raises(WorkbookError, match="not an Excel workbook"):
        update_workbook(path, statuses={2: "sent"})
    assert path.read_bytes() == b"PK\x03\x04 broken"


# Formula results

def workbook_with_cached_formulas(path: Path) -> Path:
    """Write formulas with calculated results, as Excel saves them; openpyxl cannot."""
    import xlsxwriter
    workbook = xlsxwriter.Workbook(str(path))
    sheet = workbook.add_worksheet("List")
    sheet.write_row(0, 0, ["Email", "Number", "Label", "Flag", "Check"])
    sheet.write_string(1, 0, "a@example.com")
    sheet.write_formula(1, 1, "=1+1", None, 2)
    sheet.write_formula(1, 2, '="שלום "&"<b>"', None, "שלום <b>")
    sheet.write_formula(1, 3, "=1=1", None, True)
    sheet.write_formula(1, 4, "=NA()", None, "#N/A")
    workbook.close()
    return path


def test_update_keeps_formula_results(tmp_path: Path) -> None:
    path = workbook_with_cached_formulas(tmp_path / "formulas.xlsx")
    update_workbook(path, statuses={2: "sent"})

    cells = read_table_file(path).rows[0].cells
    assert cells[1].value == 2
    assert cells[2].value == "שלום <b>"
    assert cells[3].value is True
    assert cells[4].value == "#N/A"
    assert cells[4].error is not None
    assert all(cell.error is None for cell in cells[:4])
    assert cells[5].value == "sent"


def test_update_keeps_formulas_themselves(tmp_path: Path) -> None:
    path = workbook_with_cached_formulas(tmp_path / "formulas.xlsx")
    update_workbook(path, statuses={2: "sent"})
    sheet = openpyxl.load_workbook(path).worksheets[0]
    assert sheet["B2"].value == "=1+1"
    assert sheet["C2"].value == '="שלום "&"<b>"'


def test_update_twice_keeps_formula_results(tmp_path: Path) -> None:
    path = workbook_with_cached_formulas(tmp_path / "formulas.xlsx")
    update_workbook(path, statuses={2: "sent"})
    update_workbook(path, statuses={2: "sent again"})
    assert read_table_file(path).rows[0].cells[1].value == 2

"""Tests of the workbook's VBA project (hypermailer.workbook.vba), read back with oletools."""

from __future__ import annotations

import io
import re
import warnings
import zipfile
from pathlib import Path

import olefile
import pytest

with warnings.catch_warnings():
    # oletools 0.60.2 calls pyparsing names that pyparsing 3 deprecates.
    warnings.simplefilter("ignore", DeprecationWarning)
    from oletools.olevba import VBA_Parser

from hypermailer.workbook import vba
from hypermailer.workbook.build import build_workbook

SHEET_MODULE_BASE = "0{00020820-0000-0000-C000-000000000046}"


@pytest.fixture(scope="module", params=["he", "en"])
def built(request, tmp_path_factory: pytest.TempPathFactory) -> tuple[str, Path]:
    path = tmp_path_factory.mktemp("vba") / f"HyperMailer-{request.param}.xlsm"
    build_workbook(path, language=request.param)
    return request.param, path


def extracted_modules(path: Path) -> dict[str, str]:
    parser = VBA_Parser(str(path))
    try:
        return {stream.rpartition("/")[2]: code for _file, stream, _name, code in parser.extract_macros()}
    finally:
        parser.close()


def vba_project_bin(path: Path) -> bytes:
    with zipfile.ZipFile(path) as archive:
        return archive.read("xl/vbaProject.bin")


def decode_texts_function(source: str, name: str) -> str:
    """Evaluate the string a generated Texts function builds from quoted runs and ChrW codes."""
    body = source.split(f"Public Function {name}() As String", 1)[1].split("End Function", 1)[0]
    text = ""
    for line in body.splitlines():
        line = line.strip()
        if not line.startswith("text = text & "):
            continue
        for piece in re.findall(r'ChrW\((\d+)\)|"((?:[^"]|"")*)"', line):
            code, literal = piece
            text += chr(int(code)) if code else literal.replace('""', '"')
    return text


def test_vba_every_module_read_back_exactly(built: tuple[str, Path]) -> None:
    language, path = built
    expected = {**vba.document_module_sources(), **vba.standard_module_sources(language)}
    modules = extracted_modules(path)
    assert sorted(modules) == sorted(expected)
    for name, source in expected.items():
        assert modules[name] == source, name


def test_vba_sources_are_ascii_with_crlf() -> None:
    for path in vba.SOURCE_FOLDER.iterdir():
        data = path.read_bytes()
        assert data.decode("ascii"), path.name
        assert b"\n" not in data.replace(b"\r\n", b""), path.name


def test_vba_project_stream_has_no_cache(built: tuple[str, Path]) -> None:
    _language, path = built
    with olefile.OleFileIO(io.BytesIO(vba_project_bin(path))) as ole:
        stream = ole.openstream("VBA/_VBA_PROJECT").read()
    assert stream == vba.NO_CACHE_VBA_PROJECT_STREAM
    assert stream[2:4] == b"\xff\xff"


def test_vba_no_performance_cache_streams(built: tuple[str, Path]) -> None:
    _language, path = built
    with olefile.OleFileIO(io.BytesIO(vba_project_bin(path))) as ole:
        names = ["/".join(entry) for entry in ole.listdir()]
    assert not [name for name in names if "__SRP_" in name]


def test_vba_code_names_match_document_modules(built: tuple[str, Path]) -> None:
    _language, path = built
    with zipfile.ZipFile(path) as archive:
        workbook_xml = archive.read("xl/workbook.xml").decode()
        sheet_code_names = [re.search(r'<sheetPr[^>]*codeName="([^"]+)"', archive.read(name).decode()).group(1)
                            for name in sorted(n for n in archive.namelist()
                                               if re.fullmatch(r"xl/worksheets/sheet\d+\.xml", n))]
    assert f'<workbookPr codeName="{vba.WORKBOOK_CODE_NAME}"' in workbook_xml
    assert sheet_code_names == list(vba.SHEET_CODE_NAMES.values())
    modules = extracted_modules(path)
    for code_name in sheet_code_names:
        assert f'Attribute VB_Base = "{SHEET_MODULE_BASE}"' in modules[code_name]


def test_vba_project_lists_document_modules() -> None:
    with olefile.OleFileIO(io.BytesIO(vba.project_bytes("he"))) as ole:
        project = ole.openstream("PROJECT").read().decode("latin-1")
    for code_name in [vba.WORKBOOK_CODE_NAME, *vba.SHEET_CODE_NAMES.values()]:
        assert f"Document={code_name}/&H00000000" in project
    assert "Module=Ribbon" in project


def test_vba_no_reference_to_xlwings() -> None:
    with olefile.OleFileIO(io.BytesIO(vba.project_bytes("he"))) as ole:
        names = ["/".join(entry) for entry in ole.listdir()]
        contents = b"".join(ole.openstream(name).read() for name in names if not name.startswith("VBA/"))
    assert b"xlwings" not in contents.lower()
    assert not any("xlwings" in name.lower() for name in names)


def test_vba_embeds_no_xlwings_code(built: tuple[str, Path]) -> None:
    _language, path = built
    modules = extracted_modules(path)
    assert "xlwings" not in [name.lower() for name in modules]
    assert all("Function RunPython" not in source for source in modules.values())


def test_vba_project_bytes_deterministic() -> None:
    assert vba.project_bytes("he") == vba.project_bytes("he")


def test_vba_texts_round_trip_hebrew() -> None:
    source = vba.texts_module_source("he")
    for name, text in vba.TEXTS["he"].items():
        assert decode_texts_function(source, name) == text


def test_vba_texts_round_trip_english_quotes() -> None:
    source = vba.texts_module_source("en")
    assert decode_texts_function(source, "AddinMissingText") == vba.TEXTS["en"]["AddinMissingText"]


def test_vba_texts_module_ascii_and_short_lines() -> None:
    source = vba.texts_module_source("he")
    assert source.encode("ascii")
    assert max(len(line) for line in source.split("\r\n")) < 1023


def test_vba_texts_direction_by_language() -> None:
    assert "TextsAreRightToLeft = True" in vba.texts_module_source("he")
    assert "TextsAreRightToLeft = False" in vba.texts_module_source("en")


def test_vba_hebrew_message_says_how_to_install() -> None:
    assert "install" in vba.TEXTS["he"]["AddinMissingText"]
    assert "xlwings" in vba.TEXTS["he"]["AddinMissingText"]


def test_vba_callbacks_run_python_through_addin() -> None:
    ribbon = vba.standard_module_sources("he")["Ribbon"]
    calls = re.findall(r'Application\.Run RUN_PYTHON, "import hypermailer\.excel as hm; hm\.(\w+)\(\)"',
                       ribbon)
    assert calls == ["paste_from_clipboard", "check", "scan_replies", "preview", "send_test", "send",
                     "send_uncertain", "send_failed", "new_campaign", "set_password",
                     "test_connection"]
    assert "Private Const RUN_PYTHON As String = \"'xlwings.xlam'!RunPython\"" in ribbon


def test_vba_callbacks_exist_in_excel_module() -> None:
    import hypermailer.excel as excel_entry_points

    ribbon = vba.standard_module_sources("he")["Ribbon"]
    for name in re.findall(r"hm\.(\w+)\(\)", ribbon):
        assert callable(getattr(excel_entry_points, name)), name


def test_vba_every_python_callback_has_error_handler() -> None:
    ribbon = vba.standard_module_sources("he")["Ribbon"]
    subs = re.findall(r"Public Sub (\w+)\(control As IRibbonControl\)(.*?)End Sub", ribbon, re.S)
    running = [(name, body) for name, body in subs if "RUN_PYTHON" in body]
    assert len(running) == 11
    for name, body in running:
        assert "On Error GoTo AddinMissing" in body, name
        assert "ShowAddinMissing" in body, name

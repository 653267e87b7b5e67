"""Open workbook files with openpyxl, turning its failures into messages a user can act on."""

from __future__ import annotations

import zipfile
from pathlib import Path
from xml.etree import ElementTree

import openpyxl
from openpyxl.utils.exceptions import InvalidFileException
from openpyxl.workbook.workbook import Workbook

from hypermailer.errors import WorkbookError
from hypermailer.i18n import _

WORKBOOK_SUFFIXES = (".xlsx", ".xlsm", ".xltx", ".xltm")
MACRO_SUFFIXES = (".xlsm", ".xltm")

# Encrypted Office files and old .xls files are OLE compound files, not zips.
_COMPOUND_FILE_SIGNATURE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ENCRYPTION_STREAM_NAME = "EncryptionInfo".encode("utf-16-le")


def open_workbook(path: Path, *, data_only: bool, keep_vba: bool = False,
                  rich_text: bool = False) -> Workbook:
    """Load *path* with openpyxl; raise :class:`WorkbookError` saying why it failed."""
    path = Path(path)
    if path.suffix.lower() not in WORKBOOK_SUFFIXES:
        raise WorkbookError(
            _("{file}: files of type {suffix!r} cannot be read. Save the workbook as .xlsx or .xlsm "
              "(Excel Workbook), or as CSV UTF-8.").format(file=path.name, suffix=path.suffix),
            path=str(path))

    try:
        return openpyxl.load_workbook(path, data_only=data_only, keep_vba=keep_vba, rich_text=rich_text)
    except FileNotFoundError as error:
        raise WorkbookError(_("{file}: the file was not found. Check the path.").format(file=path),
                            path=str(path)) from error
    except PermissionError as error:
        raise WorkbookError(
            _("{file}: the file cannot be opened because it is locked or you may not read it. "
              "Close it in Excel or any other program and try again.").format(file=path.name),
            path=str(path)) from error
    except (zipfile.BadZipFile, InvalidFileException) as error:
        raise WorkbookError(_describe_unreadable(path), path=str(path)) from error
    except (KeyError, ValueError, TypeError, ElementTree.ParseError) as error:
        raise WorkbookError(
            _("{file}: the workbook is damaged and cannot be read ({reason}). Open it in Excel, "
              "which can often repair it, and save it again.").format(file=path.name, reason=error),
            path=str(path)) from error
    except OSError as error:
        raise WorkbookError(
            _("{file}: the file cannot be read ({reason}). Check that the disk or network folder "
              "is available.").format(file=path.name, reason=error.strerror or error),
            path=str(path)) from error


def _describe_unreadable(path: Path) -> str:
    """Say why a file with a workbook suffix is not a zip package."""
    try:
        with path.open("rb") as stream:
            head = stream.read(8 * 1024 * 1024)
    except OSError:
        head = b""

    if head.startswith(_COMPOUND_FILE_SIGNATURE):
        if _ENCRYPTION_STREAM_NAME in head:
            return _("{file}: the workbook is protected with a password. Open it in Excel, remove "
                     "the password (File > Info > Protect Workbook > Encrypt with Password) and save "
                     "it again.").format(file=path.name)
        return _("{file}: the file is in the old Excel 97-2003 format. Open it in Excel and save it "
                 "as .xlsx or .xlsm.").format(file=path.name)
    return _("{file}: the file is not an Excel workbook, or it is damaged. Open it in Excel and "
             "save it again as .xlsx or .xlsm.").format(file=path.name)

"""xlwings entry points, one per ribbon button; the only module that imports xlwings.

The workbook's VBA runs, for example,
``Application.Run "'xlwings.xlam'!RunPython", "import hypermailer.excel as hm; hm.send()"``.
Each entry point wraps the calling workbook and Excel's dialogs and hands
them to :mod:`hypermailer.buttons`, which contains the logic and turns every
error into a message box.

Dialogs Excel's object model lacks (a masked password field, reading the
clipboard) use tkinter, which the python.org installers for Windows and
macOS include.
"""

from __future__ import annotations

import os
import subprocess
import sys
import webbrowser
from pathlib import Path

import xlwings as xw

from hypermailer import buttons
from hypermailer.excel_source import ExcelWorkbook
from hypermailer.i18n import get_language, language_from_environment, set_language
from hypermailer.workbook import layout

TITLE = "HyperMailer"

# Windows MessageBox flags (winuser.h) for right-to-left text.
_MB_RIGHT = 0x00080000
_MB_RTLREADING = 0x00100000


def paste_from_clipboard() -> None:
    _run(buttons.paste_from_clipboard)


def check() -> None:
    _run(buttons.check)


def preview() -> None:
    _run(buttons.preview)


def send_test() -> None:
    _run(buttons.send_test)


def send() -> None:
    _run(buttons.send)


def send_uncertain() -> None:
    _run(buttons.send_uncertain)


def scan_replies() -> None:
    _run(buttons.scan_replies)


def send_failed() -> None:
    _run(buttons.send_failed)


def new_campaign() -> None:
    _run(buttons.new_campaign)


def set_password() -> None:
    _run(buttons.set_password)


def test_connection() -> None:
    _run(buttons.test_connection)


def _run(action: buttons.Action) -> None:
    book = xw.Book.caller()
    # The workbook's Language cell takes over once the campaign is read.
    set_language(language_from_environment())
    buttons.run_button(action, ExcelWorkbook(book), ExcelInterface(book))


class ExcelInterface:
    """Excel's message boxes and status bar, and tkinter for what Excel lacks."""

    def __init__(self, book: xw.Book) -> None:
        self.book = book
        self.app = book.app

    def alert(self, text: str, *, critical: bool = False) -> None:
        self._message_box(text, buttons="ok", critical=critical)

    def confirm(self, text: str) -> bool:
        return self._message_box(text, buttons="yes_no", critical=False) == "yes"

    def status(self, text: str | None) -> None:
        self.app.status_bar = text if text is not None else False

    def ask_password(self, prompt: str) -> str | None:
        import tkinter
        from tkinter import simpledialog

        root = tkinter.Tk()
        root.withdraw()
        root.attributes("-topmost", True)
        try:
            return simpledialog.askstring(TITLE, prompt, show="•", parent=root)
        finally:
            root.destroy()

    def open_file(self, path: Path) -> None:
        if sys.platform == "win32":
            os.startfile(path)  # noqa: S606 - opens a file HyperMailer wrote itself
        elif sys.platform == "darwin":
            subprocess.run(["open", str(path)], check=False)
        else:
            webbrowser.open(path.as_uri())

    def selected_row(self) -> int | None:
        selection = self.book.selection
        if selection is None:
            return None
        for table in selection.sheet.tables:
            if table.name.casefold() == layout.RECIPIENTS_TABLE.casefold():
                header_row = table.header_row_range.row
                return selection.row if selection.row > header_row else None
        return None

    def clipboard_text(self) -> str:
        if sys.platform == "darwin":
            completed = subprocess.run(["pbpaste"], capture_output=True, check=False,
                                       env={**os.environ, "LANG": "en_US.UTF-8"})
            return completed.stdout.decode("utf-8", errors="replace")
        import tkinter

        root = tkinter.Tk()
        root.withdraw()
        try:
            return root.clipboard_get()
        except tkinter.TclError:
            return ""
        finally:
            root.destroy()

    def choose_files(self, title: str) -> list[Path]:
        import tkinter
        from tkinter import filedialog

        root = tkinter.Tk()
        root.withdraw()
        root.attributes("-topmost", True)
        try:
            names = filedialog.askopenfilenames(
                parent=root, title=title,
                filetypes=[("Mail", "*.eml *.mbox"), ("*", "*")])
        finally:
            root.destroy()
        return [Path(name) for name in names]

    def _message_box(self, text: str, *, buttons: str, critical: bool) -> str:
        if sys.platform == "win32" and get_language() == "he":
            return self._windows_right_to_left_box(text, buttons=buttons, critical=critical)
        return self.app.alert(text, title=TITLE, buttons=buttons,
                              mode="critical" if critical else "info")

    def _windows_right_to_left_box(self, text: str, *, buttons: str, critical: bool) -> str:
        # xlwings' alert cannot pass the right-to-left flags, so Hebrew text
        # goes through the same Windows call with them added.
        import win32api
        import win32con

        style = win32con.MB_YESNO if buttons == "yes_no" else win32con.MB_OK
        style |= win32con.MB_ICONWARNING if critical else win32con.MB_ICONINFORMATION
        answer = win32api.MessageBox(self.app.hwnd, text, TITLE, style | _MB_RIGHT | _MB_RTLREADING)
        return {win32con.IDYES: "yes", win32con.IDNO: "no"}.get(answer, "ok")

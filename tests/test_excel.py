"""Tests of the Excel front end's logic (hypermailer.buttons, hypermailer.excel_source).

There is no Excel on the test machines, so every button runs on a built
workbook file through :class:`FileWorkbook`, the file implementation of the
interface that ``ExcelWorkbook`` implements over xlwings, and a recording
user interface in place of Excel's dialogs.
"""

from __future__ import annotations

import datetime
import email
from email import policy
from pathlib import Path

import openpyxl
import pytest

from hypermailer import buttons, credentials
from hypermailer.campaign import CellError
from hypermailer.checking import check_campaign
from hypermailer.excel_source import hidden_rows, make_cell, status_runs, uniform_blocks
from hypermailer.workbook import layout
from hypermailer.workbook.access import FileWorkbook
from hypermailer.workbook.build import build_workbook
from hypermailer.workbook.writer import update_workbook
from smtpserver import PASSWORD


class RecordingInterface:
    """Replies to dialogs as a test tells it to and records what the user would have seen."""

    def __init__(self, *, confirm: bool = True, clipboard: str = "", password: str | None = None,
                 selected: int | None = None, files: tuple[Path, ...] = ()) -> None:
        self.answer = confirm
        self.files = files
        self.clipboard = clipboard
        self.password = password
        self.selected = selected
        self.alerts: list[tuple[str, bool]] = []
        self.questions: list[str] = []
        self.statuses: list[str | None] = []
        self.opened: list[Path] = []

    def alert(self, text: str, *, critical: bool = False) -> None:
        self.alerts.append((text, critical))

    def confirm(self, text: str) -> bool:
        self.questions.append(text)
        return self.answer

    def status(self, text: str | None) -> None:
        self.statuses.append(text)

    def ask_password(self, prompt: str) -> str | None:
        self.questions.append(prompt)
        return self.password

    def open_file(self, path: Path) -> None:
        self.opened.append(path)

    def selected_row(self) -> int | None:
        return self.selected

    def clipboard_text(self) -> str:
        return self.clipboard

    def choose_files(self, title: str) -> list[Path]:
        self.questions.append(title)
        return list(self.files)


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("HYPERMAILER_HOME", str(tmp_path / "home"))
    return tmp_path / "home"


@pytest.fixture
def workbook_path(tmp_path: Path, home: Path) -> Path:
    path = tmp_path / "book" / "HyperMailer.xlsm"
    path.parent.mkdir()
    build_workbook(path, language="en")
    return path


def press(action, path: Path, ui: RecordingInterface) -> RecordingInterface:
    buttons.run_button(action, FileWorkbook(path), ui)
    return ui


def set_cells(path: Path, values: dict[str, object]) -> None:
    """Set cells by defined name or by "TableName!A1"-style sheet address in the recipients sheet."""
    workbook = openpyxl.load_workbook(path, keep_vba=True)
    for key, value in values.items():
        if key in workbook.defined_names:
            sheet_title, reference = next(iter(workbook.defined_names[key].destinations))
            workbook[sheet_title][reference.replace("$", "")] = value
        else:
            workbook.worksheets[0][key] = value
    workbook.save(path)


def statuses(path: Path) -> dict[int, str | None]:
    sheet = openpyxl.load_workbook(path).worksheets[0]
    header = [cell.value for cell in sheet[1]]
    column = next(index for index, text in enumerate(header, start=1) if layout.is_status_header(text))
    return {row: sheet.cell(row=row, column=column).value for row in range(2, sheet.max_row + 1)}


def outbox_messages(path: Path) -> list[email.message.EmailMessage]:
    folder = path.parent / "outbox"
    return [email.message_from_bytes(file.read_bytes(), policy=policy.default)
            for file in sorted(folder.glob("*.eml"))] if folder.exists() else []


def log_rows(path: Path) -> list[list[object]]:
    workbook = openpyxl.load_workbook(path)
    for sheet in workbook.worksheets:
        if layout.LOG_TABLE in sheet.tables:
            ref = sheet.tables[layout.LOG_TABLE].ref
            return [[cell.value for cell in row] for row in sheet[ref][1:]]
    raise AssertionError("no Log table")


# Check

def test_check_writes_problems_into_status_column(workbook_path: Path) -> None:
    set_cells(workbook_path, {"A3": "not-an-address", "A4": "DANA.COHEN@example.com"})
    ui = press(buttons.check, workbook_path, RecordingInterface())
    found = statuses(workbook_path)
    assert "not-an-address" in found[3]
    assert "2" in found[4]
    assert found[2] in (None, "")
    assert "Valid rows: 3." in ui.alerts[-1][0]


def test_check_sends_nothing(workbook_path: Path) -> None:
    press(buttons.check, workbook_path, RecordingInterface())
    assert outbox_messages(workbook_path) == []


def test_check_clears_fixed_rows(workbook_path: Path) -> None:
    set_cells(workbook_path, {"A3": "broken"})
    press(buttons.check, workbook_path, RecordingInterface())
    set_cells(workbook_path, {"A3": "fixed@example.org"})
    press(buttons.check, workbook_path, RecordingInterface())
    assert statuses(workbook_path)[3] in (None, "")


def test_check_unknown_placeholder_critical(workbook_path: Path) -> None:
    set_cells(workbook_path, {layout.SUBJECT: "Hello {#9}"})
    ui = press(buttons.check, workbook_path, RecordingInterface())
    text, critical = ui.alerts[-1]
    assert critical
    assert "{#9}" in text


def test_check_empty_subject_message(workbook_path: Path) -> None:
    set_cells(workbook_path, {layout.SUBJECT: None})
    ui = press(buttons.check, workbook_path, RecordingInterface())
    text, critical = ui.alerts[-1]
    assert critical
    assert "Subject cell is empty" in text
    assert ui.statuses[-1].startswith("HyperMailer: ")


# Send

def test_send_confirms_count_and_mailbox(workbook_path: Path) -> None:
    ui = press(buttons.send, workbook_path, RecordingInterface(confirm=False))
    assert "Send 5 messages through mailbox Local outbox" in ui.questions[0]
    assert outbox_messages(workbook_path) == []


def test_send_delivers_one_message_per_row(workbook_path: Path) -> None:
    press(buttons.send, workbook_path, RecordingInterface())
    recipients = sorted(str(message["To"]) for message in outbox_messages(workbook_path))
    assert len(recipients) == 5
    assert any("dana.cohen@example.com" in address for address in recipients)


def test_send_writes_statuses_and_log(workbook_path: Path) -> None:
    ui = press(buttons.send, workbook_path, RecordingInterface())
    found = statuses(workbook_path)
    assert all(found[row].startswith("Sent ") for row in range(2, 7))
    rows = log_rows(workbook_path)
    assert rows[-1][3] == 5
    assert "sent 5" in ui.alerts[-1][0]


def test_send_stores_campaign_id(workbook_path: Path) -> None:
    press(buttons.send, workbook_path, RecordingInterface())
    campaign = FileWorkbook(workbook_path).read_campaign()
    assert campaign.campaign_id
    assert log_rows(workbook_path)[-1][1] == campaign.campaign_id


def test_send_progress_in_status_bar(workbook_path: Path) -> None:
    ui = press(buttons.send, workbook_path, RecordingInterface())
    assert "HyperMailer: 5 of 5 handled" in ui.statuses
    assert ui.statuses[-1] is None


def test_send_twice_sends_nothing_more(workbook_path: Path) -> None:
    press(buttons.send, workbook_path, RecordingInterface())
    ui = press(buttons.send, workbook_path, RecordingInterface())
    assert len(outbox_messages(workbook_path)) == 5
    assert "Nothing to send" in ui.alerts[-1][0]
    assert ui.questions == []


def test_send_skips_invalid_row_and_says_so(workbook_path: Path) -> None:
    set_cells(workbook_path, {"A4": "broken"})
    ui = press(buttons.send, workbook_path, RecordingInterface())
    assert "Send 4 messages" in ui.questions[0]
    assert "1 rows with errors will be skipped" in ui.questions[0]
    assert statuses(workbook_path)[4].startswith("Skipped")


def test_send_formula_text_stays_text(workbook_path: Path) -> None:
    set_cells(workbook_path, {"B2": "=cmd|'/c calc'!A1"})
    press(buttons.send, workbook_path, RecordingInterface())
    sheet = openpyxl.load_workbook(workbook_path).worksheets[0]
    assert sheet["F2"].data_type == "s"


# Send a test

def test_send_test_needs_test_address(workbook_path: Path) -> None:
    ui = press(buttons.send_test, workbook_path, RecordingInterface())
    assert ui.alerts[-1][1]
    assert "TestAddress" in ui.alerts[-1][0]


def test_send_test_selected_row_to_test_address(workbook_path: Path) -> None:
    set_cells(workbook_path, {layout.TEST_ADDRESS: "me@example.com"})
    press(buttons.send_test, workbook_path, RecordingInterface(selected=4))
    messages = outbox_messages(workbook_path)
    assert len(messages) == 1
    assert str(messages[0]["To"]) == "me@example.com"
    assert "מרים" in messages[0]["Subject"]


def test_send_test_writes_no_status(workbook_path: Path) -> None:
    set_cells(workbook_path, {layout.TEST_ADDRESS: "me@example.com"})
    press(buttons.send_test, workbook_path, RecordingInterface())
    assert all(value in (None, "") for value in statuses(workbook_path).values())


# Preview

def test_preview_opens_selected_row(workbook_path: Path) -> None:
    ui = press(buttons.preview, workbook_path, RecordingInterface(selected=3))
    html = ui.opened[0].read_text(encoding="utf-8")
    assert "יוסי" in html
    assert ui.opened[0].suffix == ".html"


def test_preview_first_valid_row_by_default(workbook_path: Path) -> None:
    set_cells(workbook_path, {"A2": "broken"})
    ui = press(buttons.preview, workbook_path, RecordingInterface())
    assert "יוסי" in ui.opened[0].read_text(encoding="utf-8")


def test_preview_invalid_selected_row_explains(workbook_path: Path) -> None:
    set_cells(workbook_path, {"A3": "broken"})
    ui = press(buttons.preview, workbook_path, RecordingInterface(selected=3))
    assert ui.opened == []
    assert "Row 3" in ui.alerts[-1][0]


def test_preview_hebrew_right_to_left(tmp_path: Path, home: Path) -> None:
    path = tmp_path / "he.xlsm"
    build_workbook(path, language="he")
    ui = press(buttons.preview, path, RecordingInterface())
    assert 'dir="rtl"' in ui.opened[0].read_text(encoding="utf-8")


# Paste from clipboard

CLIPBOARD = ("Email\tName\tCustomer\r\n"
             "ruth@example.com\tרות \"בע\"מ\"\t00017\r\n"
             "\"gil@example.org\"\t\"גיל\nשורה שנייה\"\t00018\r\n")


def test_paste_asks_before_replacing(workbook_path: Path) -> None:
    ui = press(buttons.paste_from_clipboard, workbook_path,
               RecordingInterface(confirm=False, clipboard=CLIPBOARD))
    assert "5 rows" in ui.questions[0]
    assert len(FileWorkbook(workbook_path).recipients().rows) == 5


def test_paste_replaces_rows_and_header(workbook_path: Path) -> None:
    press(buttons.paste_from_clipboard, workbook_path, RecordingInterface(clipboard=CLIPBOARD))
    table = FileWorkbook(workbook_path).recipients()
    assert table.header == ("Email", "Name", "Customer", "Send status")
    assert [row.cells[0].value for row in table.rows] == ["ruth@example.com", "gil@example.org"]


def test_paste_keeps_text_exactly(workbook_path: Path) -> None:
    press(buttons.paste_from_clipboard, workbook_path, RecordingInterface(clipboard=CLIPBOARD))
    rows = FileWorkbook(workbook_path).recipients().rows
    assert rows[0].cells[2].value == "00017"
    assert rows[0].cells[1].value == 'רות "בע"מ"'
    assert rows[1].cells[1].value == "גיל\nשורה שנייה"


def test_paste_without_header_keeps_headers(workbook_path: Path) -> None:
    press(buttons.paste_from_clipboard, workbook_path,
          RecordingInterface(clipboard="ruth@example.com\tרות\r\n"))
    table = FileWorkbook(workbook_path).recipients()
    assert table.header[:2] == ("Email", "Full name")
    assert layout.is_status_header(table.header[-1])
    assert len(table.rows) == 1


def test_paste_then_check_works(workbook_path: Path) -> None:
    press(buttons.paste_from_clipboard, workbook_path, RecordingInterface(clipboard=CLIPBOARD))
    set_cells(workbook_path, {layout.SUBJECT: "Hello {#1}", layout.BODY: "Number {#2}"})
    ui = press(buttons.check, workbook_path, RecordingInterface())
    assert "Valid rows: 2." in ui.alerts[-1][0]


def test_paste_empty_clipboard_message(workbook_path: Path) -> None:
    ui = press(buttons.paste_from_clipboard, workbook_path, RecordingInterface(clipboard=""))
    assert ui.alerts[-1][1]
    assert "clipboard contains no rows" in ui.alerts[-1][0]


# Mailbox buttons

def add_smtp_mailbox(path: Path, server, ca_file: Path) -> str:
    mailbox = server.mailbox()
    workbook = openpyxl.load_workbook(path, keep_vba=True)
    sheet = next(sheet for sheet in workbook.worksheets if layout.MAILBOXES_TABLE in sheet.tables)
    values = {"name": mailbox.name, "from_address": mailbox.from_address, "kind": "smtp",
              "host": mailbox.host, "port": mailbox.port, "security": mailbox.security.value,
              "username": mailbox.username, "ca_file": str(ca_file)}
    headers = [cell.value for cell in sheet[1]]
    for column in layout.MAILBOX_COLUMNS:
        sheet.cell(row=2, column=headers.index(column.en) + 1).value = values.get(column.key)
    workbook.save(path)
    set_cells(path, {layout.MAILBOX: mailbox.name})
    return mailbox.name


def test_set_password_not_needed_for_outbox(workbook_path: Path) -> None:
    ui = press(buttons.set_password, workbook_path, RecordingInterface(password="x"))
    assert ui.alerts[-1][1]
    assert "needs no password" in ui.alerts[-1][0]


def test_set_password_stores_in_keyring(workbook_path: Path, smtp_server, tls_ca, file_keyring,
                                        tmp_path: Path) -> None:
    ca_file = tmp_path / "ca.pem"
    tls_ca.cert_pem.write_to_path(str(ca_file))
    server = smtp_server(security="starttls", auth=True)
    add_smtp_mailbox(workbook_path, server, ca_file)
    ui = press(buttons.set_password, workbook_path, RecordingInterface(password=PASSWORD))
    mailbox = FileWorkbook(workbook_path).read_campaign().mailboxes[0]
    assert credentials.get_password(mailbox) == PASSWORD
    assert not ui.alerts[-1][1]


def test_set_password_cancel_stores_nothing(workbook_path: Path, smtp_server, tls_ca, file_keyring,
                                            tmp_path: Path) -> None:
    server = smtp_server(security="starttls", auth=True)
    add_smtp_mailbox(workbook_path, server, tmp_path / "ca.pem")
    ui = press(buttons.set_password, workbook_path, RecordingInterface(password=None))
    mailbox = FileWorkbook(workbook_path).read_campaign().mailboxes[0]
    assert credentials.get_password(mailbox) is None
    assert ui.alerts == []


def test_test_connection_reports_steps(workbook_path: Path, smtp_server, tls_ca, file_keyring,
                                       tmp_path: Path) -> None:
    ca_file = tmp_path / "ca.pem"
    tls_ca.cert_pem.write_to_path(str(ca_file))
    server = smtp_server(security="starttls", auth=True)
    add_smtp_mailbox(workbook_path, server, ca_file)
    press(buttons.set_password, workbook_path, RecordingInterface(password=PASSWORD))
    ui = press(buttons.test_connection, workbook_path, RecordingInterface())
    text, critical = ui.alerts[-1]
    assert not critical
    assert "TLS is active" in text
    assert "works" in text
    assert server.messages_started == 0


def test_test_connection_wrong_password(workbook_path: Path, smtp_server, tls_ca, file_keyring,
                                        tmp_path: Path) -> None:
    ca_file = tmp_path / "ca.pem"
    tls_ca.cert_pem.write_to_path(str(ca_file))
    server = smtp_server(security="starttls", auth=True)
    add_smtp_mailbox(workbook_path, server, ca_file)
    press(buttons.set_password, workbook_path, RecordingInterface(password="wrong"))
    ui = press(buttons.test_connection, workbook_path, RecordingInterface())
    assert ui.alerts[-1][1]
    assert "password" in ui.alerts[-1][0].lower()


def test_test_connection_untrusted_certificate(workbook_path: Path, smtp_server, file_keyring,
                                               tmp_path: Path) -> None:
    server = smtp_server(security="starttls", auth=True)
    add_smtp_mailbox(workbook_path, server, tmp_path / "missing-ca.pem")
    press(buttons.set_password, workbook_path, RecordingInterface(password=PASSWORD))
    ui = press(buttons.test_connection, workbook_path, RecordingInterface())
    assert ui.alerts[-1][1]


def test_test_connection_outbox_works(workbook_path: Path) -> None:
    ui = press(buttons.test_connection, workbook_path, RecordingInterface())
    assert "Mailbox Local outbox works." in ui.alerts[-1][0]


# Errors never escape

def test_run_button_unexpected_error_becomes_message(workbook_path: Path) -> None:
    def broken(workbook, ui):
        raise KeyError("surprise")

    ui = press(broken, workbook_path, RecordingInterface())
    text, critical = ui.alerts[-1]
    assert critical
    assert "KeyError" in text
    assert ui.statuses[-1].startswith("HyperMailer: ")


def test_run_button_missing_file_becomes_message(tmp_path: Path, home: Path) -> None:
    ui = press(buttons.check, tmp_path / "missing.xlsm", RecordingInterface())
    assert ui.alerts[-1][1]
    assert "missing.xlsm" in ui.alerts[-1][0]


# Status batches

class RecordingWorkbook:
    def __init__(self) -> None:
        self.writes: list[dict[int, str]] = []

    def write_results(self, *, statuses=None, campaign_id=None, log_row=None) -> None:
        self.writes.append(dict(statuses or {}))


class FakeJournalEntries:
    def __init__(self, entries) -> None:
        self.entries = entries


def test_status_batches_write_every_fifty_rows(home: Path) -> None:
    from hypermailer.journal import Entry

    recipients = [type("R", (), {"row": row, "key": f"k{row}"})() for row in range(2, 122)]
    entries = {f"k{row}": Entry(event="sent", key=f"k{row}", row=row, time="2025-01-01T00:00:00Z",
                                message_id=f"<{row}@x>") for row in range(2, 122)}
    workbook = RecordingWorkbook()
    batches = buttons.StatusBatches(workbook, FakeJournalEntries(entries), RecordingInterface(),
                                    total=120, clock=lambda: 0.0)
    for done, recipient in enumerate(recipients, start=1):
        batches.progress(done, 120, recipient, "sent")
    assert [len(write) for write in workbook.writes] == [50, 50, 20]


def test_status_batches_write_after_five_seconds(home: Path) -> None:
    from hypermailer.journal import Entry

    now = [0.0]
    workbook = RecordingWorkbook()
    entries = {"k2": Entry(event="sent", key="k2", row=2, time="2025-01-01T00:00:00Z", message_id="<2@x>")}
    batches = buttons.StatusBatches(workbook, FakeJournalEntries(entries), RecordingInterface(),
                                    total=10, clock=lambda: now[0])
    now[0] = 6.0
    batches.progress(1, 10, type("R", (), {"row": 2, "key": "k2"})(), "sent")
    assert workbook.writes == [{2: workbook.writes[0][2]}]
    assert workbook.writes[0][2].startswith("Sent ")


# Live-Excel values become the cells the file reader gives

def test_make_cell_whole_float_becomes_int() -> None:
    cell = make_cell(123.0, "00000", "C2")
    assert cell.value == 123
    assert isinstance(cell.value, int)


def test_make_cell_fraction_stays_float() -> None:
    assert make_cell(1234.5, "#,##0.00", "D2").value == 1234.5


def test_make_cell_time_of_day() -> None:
    assert make_cell(datetime.datetime(1899, 12, 30, 9, 30), "hh:mm", "E2").value == datetime.time(9, 30)


def test_make_cell_date_kept() -> None:
    value = datetime.datetime(2025, 1, 31)
    assert make_cell(value, "dd/mm/yyyy", "E2").value == value


def test_make_cell_error_value() -> None:
    cell = make_cell("#N/A", "General", "B2")
    assert cell.error is CellError.ERROR_VALUE


def test_make_cell_text_with_leading_zeros() -> None:
    cell = make_cell("00123", "@", "C2")
    assert cell.value == "00123"
    assert cell.error is None


def test_make_cell_empty_format_general() -> None:
    assert make_cell(None, "", "A1").number_format == "General"


def test_make_cell_same_text_as_file_reader(workbook_path: Path) -> None:
    from hypermailer.cells import format_cell

    file_rows = FileWorkbook(workbook_path).recipients().rows
    for row in file_rows:
        for cell in row.cells:
            value = cell.value
            # xlwings returns every number as float and every date as datetime.
            if isinstance(value, int) and not isinstance(value, bool):
                value = float(value)
            elif isinstance(value, datetime.date) and not isinstance(value, datetime.datetime):
                value = datetime.datetime(value.year, value.month, value.day)
            live = make_cell(value, cell.number_format, cell.coordinate)
            assert format_cell(live) == format_cell(cell), cell.coordinate


def test_status_runs_groups_consecutive_rows() -> None:
    runs = status_runs({5: "e", 2: "a", 3: "b", 4: "c", 9: "x", 10: "y", 20: "z"})
    assert runs == [(2, ["a", "b", "c", "e"]), (9, ["x", "y"]), (20, ["z"])]


def test_status_runs_empty() -> None:
    assert status_runs({}) == []


def test_update_workbook_status_then_paste_keeps_status_header(workbook_path: Path) -> None:
    update_workbook(workbook_path, statuses={2: "old"})
    press(buttons.paste_from_clipboard, workbook_path,
          RecordingInterface(clipboard="ruth@example.com\tרות\r\n"))
    found = statuses(workbook_path)
    assert found[2] in (None, "")


def test_new_campaign_sends_every_row_again(workbook_path: Path) -> None:
    press(buttons.send, workbook_path, RecordingInterface())
    first_id = FileWorkbook(workbook_path).read_campaign().campaign_id

    press(buttons.new_campaign, workbook_path, RecordingInterface())
    press(buttons.send, workbook_path, RecordingInterface())

    assert FileWorkbook(workbook_path).read_campaign().campaign_id != first_id
    assert len(outbox_messages(workbook_path)) == 10


def test_new_campaign_declined_changes_nothing(workbook_path: Path) -> None:
    press(buttons.send, workbook_path, RecordingInterface())
    first_id = FileWorkbook(workbook_path).read_campaign().campaign_id

    press(buttons.new_campaign, workbook_path, RecordingInterface(confirm=False))

    assert FileWorkbook(workbook_path).read_campaign().campaign_id == first_id


def test_send_uncertain_resends_only_unsure_rows(workbook_path: Path) -> None:
    from hypermailer import journal as events, paths
    from hypermailer.journal import Journal

    press(buttons.send, workbook_path, RecordingInterface())
    campaign_id = FileWorkbook(workbook_path).read_campaign().campaign_id
    with Journal(paths.journal_folder(), campaign_id) as journal:
        journal.record(events.UNCERTAIN, "dana.cohen@example.com", 2)

    press(buttons.send, workbook_path, RecordingInterface())
    plain_count = len(outbox_messages(workbook_path))
    press(buttons.send_uncertain, workbook_path, RecordingInterface())

    assert plain_count == 5
    assert len(outbox_messages(workbook_path)) == 6


class RowHeights:
    """Heights of sheet rows as Excel reports them: 0 for a hidden row; counts the calls."""

    def __init__(self, heights: dict[int, float]) -> None:
        self.heights = heights
        self.calls = 0

    def __call__(self, top: int, bottom: int) -> float | None:
        self.calls += 1
        found = {self.heights[row] for row in range(top, bottom + 1)}
        return found.pop() if len(found) == 1 else None


def test_hidden_rows_none_hidden_in_one_call() -> None:
    heights = RowHeights({row: 15.0 for row in range(2, 10_002)})

    hidden = hidden_rows(heights, 2, 10_001)

    assert hidden == set()
    assert heights.calls == 1


def test_hidden_rows_filtered_runs_found_with_few_calls() -> None:
    heights = RowHeights({row: 0.0 if 500 <= row < 700 or row == 9000 else 15.0
                          for row in range(2, 10_002)})

    hidden = hidden_rows(heights, 2, 10_001)

    assert hidden == set(range(500, 700)) | {9000}
    assert heights.calls < 200


def test_hidden_rows_mixed_visible_heights_are_not_hidden() -> None:
    heights = RowHeights({2: 15.0, 3: 30.0, 4: 0.0, 5: 45.0})

    assert hidden_rows(heights, 2, 5) == {4}


def test_hidden_rows_empty_range() -> None:
    assert hidden_rows(RowHeights({}), 5, 4) == set()


def test_send_after_subject_changed_says_how_to_resend(workbook_path: Path) -> None:
    press(buttons.send, workbook_path, RecordingInterface())
    set_cells(workbook_path, {layout.SUBJECT: "נושא אחר לגמרי"})

    ui = press(buttons.send, workbook_path, RecordingInterface())

    assert "New campaign" in ui.alerts[-1][0]
    assert len(outbox_messages(workbook_path)) == 5


def test_send_after_unsaved_close_resends_nothing(workbook_path: Path) -> None:
    """Excel closed without saving: the workbook lost its new campaign id, not its journal."""
    unsaved = workbook_path.read_bytes()
    press(buttons.send, workbook_path, RecordingInterface())
    workbook_path.write_bytes(unsaved)

    ui = press(buttons.send, workbook_path, RecordingInterface())

    assert len(outbox_messages(workbook_path)) == 5
    assert "Nothing to send" in ui.alerts[-1][0]


def test_new_campaign_survives_unsaved_close(workbook_path: Path) -> None:
    press(buttons.send, workbook_path, RecordingInterface())
    press(buttons.new_campaign, workbook_path, RecordingInterface())
    new_id = FileWorkbook(workbook_path).read_campaign().campaign_id
    set_cells(workbook_path, {layout.CAMPAIGN_ID: None})

    press(buttons.send, workbook_path, RecordingInterface())

    assert FileWorkbook(workbook_path).read_campaign().campaign_id == new_id
    assert len(outbox_messages(workbook_path)) == 10


def set_local_outbox_per_day(path: Path, per_day: int) -> None:
    workbook = openpyxl.load_workbook(path, keep_vba=True)
    sheet = next(sheet for sheet in workbook.worksheets if layout.MAILBOXES_TABLE in sheet.tables)
    headers = [cell.value for cell in sheet[1]]
    per_day_column = next(column for column in layout.MAILBOX_COLUMNS if column.key == "per_day")
    sheet.cell(row=2, column=headers.index(per_day_column.en) + 1).value = per_day
    workbook.save(path)


def test_send_daily_limit_asks_and_reports_waiting_rows(workbook_path: Path) -> None:
    set_local_outbox_per_day(workbook_path, 2)

    ui = press(buttons.send, workbook_path, RecordingInterface())

    assert "leaves room for 2 today, so 3 rows wait" in ui.questions[-1]
    assert "reached its daily limit. 3 rows wait; click Send again after" in ui.alerts[-1][0]
    assert "sent 2, failed 0, may have been sent 0, not sent yet 3" in ui.alerts[-1][0]
    assert len(outbox_messages(workbook_path)) == 2
    assert statuses(workbook_path)[6].startswith("Waiting: the daily limit of mailbox")


def test_uniform_blocks_number_formats_by_run() -> None:
    formats = {row: "dd/mm/yyyy" if row <= 500 else "General" for row in range(2, 1002)}
    calls = []

    def read(top: int, bottom: int) -> str | None:
        calls.append((top, bottom))
        found = {formats[row] for row in range(top, bottom + 1)}
        return found.pop() if len(found) == 1 else None

    values = uniform_blocks(read, 2, 1001)

    assert values == formats
    assert len(calls) < 40


def test_check_template_error_names_subject_and_body_cells(workbook_path: Path) -> None:
    set_cells(workbook_path, {layout.SUBJECT: "Hello {#9}", layout.BODY: "Dear <#8> and {#7}"})
    campaign = FileWorkbook(workbook_path).read_campaign()

    report = check_campaign(campaign, campaign.mailboxes[0])
    messages = [problem.message for problem in report.problems if problem.kind == "template"]

    assert len(messages) == 3
    assert messages[0].startswith("'Message'!B2: ")
    assert all(message.startswith("'Message'!B3: ") for message in messages[1:])


def test_make_cell_system_date_reads_day_first() -> None:
    """Live Excel reports a typed date's format as m/d/yyyy; the file reader shows dd/mm/yyyy."""
    from hypermailer.cells import format_cell

    cell = make_cell(datetime.datetime(2025, 1, 31), "m/d/yyyy", "E2")

    assert format_cell(cell) == "31/01/2025"


def test_scan_replies_suppresses_sender_and_check_skips_row(workbook_path: Path) -> None:
    from email.message import EmailMessage

    reply = EmailMessage()
    reply["From"] = "Yossi Levi <yossi.levi@example.org>"
    reply["Subject"] = "Re: הסר"
    reply.set_content("תודה")
    saved = workbook_path.parent / "reply.eml"
    saved.write_bytes(reply.as_bytes())

    ui = press(buttons.scan_replies, workbook_path, RecordingInterface(files=(saved,)))
    press(buttons.send, workbook_path, RecordingInterface())

    assert "yossi.levi@example.org" in ui.alerts[-1][0]
    assert len(outbox_messages(workbook_path)) == 4


def test_scan_replies_cancelled_changes_nothing(workbook_path: Path) -> None:
    ui = press(buttons.scan_replies, workbook_path, RecordingInterface(files=()))

    assert ui.alerts == []


def test_copied_workbook_without_id_warns_before_sending(workbook_path: Path) -> None:
    press(buttons.send, workbook_path, RecordingInterface())
    copy = workbook_path.parent / "copy.xlsm"
    copy.write_bytes(workbook_path.read_bytes())
    set_cells(copy, {layout.CAMPAIGN_ID: None})

    ui = press(buttons.send, copy, RecordingInterface(confirm=False))

    assert "5 of these addresses got a message from campaign" in ui.questions[-1]
    assert "CampaignId cell" in ui.questions[-1]


def test_check_keeps_waiting_status(workbook_path: Path) -> None:
    set_local_outbox_per_day(workbook_path, 2)
    press(buttons.send, workbook_path, RecordingInterface())

    press(buttons.check, workbook_path, RecordingInterface())
    ui = press(buttons.send, workbook_path, RecordingInterface(confirm=False))

    assert statuses(workbook_path)[6].startswith("Waiting: the daily limit of mailbox")
    assert "The daily limit of the mailbox is used up; sending can start after" in ui.questions[-1]

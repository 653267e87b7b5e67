"""Tests for the per-mailbox suppression list, its CLI commands, and its use by every front end."""

from __future__ import annotations

from datetime import date
from email import policy
from email.parser import BytesParser
from pathlib import Path

import idna

import openpyxl
import pytest

from hypermailer import buttons, suppression
from hypermailer.cli import main
from hypermailer.workbook.access import FileWorkbook
from hypermailer.workbook.build import build_workbook
from engine_helpers import memory_mailbox

TODAY = date(2025, 3, 1)


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("HYPERMAILER_HOME", str(tmp_path / "home"))
    monkeypatch.chdir(tmp_path)
    return tmp_path / "home"


def run_cli(*args: object) -> int:
    with pytest.raises(SystemExit) as exit_info:
        main(["--lang", "en", *(str(arg) for arg in args)])
    return exit_info.value.code


class SilentInterface:
    """Answers every question with yes and records the alerts."""

    def __init__(self) -> None:
        self.alerts: list[str] = []

    def alert(self, text: str, *, critical: bool = False) -> None:
        self.alerts.append(text)

    def confirm(self, text: str) -> bool:
        return True

    def status(self, text: str | None) -> None:
        pass

    def ask_password(self, prompt: str) -> str | None:
        return None

    def open_file(self, path: Path) -> None:
        pass

    def selected_row(self) -> int | None:
        return None

    def clipboard_text(self) -> str:
        return ""


def recipients_in(outbox: Path) -> list[str]:
    parser = BytesParser(policy=policy.default)
    return [parser.parsebytes(path.read_bytes())["To"].addresses[0].addr_spec
            for path in sorted(outbox.glob("*.eml"))]


def status_column(path: Path) -> dict[str, str]:
    sheet = openpyxl.load_workbook(path).worksheets[0]
    header = [cell.value for cell in sheet[1]]
    return {row[0].value: row[len(header) - 1].value or ""
            for row in sheet.iter_rows(min_row=2) if row[0].value}


def test_add_then_read_list(home):
    mailbox = memory_mailbox()

    result = suppression.add_addresses(mailbox, ["Dana <DANA@Example.com>", "yossi@example.org"],
                                       source="reply", today=TODAY)

    assert result.added == ("dana@example.com", "yossi@example.org")
    assert suppression.read_list(mailbox) == [
        suppression.Suppressed("dana@example.com", "2025-03-01", "reply"),
        suppression.Suppressed("yossi@example.org", "2025-03-01", "reply")]


def test_add_twice_lists_once(home):
    mailbox = memory_mailbox()
    suppression.add_addresses(mailbox, ["dana@example.com"], today=TODAY)

    result = suppression.add_addresses(mailbox, ["DANA@example.com"], today=TODAY)

    assert result.added == ()
    assert result.already_listed == ("dana@example.com",)
    assert len(suppression.read_list(mailbox)) == 1


def test_add_reports_invalid_and_keeps_others(home):
    mailbox = memory_mailbox()

    result = suppression.add_addresses(mailbox, ["not an address", "dana@example.com"])

    assert result.invalid == ("not an address",)
    assert suppression.suppressed_addresses(mailbox) == {"dana@example.com"}


def test_add_idn_address_in_ascii_form(home):
    mailbox = memory_mailbox()

    suppression.add_addresses(mailbox, ["dana@דוגמה.קום"])

    ascii_domain = idna.encode("דוגמה.קום", uts46=True).decode("ascii")
    assert suppression.suppressed_addresses(mailbox) == {f"dana@{ascii_domain}"}


def test_remove_returns_listed_only(home):
    mailbox = memory_mailbox()
    suppression.add_addresses(mailbox, ["dana@example.com", "yossi@example.org"])

    removed = suppression.remove_addresses(mailbox, ["Dana@Example.com", "noa@example.com"])

    assert removed == ["dana@example.com"]
    assert suppression.suppressed_addresses(mailbox) == {"yossi@example.org"}


def test_list_per_mailbox_address(home):
    office = memory_mailbox(name="Office")
    sales = memory_mailbox(name="Sales", from_address="sales@example.com")
    suppression.add_addresses(office, ["dana@example.com"])

    assert suppression.suppressed_addresses(sales) == frozenset()
    assert suppression.suppressed_addresses(memory_mailbox(name="Office 2")) == {"dana@example.com"}


def test_path_of_unusual_address_is_safe(home):
    path = suppression.suppression_path(memory_mailbox(from_address="a/../b@דוגמה.קום"))

    assert path.parent == home / "data" / "suppression"
    assert "/" not in path.name


def test_import_csv_with_header(home, tmp_path):
    source = tmp_path / "removed.csv"
    source.write_text("Email,Date\ndana@example.com,1/1/2025\n\nnot-an-address,x\n"
                      "yossi@example.org,2/1/2025\n", encoding="utf-8")

    result = suppression.import_file(memory_mailbox(), source)

    assert result.added == ("dana@example.com", "yossi@example.org")
    assert result.invalid == ("not-an-address",)
    assert suppression.read_list(memory_mailbox())[0].source == "removed.csv"


def test_import_csv_without_header(home, tmp_path):
    source = tmp_path / "list.txt"
    source.write_text("dana@example.com\nyossi@example.org\n", encoding="utf-8")

    result = suppression.import_file(memory_mailbox(), source)

    assert result.added == ("dana@example.com", "yossi@example.org")


def test_import_workbook(home, tmp_path):
    source = tmp_path / "list.xlsx"
    book = openpyxl.Workbook()
    book.active.append(["כתובת"])
    book.active.append(["dana@example.com"])
    book.save(source)

    result = suppression.import_file(memory_mailbox(), source, source="old system")

    assert result.added == ("dana@example.com",)
    assert suppression.read_list(memory_mailbox())[0].source == "old system"


def test_cli_add_list_remove(home, tmp_path, capsys):
    book = tmp_path / "book.xlsm"
    build_workbook(book, language="en")

    assert run_cli("unsubscribe", "add", "dana.cohen@example.com", "--workbook", book) == 0
    assert run_cli("unsubscribe", "list", "--workbook", book) == 0
    assert "dana.cohen@example.com" in capsys.readouterr().out
    assert run_cli("unsubscribe", "remove", "dana.cohen@example.com", "--workbook", book) == 0
    assert suppression.read_list(FileWorkbook(book).read_campaign().mailboxes[0]) == []


def test_cli_add_invalid_exits_1(home):
    assert run_cli("unsubscribe", "add", "dana@example.com", "nonsense") == 1


def test_cli_import(home, tmp_path):
    source = tmp_path / "removed.csv"
    source.write_text("Email\ndana@example.com\n", encoding="utf-8")

    assert run_cli("unsubscribe", "import", source) == 0
    assert run_cli("unsubscribe", "list") == 0


def test_cli_key_generate_stores_key(home, file_keyring, capsys):
    assert run_cli("unsubscribe", "key", "--generate") == 0

    output = capsys.readouterr().out
    stored = file_keyring.get_password("HyperMailer unsubscribe", "hypermailer@localhost")
    assert stored is not None
    assert stored in output


def test_suppressed_row_skipped_by_cli_and_buttons(home, tmp_path):
    book = tmp_path / "book.xlsm"
    build_workbook(book, language="en")
    assert run_cli("unsubscribe", "add", "yossi.levi@example.org", "--workbook", book) == 0

    assert run_cli("send", book, "--yes") == 0
    sent = recipients_in(tmp_path / "outbox")
    assert len(sent) == 4
    assert "yossi.levi@example.org" not in sent
    assert "unsubscribe list" in status_column(book)["yossi.levi@example.org"]

    buttons.run_button(buttons.check, FileWorkbook(book), SilentInterface())
    assert "unsubscribe list" in status_column(book)["yossi.levi@example.org"]


def test_suppression_honoured_by_later_run_and_other_file(home, tmp_path):
    book = tmp_path / "book.xlsm"
    build_workbook(book, language="en")
    csv_file = tmp_path / "more.csv"
    csv_file.write_text("Email,Name\nnew.client@example.com,Dan\nyossi.levi@example.org,Yossi\n",
                        encoding="utf-8")
    mailbox_file = tmp_path / "mailboxes.toml"
    mailbox_file.write_text('[mailbox."Office"]\nfrom_address = "office@example.com"\n'
                            'kind = "pickup"\nfolder = "csv-outbox"\n', encoding="utf-8")

    assert run_cli("unsubscribe", "add", "yossi.levi@example.org", "--mailboxes",
                   mailbox_file, "--mailbox", "Office") == 0
    assert run_cli("send", csv_file, "--yes", "--subject", "Hi", "--body", "Hello {#1}",
                   "--mailboxes", mailbox_file, "--mailbox", "Office") == 0
    assert recipients_in(tmp_path / "csv-outbox") == ["new.client@example.com"]

    # The workbook's sample mailbox sends from the same address, so the same list applies.
    assert run_cli("send", book, "--yes") == 0
    assert "yossi.levi@example.org" not in recipients_in(tmp_path / "outbox")


def test_workbook_unsubscribed_table_protects_other_files(home, tmp_path):
    book = tmp_path / "book.xlsm"
    build_workbook(book, language="en")
    csv_file = tmp_path / "more.csv"
    csv_file.write_text("Email,Name\nnew.client@example.com,Dan\nformer.client@example.org,Old\n",
                        encoding="utf-8")
    mailbox_file = tmp_path / "mailboxes.toml"
    mailbox_file.write_text('[mailbox."Office"]\nfrom_address = "office@example.com"\n'
                            'kind = "pickup"\nfolder = "csv-outbox"\n', encoding="utf-8")

    assert run_cli("send", book, "--yes") == 0
    run_cli("send", csv_file, "--yes", "--subject", "Hi", "--body", "Hello {#1}",
            "--mailboxes", mailbox_file, "--mailbox", "Office")

    assert recipients_in(tmp_path / "csv-outbox") == ["new.client@example.com"]


def test_workbook_unsubscribed_table_not_copied_by_dry_run(home, tmp_path):
    book = tmp_path / "book.xlsm"
    build_workbook(book, language="en")
    mailbox = FileWorkbook(book).read_campaign().mailboxes[0]

    run_cli("send", book, "--dry-run")

    assert suppression.read_list(mailbox) == []


def test_workbook_unsubscribed_copy_keeps_source_and_date(home, tmp_path):
    book = tmp_path / "book.xlsm"
    build_workbook(book, language="en")
    mailbox = FileWorkbook(book).read_campaign().mailboxes[0]

    assert run_cli("send", book, "--yes") == 0
    (entry,) = suppression.read_list(mailbox)

    assert entry.address == "former.client@example.org"
    assert entry.source.startswith("book.xlsm: ")
    assert "2024" in entry.source

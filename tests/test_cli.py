"""Whole-command tests: the CLI against real workbook files and real SMTP servers."""

from __future__ import annotations

import io
from email import policy
from email.parser import BytesParser
from pathlib import Path

import keyring
import openpyxl
import pytest

from keyring.backends.fail import Keyring as FailKeyring

from hypermailer.campaign import STATUS_HEADERS
from hypermailer.cli import main
from smtpserver import PASSWORD, USERNAME, Faults

CSV_ROWS = [
    "Email,Name,Amount",
    "dana@example.com,דנה,100",
    "yossi@example.org,יוסי,200",
    "noa@example.com,נועה,300",
]


@pytest.fixture
def workdir(tmp_path, monkeypatch):
    monkeypatch.setenv("HYPERMAILER_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("HYPERMAILER_LANG", "en")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def run_cli(*args: str) -> int:
    with pytest.raises(SystemExit) as exit_info:
        main([str(arg) for arg in args])
    return exit_info.value.code


def parse(data: bytes):
    return BytesParser(policy=policy.default).parsebytes(data)


def write_csv(path: Path, encoding: str = "utf-8") -> Path:
    path.write_bytes("\r\n".join(CSV_ROWS).encode(encoding) + b"\r\n")
    return path


def write_mailboxes(path: Path, server, **fields) -> Path:
    settings = {"from_address": "office@example.com", "display_name": "המשרד", "kind": "smtp",
                "host": server.host, "port": server.port, "security": server.security}
    settings.update(fields)
    lines = ['[mailbox."Test"]']
    for key, value in settings.items():
        text = str(value).lower() if isinstance(value, bool) else value
        lines.append(f"{key} = {text}" if isinstance(value, (int, bool)) else f'{key} = "{text}"')
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def status_texts(workbook: Path) -> dict[str, str]:
    sheet_workbook = openpyxl.load_workbook(workbook)
    table_sheet = next(sheet for sheet in sheet_workbook.worksheets if "Recipients" in sheet.tables)
    header = [cell.value for cell in table_sheet[1]]
    status_index = next(index for index, text in enumerate(header)
                        if text in STATUS_HEADERS.values())
    return {row[0].value: row[status_index].value or ""
            for row in table_sheet.iter_rows(min_row=2) if row[0].value}


def csv_send(workdir, server, *extra: str) -> int:
    csv_file = write_csv(workdir / "list.csv")
    mailboxes = write_mailboxes(workdir / "mailboxes.toml", server)
    return run_cli("send", csv_file, "--subject", "שלום {#1}", "--body", "סכום: {#2}",
                   "--mailbox", "Test", "--mailboxes", mailboxes, "--yes", *extra)


def test_cli_sample_workbook_sends_to_outbox(workdir):
    assert run_cli("workbook", "new", "sample.xlsm") == 0

    code = run_cli("send", "sample.xlsm", "--yes")

    assert code == 0
    assert len(list((workdir / "outbox").glob("*.eml"))) == 5


def test_cli_sample_statuses_written(workdir):
    run_cli("workbook", "new", "sample.xlsm")
    run_cli("send", "sample.xlsm", "--yes")

    statuses = status_texts(workdir / "sample.xlsm")

    assert len(statuses) == 5
    assert all(text.startswith("Sent") for text in statuses.values())


def test_cli_sample_rerun_sends_nothing(workdir):
    run_cli("workbook", "new", "sample.xlsm")
    run_cli("send", "sample.xlsm", "--yes")

    code = run_cli("send", "sample.xlsm", "--yes")

    assert code == 0
    assert len(list((workdir / "outbox").glob("*.eml"))) == 5


def test_cli_dry_run_writes_nothing(workdir):
    run_cli("workbook", "new", "sample.xlsm")

    code = run_cli("send", "sample.xlsm", "--dry-run")

    assert code == 0
    assert not (workdir / "outbox").exists()


def test_cli_unknown_placeholder_stops_before_sending(workdir, smtp_server):
    server = smtp_server(security="none", auth=False)
    csv_file = write_csv(workdir / "list.csv")
    mailboxes = write_mailboxes(workdir / "mailboxes.toml", server)

    code = run_cli("send", csv_file, "--subject", "x", "--body", "{#9}", "--mailbox", "Test",
                   "--mailboxes", mailboxes, "--yes")

    assert code == 2
    assert server.connections == 0


def test_cli_csv_windows_1255_over_smtp(workdir, smtp_server):
    server = smtp_server(security="none", auth=False)
    csv_file = write_csv(workdir / "list.csv", encoding="cp1255")
    mailboxes = write_mailboxes(workdir / "mailboxes.toml", server)

    code = run_cli("send", csv_file, "--subject", "שלום {#1}", "--body", "סכום: {#2}",
                   "--mailbox", "Test", "--mailboxes", mailboxes, "--yes")

    assert code == 0
    subjects = sorted(parse(data)["Subject"] for _from, _to, data in server.received)
    assert subjects == ["שלום דנה", "שלום יוסי", "שלום נועה"]


def test_cli_one_connection_for_whole_run(workdir, smtp_server):
    server = smtp_server(security="none", auth=False)

    csv_send(workdir, server)

    assert len(server.received) == 3
    assert server.connections == 1


def test_cli_never_bcc_and_one_envelope_recipient(workdir, smtp_server):
    server = smtp_server(security="none", auth=False)

    csv_send(workdir, server)

    for _mail_from, rcpt_tos, data in server.received:
        message = parse(data)
        assert len(rcpt_tos) == 1
        assert message["Bcc"] is None
        assert [address.addr_spec for address in message["To"].addresses] == rcpt_tos


def test_cli_starttls_auth_with_keyring(workdir, smtp_server, tls_ca, file_keyring, monkeypatch):
    server = smtp_server(security="starttls", auth=True)
    tls_ca.cert_pem.write_to_path(str(workdir / "ca.pem"))
    mailboxes = write_mailboxes(workdir / "mailboxes.toml", server, username=USERNAME,
                                ca_file="ca.pem")
    monkeypatch.setattr("sys.stdin", io.StringIO(PASSWORD + "\n"))
    assert run_cli("mailbox", "login", "Test", "--mailboxes", mailboxes, "--password-stdin") == 0

    code = run_cli("send", write_csv(workdir / "list.csv"), "--subject", "s", "--body", "b",
                   "--mailbox", "Test", "--mailboxes", mailboxes, "--yes")

    assert code == 0
    assert len(server.received) == 3


def test_cli_implicit_tls_mailbox_test(workdir, smtp_server, tls_ca, file_keyring, capsys):
    server = smtp_server(security="ssl", auth=True)
    tls_ca.cert_pem.write_to_path(str(workdir / "ca.pem"))
    mailboxes = write_mailboxes(workdir / "mailboxes.toml", server, username=USERNAME,
                                ca_file="ca.pem")
    file_keyring.set_password("HyperMailer", f"{USERNAME}@{server.host}", PASSWORD)

    code = run_cli("mailbox", "test", "Test", "--mailboxes", mailboxes)

    assert code == 0
    assert server.received == []
    assert "works" in capsys.readouterr().out


def test_cli_mailbox_test_marks_unencrypted_connection(workdir, smtp_server, capsys):
    server = smtp_server(security="none", auth=False)
    mailboxes = write_mailboxes(workdir / "mailboxes.toml", server)

    code = run_cli("mailbox", "test", "Test", "--mailboxes", mailboxes)
    out = capsys.readouterr().out

    assert code == 0
    assert "! The connection is not encrypted" in out
    assert "✓ Connected to" in out


def test_cli_csv_without_subject_asks_for_option(workdir, capsys):
    code = run_cli("check", write_csv(workdir / "list.csv"), "--body", "b")

    assert code == 2
    assert "no subject was given. Give it with --subject." in capsys.readouterr().err


def test_cli_missing_password_is_configuration_error(workdir, smtp_server, tls_ca, file_keyring,
                                                     capsys):
    server = smtp_server(security="starttls", auth=True)
    tls_ca.cert_pem.write_to_path(str(workdir / "ca.pem"))
    mailboxes = write_mailboxes(workdir / "mailboxes.toml", server, username=USERNAME,
                                ca_file="ca.pem")

    code = run_cli("send", write_csv(workdir / "list.csv"), "--subject", "s", "--body", "b",
                   "--mailbox", "Test", "--mailboxes", mailboxes, "--yes")

    assert code == 2
    assert "mailbox login" in capsys.readouterr().err
    assert server.connections == 0


def test_cli_wrong_password_stops_run(workdir, smtp_server, tls_ca, file_keyring):
    server = smtp_server(security="starttls", auth=True)
    tls_ca.cert_pem.write_to_path(str(workdir / "ca.pem"))
    mailboxes = write_mailboxes(workdir / "mailboxes.toml", server, username=USERNAME,
                                ca_file="ca.pem")
    file_keyring.set_password("HyperMailer", f"{USERNAME}@{server.host}", "wrong")

    code = run_cli("send", write_csv(workdir / "list.csv"), "--subject", "s", "--body", "b",
                   "--mailbox", "Test", "--mailboxes", mailboxes, "--yes")

    assert code == 2
    assert server.received == []


def test_cli_stopped_run_counts_rows_not_tried(workdir, smtp_server, tls_ca, file_keyring,
                                               capsys):
    server = smtp_server(security="starttls", auth=True)
    tls_ca.cert_pem.write_to_path(str(workdir / "ca.pem"))
    mailboxes = write_mailboxes(workdir / "mailboxes.toml", server, username=USERNAME,
                                ca_file="ca.pem")
    file_keyring.set_password("HyperMailer", f"{USERNAME}@{server.host}", "wrong")

    run_cli("send", write_csv(workdir / "list.csv"), "--subject", "s", "--body", "b",
            "--mailbox", "Test", "--mailboxes", mailboxes, "--yes")

    assert "2 rows were not tried; run the same command again to send them." in capsys.readouterr().out


def test_cli_stopped_row_status_explains_fix(workdir, smtp_server, tls_ca, file_keyring):
    server = smtp_server(security="starttls", auth=True)
    tls_ca.cert_pem.write_to_path(str(workdir / "ca.pem"))
    mailboxes = write_mailboxes(workdir / "mailboxes.toml", server, username=USERNAME,
                                ca_file="ca.pem")
    file_keyring.set_password("HyperMailer", f"{USERNAME}@{server.host}", "wrong")
    workbook = workdir / "list.xlsx"
    openpyxl_book = openpyxl.Workbook()
    for line in CSV_ROWS:
        openpyxl_book.active.append(line.split(","))
    openpyxl_book.save(workbook)

    run_cli("send", workbook, "--subject", "s", "--body", "b", "--mailbox", "Test",
            "--mailboxes", mailboxes, "--yes", "--write-status")
    sheet = openpyxl.load_workbook(workbook).active
    header = [cell.value for cell in sheet[1]]
    column = next(index for index, text in enumerate(header) if text in STATUS_HEADERS.values())
    status = sheet.cell(row=2, column=column + 1).value

    assert "hypermailer mailbox login" in status
    assert ".." not in status


def test_cli_refused_recipient_fails_only_its_row(workdir, smtp_server):
    server = smtp_server(security="none", auth=False,
                         faults=Faults(rcpt_replies={"yossi@example.org": "550 5.1.1 no such user"}))

    code = csv_send(workdir, server)

    assert code == 1
    delivered = sorted(rcpt[0] for _from, rcpt, _data in server.received)
    assert delivered == ["dana@example.com", "noa@example.com"]


def test_cli_421_mid_run_delivers_each_once(workdir, smtp_server):
    server = smtp_server(security="none", auth=False,
                         faults=Faults(mail_replies={2: "421 4.3.2 shutting down"}))

    code = csv_send(workdir, server)

    assert code == 0
    delivered = sorted(rcpt[0] for _from, rcpt, _data in server.received)
    assert delivered == ["dana@example.com", "noa@example.com", "yossi@example.org"]


def test_cli_drop_after_data_marks_uncertain(workdir, smtp_server):
    server = smtp_server(security="none", auth=False,
                         faults=Faults(drop_after_data_for=frozenset({2})))

    first = csv_send(workdir, server)
    second = csv_send(workdir, server)

    assert first == 1
    assert second == 1
    assert [rcpt[0] for _f, rcpt, _d in server.received].count("yossi@example.org") == 1


def test_cli_retry_uncertain_sends_again(workdir, smtp_server):
    server = smtp_server(security="none", auth=False,
                         faults=Faults(drop_after_data_for=frozenset({2})))
    csv_send(workdir, server)

    code = csv_send(workdir, server, "--retry-uncertain")

    assert code == 0
    assert [rcpt[0] for _f, rcpt, _d in server.received].count("yossi@example.org") == 2


def test_cli_csv_never_modified(workdir, smtp_server):
    server = smtp_server(security="none", auth=False)
    csv_file = write_csv(workdir / "list.csv")
    before = csv_file.read_bytes()

    csv_send(workdir, server)

    assert csv_file.read_bytes() == before


def test_cli_preview_saves_eml(workdir):
    run_cli("workbook", "new", "sample.xlsm", "--language", "he")

    code = run_cli("preview", "sample.xlsm", "--output", "first.eml")

    message = parse((workdir / "first.eml").read_bytes())
    assert code == 0
    assert message["To"].addresses[0].domain in ("example.com", "example.org")
    assert 'dir="rtl"' in message.get_body(preferencelist=("html",)).get_content()


def test_cli_preview_prints_text(workdir, capsys):
    run_cli("workbook", "new", "sample.xlsm")

    code = run_cli("preview", "sample.xlsm")

    assert code == 0
    assert "Subject:" in capsys.readouterr().out


def test_cli_test_send_goes_only_to_test_address(workdir, smtp_server):
    server = smtp_server(security="none", auth=False)

    code = csv_send(workdir, server, "--test", "me@example.com")

    assert code == 0
    assert [rcpt for _f, rcpt, _d in server.received] == [["me@example.com"]]


def test_cli_rows_option_and_limit(workdir, smtp_server):
    server = smtp_server(security="none", auth=False)

    code = csv_send(workdir, server, "--rows", "3-4", "--limit", "1")

    assert code == 0
    assert [rcpt[0] for _f, rcpt, _d in server.received] == ["yossi@example.org"]


def test_cli_limit_counts_rows_left_for_later(workdir, smtp_server, capsys):
    server = smtp_server(security="none", auth=False)

    code = csv_send(workdir, server, "--limit", "1")

    assert code == 0
    assert "sent 1, failed 0, may have been sent 0, not sent yet 2" in capsys.readouterr().out


def test_cli_bad_rows_option_is_usage_error(workdir, smtp_server):
    server = smtp_server(security="none", auth=False)

    assert csv_send(workdir, server, "--rows", "x-2") == 2


def test_cli_missing_file_is_configuration_error(workdir, capsys):
    code = run_cli("check", "nothing-here.xlsx")

    assert code == 2
    assert "nothing-here.xlsx" in capsys.readouterr().err


def test_cli_mailbox_logout_removes_password(workdir, smtp_server, file_keyring):
    server = smtp_server(security="starttls", auth=True)
    mailboxes = write_mailboxes(workdir / "mailboxes.toml", server, username=USERNAME)
    file_keyring.set_password("HyperMailer", f"{USERNAME}@{server.host}", PASSWORD)

    code = run_cli("mailbox", "logout", "Test", "--mailboxes", mailboxes)

    assert code == 0
    assert file_keyring.get_password("HyperMailer", f"{USERNAME}@{server.host}") is None


def test_cli_mailbox_list_shows_local_outbox(workdir, capsys):
    code = run_cli("mailbox", "list")

    assert code == 0
    assert "Local outbox" in capsys.readouterr().out


def test_cli_hebrew_help(workdir, monkeypatch, capsys):
    monkeypatch.setenv("HYPERMAILER_LANG", "he")

    code = run_cli("--help")

    assert code == 0
    assert any("\u0590" <= char <= "\u05ff" for char in capsys.readouterr().out)


def test_cli_hebrew_help_headings_from_click(workdir, monkeypatch, capsys):
    monkeypatch.setenv("HYPERMAILER_LANG", "he")

    run_cli("send", "--help")
    out = capsys.readouterr().out

    assert out.startswith("שימוש: hypermailer send")
    assert "אפשרויות:" in out
    assert "Usage:" not in out
    assert "Show this message and exit." not in out


def test_cli_hebrew_usage_error_from_click(workdir, monkeypatch, capsys):
    monkeypatch.setenv("HYPERMAILER_LANG", "he")

    code = run_cli("send", "list.xlsx", "--limit", "x")
    err = capsys.readouterr().err

    assert code == 2
    assert "שגיאה: ערך לא תקין עבור '--limit': 'x' אינו מספר שלם תקין." in err
    assert "Try '" not in err


def test_cli_english_after_hebrew_run(workdir, monkeypatch, capsys):
    monkeypatch.setenv("HYPERMAILER_LANG", "he")
    run_cli("send")
    monkeypatch.setenv("HYPERMAILER_LANG", "en")
    capsys.readouterr()

    run_cli("send")

    assert "Error: Missing argument 'WORKBOOK'." in capsys.readouterr().err


def test_cli_changed_message_warns_and_sends_nothing_again(workdir, smtp_server, capsys):
    server = smtp_server(security="none", auth=False)
    csv_file = write_csv(workdir / "list.csv")
    mailboxes = write_mailboxes(workdir / "mailboxes.toml", server)
    run_cli("send", csv_file, "--subject", "June", "--body", "b", "--mailbox", "Test",
            "--mailboxes", mailboxes, "--yes")
    capsys.readouterr()

    run_cli("send", csv_file, "--subject", "August", "--body", "b", "--mailbox", "Test",
            "--mailboxes", mailboxes, "--yes")

    assert "add --new-campaign" in capsys.readouterr().err
    assert len(server.received) == 3


def test_cli_same_message_rerun_gives_no_change_warning(workdir, smtp_server, capsys):
    server = smtp_server(security="none", auth=False)
    csv_send(workdir, server)
    capsys.readouterr()

    csv_send(workdir, server)

    assert "changed since" not in capsys.readouterr().err


def test_cli_new_campaign_sends_again(workdir, smtp_server):
    server = smtp_server(security="none", auth=False)
    csv_send(workdir, server)

    code = csv_send(workdir, server, "--new-campaign")

    assert code == 0
    assert len(server.received) == 6


def test_cli_new_campaign_id_stored_in_workbook(workdir):
    run_cli("workbook", "new", "sample.xlsm")
    run_cli("send", "sample.xlsm", "--yes")

    run_cli("send", "sample.xlsm", "--yes", "--new-campaign")

    assert len(list((workdir / "outbox").glob("*.eml"))) == 10


def test_cli_workbook_open_in_excel_sends_nothing(workdir, capsys):
    run_cli("workbook", "new", "sample.xlsm")
    (workdir / "~$sample.xlsm").write_bytes(b"owner")

    code = run_cli("send", "sample.xlsm", "--yes")

    assert code == 2
    assert not (workdir / "outbox").exists()
    assert "sample.xlsm" in capsys.readouterr().err


def test_cli_locked_after_send_keeps_journal(workdir, capsys):
    run_cli("workbook", "new", "sample.xlsm")
    run_cli("send", "sample.xlsm", "--yes", "--limit", "2")
    (workdir / "~$sample.xlsm").write_bytes(b"owner")

    code = run_cli("send", "sample.xlsm", "--yes")

    assert code == 1
    assert "hypermailer check" in capsys.readouterr().err
    assert len(list((workdir / "outbox").glob("*.eml"))) == 5


def test_cli_check_rebuilds_statuses_from_journal(workdir):
    run_cli("workbook", "new", "sample.xlsm")
    run_cli("send", "sample.xlsm", "--yes", "--limit", "2")
    (workdir / "~$sample.xlsm").write_bytes(b"owner")
    run_cli("send", "sample.xlsm", "--yes")
    (workdir / "~$sample.xlsm").unlink()

    run_cli("check", "sample.xlsm")

    statuses = status_texts(workdir / "sample.xlsm")
    assert sum(text.startswith("Sent") for text in statuses.values()) == 5


def test_cli_lang_after_subcommand(workdir, monkeypatch, capsys):
    monkeypatch.setenv("HYPERMAILER_LANG", "he")

    code = run_cli("mailbox", "list", "--lang", "en")

    assert code == 0
    assert "Local outbox" in capsys.readouterr().out


def test_cli_confirm_accepts_hebrew_yes(workdir, monkeypatch):
    run_cli("workbook", "new", "sample.xlsm")
    monkeypatch.setattr("sys.stdin", io.StringIO("כן\n"))

    code = run_cli("send", "sample.xlsm")

    assert code == 0
    assert len(list((workdir / "outbox").glob("*.eml"))) == 5


def test_cli_confirm_default_is_no(workdir, monkeypatch):
    run_cli("workbook", "new", "sample.xlsm")
    monkeypatch.setattr("sys.stdin", io.StringIO("\n"))

    code = run_cli("send", "sample.xlsm")

    assert code == 1
    assert not (workdir / "outbox").exists()


def test_cli_preview_rejects_other_extension(workdir):
    run_cli("workbook", "new", "sample.xlsm")

    code = run_cli("preview", "sample.xlsm", "--output", "x.pdf")

    assert code == 2
    assert not (workdir / "x.pdf").exists()


def test_cli_unknown_mailbox_names_given_file(workdir, smtp_server, capsys):
    server = smtp_server(security="none", auth=False)
    mailboxes = write_mailboxes(workdir / "mine.toml", server)

    code = run_cli("check", write_csv(workdir / "list.csv"), "--subject", "s", "--body", "b",
                   "--mailbox", "Nope", "--mailboxes", mailboxes)

    assert code == 2
    assert "mine.toml" in capsys.readouterr().err


def test_cli_parallel_connections_deliver_once(workdir, smtp_server):
    server = smtp_server(security="none", auth=False)
    lines = ["Email,Name"] + [f"user{index}@example.com,n{index}" for index in range(30)]
    (workdir / "many.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    mailboxes = write_mailboxes(workdir / "mailboxes.toml", server, connections=3)

    code = run_cli("send", workdir / "many.csv", "--subject", "s {#1}", "--body", "b",
                   "--mailbox", "Test", "--mailboxes", mailboxes, "--yes")

    delivered = [rcpt[0] for _from, rcpt, _data in server.received]
    assert code == 0
    assert server.connections == 3
    assert sorted(delivered) == sorted(f"user{index}@example.com" for index in range(30))


def test_cli_nothing_selected_says_so(workdir, smtp_server, capsys):
    server = smtp_server(security="none", auth=False)

    code = csv_send(workdir, server, "--rows", "50-60")

    assert code == 0
    assert "--rows" in capsys.readouterr().out
    assert server.connections == 0


def test_cli_pickup_summary_names_folder(workdir, capsys):
    run_cli("workbook", "new", "sample.xlsm")

    run_cli("send", "sample.xlsm", "--yes")

    assert str(workdir / "outbox") in capsys.readouterr().out


def test_cli_new_campaign_csv_resume_hint(workdir, smtp_server, capsys):
    server = smtp_server(security="none", auth=False)

    csv_send(workdir, server, "--new-campaign")

    assert "--campaign " in capsys.readouterr().out


def test_cli_login_warns_about_plaintext_keyring(workdir, smtp_server, file_keyring, monkeypatch,
                                                capsys):
    server = smtp_server(security="starttls", auth=True)
    mailboxes = write_mailboxes(workdir / "mailboxes.toml", server, username=USERNAME)
    monkeypatch.setattr("sys.stdin", io.StringIO("secret\n"))

    code = run_cli("mailbox", "login", "Test", "--mailboxes", mailboxes, "--password-stdin")

    assert code == 0
    assert "plain" in capsys.readouterr().err


def test_cli_login_plaintext_keyring_message(workdir, smtp_server, file_keyring, monkeypatch,
                                            capsys):
    server = smtp_server(security="starttls", auth=True)
    mailboxes = write_mailboxes(workdir / "mailboxes.toml", server, username=USERNAME)
    monkeypatch.setattr("sys.stdin", io.StringIO("secret\n"))

    run_cli("mailbox", "login", "Test", "--mailboxes", mailboxes, "--password-stdin")
    captured = capsys.readouterr()

    assert "system keyring." not in captured.out
    assert "stored by keyrings.alt.file.PlaintextKeyring" in captured.err


def test_cli_login_names_mailboxes_sharing_password(workdir, smtp_server, file_keyring,
                                                    monkeypatch, capsys):
    server = smtp_server(security="starttls", auth=True)
    mailboxes = write_mailboxes(workdir / "mailboxes.toml", server, username=USERNAME)
    with mailboxes.open("a", encoding="utf-8") as stream:
        stream.write(f'[mailbox."Sales"]\nfrom_address = "sales@example.com"\nkind = "smtp"\n'
                     f'host = "{server.host}"\nport = 2999\nsecurity = "ssl"\n'
                     f'username = "{USERNAME}"\n')
    monkeypatch.setattr("sys.stdin", io.StringIO("secret\n"))

    run_cli("mailbox", "login", "Test", "--mailboxes", mailboxes, "--password-stdin")

    assert "Mailboxes Sales have the same user name" in capsys.readouterr().out


def test_cli_mailbox_list_survives_missing_keyring(workdir, smtp_server, capsys):
    server = smtp_server(security="starttls", auth=True)
    mailboxes = write_mailboxes(workdir / "mailboxes.toml", server, username=USERNAME)
    previous = keyring.get_keyring()
    keyring.set_keyring(FailKeyring())
    try:
        code = run_cli("mailbox", "list", "--mailboxes", mailboxes)
    finally:
        keyring.set_keyring(previous)
    out = capsys.readouterr().out

    assert code == 0
    assert "cannot be checked: no keyring is available" in out
    assert "Local outbox" in out


def test_cli_preview_unknown_row_names_valid_range(workdir, capsys):
    run_cli("workbook", "new", "sample.xlsm")

    code = run_cli("preview", "sample.xlsm", "--row", "99")

    assert code == 2
    assert "2 to 6" in capsys.readouterr().err


def test_cli_dry_run_changes_no_file(workdir):
    run_cli("workbook", "new", "sample.xlsm")
    before = (workdir / "sample.xlsm").read_bytes()

    code = run_cli("send", "sample.xlsm", "--dry-run", "--limit", "2")

    assert code == 0
    assert (workdir / "sample.xlsm").read_bytes() == before
    assert not (workdir / "home" / "data" / "journal").exists()


def test_cli_dry_run_counts_only_handled_rows(workdir, smtp_server, capsys):
    server = smtp_server(security="none", auth=False)

    csv_send(workdir, server, "--dry-run", "--limit", "1")

    assert "already handled" not in capsys.readouterr().out

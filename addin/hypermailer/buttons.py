"""The ribbon buttons' logic, between the workbook, the user and the engine.

Every function takes a :class:`~hypermailer.workbook.access.CampaignWorkbook`
and a :class:`UserInterface`, so the same code runs on the workbook open in
Excel (through ``hypermailer.excel``) and, in tests, on a workbook file with
a recording interface. Nothing here imports xlwings.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from datetime import datetime, timezone
from pathlib import Path
from typing import Protocol

from hypermailer import campaign_ids, credentials, paths, removal_requests, run_report, session
from hypermailer.campaign import STATUS_HEADERS, Campaign, Mailbox
from hypermailer.checking import CheckReport, build_message, check_campaign
from hypermailer.clipboard import parse_clipboard, table_content
from hypermailer.compose import message_bytes, new_message_id
from hypermailer.engine import Options, RunSummary, pending_recipients, send_campaign
from hypermailer.errors import ConfigurationError, HyperMailerError
from hypermailer.i18n import _, ngettext, set_language
from hypermailer.recipients import Recipient
from hypermailer.status import entry_text, row_statuses
from hypermailer.transports.base import step_mark
from hypermailer.workbook import layout
from hypermailer.workbook.access import CampaignWorkbook
from hypermailer.workbook.sheets import is_empty_row

log = logging.getLogger(__name__)

#: Statuses are written after this many sent rows or this many seconds, whichever comes first.
STATUS_BATCH_ROWS = 50
STATUS_BATCH_SECONDS = 5.0


class UserInterface(Protocol):
    """The dialogs and the status bar a button uses."""

    def alert(self, text: str, *, critical: bool = False) -> None:
        """Show *text* in a message box with an OK button."""

    def confirm(self, text: str) -> bool:
        """Ask a yes/no question and return ``True`` when the user chooses Yes."""

    def status(self, text: str | None) -> None:
        """Show *text* in the status bar; ``None`` gives the status bar back to Excel."""

    def ask_password(self, prompt: str) -> str | None:
        """Ask for a password in a masked field; ``None`` when the user cancels."""

    def open_file(self, path: Path) -> None:
        """Open *path* with the program the system uses for its type."""

    def selected_row(self) -> int | None:
        """Return the sheet row selected in the Recipients table, or ``None``."""

    def clipboard_text(self) -> str:
        """Return the text on the clipboard ('' when there is none)."""

    def choose_files(self, title: str) -> list[Path]:
        """Let the user pick saved messages (.eml, .mbox); an empty list when cancelled."""


Action = Callable[[CampaignWorkbook, UserInterface], None]


def run_button(action: Action, workbook: CampaignWorkbook, ui: UserInterface) -> None:
    """Run *action*; any error becomes a message box and a status bar text, never a traceback."""
    try:
        action(workbook, ui)
    except HyperMailerError as error:
        log.error("%s failed: %s", action.__name__, error)
        _show_failure(ui, str(error))
    except Exception as error:  # The last handler before Excel: show the error instead of a traceback.
        log.exception("%s failed unexpectedly", action.__name__)
        _show_failure(ui, _("HyperMailer failed unexpectedly: {error}. Nothing more was done. "
                            "If this happens again, send this message to your administrator.")
                      .format(error=f"{type(error).__name__}: {error}"))
    else:
        ui.status(None)


def _show_failure(ui: UserInterface, text: str) -> None:
    ui.status(_("HyperMailer: {message}").format(message=text.splitlines()[0] if text else ""))
    ui.alert(text, critical=True)


# Recipients

def paste_from_clipboard(workbook: CampaignWorkbook, ui: UserInterface) -> None:
    """Replace the Recipients table's rows with the clipboard's, asking first when it has rows."""
    try:
        pasted = parse_clipboard(ui.clipboard_text())
    except ValueError as error:
        raise ConfigurationError(str(error)) from error
    table = workbook.recipients()
    filled = sum(1 for row in table.rows if not is_empty_row(row))
    if filled and not ui.confirm(_("The recipients table has {count} rows. Replace them with the "
                                   "{new} rows from the clipboard?").format(
                                       count=filled, new=len(pasted.rows))):
        return

    status_header = next((text for text in table.header if layout.is_status_header(text)),
                         STATUS_HEADERS[_workbook_language(workbook)])
    header, rows = table_content(pasted, table.header, status_header)
    workbook.replace_recipients(header, rows)
    if pasted.header is None:
        note = _("The first line held data, so the column headers were kept.")
    else:
        note = _("The first line was used as the column headers.")
    ui.alert(_("Pasted {count} rows. {note} Click Check before sending.").format(
        count=len(rows), note=note))


def check(workbook: CampaignWorkbook, ui: UserInterface) -> None:
    """Write every row's problem into the status column and show a summary; send nothing."""
    campaign, mailbox, report = _load_and_check(workbook)
    entries = session.journal_entries(session.campaign_id_for(campaign))
    statuses = {row.number: "" for row in campaign.table.rows if not is_empty_row(row)}
    statuses.update(row_statuses(report, entries, session.waiting_status(mailbox)))
    workbook.write_results(statuses=statuses)
    ui.alert(_check_summary(report), critical=report.fatal)


# Message

def preview(workbook: CampaignWorkbook, ui: UserInterface) -> None:
    """Render the selected row (or the first valid one) and open its HTML in the browser."""
    campaign, mailbox, report = _load_and_check(workbook, fatal_raises=True)
    recipient = _pick_row(report, ui.selected_row())
    message = build_message(campaign, mailbox, report.templates, recipient,
                            message_id=new_message_id(mailbox.from_address),
                            date=datetime.now(timezone.utc))
    path = preview_path(recipient.row)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(preview_html(message), encoding="utf-8")
    ui.open_file(path)


def preview_path(row: int) -> Path:
    return paths.data_folder() / "preview" / f"row-{row}.html"


def preview_html(message) -> str:
    """Return the message's HTML part, or its text part wrapped so its direction follows the text."""
    html = message.get_body(preferencelist=("html",))
    if html is not None:
        return html.get_content()
    text = message.get_body(preferencelist=("plain",)).get_content()
    escaped = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return ('<!DOCTYPE html><html><head><meta charset="utf-8"></head><body>'
            f'<pre dir="auto" style="white-space: pre-wrap">{escaped}</pre></body></html>')


# Send

def send_test(workbook: CampaignWorkbook, ui: UserInterface) -> None:
    """Send the selected row's message to the TestAddress cell's address."""
    campaign, mailbox, report = _load_and_check(workbook, fatal_raises=True)
    address = campaign.test_address.strip()
    if not address:
        raise ConfigurationError(_("The TestAddress cell is empty. Type your own address there, "
                                   "then click the button again."))
    recipient = _pick_row(report, ui.selected_row())
    message = build_message(campaign, mailbox, report.templates, recipient,
                            message_id=new_message_id(mailbox.from_address),
                            date=datetime.now(timezone.utc), to_address=address)
    ui.status(_("HyperMailer: sending a test message to {address}...").format(address=address))
    with session.open_transport(mailbox) as transport:
        delivery = transport.send(mailbox.from_address, [address], message_bytes(message))
    ui.alert(_("Test message for row {row} sent to {address}: {reply}").format(
        row=recipient.row, address=address, reply=delivery.reply))


def send(workbook: CampaignWorkbook, ui: UserInterface, *, retry_uncertain: bool = False,
         retry_failed: bool = False) -> None:
    """Confirm, then send every pending row with progress in the status bar and statuses in batches.

    With *retry_uncertain*, rows that may have been sent are sent again too;
    with *retry_failed*, rows that failed.
    """
    campaign, mailbox, report = _load_and_check(workbook, fatal_raises=True)
    campaign = session.ensure_campaign_id(
        campaign, store=lambda campaign_id: workbook.write_results(campaign_id=campaign_id))
    options = Options(retry_uncertain=retry_uncertain, retry_failed=retry_failed)

    with session.open_journal(campaign.campaign_id) as journal:
        pending = pending_recipients(report, journal, options)
        changed = run_report.content_change_note(campaign, journal.entries, run_report.EXCEL)
        if not pending:
            workbook.write_results(statuses=row_statuses(report, journal.entries,
                                                          session.waiting_status(mailbox)))
            nothing = _("Nothing to send: every valid row was already handled in campaign "
                        "{campaign}.").format(campaign=campaign.campaign_id)
            ui.alert("\n\n".join(text for text in (nothing, changed) if text))
            return
        earlier = run_report.earlier_campaign_note(pending, journal.entries, campaign.campaign_id,
                                                   run_report.EXCEL)
        question = confirmation_text(len(pending), mailbox, report)
        if not ui.confirm("\n\n".join(text for text in (changed, earlier, question) if text)):
            return
        session.keep_workbook_unsubscribes(campaign, mailbox)

        batches = StatusBatches(workbook, journal, ui, total=len(pending))
        transport = session.open_transport(mailbox)
        summary = None
        try:
            summary = send_campaign(campaign, mailbox, report, transport, journal,
                                    options=options, on_progress=batches.progress,
                                    quota=session.open_quota(mailbox),
                                    minute_ledger=session.open_minute_ledger(mailbox))
            # NOTE: Excel sends over one connection even when the mailbox allows
            # more, because the progress callback calls Excel through COM, which
            # must stay on the thread that owns the workbook.
        finally:
            # Every row's final status, and the Log row when the run got that far.
            log_row = None if summary is None else session.log_row(summary, report)
            workbook.write_results(statuses=row_statuses(report, journal.entries,
                                                          session.waiting_status(mailbox)),
                                   log_row=log_row)
    ui.alert(run_summary_text(summary), critical=bool(summary.stopped or summary.failed))


def send_uncertain(workbook: CampaignWorkbook, ui: UserInterface) -> None:
    """Send every pending row and also the rows that may have been sent."""
    send(workbook, ui, retry_uncertain=True)


def send_failed(workbook: CampaignWorkbook, ui: UserInterface) -> None:
    """Send every pending row and also the rows that failed in an earlier run."""
    send(workbook, ui, retry_failed=True)


def new_campaign(workbook: CampaignWorkbook, ui: UserInterface) -> None:
    """After a confirmation, give the workbook a new campaign id and clear the status column."""
    campaign, _mailbox, report = _load_and_check(workbook)
    if not ui.confirm(_("Start a new campaign? Every valid row will be sent again on the next "
                        "Send, including rows already sent in campaign {campaign}.").format(
            campaign=campaign.campaign_id or "-")):
        return
    campaign_id = session.new_campaign_id()
    workbook.write_results(campaign_id=campaign_id, statuses=row_statuses(report, {}))
    campaign_ids.remember(campaign.source_path, campaign_id)
    ui.alert(_("New campaign {campaign} started.").format(campaign=campaign_id))


class StatusBatches:
    """Progress callback: the status bar after each row, the status column in batches."""

    def __init__(self, workbook: CampaignWorkbook, journal, ui: UserInterface, *, total: int,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.workbook = workbook
        self.journal = journal
        self.ui = ui
        self.total = total
        self.clock = clock
        self.waiting: list[Recipient] = []
        self.last_write = clock()

    def progress(self, done: int, total: int, recipient: Recipient, event: str) -> None:
        self.ui.status(_("HyperMailer: {done} of {total} handled").format(done=done, total=total))
        self.waiting.append(recipient)
        due = self.clock() - self.last_write >= STATUS_BATCH_SECONDS
        if len(self.waiting) >= STATUS_BATCH_ROWS or due or done == total:
            self.flush()

    def flush(self) -> None:
        statuses = {recipient.row: entry_text(self.journal.entries[recipient.key])
                    for recipient in self.waiting if recipient.key in self.journal.entries}
        if statuses:
            self.workbook.write_results(statuses=statuses)
        self.waiting = []
        self.last_write = self.clock()


def confirmation_text(count: int, mailbox: Mailbox, report: CheckReport) -> str:
    """Return the question asked before sending: count, mailbox and estimated duration."""
    question = session.send_question(count, mailbox, session.open_quota(mailbox))
    if report.errors:
        question += " " + _("{count} rows with errors will be skipped; their status column says "
                            "why.").format(count=len({problem.row for problem in report.errors}))
    return question


def run_summary_text(summary: RunSummary) -> str:
    """Return the message box text that closes a run: counts, reason to stop, next steps."""
    parts = [run_report.counts_line(summary), run_report.stop_line(summary),
             *run_report.next_steps(summary, run_report.EXCEL)]
    return "\n\n".join(part for part in parts if part)


def scan_replies(workbook: CampaignWorkbook, ui: UserInterface) -> None:
    """Add the senders of saved "הסר" replies to the chosen mailbox's suppression list."""
    mailbox = _chosen_mailbox(workbook)
    paths = ui.choose_files(_("Choose the saved replies (.eml or .mbox files)"))
    if not paths:
        return
    result = removal_requests.suppress_senders(mailbox, paths)
    text = ngettext("Read {read} message; {count} asked to be removed.",
                    "Read {read} messages; {count} asked to be removed.", result.read).format(
        read=result.read, count=len(result.requests))
    if result.added:
        addresses = ", ".join(request.address for request in result.added)
        text += "\n\n" + _("Added to the suppression list of {sender}: {addresses}. Click Check "
                            "to see the rows they affect.").format(
            sender=mailbox.from_address, addresses=addresses)
    ui.alert(text)


# Mailbox

def set_password(workbook: CampaignWorkbook, ui: UserInterface) -> None:
    """Ask for the chosen mailbox's password in a masked field and store it in the keyring."""
    mailbox = _chosen_mailbox(workbook)
    if mailbox.kind != "smtp" or not mailbox.username:
        raise ConfigurationError(_("Mailbox {name} has no user name, so it needs no password.")
                                 .format(name=mailbox.name))
    password = ui.ask_password(_("Password for {user} on {host}").format(
        user=mailbox.username, host=mailbox.host))
    if password is None:
        return
    if not password:
        raise ConfigurationError(_("The password is empty; nothing was stored."))
    credentials.set_password(mailbox, password)
    ui.alert(_("Password for mailbox {name} stored in the system keyring.").format(
        name=mailbox.name))


def test_connection(workbook: CampaignWorkbook, ui: UserInterface) -> None:
    """Connect, negotiate TLS and log in without sending; an error names the step that failed."""
    mailbox = _chosen_mailbox(workbook)
    ui.status(_("HyperMailer: testing mailbox {name}...").format(name=mailbox.name))
    # The transport's errors name the step that failed (connection, TLS or
    # login) and what to do, so they reach the user unchanged.
    steps = session.open_transport(mailbox).verify()
    ui.alert("\n".join(f"{step_mark(step)} {step}" for step in steps) + "\n\n"
             + _("Mailbox {name} works.").format(name=mailbox.name))


# Shared steps

def _load_and_check(workbook: CampaignWorkbook, *, fatal_raises: bool = False
                    ) -> tuple[Campaign, Mailbox, CheckReport]:
    campaign = workbook.read_campaign()
    set_language(campaign.language)
    _require_message(campaign)
    mailbox = session.choose_mailbox(campaign)
    campaign = session.with_mailbox_lists(campaign, mailbox)
    report = check_campaign(campaign, mailbox)
    if fatal_raises and report.fatal:
        reasons = "\n".join(problem.message for problem in report.problems
                            if problem.row is None and problem.severity == "error")
        raise ConfigurationError(reasons)
    return campaign, mailbox, report


def _require_message(campaign: Campaign) -> None:
    if not campaign.subject.strip():
        raise ConfigurationError(_("The Subject cell is empty. Write the subject, then try again."))
    if not campaign.body.strip():
        raise ConfigurationError(_("The Body cell is empty. Write the message, then try again."))


def _chosen_mailbox(workbook: CampaignWorkbook) -> Mailbox:
    campaign = workbook.read_campaign()
    set_language(campaign.language)
    return session.choose_mailbox(campaign)


def _pick_row(report: CheckReport, row: int | None) -> Recipient:
    if not report.ready:
        raise ConfigurationError(_("No row can be sent. Click Check to see why in the status "
                                   "column."))
    if row is None:
        return report.ready[0]
    for recipient in report.ready:
        if recipient.row == row:
            return recipient
    if not report.problems_for(row):
        return report.ready[0]
    reasons = "; ".join(problem.message for problem in report.problems_for(row))
    raise ConfigurationError(_("Row {row} is not a valid recipient row. {reasons}").format(
        row=row, reasons=reasons))


def _check_summary(report: CheckReport) -> str:
    errors_count = sum(1 for problem in report.problems if problem.severity == "error")
    warnings = sum(1 for problem in report.problems if problem.severity == "warning")
    skipped = sum(1 for problem in report.problems if problem.severity == "info")
    text = _("Valid rows: {ready}. Errors: {errors}. Warnings: {warnings}. "
             "Skipped on purpose (duplicate, unsubscribed, hidden): {skipped}. "
             "Mailbox: {mailbox}.").format(
        ready=len(report.ready), errors=errors_count, warnings=warnings, skipped=skipped,
        mailbox=report.mailbox.name)
    general = [problem.message for problem in report.problems if problem.row is None]
    if general:
        text += "\n\n" + "\n".join(general)
    return text


def _workbook_language(workbook: CampaignWorkbook) -> str:
    try:
        return workbook.read_campaign().language
    except HyperMailerError:
        return "he"

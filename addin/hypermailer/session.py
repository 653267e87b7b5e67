"""Front-end glue shared by the CLI and the Excel entry points.

Loads a campaign from a file plus options, picks the mailbox and the campaign
id, opens the transport, and writes statuses and the log row back.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
import uuid
from dataclasses import dataclass, replace
from datetime import datetime, timezone
from pathlib import Path

from hypermailer import campaign_ids, credentials, paths, suppression, unsubscribe
from hypermailer.campaign import BodyFormat, Campaign, Mailbox
from hypermailer.checking import CheckReport
from hypermailer.clock import SystemClock
from hypermailer.engine import RunSummary
from hypermailer.errors import ConfigurationError
from hypermailer.i18n import _, ngettext
from hypermailer.journal import Journal, read_entries, journal_path
from hypermailer.mailboxes import available_mailboxes, find_mailbox
from hypermailer.pacing import estimated_seconds
from hypermailer.quota import DailyQuota, MinuteLedger, quota_path
from hypermailer.status import row_statuses, waiting_text
from hypermailer.transports import make_transport
from hypermailer.transports.base import Transport
from hypermailer.workbook.reader import is_hypermailer_workbook, read_campaign, read_table_file
from hypermailer.workbook.writer import update_workbook

FORMAT_BY_SUFFIX = {".html": BodyFormat.HTML, ".htm": BodyFormat.HTML,
                    ".md": BodyFormat.MARKDOWN, ".markdown": BodyFormat.MARKDOWN}


@dataclass(frozen=True)
class Overrides:
    """Campaign settings given on the command line; empty values change nothing."""

    subject: str = ""
    body: str = ""
    body_file: Path | None = None
    body_format: BodyFormat | None = None
    template_file: Path | None = None
    attachments: tuple[Path, ...] = ()
    mailbox: str = ""
    reply_to: str = ""
    campaign_id: str = ""
    mailbox_file: Path | None = None
    advertisement: bool | None = None


def load_campaign(path: Path, overrides: Overrides = Overrides()) -> Campaign:
    """Read *path* (a HyperMailer workbook, another workbook, or CSV) and apply *overrides*."""
    path = path.resolve()
    if not path.exists():
        raise ConfigurationError(_("The file {path} does not exist.").format(path=path))
    if path.suffix.lower() in (".xlsx", ".xlsm") and is_hypermailer_workbook(path):
        campaign = read_campaign(path)
    else:
        campaign = Campaign(table=read_table_file(path), subject="", body="",
                            base_folder=path.parent, source_path=path)
    campaign = _apply(campaign, overrides)

    own_workbook = campaign.is_hypermailer_workbook
    if not campaign.subject.strip():
        if own_workbook:
            raise ConfigurationError(_("{path}: the subject is empty. Fill the Subject cell or "
                                       "give --subject.").format(path=path))
        raise ConfigurationError(_("{path}: no subject was given. Give it with --subject.")
                                 .format(path=path))
    if not campaign.body.strip():
        if own_workbook:
            raise ConfigurationError(_("{path}: the body is empty. Fill the Body cell or give "
                                       "--body or --body-file.").format(path=path))
        raise ConfigurationError(_("{path}: no body was given. Give it with --body or "
                                   "--body-file.").format(path=path))
    return campaign


def _apply(campaign: Campaign, overrides: Overrides) -> Campaign:
    changes: dict[str, object] = {}
    if overrides.body_file is not None:
        changes["body"] = _read_text(overrides.body_file)
        changes["body_format"] = FORMAT_BY_SUFFIX.get(overrides.body_file.suffix.lower(),
                                                      BodyFormat.TEXT)
    if overrides.body:
        changes["body"] = overrides.body
    if overrides.body_format is not None:
        changes["body_format"] = overrides.body_format
    if overrides.template_file is not None:
        changes["organisation_template"] = _read_text(overrides.template_file)
    if overrides.attachments:
        changes["attachments"] = (*campaign.attachments,
                                  *(path.resolve() for path in overrides.attachments))
    for name in ("subject", "reply_to", "campaign_id"):
        if getattr(overrides, name):
            changes[name] = getattr(overrides, name)
    if overrides.mailbox:
        changes["mailbox_name"] = overrides.mailbox
    if overrides.advertisement is not None:
        changes["advertisement"] = overrides.advertisement
    return replace(campaign, **changes)


def _read_text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8-sig")
    except OSError as error:
        raise ConfigurationError(_("Cannot read {path}: {error}").format(
            path=path, error=error.strerror or error)) from error
    except UnicodeDecodeError as error:
        raise ConfigurationError(_("{path} is not UTF-8 text. Save it as UTF-8 and try again.")
                                 .format(path=path)) from error


def choose_mailbox(campaign: Campaign, mailbox_file: Path | None = None) -> Mailbox:
    """Return the campaign's mailbox from the workbook, the TOML file or the built-in outbox."""
    mailboxes = available_mailboxes(campaign.mailboxes, mailbox_file)
    return find_mailbox(campaign.mailbox_name, mailboxes, mailbox_file)


def with_mailbox_lists(campaign: Campaign, mailbox: Mailbox) -> Campaign:
    """Add the mailbox's suppression list to the campaign's, and load its unsubscribe key.

    Every front end calls this between choosing the mailbox and checking, so
    an address suppressed for the mailbox is skipped whichever file is sent.
    The key is read from the keyring only when the unsubscribe URL uses
    ``{token}``.
    """
    unsubscribed = campaign.unsubscribed | suppression.suppressed_addresses(mailbox)
    key = campaign.unsubscribe_key
    if not key and unsubscribe.needs_key(mailbox):
        key = unsubscribe.get_key(mailbox)
    return replace(campaign, unsubscribed=unsubscribed, unsubscribe_key=key)


def keep_workbook_unsubscribes(campaign: Campaign, mailbox: Mailbox) -> None:
    """Copy the addresses of the workbook's Unsubscribed table into the mailbox's suppression list.

    A refusal typed into one workbook then protects that address in every
    file sent through the same mailbox, from either front end.
    """
    new = campaign.unsubscribed - suppression.suppressed_addresses(mailbox)
    workbook = campaign.source_path.name if campaign.source_path else ""
    for address in sorted(new):
        detail = campaign.unsubscribe_details.get(address, "")
        source = f"{workbook}: {detail}" if detail else workbook
        suppression.add_addresses(mailbox, [address], source=source)


def campaign_id_for(campaign: Campaign) -> str:
    """Return the campaign's id: the workbook's or the option's, else a new or derived one.

    A HyperMailer workbook without an id gets a new one. Any other file gets
    an id derived from its path, so re-running the same CSV resumes instead of
    sending again.
    """
    if campaign.campaign_id.strip():
        return campaign.campaign_id.strip()
    if campaign.is_hypermailer_workbook:
        # A workbook closed without saving lost its id; the remembered one
        # keeps its rows from being sent again.
        return campaign_ids.remembered_id(campaign.source_path) or new_campaign_id()
    digest = hashlib.sha256(str(campaign.source_path).encode("utf-8")).hexdigest()[:16]
    return f"file-{digest}"


def ensure_campaign_id(campaign: Campaign,
                       store: Callable[[str], None] | None = None) -> Campaign:
    """Give the campaign its id, storing a new one in the workbook before anything is sent.

    Storing it first means a run killed halfway resumes under the same id.
    *store* writes the id; by default it goes into the workbook file.
    """
    campaign_id = campaign_id_for(campaign)
    if campaign.is_hypermailer_workbook:
        campaign_ids.remember(campaign.source_path, campaign_id)
        if campaign.campaign_id.strip() != campaign_id:
            if store is None:
                update_workbook(campaign.source_path, campaign_id=campaign_id)
            else:
                store(campaign_id)
    return replace(campaign, campaign_id=campaign_id)


def send_question(count: int, mailbox: Mailbox, quota: DailyQuota | None = None) -> str:
    """Return the question asked before sending: the count, the mailbox and the duration.

    With *quota* (the mailbox's daily count), the question also gives the
    number of rows that must wait for a later run, and the time the limit
    frees up when it is used up.
    """
    question = ngettext("Send {count} message through mailbox {mailbox} ({sender})?",
                        "Send {count} messages through mailbox {mailbox} ({sender})?",
                        count).format(count=count, mailbox=mailbox.name,
                                      sender=mailbox.from_address)
    minutes = estimated_seconds(count, mailbox.per_minute) / 60
    if minutes >= 1:
        question += " " + _("At {rate} messages a minute this takes about {minutes:.0f} minutes."
                            ).format(rate=mailbox.per_minute, minutes=minutes)
    left = quota.remaining() if quota is not None else None
    if left is None or left >= count:
        return question
    if left == 0:
        # Only a used-up limit has a known time: when its oldest message turns a day old.
        resume = quota.next_free().astimezone().strftime("%Y-%m-%d %H:%M")
        return question + " " + _("The daily limit of the mailbox is used up; sending can "
                                  "start after {time}.").format(time=resume)
    return question + " " + ngettext(
        "The daily limit of the mailbox leaves room for {left} today, so {rest} row waits "
        "for a later run.",
        "The daily limit of the mailbox leaves room for {left} today, so {rest} rows wait "
        "for a later run.", count - left).format(left=left, rest=count - left)


def log_row(summary: RunSummary, report: CheckReport) -> list[object]:
    """Return the Log table row that records one run."""
    return [datetime.now().strftime("%Y-%m-%d %H:%M"), summary.campaign_id, summary.mailbox,
            summary.sent, summary.failed, skipped_rows(report), summary.uncertain,
            summary.stopped]


def skipped_rows(report: CheckReport) -> int:
    """Count rows that will not be sent: invalid, duplicate, unsubscribed or hidden."""
    return len({problem.row for problem in report.problems
                if problem.row is not None and problem.severity != "warning"})


def new_campaign_id() -> str:
    stamp = datetime.now(timezone.utc).strftime("%Y%m%d-%H%M%S")
    return f"{stamp}-{uuid.uuid4().hex[:8]}"


def open_journal(campaign_id: str) -> Journal:
    return Journal(paths.journal_folder(), campaign_id)


def journal_entries(campaign_id: str):
    """Read a campaign's journal without locking it (for check and status views)."""
    return read_entries(journal_path(paths.journal_folder(), campaign_id))


def open_quota(mailbox: Mailbox) -> DailyQuota:
    """Return the mailbox's rolling 24-hour count, shared by every run on this machine."""
    folder = paths.data_folder() / "quota"
    return DailyQuota(quota_path(folder, mailbox), mailbox.per_day, SystemClock())


def waiting_status(mailbox: Mailbox) -> str:
    """Return the status of unsent rows while the mailbox's daily limit is used up, else ``""``."""
    quota = open_quota(mailbox)
    if quota.remaining() != 0:
        return ""
    return waiting_text(mailbox.name, quota.next_free())


def open_minute_ledger(mailbox: Mailbox) -> MinuteLedger:
    """Return the mailbox's per-minute ledger, shared by every run on this machine."""
    path = quota_path(paths.data_folder() / "quota", mailbox).with_suffix(".minute.txt")
    return MinuteLedger(path, mailbox.per_minute, SystemClock())


def open_transport(mailbox: Mailbox) -> Transport:
    """Build the mailbox's transport, reading its password from the keyring when it needs one."""
    password = None
    if mailbox.kind == "smtp" and mailbox.username:
        password = credentials.require_password(mailbox)
    return make_transport(mailbox, password=password)


def write_back(campaign: Campaign, report: CheckReport, entries, *,
               summary: RunSummary | None = None, write_status: bool = True) -> None:
    """Write statuses (and after a run, the campaign id and a log row) into the workbook.

    CSV files are never modified, so their outcome is only in the journal.
    """
    path = campaign.source_path
    if path is None or path.suffix.lower() not in (".xlsx", ".xlsm") or not write_status:
        return
    row = None
    campaign_id = None
    if summary is not None and campaign.is_hypermailer_workbook:
        campaign_id = summary.campaign_id
        row = log_row(summary, report)
    update_workbook(path, statuses=row_statuses(report, entries, waiting_status(report.mailbox)),
                    campaign_id=campaign_id,
                    log_row=row)

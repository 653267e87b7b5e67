"""Check a campaign before anything is sent: rows, templates, attachments, sizes.

Checking opens no connection. It renders and composes every valid row, so a
placeholder that names no column, a missing attachment or a message over the
mailbox's size limit is reported here rather than halfway through a run. It
also refuses an advertisement that lacks what the law requires, and warns
about what gets mail filtered as spam.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from email.message import EmailMessage
from pathlib import Path

from hypermailer import advertising, deliverability, unsubscribe
from hypermailer.campaign import Campaign, Mailbox
from hypermailer.compose import compose, message_bytes, new_message_id
from hypermailer.errors import ConfigurationError, HyperMailerError, TemplateError
from hypermailer.i18n import _, ngettext
from hypermailer.recipients import Problem, Recipient, RecipientList, read_recipients
from hypermailer.render import TemplateErrors, Templates, compile_templates, render, used_fields


@dataclass
class CheckReport:
    """The outcome of checking a campaign.

    ``ready`` lists the recipients that will be sent; ``problems`` has one
    entry per skipped or flagged row plus campaign-level errors (row ``None``).
    ``fatal`` is true when nothing can be sent at all (a broken template, an
    advertisement without the sender's details). ``findings`` collects the
    deliverability warnings while rows are checked: by group, the first
    message and the rows it was found in.
    """

    mailbox: Mailbox
    ready: list[Recipient] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    templates: Templates | None = None
    blank_rows: int = 0
    largest_message: int = 0
    findings: dict[str, tuple[str, list[int]]] = field(default_factory=dict)

    @property
    def fatal(self) -> bool:
        return any(problem.row is None and problem.severity == "error" for problem in self.problems)

    @property
    def errors(self) -> list[Problem]:
        return [problem for problem in self.problems if problem.severity == "error"]

    def problems_for(self, row: int) -> list[Problem]:
        return [problem for problem in self.problems if problem.row == row]


def check_campaign(campaign: Campaign, mailbox: Mailbox) -> CheckReport:
    """Check every row of *campaign* for sending through *mailbox*."""
    report = CheckReport(mailbox=mailbox)
    listing = read_recipients(campaign.table, base_folder=campaign.base_folder,
                              unsubscribed=campaign.unsubscribed)
    report.problems.extend(listing.problems)
    report.blank_rows = listing.blank_rows

    _check_shared_attachments(campaign, report)
    _check_unsubscribe_settings(campaign, mailbox, report)
    if campaign.advertisement:
        _check_advertiser(campaign, mailbox, report)
    header = _data_header(campaign)
    try:
        report.templates = compile_templates(campaign.subject, campaign.body, campaign.body_format,
                                             header, campaign.organisation_template)
    except TemplateError as error:
        # One problem for each placeholder, so the user corrects them all at once.
        for item in error.errors if isinstance(error, TemplateErrors) else (error,):
            where = campaign.locations.get(item.template, "")
            message = f"{where}: {item}" if where else str(item)
            report.problems.append(Problem(row=None, cell=where, kind="template", message=message,
                                           severity="error"))
    if report.fatal:
        return report

    for recipient in listing.recipients:
        if _check_row(campaign, mailbox, report, recipient):
            report.ready.append(recipient)
    _report_findings(report)
    if campaign.advertisement:
        _check_consent(campaign, report)
    return report


def build_message(campaign: Campaign, mailbox: Mailbox, templates: Templates,
                  recipient: Recipient, *, message_id: str, date: datetime,
                  to_address: str | None = None) -> EmailMessage:
    """Render and compose the message for *recipient*.

    *to_address* replaces the recipient's address in the envelope and ``To:``
    (a test send to yourself); CC is then left out.
    """
    rendered = render(templates, recipient)
    attachments = (*(resolve(campaign, path) for path in campaign.attachments),
                   *recipient.attachments)
    address = to_address or recipient.address
    reply_to = campaign.reply_to or mailbox.reply_to
    url = unsubscribe.unsubscribe_url(mailbox, address, key=campaign.unsubscribe_key)
    if campaign.advertisement:
        missing = advertising.missing_details(mailbox, campaign.reply_to)
        if missing:
            raise ConfigurationError(missing[0])
        rendered = advertising.apply_advertisement(
            rendered, mailbox, language=campaign.language,
            reply_to=advertising.reply_address(mailbox, campaign.reply_to), url=url)
    headers = unsubscribe.list_unsubscribe_headers(mailbox, address, language=campaign.language,
                                                   key=campaign.unsubscribe_key)
    return compose(
        rendered,
        sender_address=mailbox.from_address,
        sender_name=mailbox.display_name,
        recipient_address=address,
        recipient_name="" if to_address else recipient.display_name,
        cc=() if to_address else recipient.cc,
        cc_names=() if to_address else recipient.cc_names,
        reply_to=reply_to,
        attachments=attachments,
        message_id=message_id,
        date=date,
        extra_headers=headers,
    )


def _check_row(campaign: Campaign, mailbox: Mailbox, report: CheckReport,
               recipient: Recipient) -> bool:
    add = _problem_adder(report, recipient.row)
    try:
        message = build_message(campaign, mailbox, report.templates, recipient,
                                message_id=new_message_id(mailbox.from_address),
                                date=datetime.now(timezone.utc))
        size = len(message_bytes(message))
    except TemplateError as error:
        add("template", str(error), "error")
        return False
    except (HyperMailerError, OSError, ValueError) as error:
        add("compose", _("Row {row}: the message cannot be built: {error}").format(
            row=recipient.row, error=error), "error")
        return False

    report.largest_message = max(report.largest_message, size)
    if size > mailbox.max_message_bytes:
        add("too-large", _("Row {row}: the message is {size} MB, over the {limit} MB limit of "
                           "mailbox {mailbox}. Remove or shrink attachments.").format(
            row=recipient.row, size=_megabytes(size), limit=_megabytes(mailbox.max_message_bytes),
            mailbox=mailbox.name), "error")
        return False

    for finding in deliverability.check_message(message, mailbox, size=size):
        report.findings.setdefault(finding.group, (finding.message, []))[1].append(recipient.row)

    for number in sorted(used_fields(report.templates)):
        if 0 < number < len(recipient.fields) and not recipient.fields[number].strip():
            add("empty-field", _("Row {row}: field {{#{number}}} ({header}) is empty but the "
                                 "message uses it.").format(
                row=recipient.row, number=number, header=_data_header(campaign)[number]),
                "warning")
    return True


def _check_unsubscribe_settings(campaign: Campaign, mailbox: Mailbox, report: CheckReport) -> None:
    """Check the mailbox's unsubscribe URL template, and that its key is loaded when it needs one."""
    try:
        if unsubscribe.needs_key(mailbox) and not campaign.unsubscribe_key:
            raise ConfigurationError(unsubscribe.missing_key_message(mailbox))
    except ConfigurationError as error:
        report.problems.append(Problem(row=None, cell="", kind="unsubscribe-url", message=str(error),
                                       severity="error"))


def _check_advertiser(campaign: Campaign, mailbox: Mailbox, report: CheckReport) -> None:
    """Refuse an advertisement whose sender lacks a detail the law requires."""
    for message in advertising.missing_details(mailbox, campaign.reply_to):
        report.problems.append(Problem(row=None, cell="", kind="advertiser-details",
                                       message=message, severity="error"))


def _check_consent(campaign: Campaign, report: CheckReport) -> None:
    """Warn about each ready row of an advertisement without a filled consent column."""
    columns = advertising.consent_columns(_data_header(campaign))
    if not columns:
        report.problems.append(Problem(row=None, cell="", kind="no-consent-column", severity="warning",
                                       message=_(
            "The campaign is an advertisement, but the recipients table has no Consent column. "
            "The law requires each recipient's prior consent: add a Consent column with the date "
            "and source of each consent.")))
        return
    for recipient in report.ready:
        if not advertising.has_consent(recipient.names, columns):
            report.problems.append(Problem(row=recipient.row, cell="", kind="no-consent",
                                           severity="warning", message=_(
                "Row {row}: the {column} column is empty, but the campaign is an advertisement. "
                "Send it only to recipients who agreed to receive advertisements, and record "
                "when and how they agreed.").format(row=recipient.row, column=columns[0])))


def _report_findings(report: CheckReport) -> None:
    """Add the deliverability warnings: on the row when one row has it, once when several do."""
    for message, rows in report.findings.values():
        if len(rows) == 1:
            report.problems.append(Problem(row=rows[0], cell="", kind="deliverability",
                                           severity="warning", message=_(
                "Row {row}: {finding}").format(row=rows[0], finding=message)))
        else:
            report.problems.append(Problem(row=None, cell="", kind="deliverability",
                                           severity="warning", message=ngettext(
                "{finding} This applies to {count} row.",
                "{finding} This applies to {count} rows.", len(rows)).format(
                finding=message, count=len(rows))))


def _check_shared_attachments(campaign: Campaign, report: CheckReport) -> None:
    for path in campaign.attachments:
        resolved = resolve(campaign, path)
        if not resolved.is_file():
            report.problems.append(Problem(
                row=None, cell="Attachments", kind="missing-attachment", severity="error",
                message=_("The attachment {path} does not exist. Fix the path in the Attachments "
                          "cell or the --attach option.").format(path=resolved)))


def _data_header(campaign: Campaign) -> list[str]:
    """Return the header without the status column, address first."""
    table = campaign.table
    return [text for index, text in enumerate(table.header) if index != table.status_column]


def _problem_adder(report: CheckReport, row: int) -> Callable[[str, str, str], None]:
    def add(kind: str, message: str, severity: str) -> None:
        report.problems.append(Problem(row=row, cell="", kind=kind, message=message,
                                       severity=severity))
    return add


def _megabytes(size: int) -> str:
    return f"{size / (1024 * 1024):.1f}"


def resolve(campaign: Campaign, path: Path) -> Path:
    """Resolve a shared attachment path against the workbook's folder."""
    return path if path.is_absolute() else campaign.base_folder / path

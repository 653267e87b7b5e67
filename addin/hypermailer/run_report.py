"""The messages of a run besides sending: warnings before it, counts and next steps after it.

The command line and the ribbon report the same facts. Only the way to act
differs (an option to type, or a button to click), so each note is a whole
sentence per front end rather than a sentence pieced together from fragments.
"""

from __future__ import annotations

from hypermailer import earlier_sends, paths
from hypermailer import journal as events
from hypermailer.campaign import Campaign
from hypermailer.engine import RunSummary
from hypermailer.i18n import _, ngettext

CLI, EXCEL = "cli", "excel"


def counts_line(summary: RunSummary) -> str:
    """Return the one-line count of what this run did."""
    # Rows not sent yet: postponed after a temporary failure, not tried before a
    # stop or the daily limit, or beyond --limit.
    waiting = summary.deferred + summary.remaining + summary.beyond_limit
    return _("Campaign {campaign} through {mailbox}: sent {sent}, failed {failed}, "
             "may have been sent {uncertain}, not sent yet {waiting}, already done "
             "earlier {done}.").format(
        campaign=summary.campaign_id, mailbox=summary.mailbox, sent=summary.sent,
        failed=summary.failed, uncertain=summary.uncertain, waiting=waiting,
        done=summary.already_done)


def next_steps(summary: RunSummary, front_end: str) -> list[str]:
    """Return the sentences that tell the user what is left and how to go on."""
    notes = []
    if summary.failed:
        notes.append(_failed_note(summary.failed, front_end))
    if summary.uncertain:
        notes.append(_uncertain_note(summary.uncertain, front_end))
    if summary.quota_until is not None:
        notes.append(_quota_note(summary, front_end))
    elif summary.remaining and (summary.stopped or summary.interrupted):
        notes.append(_not_tried_note(summary.remaining, front_end))
    return notes


def content_change_note(campaign: Campaign, entries, front_end: str) -> str:
    """Return a warning when rows of this campaign went out with a different message, else ``""``."""
    if not events.content_changed(entries, campaign.content_fingerprint()):
        return ""
    if front_end == EXCEL:
        return _("The subject or body changed since rows of campaign {campaign} were sent. "
                 "Those rows are not sent again; to send the new message to everyone, click "
                 "New campaign first.").format(campaign=campaign.campaign_id)
    return _("The subject or body changed since rows of campaign {campaign} were sent. Those "
             "rows are not sent again; to send the new message to everyone, add "
             "--new-campaign.").format(campaign=campaign.campaign_id)


def earlier_campaign_note(pending, entries, campaign_id: str, front_end: str) -> str:
    """Warn before a campaign's first run when a recent campaign already mailed its addresses."""
    if entries:
        return ""
    found = earlier_sends.earlier_campaigns(paths.journal_folder(), campaign_id,
                                            (recipient.key for recipient in pending))
    if not found:
        return ""
    earlier = found[0]
    if front_end == EXCEL:
        return ngettext(
            "{count} of these addresses got a message from campaign {campaign} in the last "
            "week. If this workbook continues that campaign, answer No and type {campaign} into "
            "the CampaignId cell.",
            "{count} of these addresses got a message from campaign {campaign} in the last "
            "week. If this workbook continues that campaign, answer No and type {campaign} into "
            "the CampaignId cell.", earlier.count).format(count=earlier.count,
                                                            campaign=earlier.campaign_id)
    return ngettext(
        "{count} of these addresses got a message from campaign {campaign} in the last week. "
        "If this file continues that campaign (it was moved or renamed), stop and run again "
        "with --campaign {campaign}.",
        "{count} of these addresses got a message from campaign {campaign} in the last week. "
        "If this file continues that campaign (it was moved or renamed), stop and run again "
        "with --campaign {campaign}.", earlier.count).format(count=earlier.count,
                                                               campaign=earlier.campaign_id)


def stop_line(summary: RunSummary) -> str:
    """Return why the run stopped, or ``""`` when it ran to the end."""
    if not summary.stopped:
        return ""
    return _("The run stopped: {reason}").format(reason=summary.stopped)


def _failed_note(count: int, front_end: str) -> str:
    if front_end == EXCEL:
        return ngettext(
            "{count} row failed; its status says why. Once the cause is fixed, send it again "
            "with the \"Send again to failed rows\" button.",
            "{count} rows failed; their status says why. Once the cause is fixed, send them again "
            "with the \"Send again to failed rows\" button.", count).format(count=count)
    return ngettext(
        "{count} row failed; the list above says why. Once the cause is fixed, send it again "
        "with --retry-failed.",
        "{count} rows failed; the list above says why. Once the cause is fixed, send them again "
        "with --retry-failed.", count).format(count=count)


def _uncertain_note(count: int, front_end: str) -> str:
    if front_end == EXCEL:
        return ngettext(
            "{count} message may have been sent: the connection ended before the server "
            "replied. Check with the recipient, or send it again with the \"Send again if "
            "unsure\" button.",
            "{count} messages may have been sent: the connection ended before the server "
            "replied. Check with the recipients, or send them again with the \"Send again "
            "if unsure\" button.", count).format(count=count)
    return ngettext(
        "{count} message may have been sent: the connection ended before the server "
        "replied. Check with the recipient, or send it again with --retry-uncertain.",
        "{count} messages may have been sent: the connection ended before the server "
        "replied. Check with the recipients, or send them again with --retry-uncertain.",
        count).format(count=count)


def _quota_note(summary: RunSummary, front_end: str) -> str:
    resume = summary.quota_until.astimezone().strftime("%Y-%m-%d %H:%M")
    count = summary.remaining
    if front_end == EXCEL:
        text = ngettext("Mailbox {mailbox} reached its daily limit. {count} row waits; click Send "
                        "again after {time} to send it.",
                        "Mailbox {mailbox} reached its daily limit. {count} rows wait; click Send "
                        "again after {time} to send them.", count)
    else:
        text = ngettext("Mailbox {mailbox} reached its daily limit. {count} row waits; run the "
                        "same command again after {time} to send it.",
                        "Mailbox {mailbox} reached its daily limit. {count} rows wait; run the "
                        "same command again after {time} to send them.", count)
    return text.format(mailbox=summary.mailbox, count=count, time=resume)


def _not_tried_note(count: int, front_end: str) -> str:
    if front_end == EXCEL:
        return ngettext("{count} row was not tried; click Send again to send it.",
                        "{count} rows were not tried; click Send again to send them.",
                        count).format(count=count)
    return ngettext("{count} row was not tried; run the same command again to send it.",
                    "{count} rows were not tried; run the same command again to send them.",
                    count).format(count=count)

"""Mailbox presets: server settings and sending limits of the providers our users have.

A mailbox with ``preset = "microsoft365"`` (TOML) or that word in the
Mailboxes table's preset column gets these values for every field it leaves
empty. A value the administrator enters always wins. Providers change their
limits without notice, and an account's real limits can be lower, so each
figure names its source and the date it was read.
"""

from __future__ import annotations

from collections.abc import Mapping

from hypermailer.errors import ConfigurationError
from hypermailer.i18n import _

PRESETS: dict[str, dict[str, object]] = {
    # Google Workspace: 2,000 messages a day (500 for trial accounts), from
    # "Gmail sending limits in Google Workspace", support.google.com/a/answer/166852,
    # read 2026-12-04. Google publishes no per-minute figure.
    # NOTE: per_minute 20 is our estimate of a pace Gmail tolerates, not a published limit.
    "gmail-workspace": {"host": "smtp.gmail.com", "port": 465, "security": "ssl",
                        "per_minute": 20, "per_day": 2000, "connections": 1},
    # Consumer Gmail: 500 a day, the figure Google gives for trial Workspace
    # accounts (same page) and that third-party guides give for free accounts.
    "gmail": {"host": "smtp.gmail.com", "port": 465, "security": "ssl",
              "per_minute": 20, "per_day": 500, "connections": 1},
    # Exchange Online: 30 messages a minute and 10,000 recipients a day per
    # mailbox, as quoted from Microsoft's "Exchange Online limits" page in the
    # Microsoft Q&A thread learn.microsoft.com/en-us/answers/questions/2258712
    # (read 2026-12-04).
    "microsoft365": {"host": "smtp.office365.com", "port": 587, "security": "starttls",
                     "per_minute": 30, "per_day": 10000, "connections": 1},
    # Amazon SES sandbox: 200 messages per 24 hours and 1 per second, from
    # "Service quotas in Amazon SES", docs.aws.amazon.com/ses/latest/dg/quotas.html
    # (read 2026-12-04). Out of the sandbox the quota is per account; enter it.
    # NOTE: the host is the us-east-1 endpoint; other regions change the host name.
    "amazon-ses": {"host": "email-smtp.us-east-1.amazonaws.com", "port": 587,
                   "security": "starttls", "per_minute": 60, "per_day": 200, "connections": 4},
    # SendGrid, Mailgun and Brevo: limits depend on the plan, so none is
    # filled in; enter your plan's figures. Relays accept several connections.
    "sendgrid": {"host": "smtp.sendgrid.net", "port": 587, "security": "starttls",
                 "connections": 4},
    "mailgun": {"host": "smtp.mailgun.org", "port": 587, "security": "starttls",
                "connections": 4},
    "brevo": {"host": "smtp-relay.brevo.com", "port": 587, "security": "starttls",
              "connections": 4},
}


def apply_preset(fields: Mapping[str, object], where: str) -> dict[str, object]:
    """Return *fields* with the named preset's values filled into every empty field."""
    result = dict(fields)
    name = str(result.pop("preset", "") or "").strip().casefold()
    if not name:
        return result
    preset = PRESETS.get(name)
    if preset is None:
        raise ConfigurationError(
            _("{where}: the preset {preset!r} is unknown. Use one of: {known}, or leave it empty "
              "and fill in the server yourself.").format(
                where=where, preset=name, known=", ".join(sorted(PRESETS))))
    for key, value in preset.items():
        if result.get(key) in (None, ""):
            result[key] = value
    result.setdefault("kind", "smtp")
    return result

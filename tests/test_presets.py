from pathlib import Path

import pytest

from hypermailer.campaign import Security
from hypermailer.errors import ConfigurationError
from hypermailer.presets import PRESETS
from hypermailer.workbook.mailboxes import parse_mailbox_row


def parse(**fields):
    return parse_mailbox_row({"name": "Office", "from_address": "office@example.com", **fields},
                             base_folder=Path("."), where="test")


def test_preset_microsoft365_fills_limits():
    mailbox = parse(preset="microsoft365", username="office@example.com")

    assert mailbox.per_minute == 30
    assert mailbox.per_day == 10000
    assert mailbox.port == 587
    assert mailbox.security is Security.STARTTLS
    assert mailbox.kind == "smtp"


def test_preset_gmail_workspace_daily_limit():
    mailbox = parse(preset="gmail-workspace")

    assert mailbox.per_day == 2000
    assert mailbox.security is Security.SSL
    assert mailbox.port == 465


def test_preset_entered_value_wins():
    mailbox = parse(preset="microsoft365", per_day=500, port=25, security="none")

    assert mailbox.per_day == 500
    assert mailbox.port == 25
    assert mailbox.security is Security.NONE


def test_preset_relays_allow_parallel_connections():
    for name in ("amazon-ses", "sendgrid", "mailgun", "brevo"):
        assert parse(preset=name).connections > 1


def test_preset_name_case_insensitive():
    assert parse(preset=" Microsoft365 ").per_minute == 30


def test_preset_unknown_names_known_ones():
    with pytest.raises(ConfigurationError, match="microsoft365"):
        parse(preset="hotmail-old")


def test_preset_every_entry_has_server_settings():
    for name, values in PRESETS.items():
        assert values["host"], name
        assert values["port"] in (465, 587), name


def test_mailbox_connections_default_one():
    assert parse(host="127.0.0.1").connections == 1


def test_mailbox_connections_out_of_range():
    with pytest.raises(ConfigurationError):
        parse(host="127.0.0.1", connections=0)

"""The locations of HyperMailer's files on the user's machine."""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs

APP_NAME = "HyperMailer"


def data_folder() -> Path:
    """Return the folder for journals, locks and the local outbox.

    ``HYPERMAILER_HOME`` overrides the platform's user data folder, which is
    how tests and portable installs keep everything in one place.
    """
    override = os.environ.get("HYPERMAILER_HOME")
    if override:
        return Path(override) / "data"
    return platformdirs.user_data_path(APP_NAME, appauthor=False)


def config_folder() -> Path:
    """Return the folder that contains ``mailboxes.toml``."""
    override = os.environ.get("HYPERMAILER_HOME")
    if override:
        return Path(override) / "config"
    return platformdirs.user_config_path(APP_NAME, appauthor=False)


def journal_folder() -> Path:
    return data_folder() / "journal"


def default_outbox() -> Path:
    """Return the folder of the built-in "Local outbox" mailbox."""
    return data_folder() / "outbox"

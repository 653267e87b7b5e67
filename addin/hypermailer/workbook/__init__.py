"""Reading and writing HyperMailer workbooks and CSV files, and building the workbook."""

from __future__ import annotations

from hypermailer.workbook.reader import (
    is_hypermailer_workbook,
    parse_mailbox_row,
    read_campaign,
    read_csv,
    read_table_file,
)
from hypermailer.workbook.writer import update_workbook

__all__ = [
    "build_workbook",
    "is_hypermailer_workbook",
    "parse_mailbox_row",
    "read_campaign",
    "read_csv",
    "read_table_file",
    "update_workbook",
]


def __getattr__(name: str) -> object:
    # The build module is loaded on first use, so that running it with
    # ``python -m hypermailer.workbook.build`` does not import it twice.
    if name == "build_workbook":
        from hypermailer.workbook.build import build_workbook
        return build_workbook
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

"""The workbook a ribbon button works on: read its campaign, write results, replace recipients.

:class:`FileWorkbook` works on a workbook file through openpyxl and is how
the button logic is tested. ``hypermailer.excel_source.ExcelWorkbook``
implements the same interface for the workbook open in Excel.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Protocol

from hypermailer.campaign import Campaign
from hypermailer.workbook import layout
from hypermailer.workbook.cellsource import FileCellSource, SourceTable
from hypermailer.workbook.files import open_workbook
from hypermailer.workbook.reader import read_campaign
from hypermailer.workbook.sheets import FormulaView
from hypermailer.workbook.writer import replace_recipients, update_workbook


class CampaignWorkbook(Protocol):
    """A HyperMailer workbook, in a file or open in Excel."""

    path: Path

    def read_campaign(self) -> Campaign:
        """Read everything a run needs; raises as ``reader.read_campaign`` does."""

    def recipients(self) -> SourceTable:
        """Return the Recipients table as it is now, without checking the rest of the workbook."""

    def write_results(self, *, statuses: Mapping[int, str] | None = None,
                      campaign_id: str | None = None,
                      log_row: Sequence[object] | None = None) -> None:
        """Write status texts by sheet row, the campaign id and a Log row, as text."""

    def replace_recipients(self, header: Sequence[str], rows: Sequence[Sequence[str]]) -> None:
        """Make *header* and *rows* the whole Recipients table, every value as text."""


class FileWorkbook:
    """A :class:`CampaignWorkbook` stored in an ``.xlsm`` or ``.xlsx`` file."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path).resolve()

    def read_campaign(self) -> Campaign:
        return read_campaign(self.path)

    def recipients(self) -> SourceTable:
        workbook = open_workbook(self.path, data_only=True)
        formulas = FormulaView(self.path)
        try:
            table = FileCellSource(workbook, self.path, formulas).table(
                layout.RECIPIENTS_TABLE, rows_below=True)
        finally:
            formulas.close()
        if table is None:
            # read_campaign raises the error that explains how to fix this.
            read_campaign(self.path)
            raise AssertionError("read_campaign raises when the Recipients table is missing")
        return table

    def write_results(self, *, statuses: Mapping[int, str] | None = None,
                      campaign_id: str | None = None,
                      log_row: Sequence[object] | None = None) -> None:
        update_workbook(self.path, statuses=statuses, campaign_id=campaign_id, log_row=log_row)

    def replace_recipients(self, header: Sequence[str], rows: Sequence[Sequence[str]]) -> None:
        replace_recipients(self.path, header, rows)

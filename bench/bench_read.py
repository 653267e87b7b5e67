"""Measure reading a large recipients sheet against a bare openpyxl read, in one process.

Both runs read the same 10,000-row HyperMailer workbook. The floor loads it
with openpyxl (``data_only=True``) and touches every cell's value and number
format once. HyperMailer's run is ``read_campaign`` followed by
``read_recipients``: tables, defined names, formula detection, displayed text
for every cell and address validation. The result is a ratio, so the
machine's speed cancels out.

Run: ``python bench/bench_read.py [ROWS]`` (default 10000).
"""

from __future__ import annotations

import datetime
import sys
import tempfile
import time
from pathlib import Path

import openpyxl

from hypermailer.recipients import read_recipients
from hypermailer.workbook import layout
from hypermailer.workbook.build import build_workbook
from hypermailer.workbook.reader import read_campaign


def make_workbook(path: Path, rows: int) -> None:
    """Build the sample workbook and fill its Recipients table with *rows* rows."""
    build_workbook(path, language="he")
    workbook = openpyxl.load_workbook(path, keep_vba=True)
    sheet = next(sheet for sheet in workbook.worksheets if layout.RECIPIENTS_TABLE in sheet.tables)
    table = sheet.tables[layout.RECIPIENTS_TABLE]
    width = sheet.max_column
    for index in range(rows):
        row = index + 2
        sheet.cell(row, 1, f"customer{index}@example.com")
        sheet.cell(row, 2, f"לקוח {index}")
        sheet.cell(row, 3, index).number_format = "00000"
        sheet.cell(row, 4, 1000 + index / 7).number_format = '#,##0.00 "₪"'
        sheet.cell(row, 5, datetime.date(2026, 1, 1) + datetime.timedelta(days=index % 365))
        sheet.cell(row, 5).number_format = "dd/mm/yyyy"
    table.ref = f"A1:{openpyxl.utils.get_column_letter(width)}{rows + 1}"
    workbook.save(path)


def floor_seconds(path: Path) -> float:
    start = time.perf_counter()
    workbook = openpyxl.load_workbook(path, data_only=True)
    for sheet in workbook.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                _ = (cell.value, cell.number_format)
    return time.perf_counter() - start


def hypermailer_seconds(path: Path) -> tuple[float, int]:
    start = time.perf_counter()
    campaign = read_campaign(path)
    listing = read_recipients(campaign.table, base_folder=campaign.base_folder,
                              unsubscribed=campaign.unsubscribed)
    return time.perf_counter() - start, len(listing.recipients)


def main(rows: int) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "big.xlsm"
        make_workbook(path, rows)
        floor = floor_seconds(path)
        ours, recipients = hypermailer_seconds(path)
    assert recipients == rows, recipients
    print(f"rows: {rows}")
    print(f"openpyxl floor:      {floor:.2f} s")
    print(f"hypermailer reading: {ours:.2f} s")
    print(f"ratio hypermailer/floor: {ours / floor:.2f}")


if __name__ == "__main__":
    numbers = [argument for argument in sys.argv[1:] if argument.isdigit()]
    main(int(numbers[0]) if numbers else 10000)

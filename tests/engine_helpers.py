"""Small builders shared by the engine and CLI tests."""

from __future__ import annotations

from pathlib import Path

from hypermailer.campaign import Campaign, Cell, Mailbox, SourceRow, Table


def make_table(rows, header=("Email", "Name", "Amount")) -> Table:
    source_rows = []
    for number, values in enumerate(rows, start=2):
        cells = tuple(Cell(value=value, coordinate=f"{'ABCDEFG'[i]}{number}")
                      for i, value in enumerate(values))
        source_rows.append(SourceRow(number=number, cells=cells))
    return Table(sheet="Recipients", header=tuple(header), rows=tuple(source_rows))


def make_campaign(rows, *, subject="שלום {#1}", body="סכום: {#2}", base_folder=Path("."),
                  **changes) -> Campaign:
    return Campaign(table=make_table(rows), subject=subject, body=body,
                    base_folder=base_folder, **changes)


def memory_mailbox(**changes) -> Mailbox:
    fields = dict(name="Test", from_address="office@example.com", display_name="המשרד",
                  kind="smtp", host="127.0.0.1", port=25)
    fields.update(changes)
    return Mailbox(**fields)

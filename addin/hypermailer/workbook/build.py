"""Build the HyperMailer workbook from code with XlsxWriter.

The build is deterministic: fixed document properties and timestamps, zip
entries dated 1980-01-01, so two builds of the same sources give the same
bytes and the committed ``workbook/HyperMailer.xlsm`` can be checked against a
fresh build. Run ``python -m hypermailer.workbook.build workbook/HyperMailer.xlsm``
after changing anything here.
"""

from __future__ import annotations

import argparse
import datetime
import io
from collections.abc import Sequence
from pathlib import Path

import xlsxwriter
from xlsxwriter.utility import xl_rowcol_to_cell
from xlsxwriter.workbook import Workbook
from xlsxwriter.worksheet import Worksheet

from hypermailer.i18n import N_, translate_in
from hypermailer.workbook import layout, ribbon, samples, vba

#: Creation and modification time written into every build.
BUILD_TIME = datetime.datetime(2025, 1, 1, 0, 0, 0)

CUSTOMER_NUMBER_FORMAT = "00000"
SHEKEL_FORMAT = "[$₪-40D] #,##0.00"
DATE_FORMAT = "dd/mm/yyyy"
DATE_TIME_FORMAT = "dd/mm/yyyy hh:mm"
TABLE_STYLE = "Table Style Medium 2"

BODY_FORMATS = ("text", "html", "markdown")
MAILBOX_KINDS = ("smtp", "pickup")
SECURITY_MODES = ("ssl", "starttls", "none")

#: Message sheet rows, top to bottom, by defined name.
MESSAGE_FIELDS = (
    layout.MAILBOX, layout.SUBJECT, layout.BODY, layout.BODY_FORMAT, layout.TEMPLATE,
    layout.ATTACHMENTS, layout.REPLY_TO, layout.TEST_ADDRESS, layout.CAMPAIGN_ID,
    layout.LANGUAGE, layout.ADVERTISEMENT,
)


def build_workbook(path: Path, *, language: str = "he") -> None:
    """Write the HyperMailer workbook with sample content to *path*.

    A ``.xlsm`` path gets the VBA project and the ribbon tab; any other
    suffix gets a plain ``.xlsx`` workbook with neither.
    """
    path = Path(path)
    data = workbook_bytes(language=language, macro_enabled=path.suffix.lower() == ".xlsm")
    path.write_bytes(data)


def workbook_bytes(*, language: str = "he", macro_enabled: bool = True) -> bytes:
    """Return the bytes of the HyperMailer workbook built in *language*.

    A macro-enabled build carries the VBA project of ``vba/`` and the ribbon
    tab of ``ribbon/``.
    """
    if language not in layout.SHEET_TITLES:
        raise ValueError(f"unsupported language {language!r}; expected 'he' or 'en'")

    buffer = io.BytesIO()
    workbook = xlsxwriter.Workbook(buffer, {
        "in_memory": True,
        "strings_to_formulas": False,
        "strings_to_urls": False,
    })
    workbook.set_properties({
        "title": "HyperMailer",
        "author": "HyperMailer",
        "company": "",
        "created": BUILD_TIME,
    })
    formats = _Formats(workbook)

    titles = layout.SHEET_TITLES[language]
    _add_recipients_sheet(workbook, titles[layout.RECIPIENTS_TABLE], language, formats)
    _add_message_sheet(workbook, titles["Message"], language, formats)
    _add_mailboxes_sheet(workbook, titles[layout.MAILBOXES_TABLE], language, formats)
    _add_templates_sheet(workbook, titles[layout.TEMPLATES_TABLE], language, formats)
    _add_unsubscribed_sheet(workbook, titles[layout.UNSUBSCRIBED_TABLE], language, formats)
    _add_log_sheet(workbook, titles[layout.LOG_TABLE], language, formats)
    _define_list_names(workbook, language)
    _set_code_names(workbook, titles)
    if macro_enabled:
        # XlsxWriter then also gives the workbook part the macro-enabled content type.
        workbook.add_vba_project(io.BytesIO(vba.project_bytes(language)), is_stream=True)
    workbook.close()

    data = buffer.getvalue()
    if macro_enabled:
        data = ribbon.add_ribbon(data, language)
    return data


def _set_code_names(workbook: Workbook, titles: dict[str, str]) -> None:
    """Give the workbook and each sheet the code name of its VBA document module."""
    workbook.set_vba_name(vba.WORKBOOK_CODE_NAME)
    for key, code_name in vba.SHEET_CODE_NAMES.items():
        workbook.get_worksheet_by_name(titles[key]).set_vba_name(code_name)


class _Formats:
    """The cell formats the sheets share."""

    def __init__(self, workbook: Workbook) -> None:
        self.label = workbook.add_format({"bold": True, "valign": "top"})
        self.text = workbook.add_format({"valign": "top"})
        self.wrapped = workbook.add_format({"text_wrap": True, "valign": "top"})
        self.customer_number = workbook.add_format({"num_format": CUSTOMER_NUMBER_FORMAT})
        self.shekel = workbook.add_format({"num_format": SHEKEL_FORMAT})
        self.date = workbook.add_format({"num_format": DATE_FORMAT})
        self.date_time = workbook.add_format({"num_format": DATE_TIME_FORMAT})


def _new_sheet(workbook: Workbook, title: str, language: str) -> Worksheet:
    sheet = workbook.add_worksheet(title)
    if language == "he":
        sheet.right_to_left()
    return sheet


def _add_table(sheet: Worksheet, name: str, headers: Sequence[str], rows: Sequence[Sequence[object]],
               column_formats: Sequence[object] | None = None) -> None:
    """Add a table at A1; a table without rows keeps one empty data row."""
    formats = column_formats or [None] * len(headers)
    columns = []
    for header, cell_format in zip(headers, formats):
        column: dict[str, object] = {"header": header}
        if cell_format is not None:
            column["format"] = cell_format
        columns.append(column)

    options: dict[str, object] = {"name": name, "columns": columns, "style": TABLE_STYLE}
    if rows:
        options["data"] = [list(row) for row in rows]
    sheet.add_table(0, 0, max(len(rows), 1), len(headers) - 1, options)


def _add_recipients_sheet(workbook: Workbook, title: str, language: str, formats: _Formats) -> None:
    sheet = _new_sheet(workbook, title, language)
    headers = samples.RECIPIENT_HEADERS[language]
    rows = [(*recipient, None) for recipient in samples.RECIPIENTS]
    _add_table(sheet, layout.RECIPIENTS_TABLE, headers, rows,
               [None, None, formats.customer_number, formats.shekel, formats.date, None])
    for column, width in enumerate((38, 18, 16, 14, 14, 50)):
        sheet.set_column(column, column, width)
    sheet.freeze_panes(1, 0)
    sheet.activate()


def _add_message_sheet(workbook: Workbook, title: str, language: str, formats: _Formats) -> None:
    sheet = _new_sheet(workbook, title, language)
    sheet.set_column(0, 0, 34)
    sheet.set_column(1, 1, 80)
    values = {
        layout.MAILBOX: samples.MAILBOX_NAMES[language],
        layout.SUBJECT: samples.SUBJECTS[language],
        layout.BODY: samples.BODIES[language],
        layout.BODY_FORMAT: "text",
        layout.TEMPLATE: samples.TEMPLATE_NAMES[language],
        layout.LANGUAGE: language,
        layout.ADVERTISEMENT: samples.YES_NO[language][1],
    }
    labels = samples.MESSAGE_LABELS[language]

    for row, name in enumerate(MESSAGE_FIELDS):
        sheet.write_string(row, 0, labels[name], formats.label)
        value = values.get(name, "")
        if name == layout.BODY:
            sheet.write_string(row, 1, value, formats.wrapped)
            sheet.set_row(row, 160)
        elif value:
            sheet.write_string(row, 1, value, formats.text)
        else:
            sheet.write_blank(row, 1, None, formats.text)
        cell = xl_rowcol_to_cell(row, 1, row_abs=True, col_abs=True)
        workbook.define_name(name, f"={_quoted(title)}!{cell}")

    # A warning, not a stop: the administrator may define mailboxes in
    # mailboxes.toml, which the drop-down cannot list.
    _add_list_validation(sheet, MESSAGE_FIELDS.index(layout.MAILBOX), 1, f"={layout.MAILBOX_NAMES}",
                         warning=translate_in(language, N_(
                             "This mailbox is not in the Mailboxes table. Keep it only if your "
                             "administrator defined it in mailboxes.toml.")))
    _add_list_validation(sheet, MESSAGE_FIELDS.index(layout.TEMPLATE), 1, f"={layout.TEMPLATE_NAMES}")
    _add_list_validation(sheet, MESSAGE_FIELDS.index(layout.BODY_FORMAT), 1, list(BODY_FORMATS))
    _add_list_validation(sheet, MESSAGE_FIELDS.index(layout.LANGUAGE), 1, ["he", "en"])
    _add_list_validation(sheet, MESSAGE_FIELDS.index(layout.ADVERTISEMENT), 1,
                         list(samples.YES_NO[language]))


def _quoted(title: str) -> str:
    """Quote a sheet title for use in a reference; Excel accepts quotes around any title."""
    return "'" + title.replace("'", "''") + "'"


def _add_list_validation(sheet: Worksheet, row: int, column: int, source: str | list[str],
                         warning: str = "") -> None:
    """Offer a drop-down list; with *warning*, a value outside it is allowed after that warning."""
    options = {"validate": "list", "source": source}
    if warning:
        options.update(error_type="warning", error_message=warning)
    sheet.data_validation(row, column, row, column, options)


def _add_mailboxes_sheet(workbook: Workbook, title: str, language: str, formats: _Formats) -> None:
    sheet = _new_sheet(workbook, title, language)
    sample = {
        "name": samples.MAILBOX_NAMES[language],
        "from_address": samples.MAILBOX_ADDRESS,
        "display_name": samples.MAILBOX_DISPLAY_NAMES[language],
        "kind": "pickup",
        "folder": samples.MAILBOX_FOLDER,
        **samples.MAILBOX_BUSINESS[language],
    }
    columns = layout.MAILBOX_COLUMNS
    row = [sample.get(column.key) for column in columns]
    _add_table(sheet, layout.MAILBOXES_TABLE, [column.header(language) for column in columns], [row])

    keys = [column.key for column in columns]
    _add_list_validation(sheet, 1, keys.index("kind"), list(MAILBOX_KINDS))
    _add_list_validation(sheet, 1, keys.index("security"), list(SECURITY_MODES))
    for column in range(len(columns)):
        sheet.set_column(column, column, 18)


def _add_templates_sheet(workbook: Workbook, title: str, language: str, formats: _Formats) -> None:
    sheet = _new_sheet(workbook, title, language)
    headers = [column.header(language) for column in layout.TEMPLATE_COLUMNS]
    row = (samples.TEMPLATE_NAMES[language], samples.TEMPLATES[language])
    _add_table(sheet, layout.TEMPLATES_TABLE, headers, [row], [formats.text, formats.wrapped])
    sheet.set_column(0, 0, 24)
    sheet.set_column(1, 1, 100)
    sheet.set_row(1, 150)


def _add_unsubscribed_sheet(workbook: Workbook, title: str, language: str, formats: _Formats) -> None:
    sheet = _new_sheet(workbook, title, language)
    headers = [column.header(language) for column in layout.UNSUBSCRIBED_COLUMNS]
    _add_table(sheet, layout.UNSUBSCRIBED_TABLE, headers, [samples.UNSUBSCRIBED[language]],
               [None, formats.date, None])
    for column, width in enumerate((36, 14, 24)):
        sheet.set_column(column, column, width)


def _add_log_sheet(workbook: Workbook, title: str, language: str, formats: _Formats) -> None:
    sheet = _new_sheet(workbook, title, language)
    headers = [column.header(language) for column in layout.LOG_COLUMNS]
    column_formats = [formats.date_time] + [None] * (len(headers) - 1)
    # XlsxWriter needs a data row; the reader and the writer treat it as empty.
    _add_table(sheet, layout.LOG_TABLE, headers, [], column_formats)
    for column, width in enumerate((18, 24, 22, 10, 10, 10, 14, 50)):
        sheet.set_column(column, column, width)


def _define_list_names(workbook: Workbook, language: str) -> None:
    """Define the lists behind the drop-downs as structured references.

    Excel does not accept a structured reference directly as a validation
    source, so the validations name these defined names instead.
    """
    mailbox_name = layout.MAILBOX_COLUMNS[0].header(language)
    template_name = layout.TEMPLATE_COLUMNS[0].header(language)
    workbook.define_name(layout.MAILBOX_NAMES, f"={layout.MAILBOXES_TABLE}[{mailbox_name}]")
    workbook.define_name(layout.TEMPLATE_NAMES, f"={layout.TEMPLATES_TABLE}[{template_name}]")


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m hypermailer.workbook.build",
        description="Build the HyperMailer workbook with sample content.",
    )
    parser.add_argument("out", type=Path, help="the workbook file to write (.xlsm or .xlsx)")
    parser.add_argument("--language", choices=sorted(layout.SHEET_TITLES), default="he",
                        help="language of sheet titles, headers and samples (default: he)")
    arguments = parser.parse_args(argv)
    build_workbook(arguments.out, language=arguments.language)


if __name__ == "__main__":
    main()

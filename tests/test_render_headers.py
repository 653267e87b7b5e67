"""Tests for header names with spaces in {{ }} tags and for reporting every bad placeholder at once."""

from __future__ import annotations

from dataclasses import dataclass
from email import policy
from email.parser import BytesParser

import pytest

from hypermailer.campaign import BodyFormat
from hypermailer.cli import main
from hypermailer.errors import TemplateError
from hypermailer.render import Rendered, TemplateErrors, compile_templates, render, used_fields

HEADER = ("Email", "שם מלא", "מספר לקוח", "תאריך תשלום", 'ת"ז', "מס' לקוח", "Amount due", "Name")
VALUES = ("dana@example.org", "דנה כהן", "00123", "31/01/2025", "012345678", "77", "", 'דוגמה בע"מ <1>')


@dataclass(frozen=True)
class Recipient:
    row: int
    fields: tuple[str, ...]


def render_with(body: str, body_format: BodyFormat = BodyFormat.TEXT, *, subject: str = "Hello",
                header: tuple[str, ...] = HEADER, values: tuple[str, ...] = VALUES,
                organisation_template: str = "") -> Rendered:
    templates = compile_templates(subject, body, body_format, header, organisation_template)
    return render(templates, Recipient(row=2, fields=values))


def template_errors(subject: str, body: str, body_format: BodyFormat = BodyFormat.TEXT,
                    organisation_template: str = "") -> list[TemplateError]:
    with pytest.raises(TemplateError) as caught:
        compile_templates(subject, body, body_format, HEADER, organisation_template)
    error = caught.value
    return list(error.errors) if isinstance(error, TemplateErrors) else [error]


# --- header names with spaces -------------------------------------------------------

def test_header_with_space_renders():
    assert render_with("שלום {{ שם מלא }}").text == "שלום דנה כהן\n"


def test_header_with_space_in_subject():
    assert render_with("Body", subject="{{ שם מלא }}, תשלום עד {{ תאריך תשלום }}").subject == \
        "דנה כהן, תשלום עד 31/01/2025"


def test_header_with_space_keeps_leading_zeros():
    assert render_with("{{ מספר לקוח }}").text == "00123\n"


def test_header_runs_of_whitespace_match():
    assert render_with("{{   שם \t  מלא }}").text == "דנה כהן\n"


def test_header_no_break_space_matches():
    assert render_with("{{ שם\u00a0מלא }}").text == "דנה כהן\n"


def test_header_latin_case_ignored():
    values = VALUES[:6] + ("120",) + VALUES[7:]
    assert render_with("Due {{ AMOUNT  DUE }}", values=values).text == "Due 120\n"


def test_header_written_in_sheet_with_extra_spaces():
    header = ("Email", "  שם   מלא ")
    assert render_with("{{ שם מלא }}", header=header, values=("a@example.org", "דנה")).text == "דנה\n"


def test_header_with_line_break_in_sheet():
    header = ("Email", "תאריך\nתשלום")
    values = ("a@example.org", "01/02/2025")
    assert render_with("עד {{ תאריך תשלום }}", header=header, values=values).text == "עד 01/02/2025\n"


def test_header_first_matching_column_wins():
    header = ("Email", "Amount due", "amount  DUE")
    values = ("a@example.org", "first", "second")
    assert render_with("{{ amount due }}", header=header, values=values).text == "first\n"


def test_header_with_filter():
    assert render_with("{{ שם מלא | replace('כהן', 'לוי') }}").text == "דנה לוי\n"


def test_header_with_filter_no_spaces():
    assert render_with("{{ Amount due|default('none', true) }}").text == "none\n"


def test_header_with_chained_filters():
    assert render_with("{{ שם מלא | replace('דנה', 'dana') | upper }}").text == "DANA כהן\n"


def test_header_containing_pipe_matches_whole():
    header = ("Email", "Phone | mobile")
    values = ("a@example.org", "050-1234567")
    assert render_with("{{ Phone | mobile }}", header=header, values=values).text == "050-1234567\n"


def test_header_whitespace_control_kept():
    assert render_with("[ \n{{- שם מלא -}}\n ]").text == "[דנה כהן]\n"


def test_header_with_double_quote():
    assert render_with('ת"ז: {{ ת"ז }}').text == 'ת"ז: 012345678\n'


def test_header_with_apostrophe():
    assert render_with("{{ מס' לקוח }}").text == "77\n"


def test_header_with_backslash():
    header = ("Email", "C:\\path \\u05e9")
    values = ("a@example.org", "ok")
    assert render_with("{{ C:\\path \\u05e9 }}", header=header, values=values).text == "ok\n"


def test_header_quote_cannot_inject_expression():
    header = ("Email", 'x"] ~ 7*7 ~ row["x')
    values = ("a@example.org", "cell")
    assert render_with('{{ x"] ~ 7*7 ~ row["x }}', header=header, values=values).text == "cell\n"


def test_header_with_space_in_used_fields():
    templates = compile_templates("{{ שם מלא }}", "{{ תאריך תשלום|upper }}", BodyFormat.TEXT, HEADER)
    assert used_fields(templates) == frozenset({1, 3})


def test_header_identifier_left_alone():
    errors = template_errors("Hi", "{{ name }}")
    assert [error.placeholder for error in errors] == ["name"]


def test_header_identifier_header_still_a_name():
    assert render_with("{{ Name }}").text == 'דוגמה בע"מ <1>\n'


def test_header_string_literal_left_alone():
    assert render_with('{{ "שם מלא" }}').text == "שם מלא\n"


def test_header_expression_left_alone():
    assert render_with("{{ 2 * 3 }}").text == "6\n"


def test_header_unknown_name_with_space_suggests_close_header():
    errors = template_errors("Hi", "{{ שם מלאה }}")
    assert "the column 'שם מלאה' is not in the sheet" in str(errors[0])
    assert "Did you mean 'שם מלא'?" in str(errors[0])


def test_header_raw_block_left_alone():
    assert render_with("{% raw %}{{ שם מלא }}{% endraw %}").text == "{{ שם מלא }}\n"


def test_header_comment_left_alone():
    assert render_with("a{# {{ שם מלא }} #}b").text == "ab\n"


def test_header_inside_if_block():
    assert render_with('{% if row["שם מלא"] %}{{ שם מלא }}{% endif %}').text == "דנה כהן\n"


def test_header_line_numbers_kept_after_multiline_name():
    with pytest.raises(TemplateError) as caught:
        compile_templates("Hi", "{{ שם\nמלא }}\nline three\n{{ Name", BodyFormat.TEXT, HEADER)
    assert "line 4" in str(caught.value)


def test_header_with_space_next_to_numbered_placeholder():
    assert render_with("{#1} / {{ מספר לקוח }} / <#2>").text == "דנה כהן / 00123 / 00123\n"


# --- escaping ------------------------------------------------------------------

def test_header_value_escaped_in_html_body():
    html = render_with("<p>{{ Name }} {{ שם מלא }}</p>", BodyFormat.HTML,
                       values=VALUES[:1] + ('א & "ב"',) + VALUES[2:]).html
    assert "<p>דוגמה בע&#34;מ &lt;1&gt; א &amp; &#34;ב&#34;</p>" in html


def test_header_value_not_escaped_in_subject():
    values = VALUES[:1] + ('כהן בע"מ <ב>',) + VALUES[2:]
    assert render_with("<p>x</p>", BodyFormat.HTML, subject="{{ שם מלא }}", values=values).subject == \
        'כהן בע"מ <ב>'


def test_header_value_not_escaped_in_text_part():
    values = VALUES[:1] + ('כהן בע"מ <ב>',) + VALUES[2:]
    assert render_with("{{ שם מלא }}", values=values).text == 'כהן בע"מ <ב>\n'


def test_header_html_nbsp_entity_matches():
    html = render_with("<p>{{ שם&nbsp;מלא }}</p>", BodyFormat.HTML).html
    assert "<p>דנה כהן</p>" in html


def test_header_html_quot_entity_matches():
    html = render_with("<p>{{ ת&quot;ז }}</p>", BodyFormat.HTML).html
    assert "<p>012345678</p>" in html


def test_header_in_markdown_body():
    html = render_with("שלום **{{ שם מלא }}**", BodyFormat.MARKDOWN).html
    assert "<strong>דנה כהן</strong>" in html


def test_header_in_organisation_template():
    organisation = "<header>{{ שם מלא }}</header>{{ body }}"
    html = render_with("גוף", organisation_template=organisation).html
    assert "<header>דנה כהן</header>" in html


def test_header_rtl_body():
    assert 'dir="rtl"' in render_with("שלום {{ שם מלא }}, החשבונית מצורפת.").html


# --- every bad placeholder at once ----------------------------------------------

def test_errors_all_numbered_placeholders_in_body():
    errors = template_errors("Hi", "<#9> ו-{#17}")
    assert [error.placeholder for error in errors] == ["<#9>", "{#17}"]


def test_errors_each_names_body():
    errors = template_errors("Hi", "<#9> ו-{#17}")
    assert [error.template for error in errors] == ["body", "body"]


def test_errors_message_lists_each_placeholder():
    with pytest.raises(TemplateErrors) as caught:
        compile_templates("Hi", "<#9> ו-{#17}", BodyFormat.TEXT, HEADER)
    assert "<#9>" in str(caught.value)
    assert "{#17}" in str(caught.value)


def test_errors_first_error_on_group():
    with pytest.raises(TemplateErrors) as caught:
        compile_templates("Hi", "<#9> ו-{#17}", BodyFormat.TEXT, HEADER)
    assert caught.value.placeholder == "<#9>"


def test_errors_subject_and_body_together():
    errors = template_errors("נושא {#8}", "<#9>")
    assert [(error.template, error.placeholder) for error in errors] == [
        ("subject", "{#8}"), ("body", "<#9>")]


def test_errors_repeated_placeholder_once():
    errors = template_errors("Hi", "<#9> <#9> {{ fields[9] }}")
    assert [error.placeholder for error in errors] == ["<#9>"]


def test_errors_all_unknown_names():
    errors = template_errors("Hi", "{{ Nmae }} {{ Adress }} {{ Nmae }}")
    assert [error.placeholder for error in errors] == ["Nmae", "Adress"]


def test_errors_names_and_numbers_together():
    errors = template_errors("Hi", '{#9} {{ Nmae }} {{ row["Amount"] }}')
    assert sorted(str(error.placeholder) for error in errors) == ["Nmae", "row['Amount']", "{#9}"]


def test_errors_html_escaped_placeholder():
    errors = template_errors("Hi", "<p>&lt;#9&gt; {#10}</p>", BodyFormat.HTML)
    assert [error.placeholder for error in errors] == ["&lt;#9&gt;", "{#10}"]


def test_errors_markdown_body_reported_once():
    errors = template_errors("Hi", "**<#9>** {#10}", BodyFormat.MARKDOWN)
    assert [error.placeholder for error in errors] == ["<#9>", "{#10}"]


def test_errors_syntax_error_in_subject_still_checks_body():
    errors = template_errors("{{ Name", "<#9>")
    assert [error.template for error in errors] == ["subject", "body"]


def test_errors_organisation_template_too():
    errors = template_errors("Hi", "<#9>", organisation_template="<div>{{ Branch }}</div>")
    assert [(error.template, error.placeholder) for error in errors] == [
        ("body", "<#9>"), ("organisation template", "Branch"), ("organisation template", "{{ body }}")]


def test_errors_single_error_not_grouped():
    with pytest.raises(TemplateError) as caught:
        compile_templates("Hi", "<#9>", BodyFormat.TEXT, HEADER)
    assert not isinstance(caught.value, TemplateErrors)


# --- whole command on real files --------------------------------------------------

@pytest.fixture
def workdir(tmp_path, monkeypatch):
    monkeypatch.setenv("HYPERMAILER_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("HYPERMAILER_LANG", "en")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def run_cli(*args: str) -> int:
    with pytest.raises(SystemExit) as exit_info:
        main([str(arg) for arg in args])
    return exit_info.value.code


def test_cli_sample_headers_with_spaces(workdir):
    run_cli("workbook", "new", "sample.xlsm", "--language", "he")

    code = run_cli("preview", "sample.xlsm", "--output", "first.eml",
                   "--subject", "{{ שם מלא }}: {{ מספר לקוח }}", "--body", "לתשלום עד {{ תאריך תשלום }}")

    message = BytesParser(policy=policy.default).parse((workdir / "first.eml").open("rb"))
    assert code == 0
    assert message["Subject"] == "דנה כהן: 00123"
    assert message.get_body(preferencelist=("plain",)).get_content().rstrip() == "לתשלום עד 31/01/2025"


def test_cli_csv_header_with_quotes(workdir):
    (workdir / "list.csv").write_text('Email,"ת""ז",מס\' לקוח\r\ndana@example.com,012,7\r\n',
                                      encoding="utf-8")

    code = run_cli("preview", "list.csv", "--output", "first.eml",
                   "--subject", '{{ ת"ז }}', "--body", "{{ מס' לקוח }}")

    message = BytesParser(policy=policy.default).parse((workdir / "first.eml").open("rb"))
    assert code == 0
    assert message["Subject"] == "012"
    assert message.get_body(preferencelist=("plain",)).get_content().rstrip() == "7"


def test_cli_check_reports_every_unknown_placeholder(workdir, capsys):
    run_cli("workbook", "new", "sample.xlsm", "--language", "he")

    code = run_cli("check", "sample.xlsm", "--subject", "שלום {#8}", "--body", "<#9> ו-{#7}")

    output = capsys.readouterr().out
    assert code == 2
    assert "Subject: the placeholder {#8}" in output
    assert "Body: the placeholder <#9>" in output
    assert "Body: the placeholder {#7}" in output
    assert "Errors: 3." in output


def test_expression_with_jinja_words_is_not_a_header():
    templates = compile_templates("{{ 'a' if true else 'b' }}", "body", BodyFormat.TEXT,
                                  ("Email", "שם מלא"))

    assert templates.subject is not None

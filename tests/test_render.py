"""Tests for hypermailer.render: placeholders, checks, escaping, formats and direction."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from hypermailer.campaign import BodyFormat
from hypermailer.errors import TemplateError
from hypermailer.render import Rendered, compile_templates, is_rtl, render, used_fields

HEADER = ("Email", "Name", "Company", "Amount due", "שם", "Zip")


@dataclass(frozen=True)
class Recipient:
    """The fields of hypermailer.recipients.Recipient that render reads, and the rest."""

    row: int
    address: str
    display_name: str
    fields: tuple[str, ...]
    names: Mapping[str, str] = field(default_factory=dict)
    cc: tuple[str, ...] = ()
    attachments: tuple[Path, ...] = ()
    key: str = ""


def recipient(*fields: str, row: int = 2) -> Recipient:
    values = fields or ("dana@example.org", "Dana", 'Acme "Best" <Ltd>', "*5*", "דנה", "00123")
    return Recipient(row=row, address=values[0], display_name=values[1], fields=tuple(values),
                     names=dict(zip(HEADER, values)))


def render_body(body: str, body_format: BodyFormat = BodyFormat.TEXT, *, subject: str = "Hello",
                organisation_template: str = "", person: Recipient | None = None) -> Rendered:
    templates = compile_templates(subject, body, body_format, HEADER, organisation_template)
    return render(templates, person or recipient())


# --- placeholders -------------------------------------------------------------

def test_render_braces_placeholder():
    assert render_body("Hi {#1}").text == "Hi Dana\n"


def test_render_angle_placeholder():
    assert render_body("Hi <#1>").text == "Hi Dana\n"


def test_render_escaped_angle_placeholder_in_html():
    html = render_body("<p>Hi &lt;#1&gt;</p>", BodyFormat.HTML).html
    assert "<p>Hi Dana</p>" in html


def test_render_placeholder_with_spaces():
    assert render_body("Hi {# 1 } and < #1 >").text == "Hi Dana and < #1 >\n"


def test_render_placeholder_spaces_inside_angles():
    assert render_body("Hi <# 1 >").text == "Hi Dana\n"


def test_render_field_zero_is_address():
    assert render_body("To {#0}").text == "To dana@example.org\n"


def test_render_placeholder_with_leading_zero_number():
    assert render_body("Hi {#01}").text == "Hi Dana\n"


def test_render_jinja_comment_stays_comment():
    assert render_body("Hi{# a note #} there").text == "Hi there\n"


def test_render_header_variable():
    assert render_body("Hi {{ Name }}").text == "Hi Dana\n"


def test_render_hebrew_header_variable():
    assert render_body("שלום {{ שם }}").text == "שלום דנה\n"


def test_render_row_lookup_header_with_spaces():
    assert render_body('Due: {{ row["Amount due"] }}').text == "Due: *5*\n"


def test_render_fields_lookup():
    assert render_body("Zip {{ fields[5] }}").text == "Zip 00123\n"


def test_render_leading_zeros_kept():
    assert render_body("{#5}").text == "00123\n"


def test_render_date_text_unchanged():
    person = recipient("a@example.org", "Dana", "Acme", "01/02/2025", "דנה", "")
    assert render_body("Due {#3}", person=person).text == "Due 01/02/2025\n"


def test_render_if_block():
    body = "Hi{% if Zip %} from {{ Zip }}{% endif %}."
    assert render_body(body).text == "Hi from 00123.\n"


def test_render_if_block_empty_field():
    person = recipient("a@example.org", "Dana", "Acme", "1", "דנה", "")
    body = "Hi{% if Zip %} from {{ Zip }}{% endif %}."
    assert render_body(body, person=person).text == "Hi.\n"


def test_render_default_filter_on_empty_field():
    person = recipient("a@example.org", "", "Acme", "1", "דנה", "")
    assert render_body('Dear {{ Name|default("customer", true) }}', person=person).text == "Dear customer\n"


def test_render_missing_trailing_fields_are_empty():
    person = recipient("a@example.org", "Dana")
    assert render_body("[{#5}]", person=person).text == "[]\n"


def test_render_if_line_leaves_no_blank_line():
    body = "Hello\n{% if Name %}\nDear {{ Name }}\n{% endif %}\nBye"
    assert render_body(body).text == "Hello\nDear Dana\nBye\n"


# --- compile-time checks --------------------------------------------------------

def test_compile_field_beyond_columns_names_body():
    with pytest.raises(TemplateError) as caught:
        compile_templates("Hi", "Value {#6}", BodyFormat.TEXT, HEADER)
    assert caught.value.template == "body"


def test_compile_field_beyond_columns_names_placeholder():
    with pytest.raises(TemplateError) as caught:
        compile_templates("Hi", "Value {# 6 }", BodyFormat.TEXT, HEADER)
    assert caught.value.placeholder == "{# 6 }"


def test_compile_field_beyond_columns_message_quotes_placeholder():
    with pytest.raises(TemplateError) as caught:
        compile_templates("Hi", "Value <#9>", BodyFormat.TEXT, HEADER)
    assert "<#9>" in str(caught.value)


def test_compile_last_field_accepted():
    templates = compile_templates("Hi", "Value {#5}", BodyFormat.TEXT, HEADER)
    assert used_fields(templates) == frozenset({5})


def test_compile_field_beyond_columns_in_subject():
    with pytest.raises(TemplateError) as caught:
        compile_templates("Hi {#7}", "Body", BodyFormat.TEXT, HEADER)
    assert caught.value.template == "subject"


def test_compile_fields_index_beyond_columns():
    with pytest.raises(TemplateError) as caught:
        compile_templates("Hi", "{{ fields[6] }}", BodyFormat.TEXT, HEADER)
    assert caught.value.placeholder == "fields[6]"


def test_compile_unknown_name():
    with pytest.raises(TemplateError) as caught:
        compile_templates("Hi", "Dear {{ Nmae }}", BodyFormat.TEXT, HEADER)
    assert caught.value.placeholder == "Nmae"


def test_compile_unknown_name_has_no_row():
    with pytest.raises(TemplateError) as caught:
        compile_templates("Hi", "Dear {{ Nmae }}", BodyFormat.TEXT, HEADER)
    assert caught.value.row is None


def test_compile_unknown_name_inside_default_filter():
    with pytest.raises(TemplateError):
        compile_templates("Hi", '{{ Nickname|default("x") }}', BodyFormat.TEXT, HEADER)


def test_compile_unknown_row_key():
    with pytest.raises(TemplateError) as caught:
        compile_templates("Hi", '{{ row["Amount"] }}', BodyFormat.TEXT, HEADER)
    assert caught.value.placeholder == "row['Amount']"


def test_compile_unknown_row_attribute():
    with pytest.raises(TemplateError):
        compile_templates("Hi", "{{ row.Nmae }}", BodyFormat.TEXT, HEADER)


def test_compile_row_dict_method_allowed():
    templates = compile_templates("Hi", '{{ row.get("Name") }}', BodyFormat.TEXT, HEADER)
    assert render(templates, recipient()).text == "Dana\n"


def test_compile_header_with_space_is_not_a_name():
    with pytest.raises(TemplateError):
        compile_templates("Hi", "{{ Amount }}", BodyFormat.TEXT, HEADER)


def test_compile_syntax_error_names_template():
    with pytest.raises(TemplateError) as caught:
        compile_templates("Hi", "Line one\n{% if Name %}never closed", BodyFormat.TEXT, HEADER)
    assert caught.value.template == "body"


def test_compile_syntax_error_gives_line():
    with pytest.raises(TemplateError) as caught:
        compile_templates("Hi", "Line one\n{{ Name", BodyFormat.TEXT, HEADER)
    assert "line 2" in str(caught.value)


def test_compile_unknown_name_in_html_body():
    with pytest.raises(TemplateError) as caught:
        compile_templates("Hi", "<p>{{ Missing }}</p>", BodyFormat.HTML, HEADER)
    assert caught.value.template == "body"


def test_compile_unknown_name_in_markdown_body():
    with pytest.raises(TemplateError) as caught:
        compile_templates("Hi", "**{{ Missing }}**", BodyFormat.MARKDOWN, HEADER)
    assert caught.value.placeholder == "Missing"


def test_compile_organisation_without_body_slot():
    with pytest.raises(TemplateError) as caught:
        compile_templates("Hi", "Body", BodyFormat.TEXT, HEADER, "<div>Logo</div>")
    assert caught.value.template == "organisation template"


def test_compile_organisation_unknown_name():
    with pytest.raises(TemplateError) as caught:
        compile_templates("Hi", "Body", BodyFormat.TEXT, HEADER, "<div>{{ body }} {{ Branch }}</div>")
    assert caught.value.template == "organisation template"


def test_compile_organisation_placeholder_beyond_columns():
    with pytest.raises(TemplateError) as caught:
        compile_templates("Hi", "Body", BodyFormat.TEXT, HEADER, "{{ body }} &lt;#8&gt;")
    assert caught.value.placeholder == "&lt;#8&gt;"


def test_compile_body_name_unknown_outside_organisation():
    with pytest.raises(TemplateError):
        compile_templates("Hi", "{{ body }}", BodyFormat.TEXT, HEADER)


# --- run-time errors and the sandbox ----------------------------------------------

def test_render_type_error_carries_row():
    templates = compile_templates("Hi", "{{ fields[1] + 1 }}", BodyFormat.TEXT, HEADER)
    with pytest.raises(TemplateError) as caught:
        render(templates, recipient(row=7))
    assert caught.value.row == 7


def test_render_error_message_names_row():
    templates = compile_templates("Hi", "{{ fields[1] + 1 }}", BodyFormat.TEXT, HEADER)
    with pytest.raises(TemplateError) as caught:
        render(templates, recipient(row=7))
    assert "7" in str(caught.value)


def test_render_sandbox_blocks_private_attributes():
    templates = compile_templates("Hi", "{{ fields.__class__.__mro__ }}", BodyFormat.TEXT, HEADER)
    with pytest.raises(TemplateError):
        render(templates, recipient())


def test_render_sandbox_blocks_format_attribute_access():
    templates = compile_templates("Hi", '{{ "{0.__class__}".format(Name) }}', BodyFormat.TEXT, HEADER)
    with pytest.raises(TemplateError):
        render(templates, recipient())


def test_compile_constant_row_key_expression_checked():
    with pytest.raises(TemplateError):
        compile_templates("Hi", '{{ row["Na" ~ "me2"] }}', BodyFormat.TEXT, HEADER)


def test_render_dynamic_unknown_row_key_is_error():
    templates = compile_templates("Hi", "{{ row[Name ~ '2'] }}", BodyFormat.TEXT, HEADER)
    with pytest.raises(TemplateError) as caught:
        render(templates, recipient(row=4))
    assert caught.value.row == 4


# --- escaping -------------------------------------------------------------------

def test_render_html_body_escapes_values():
    html = render_body("<p>{{ Company }}</p>", BodyFormat.HTML).html
    assert "<p>Acme &#34;Best&#34; &lt;Ltd&gt;</p>" in html


def test_render_html_body_keeps_template_markup():
    html = render_body("<p><b>{{ Name }}</b></p>", BodyFormat.HTML).html
    assert "<b>Dana</b>" in html


def test_render_text_format_escapes_values_in_html():
    html = render_body("{{ Company }}").html
    assert "Acme &#34;Best&#34; &lt;Ltd&gt;" in html


def test_render_text_part_not_escaped():
    assert render_body("{{ Company }}").text == 'Acme "Best" <Ltd>\n'


def test_render_subject_not_escaped():
    person = recipient("a@example.org", "Dana", 'דוגמה בע"מ', "<5", "דנה", "")
    assert render_body("Body", subject="{#2} {#3}", person=person).subject == 'דוגמה בע"מ <5'


def test_render_subject_not_escaped_with_html_body():
    person = recipient("a@example.org", "Dana", 'דוגמה בע"מ', "1", "דנה", "")
    assert render_body("<p>x</p>", BodyFormat.HTML, subject="{#2}", person=person).subject == 'דוגמה בע"מ'


def test_render_title_is_escaped_subject():
    html = render_body("Body", subject="{{ Company }}").html
    assert "<title>Acme &#34;Best&#34; &lt;Ltd&gt;</title>" in html


# --- subject ---------------------------------------------------------------------

def test_render_subject_from_multiline_cell_is_one_line():
    person = recipient("a@example.org", "Dana\r\nCohen\n\nJr", "Acme", "1", "דנה", "")
    assert render_body("Body", subject="Hi {#1}", person=person).subject == "Hi Dana Cohen Jr"


def test_render_subject_trimmed():
    assert render_body("Body", subject="  Hi {#1}  \n").subject == "Hi Dana"


# --- text bodies -----------------------------------------------------------------

def test_render_text_body_paragraphs():
    html = render_body("First\n\nSecond").html
    assert "<p>First</p>\n<p>Second</p>" in html


def test_render_text_body_line_break():
    html = render_body("Line one\nLine two").html
    assert "<p>Line one<br>\nLine two</p>" in html


def test_render_text_body_crlf_normalised():
    assert render_body("One\r\nTwo").text == "One\nTwo\n"


def test_render_text_ends_with_one_newline():
    assert render_body("Hello\n\n\n").text == "Hello\n"


# --- HTML bodies -----------------------------------------------------------------

def test_render_html_body_text_part():
    rendered = render_body("<p>Hello <b>{{ Name }}</b></p><p>Bye</p>", BodyFormat.HTML)
    assert rendered.text == "Hello Dana\n\nBye\n"


def test_render_html_body_text_keeps_link_target():
    rendered = render_body('<p><a href="https://example.org/pay">Pay now</a></p>', BodyFormat.HTML)
    assert "https://example.org/pay" in rendered.text


def test_render_html_body_text_shows_bare_url_once():
    rendered = render_body('<p><a href="https://example.org/a">https://example.org/a</a></p>', BodyFormat.HTML)
    assert rendered.text == "https://example.org/a\n"


def test_render_html_body_text_has_no_indentation():
    rendered = render_body("<div><p>One</p><p>Two</p></div>", BodyFormat.HTML)
    assert rendered.text == "One\n\nTwo\n"


def test_render_full_html_document_sent_as_written():
    body = "<!DOCTYPE html><html><head><title>T</title></head><body><p>{{ Name }}</p></body></html>"
    assert render_body(body, BodyFormat.HTML).html == body.replace("{{ Name }}", "Dana") + "\n"


def test_render_full_html_document_text_part():
    body = "<html><head><title>Title</title></head><body><p>{{ Name }}</p></body></html>"
    assert render_body(body, BodyFormat.HTML).text == "Dana\n"


# --- Markdown bodies -------------------------------------------------------------

def test_render_markdown_html():
    html = render_body("Hello **{{ Name }}**", BodyFormat.MARKDOWN).html
    assert "<p>Hello <strong>Dana</strong></p>" in html


def test_render_markdown_text_is_rendered_source():
    assert render_body("Hello **{#1}**", BodyFormat.MARKDOWN).text == "Hello **Dana**\n"


def test_render_markdown_value_is_not_markdown():
    html = render_body("Due: {{ row['Amount due'] }}", BodyFormat.MARKDOWN).html
    assert "Due: *5*" in html


def test_render_markdown_value_is_escaped():
    html = render_body("Company: {#2}", BodyFormat.MARKDOWN).html
    assert "Company: Acme &#34;Best&#34; &lt;Ltd&gt;" in html


def test_render_markdown_quotes_inside_expression():
    html = render_body('Due: {{ row["Amount due"] }}', BodyFormat.MARKDOWN).html
    assert "Due: *5*" in html


def test_render_markdown_asterisks_inside_expression():
    html = render_body("Total: {{ 2 * 3 * 4 }}", BodyFormat.MARKDOWN).html
    assert "Total: 24" in html


def test_render_markdown_raw_html_escaped():
    html = render_body("Hello <b>there</b>", BodyFormat.MARKDOWN).html
    assert "Hello &lt;b&gt;there&lt;/b&gt;" in html


def test_render_markdown_link_with_placeholder():
    html = render_body("[Pay](https://example.org/pay/{{ Zip }})", BodyFormat.MARKDOWN).html
    assert '<a href="https://example.org/pay/00123">Pay</a>' in html


def test_render_markdown_single_line_break():
    html = render_body("Line one\nLine two", BodyFormat.MARKDOWN).html
    assert "Line one<br />\nLine two" in html


def test_render_markdown_if_paragraph_leaves_no_empty_paragraph():
    body = "Hello\n\n{% if Zip %}\n\nZip **{{ Zip }}**\n\n{% endif %}\n\nBye"
    html = render_body(body, BodyFormat.MARKDOWN).html
    assert "<p>Hello</p>\n<p>Zip <strong>00123</strong></p>\n<p>Bye</p>" in html


def test_render_markdown_if_line_leaves_no_break():
    body = "Hello\n{% if Zip %}\nZip {{ Zip }}\n{% endif %}\nBye"
    html = render_body(body, BodyFormat.MARKDOWN).html
    assert "<p>Hello<br />\nZip 00123<br />\nBye</p>" in html


def test_render_markdown_false_if_removes_line():
    person = recipient("a@example.org", "Dana", "Acme", "1", "דנה", "")
    body = "Hello\n{% if Zip %}\nZip {{ Zip }}\n{% endif %}\nBye"
    html = render_body(body, BodyFormat.MARKDOWN, person=person).html
    assert "<p>Hello<br />\nBye</p>" in html


def test_render_markdown_list():
    html = render_body("- {#1}\n- {#5}", BodyFormat.MARKDOWN).html
    assert "<ul>\n<li>Dana</li>\n<li>00123</li>\n</ul>" in html


# --- documents and direction ------------------------------------------------------

def test_render_html_is_complete_document():
    html = render_body("Hello").html
    assert html.startswith("<!DOCTYPE html>\n<html")


def test_render_html_has_charset():
    assert '<meta charset="utf-8">' in render_body("Hello").html


def test_render_html_title_is_subject():
    assert "<title>Hi Dana</title>" in render_body("Hello", subject="Hi {#1}").html


def test_is_rtl_hebrew():
    assert is_rtl("שלום דנה, מה שלומך?")


def test_is_rtl_latin():
    assert not is_rtl("Hello Dana")


def test_is_rtl_hebrew_dominant_mixed():
    assert is_rtl("שלום Dana, החשבונית מחכה לך")


def test_is_rtl_latin_dominant_mixed():
    assert not is_rtl("Hello דנה, your invoice is ready")


def test_is_rtl_empty():
    assert not is_rtl("12345 !?")


def test_render_hebrew_body_rtl_wrapper():
    html = render_body("שלום {{ שם }}, החשבונית מצורפת.").html
    assert '<div dir="rtl" lang="he" style="text-align: right;">' in html


def test_render_hebrew_body_rtl_html_element():
    html = render_body("שלום {{ שם }}, החשבונית מצורפת.").html
    assert '<html dir="rtl" lang="he">' in html


def test_render_english_body_not_rtl():
    html = render_body("Hello {{ Name }}, your invoice is attached.").html
    assert 'dir="rtl"' not in html


def test_render_english_body_ltr_wrapper():
    html = render_body("Hello {{ Name }}").html
    assert '<div dir="ltr">' in html


def test_render_hebrew_html_body_rtl():
    html = render_body("<p>שלום {{ שם }}, החשבונית מצורפת.</p>", BodyFormat.HTML).html
    assert '<html dir="rtl" lang="he">' in html


def test_render_hebrew_markdown_body_rtl():
    html = render_body("**שלום** {{ שם }}, החשבונית מצורפת.", BodyFormat.MARKDOWN).html
    assert 'dir="rtl" lang="he"' in html


# --- organisation template --------------------------------------------------------

ORGANISATION = "<table><tr><td>Acme news for {{ Name }}</td></tr><tr><td>{{ body }}</td></tr></table>"


def test_render_organisation_wraps_body():
    html = render_body("Hello {{ Name }}", organisation_template=ORGANISATION).html
    assert "<td><div dir=\"ltr\">\n<p>Hello Dana</p>\n</div></td>" in html


def test_render_organisation_uses_placeholders():
    html = render_body("Hello", organisation_template=ORGANISATION).html
    assert "Acme news for Dana" in html


def test_render_organisation_body_not_escaped():
    html = render_body("<p><b>Bold</b></p>", BodyFormat.HTML, organisation_template=ORGANISATION).html
    assert "<b>Bold</b>" in html


def test_render_organisation_values_escaped():
    organisation = "<div>{{ Company }}</div>{{ body }}"
    html = render_body("Hello", organisation_template=organisation).html
    assert "<div>Acme &#34;Best&#34; &lt;Ltd&gt;</div>" in html


def test_render_organisation_fragment_framed_as_document():
    html = render_body("Hello", organisation_template=ORGANISATION).html
    assert html.startswith("<!DOCTYPE html>")


def test_render_organisation_full_document_kept():
    organisation = "<html><head><title>{{ subject }}</title></head><body>{{ body }}</body></html>"
    html = render_body("Hello", subject="News", organisation_template=organisation).html
    assert html == '<html><head><title>News</title></head><body><div dir="ltr">\n<p>Hello</p>\n</div></body></html>\n'


def test_render_organisation_rtl_sets_html_element():
    html = render_body("שלום {{ שם }}, מה שלומך?", organisation_template=ORGANISATION).html
    assert '<html dir="rtl" lang="he">' in html


def test_render_organisation_own_dir_left_alone():
    organisation = '<div dir="ltr" class="frame">{{ body }}</div>'
    html = render_body("שלום {{ שם }}, מה שלומך?", organisation_template=organisation).html
    assert "<html>" in html


def test_render_organisation_own_dir_attribute_kept():
    organisation = '<div dir="ltr" class="frame">{{ body }}</div>'
    html = render_body("שלום {{ שם }}, מה שלומך?", organisation_template=organisation).html
    assert '<div dir="ltr" class="frame"><div dir="rtl" lang="he"' in html


def test_render_organisation_text_part_not_wrapped():
    rendered = render_body("Hello", organisation_template=ORGANISATION)
    assert rendered.text == "Hello\n"


def test_render_full_document_body_inside_organisation():
    body = "<html><body><p>Inner</p></body></html>"
    html = render_body(body, BodyFormat.HTML, organisation_template="<section>{{ body }}</section>").html
    assert '<section><div dir="ltr">\n<p>Inner</p>\n</div></section>' in html


# --- used fields ----------------------------------------------------------------

def test_used_fields_collects_all_spellings():
    templates = compile_templates(
        "Hi {#1}", 'Dear {{ Company }} {{ row["Amount due"] }} <#0>', BodyFormat.TEXT, HEADER,
        "{{ body }} {{ fields[5] }}",
    )
    assert used_fields(templates) == frozenset({0, 1, 2, 3, 5})


def test_used_fields_hebrew_name():
    templates = compile_templates("Hi", "{{ שם }}", BodyFormat.TEXT, HEADER)
    assert used_fields(templates) == frozenset({4})


def test_used_fields_markdown():
    templates = compile_templates("Hi", "**{#2}**", BodyFormat.MARKDOWN, HEADER)
    assert used_fields(templates) == frozenset({2})


def test_used_fields_none():
    templates = compile_templates("Hi", "Hello", BodyFormat.HTML, HEADER)
    assert used_fields(templates) == frozenset()


def test_render_markdown_if_with_value_keeps_paragraph():
    html = render_body("Hello\n\n{% if Zip %}{{ Zip }}{% endif %}\n\nBye", BodyFormat.MARKDOWN).html
    assert "<p>00123</p>" in html

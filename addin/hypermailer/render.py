"""Placeholder templates -> each recipient's subject, text and HTML, with Jinja2.

The subject and body use HyperMailer's placeholders (``{#1}``, ``<#1>`` and the
``&lt;#1&gt;`` an HTML editor makes of it) on top of Jinja2. Placeholders are
translated into Jinja2 expressions first, then every template is compiled in a
sandbox with strict undefined names. Compilation checks statically that every
name and field number exists, so a bad placeholder is found before anything is
sent. Rendering is a pure function of the compiled templates and one recipient.

Names a template can use:

* ``fields[n]``: field n, where ``fields[0]`` is the address cell and
  ``fields[1]`` is the first column after it.
* ``row["Header"]``: any column by its header text.
* ``Header``: a column whose header is an identifier (``שם`` is one).
  ``row`` and ``fields`` win over a column with the same header.
* ``{{ Header name }}`` and ``{{ Header name | filter }}``: a column whose
  header is no identifier (``שם מלא``). The name is compared with the headers
  with runs of whitespace as one space and case ignored, and is rewritten into
  ``row["Header name"]`` before Jinja2 parses the template. Only a whole
  ``{{ }}`` tag is rewritten: inside ``{% %}`` use ``row["Header name"]``.
* ``body`` and ``subject``: only in the organisation template.

An unknown name is an error even inside ``default``: ``{{ x|default("") }}``
only helps with empty cells when written ``{{ Name|default("friend", true) }}``.
"""

from __future__ import annotations

import difflib
import html
import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol

from jinja2 import StrictUndefined, Template, TemplateError as JinjaTemplateError, TemplateSyntaxError, meta, nodes
from jinja2.sandbox import SandboxedEnvironment
from markupsafe import Markup

from hypermailer.bodies import (
    as_document,
    body_content,
    html_to_text,
    is_full_document,
    is_rtl,
    markdown_to_html_template,
    normalise_newlines,
    sets_direction,
    text_to_html,
    with_direction,
)
from hypermailer.campaign import BodyFormat
from hypermailer.errors import TemplateError
from hypermailer.i18n import _

__all__ = ["Rendered", "TemplateErrors", "Templates", "compile_templates", "is_rtl", "render", "used_fields"]

SUBJECT = "subject"
BODY = "body"
ORGANISATION = "organisation template"

# {#1}, <#1> and &lt;#1&gt;, with optional spaces inside. "{# note #}" is not a
# number and stays a Jinja2 comment.
_PLACEHOLDER = re.compile(
    r"\{#\s*(?P<braces>[0-9]+)\s*\}"
    r"|<#\s*(?P<angles>[0-9]+)\s*>"
    r"|&lt;#\s*(?P<escaped>[0-9]+)\s*&gt;"
)

# A {{ }} tag with its whitespace control signs, or a part of the template whose
# text is not an expression to rewrite: a raw block, a comment or a statement.
_PRINT_TAG = re.compile(
    r"(?P<skip>\{%[-+]?\s*raw\s*-?%\}.*?\{%[-+]?\s*endraw\s*-?%\}|\{#.*?#\}|\{%.*?%\})"
    r"|\{\{(?P<open>[-+]?)(?P<inner>.*?)(?P<close>-?)\}\}",
    re.DOTALL,
)

# The line ends Jinja2 counts when it numbers the lines of a template.
_NEWLINE = re.compile(r"\r\n|\r|\n")

_LINE_BREAKS = re.compile(r"\s*[\n\r\v\f\x1c-\x1e\x85\u2028\u2029]+\s*")

_RESERVED_NAMES = frozenset({"row", "fields"})
_ORGANISATION_NAMES = frozenset({"body", "subject"})


class TemplateErrors(TemplateError):
    """Several errors found in the templates of one campaign, in the order found.

    The message has one line per error. ``template`` and ``placeholder`` are
    those of the first error, and ``errors`` contains them all.
    """

    def __init__(self, errors: Sequence[TemplateError]) -> None:
        first = errors[0]
        super().__init__("\n".join(str(error) for error in errors),
                         template=first.template, placeholder=first.placeholder)
        self.errors = tuple(errors)


class RecipientFields(Protocol):
    """The parts of a recipient that render reads: the sheet row and the cell texts, address first."""

    row: int
    fields: Sequence[str]


@dataclass(frozen=True)
class Rendered:
    """One recipient's message content: a one-line subject, text and a full HTML document."""

    subject: str
    text: str
    html: str


@dataclass(frozen=True)
class Templates:
    """Compiled, checked templates of one campaign.

    ``text`` is ``None`` for an HTML body and ``html`` is ``None`` for a text
    body: render derives the missing part. ``fields_used`` contains the field
    numbers the templates name statically.
    """

    subject: Template
    text: Template | None
    html: Template | None
    organisation: Template | None
    body_format: BodyFormat
    header: tuple[str, ...]
    fields_used: frozenset[int]
    organisation_sets_direction: bool = False


@dataclass(frozen=True)
class _Checked:
    template: Template
    fields_used: frozenset[int]


def _environment(autoescape: bool) -> SandboxedEnvironment:
    # NOTE: the sandbox stops a template from running code, but not from
    # using much memory or time (for example "x" * 10**9).
    return SandboxedEnvironment(
        autoescape=autoescape,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )


_TEXT_ENVIRONMENT = _environment(autoescape=False)
_HTML_ENVIRONMENT = _environment(autoescape=True)


def compile_templates(subject: str, body: str, body_format: BodyFormat,
                      header: Sequence[str], organisation_template: str = "") -> Templates:
    """Compile and check the subject, the body and the organisation template.

    *header* lists the column headers, address column first and without the
    status column, so the data fields are numbered 1 to ``len(header) - 1``.
    Every template is checked before anything is raised, so one error reports
    all the placeholders to correct.

    Raises:
        TemplateError: a template has a syntax error, a placeholder beyond the
            data fields, or a name that is no column. The error names the
            template and the placeholder. When there are several, it is a
            :class:`TemplateErrors` that lists each of them.
    """
    header = tuple(header)
    errors: list[TemplateError] = []
    subject_template = _check(_TEXT_ENVIRONMENT, subject, SUBJECT, header, errors)
    checked = [subject_template]

    text_template = html_template = None
    if body_format in (BodyFormat.TEXT, BodyFormat.MARKDOWN):
        text_template = _check(_TEXT_ENVIRONMENT, body, BODY, header, errors)
        checked.append(text_template)
    if body_format is BodyFormat.HTML:
        html_template = _check(_HTML_ENVIRONMENT, body, BODY, header, errors)
        checked.append(html_template)
    if body_format is BodyFormat.MARKDOWN and not any(error.template == BODY for error in errors):
        # The Markdown converter lexes the Jinja2 tags, so it runs only on a body
        # that passed the checks above. That also keeps errors from being reported twice.
        source = markdown_to_html_template(_to_jinja(body, header)[0])
        html_template = _check(_HTML_ENVIRONMENT, source, BODY, header, errors)

    organisation_template_checked = None
    if organisation_template.strip():
        organisation_template_checked = _check_organisation(organisation_template, header, errors)
        checked.append(organisation_template_checked)

    _raise_errors(errors)
    return Templates(
        subject=subject_template.template,
        text=text_template.template if text_template else None,
        html=html_template.template if html_template else None,
        organisation=organisation_template_checked.template if organisation_template_checked else None,
        body_format=body_format,
        header=header,
        fields_used=frozenset().union(*(item.fields_used for item in checked)),
        organisation_sets_direction=sets_direction(organisation_template),
    )


def used_fields(templates: Templates) -> frozenset[int]:
    """Return the field numbers the templates use (0 is the address)."""
    return templates.fields_used


def render(templates: Templates, recipient: RecipientFields) -> Rendered:
    """Render one recipient's subject, plain text and HTML document.

    *recipient* needs ``row`` (the sheet row) and ``fields`` (the cell texts,
    address first), as :class:`hypermailer.recipients.Recipient` has.

    Raises:
        TemplateError: a template failed for this recipient's values, for
            example a name only known at run time. The error carries the row.
    """
    row = recipient.row
    context = _context(templates.header, recipient.fields)
    subject = _one_line(_render(templates.subject, context, SUBJECT, row))

    if templates.body_format is BodyFormat.HTML:
        html_body = _render(templates.html, context, BODY, row)
        text = html_to_text(body_content(html_body))
    elif templates.body_format is BodyFormat.MARKDOWN:
        text = _render(templates.text, context, BODY, row)
        html_body = _render(templates.html, context, BODY, row)
    else:
        text = _render(templates.text, context, BODY, row)
        html_body = text_to_html(text)

    text = _final_newline(normalise_newlines(text))
    html = _html_document(templates, context, html_body, subject, is_rtl(text), row)
    return Rendered(subject=subject, text=text, html=_final_newline(html))


def _html_document(templates: Templates, context: dict[str, object], html_body: str,
                   subject: str, rtl: bool, row: int) -> str:
    """Give the body its direction, put it into the organisation template, frame it."""
    if templates.organisation is None and is_full_document(html_body):
        # A body written as a whole document is sent as written.
        return html_body

    page = with_direction(body_content(html_body), rtl)
    if templates.organisation is not None:
        organisation_context = {**context, "body": Markup(page), "subject": subject}
        page = _render(templates.organisation, organisation_context, ORGANISATION, row)
    if is_full_document(page):
        return page

    document_rtl = rtl and not templates.organisation_sets_direction
    return as_document(page, subject, document_rtl)


def _check(environment: SandboxedEnvironment, source: str, template_name: str,
           header: tuple[str, ...], errors: list[TemplateError],
           extra_names: Iterable[str] = ()) -> _Checked | None:
    """Parse *source* and check every name and field number it uses.

    Append each error found to *errors*. Return ``None`` when the template
    cannot be parsed.
    """
    translated, spellings = _to_jinja(source, header)
    try:
        tree = environment.parse(translated)
    except TemplateSyntaxError as error:
        message = _("{template}, line {line}: the template is invalid ({detail}). "
                    "Correct it and run the check again.")
        syntax_error = TemplateError(
            message.format(template=_template_label(template_name), line=error.lineno, detail=error.message),
            template=template_name,
        )
        syntax_error.__cause__ = error
        errors.append(syntax_error)
        return None

    columns = _column_names(header)
    known_names = set(columns) | _RESERVED_NAMES | set(extra_names)
    _check_names(tree, known_names, template_name, errors)
    fields_used = _check_fields(tree, header, spellings, template_name, errors)
    fields_used |= {columns[name] for name in meta.find_undeclared_variables(tree) if name in columns}
    return _Checked(environment.from_string(tree), frozenset(fields_used))


def _check_organisation(source: str, header: tuple[str, ...], errors: list[TemplateError]) -> _Checked | None:
    checked = _check(_HTML_ENVIRONMENT, source, ORGANISATION, header, errors, _ORGANISATION_NAMES)
    if checked is None:
        return None

    tree = _HTML_ENVIRONMENT.parse(_to_jinja(source, header)[0])
    if "body" not in meta.find_undeclared_variables(tree):
        message = _("{template}: the template has no {{{{ body }}}} slot for the message. "
                    "Add {{{{ body }}}} where the message goes.")
        errors.append(TemplateError(message.format(template=_template_label(ORGANISATION)),
                                    template=ORGANISATION, placeholder="{{ body }}"))
    return checked


def _raise_errors(errors: Sequence[TemplateError]) -> None:
    if len(errors) == 1:
        raise errors[0]
    if errors:
        raise TemplateErrors(errors)


def _add_error(errors: list[TemplateError], error: TemplateError) -> None:
    """Append *error* unless the same message is already there (a placeholder used twice)."""
    if all(str(known) != str(error) for known in errors):
        errors.append(error)


def _check_names(tree: nodes.Template, known_names: set[str], template_name: str,
                 errors: list[TemplateError]) -> None:
    """Add an error for each name that is no column, in the order the template uses them."""
    unknown = meta.find_undeclared_variables(tree) - known_names
    message = _("{template}: the placeholder {placeholder!r} names no column. "
                "Use a column header from the sheet or a field number such as {{#1}}.")
    for node in tree.find_all(nodes.Name):
        if node.name in unknown:
            _add_error(errors, TemplateError(
                message.format(template=_template_label(template_name), placeholder=node.name),
                template=template_name, placeholder=node.name))


def _check_fields(tree: nodes.Template, header: tuple[str, ...], spellings: Mapping[int, str],
                  template_name: str, errors: list[TemplateError]) -> set[int]:
    """Check ``fields[n]``, ``row["Header"]`` and ``row.Header``; return the field numbers used.

    Add an error to *errors* for each number beyond the data fields and each
    header that is no column.
    """
    used: set[int] = set()
    row_keys = _row_keys(header)
    for node in tree.find_all((nodes.Getitem, nodes.Getattr)):
        if not isinstance(node.node, nodes.Name) or node.node.name not in _RESERVED_NAMES:
            continue
        key = node.arg.value if isinstance(node, nodes.Getitem) and isinstance(node.arg, nodes.Const) else None
        if isinstance(node, nodes.Getattr):
            key = node.attr

        if node.node.name == "fields" and isinstance(key, int):
            if 0 <= key < len(header):
                used.add(key)
            else:
                _add_error(errors, _field_out_of_range(key, header, spellings, template_name))
        elif node.node.name == "row" and isinstance(key, str):
            if key in row_keys:
                used.add(row_keys[key])
            elif isinstance(node, nodes.Getitem) or not hasattr(dict, key):
                _add_error(errors, _unknown_column(key, template_name, header))
    return used


def _field_out_of_range(number: int, header: tuple[str, ...], spellings: Mapping[int, str],
                        template_name: str) -> TemplateError:
    placeholder = spellings.get(number, f"fields[{number}]")
    message = _("{template}: the placeholder {placeholder} refers to field {number}, "
                "but the sheet has only {count} data columns after the address. "
                "Use a number from 0 (the address) to {count}.")
    return TemplateError(
        message.format(template=_template_label(template_name), placeholder=placeholder, number=number,
                       count=len(header) - 1),
        template=template_name, placeholder=placeholder,
    )


def _unknown_column(name: str, template_name: str, header: tuple[str, ...]) -> TemplateError:
    """Name a header that is not in the sheet, and the closest one that is, if any."""
    close = difflib.get_close_matches(name, [title for title in header[1:] if title], n=1)
    if close:
        message = _("{template}: the column {name!r} is not in the sheet. Did you mean "
                    "{suggestion!r}? Write the header exactly as it is in the sheet.")
    else:
        message = _("{template}: the column {name!r} is not in the sheet. Write the header "
                    "exactly as it is in the sheet.")
    text = message.format(template=_template_label(template_name), name=name,
                          suggestion=close[0] if close else "")
    return TemplateError(text, template=template_name, placeholder=f"row[{name!r}]")


def _to_jinja(source: str, header: tuple[str, ...]) -> tuple[str, dict[int, str]]:
    """Translate the numbered placeholders, then the header names that are no identifiers.

    Return the Jinja2 source and the spellings of :func:`_translate_placeholders`.
    """
    translated, spellings = _translate_placeholders(source)
    return _quote_header_names(translated, header), spellings


def _translate_placeholders(source: str) -> tuple[str, dict[int, str]]:
    """Turn ``{#n}``, ``<#n>`` and ``&lt;#n&gt;`` into ``{{ fields[n] }}``.

    Return the Jinja2 source and, by field number, the first spelling of each
    placeholder, so an error can quote what the user wrote.
    """
    spellings: dict[int, str] = {}

    def replace(match: re.Match[str]) -> str:
        number = int(match.group("braces") or match.group("angles") or match.group("escaped"))
        spellings.setdefault(number, match.group(0))
        return f"{{{{ fields[{number}] }}}}"

    return _PLACEHOLDER.sub(replace, source), spellings


def _quote_header_names(source: str, header: tuple[str, ...]) -> str:
    """Turn ``{{ Header name }}`` into ``{{ row["Header name"] }}`` where the name is no identifier.

    Raw blocks, comments and ``{% %}`` statements are left as written, and so
    is every tag whose text does not start with such a header.
    """
    titles = _titles_by_key(header)

    def replace(match: re.Match[str]) -> str:
        if match.group("skip") is not None:
            return match.group(0)
        expression = _header_lookup(match.group("inner"), titles)
        if expression is None:
            return match.group(0)
        return f"{{{{{match.group('open')} {expression} {match.group('close')}}}}}"

    return _PRINT_TAG.sub(replace, source)


def _header_lookup(expression: str, titles: Mapping[str, str]) -> str | None:
    """Rewrite a header name at the start of *expression* into a ``row`` lookup.

    The name is the whole text, or else the text before a ``|`` filter (the
    last ``|`` first, so a header that contains ``|`` still matches). Return
    ``None`` when no such name is a header.
    """
    ends = [len(expression)] + [index for index in range(len(expression) - 1, -1, -1)
                                if expression[index] == "|"]
    for end in ends:
        name, rest = expression[:end], expression[end:]
        title = _matching_title(name, titles)
        if title is not None:
            # json.dumps escapes quotes, backslashes and control characters
            # in a form Jinja2's string literals decode back, so the header
            # cannot end the literal early. The kept line ends keep Jinja2's
            # line numbers right for the rest of the template.
            literal = json.dumps(title, ensure_ascii=False)
            line_ends = "\n" * len(_NEWLINE.findall(name))
            return f"row[{literal}]{line_ends}{rest}"
    if _looks_like_header_name(expression):
        # Words and spaces only, such as a mistyped "שם מלה": checking it as a
        # column names the mistake, where Jinja2 would report a syntax error.
        return f"row[{json.dumps(' '.join(expression.split()), ensure_ascii=False)}]"
    return None


# Jinja2's words that join expressions; a tag that uses one is an expression.
_JINJA_WORDS = frozenset({"if", "else", "and", "or", "not", "in", "is", "true", "false", "none"})


def _looks_like_header_name(expression: str) -> bool:
    """Tell whether *expression* is two or more plain words, as a header with spaces would be."""
    words = expression.split()
    return (len(words) > 1 and "\n" not in expression
            and all(word.isidentifier() or word.isalnum() for word in words)
            and not any(word.casefold() in _JINJA_WORDS for word in words))


def _matching_title(name: str, titles: Mapping[str, str]) -> str | None:
    """Return the header *name* stands for, or ``None`` when it is an identifier or no header.

    An HTML editor writes ``&nbsp;`` or ``&quot;`` inside a name, so the name
    is also looked up with its character references decoded.
    """
    name = name.strip()
    if not name or name.isidentifier():
        return None
    title = titles.get(_header_key(name))
    if title is None:
        title = titles.get(_header_key(html.unescape(name)))
    return title


def _titles_by_key(header: tuple[str, ...]) -> dict[str, str]:
    """Map each header's comparison key to the header as written; the first column wins."""
    titles: dict[str, str] = {}
    for title in header:
        key = _header_key(title)
        if key:
            titles.setdefault(key, title)
    return titles


def _header_key(text: str) -> str:
    """Return *text* with each run of whitespace as one space, trimmed and case-folded."""
    return " ".join(text.split()).casefold()


def _column_names(header: tuple[str, ...]) -> dict[str, int]:
    """Map each header that is an identifier to its field number; the first column wins."""
    names: dict[str, int] = {}
    for number, title in enumerate(header):
        name = title.strip()
        if name.isidentifier() and name not in _RESERVED_NAMES:
            names.setdefault(name, number)
    return names


def _row_keys(header: tuple[str, ...]) -> dict[str, int]:
    """Map each header, as written and trimmed, to its field number; the first column wins."""
    keys: dict[str, int] = {}
    for number, title in enumerate(header):
        keys.setdefault(title, number)
        keys.setdefault(title.strip(), number)
    return keys


def _context(header: tuple[str, ...], fields: Sequence[str]) -> dict[str, object]:
    """Build the variables for one recipient; missing trailing cells are empty text."""
    values = tuple(fields) + ("",) * (len(header) - len(fields))
    row = {key: values[number] for key, number in _row_keys(header).items()}

    context: dict[str, object] = {name: values[number] for name, number in _column_names(header).items()}
    context["row"] = row
    context["fields"] = values
    return context


def _render(template: Template, context: Mapping[str, object], template_name: str, row: int) -> str:
    try:
        return template.render(context)
    # A template runs the user's expressions, so any of these can come out of
    # a filter or an operator applied to a cell's text.
    except (JinjaTemplateError, TypeError, ValueError, ArithmeticError, LookupError) as error:
        message = _("Row {row}, {template}: the template cannot be filled in ({detail}). "
                    "Correct the template or this row's cells.")
        raise TemplateError(
            message.format(row=row, template=_template_label(template_name), detail=error),
            template=template_name, row=row,
        ) from error


def _one_line(subject: str) -> str:
    """Join the lines of a rendered subject with single spaces and trim it."""
    return _LINE_BREAKS.sub(" ", subject).strip()


def _final_newline(text: str) -> str:
    return text.rstrip() + "\n"


def _template_label(template_name: str) -> str:
    labels = {
        SUBJECT: _("Subject"),
        BODY: _("Body"),
        ORGANISATION: _("Organisation template"),
    }
    return labels[template_name]

"""Conversions between the text, HTML and Markdown forms of a message body.

Render uses these to derive the missing part of each message: HTML from text,
or text from HTML. They also turn a Markdown template into an HTML template
and give the HTML part its text direction and the frame of a complete document.
"""

from __future__ import annotations

import re
import textwrap
from inscriptis import get_text
from inscriptis.model.config import ParserConfig
from jinja2 import Environment
from markdown_it import MarkdownIt
from markupsafe import escape

# Raw HTML in a Markdown body is escaped, so it shows as typed: "price < 100" or
# "<Dana>" stays text. The plain text part is the Markdown source itself, where
# tags would show up as noise. A user who wants HTML picks the HTML format.
# Single line breaks become <br> because people type letters line by line (an
# address block, a signature) and expect the HTML part to look like the text part.
_MARKDOWN = MarkdownIt("commonmark", {"html": False, "breaks": True})

_TEXT_CONFIG = ParserConfig(display_links=True)

# A link whose text is its own target, as inscriptis writes it: "[x](x)" or
# "[a@b.org](mailto:a@b.org)".
_REDUNDANT_LINK = re.compile(r"\[([^\[\]\s]+)\]\((?:mailto:)?\1\)")

_FULL_DOCUMENT = re.compile(r"<!doctype\s|<html[\s>]", re.IGNORECASE)
_BODY_CONTENT = re.compile(r"<body[^>]*>(.*)</body\s*>", re.IGNORECASE | re.DOTALL)
_DIR_ATTRIBUTE = re.compile(r"<[^>]*\sdir\s*=", re.IGNORECASE)

_DOCUMENT = """<!DOCTYPE html>
<html{attributes}>
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
</head>
<body>
{content}
</body>
</html>
"""


def is_rtl(text: str) -> bool:
    """Return whether *text* has more Hebrew letters than Latin letters."""
    hebrew = 0
    latin = 0
    for character in text:
        if not character.isalpha():
            continue
        if "\u0590" <= character <= "\u05ff" or "\ufb1d" <= character <= "\ufb4f":
            hebrew += 1
        elif character < "\u0250" or "\u1e00" <= character <= "\u1eff":
            latin += 1
    # NOTE: only Hebrew counts as right-to-left; Arabic text is treated as neither.
    return hebrew > latin


def text_to_html(text: str) -> str:
    """Convert plain text to escaped HTML paragraphs.

    A blank line separates paragraphs and a single line break becomes ``<br>``.
    Addresses and URLs stay plain text.
    """
    paragraphs = re.split(r"\n[ \t]*\n", normalise_newlines(text).strip("\n"))
    blocks = []
    for paragraph in paragraphs:
        if not paragraph.strip():
            continue
        lines = [str(escape(line)) for line in paragraph.strip("\n").split("\n")]
        blocks.append("<p>" + "<br>\n".join(lines) + "</p>")
    return "\n".join(blocks)


def html_to_text(html: str) -> str:
    """Convert HTML to plain text with inscriptis, keeping link targets visible."""
    text = get_text(html, _TEXT_CONFIG)
    text = _REDUNDANT_LINK.sub(r"\1", text)

    # inscriptis indents the content of nested blocks. The text part starts at
    # the left margin, so only indentation relative to it (list items) stays.
    lines = [line.rstrip() for line in textwrap.dedent(text).split("\n")]
    text = "\n".join(lines)
    return re.sub(r"\n{3,}", "\n\n", text).strip("\n")


def normalise_newlines(text: str) -> str:
    """Return *text* with CRLF and lone CR line endings turned into LF."""
    return text.replace("\r\n", "\n").replace("\r", "\n")


def markdown_to_html_template(source: str) -> str:
    """Convert a Markdown template to an HTML template, Jinja2 tags unchanged.

    Each Jinja2 tag is swapped for an alphanumeric marker before the Markdown
    conversion and put back afterwards. Markdown therefore never escapes the
    quotes inside ``{{ row["Name"] }}`` nor reads ``*`` in an expression as
    emphasis. The values are inserted later, when the HTML template is
    rendered with autoescape, so a value such as ``*5*`` is never Markdown.
    """
    text, tags, statements, marker = _replace_tags(source)
    html = _MARKDOWN.render(text)
    html = _drop_statement_wrappers(html, statements, marker)
    return re.sub(marker, lambda match: tags[int(match.group(1))], html)


def _drop_statement_wrappers(html: str, statements: set[int], marker: str) -> str:
    """Remove the paragraph and line break Markdown put around a line of ``{% %}`` tags.

    A ``{% if %}`` line must not leave an empty paragraph or a ``<br>`` in the
    message. This covers such a line as a paragraph of its own, at the start
    or in the middle of a paragraph (followed by ``<br />``), and at its end.
    """
    marks = rf"(?:[ \t]*{marker})+"

    def only_statements(text: str) -> bool:
        return all(int(number) in statements for number in re.findall(marker, text))

    def rewrite(pattern: str, replacement: str, html: str) -> str:
        def replace(match: re.Match[str]) -> str:
            if not only_statements(match.group("marks")):
                return match.group(0)
            return match.expand(replacement)

        return re.sub(pattern, replace, html, flags=re.MULTILINE)

    html = rewrite(rf"^<p>(?P<marks>{marks})[ \t]*</p>\n?", r"\g<marks>\n", html)
    html = rewrite(rf"(?P<start>^|<p>|<li>)(?P<marks>{marks})[ \t]*<br />\n", r"\g<start>\g<marks>\n", html)
    return rewrite(rf"<br />\n(?P<marks>{marks})[ \t]*</p>", r"\n\g<marks></p>", html)


def _replace_tags(source: str) -> tuple[str, list[str], set[int], str]:
    """Swap each run of Jinja2 tags in *source* for a numbered marker.

    Return the text with markers, the original tags by number, the numbers of
    the runs that print nothing (only ``{% %}`` and ``{# #}`` tags), and the
    regular expression of a marker (its group 1 is the number).
    """
    prefix = "hmjinja"
    while prefix in source:
        prefix += "x"

    # A plain environment lexes without trimming whitespace, so joining the
    # token values gives back the source exactly.
    pieces: list[str] = []
    tags: list[str] = []
    statements: set[int] = set()
    current_tag = ""
    prints = False
    for _line, kind, value in [*Environment().lex(source), (0, "data", "")]:
        if kind != "data":
            current_tag += value
            prints = prints or kind == "variable_begin"
            continue
        if current_tag:
            if not prints:
                statements.add(len(tags))
            pieces.append(f"{prefix}{len(tags)}z")
            tags.append(current_tag)
            current_tag = ""
            prints = False
        pieces.append(value)
    return "".join(pieces), tags, statements, rf"{prefix}(\d+)z"


def is_full_document(html: str) -> bool:
    """Return whether *html* is a whole document rather than a fragment."""
    return _FULL_DOCUMENT.search(html) is not None


def body_content(html: str) -> str:
    """Return what is inside ``<body>`` of a full document, or *html* itself."""
    if not is_full_document(html):
        return html
    match = _BODY_CONTENT.search(html)
    return match.group(1).strip("\n") if match else html


def sets_direction(html: str) -> bool:
    """Return whether any element in *html* has a ``dir`` attribute."""
    return _DIR_ATTRIBUTE.search(html) is not None


def with_direction(content: str, rtl: bool) -> str:
    """Wrap an HTML fragment in a block that states its text direction."""
    if rtl:
        return f'<div dir="rtl" lang="he" style="text-align: right;">\n{content.strip()}\n</div>'
    return f'<div dir="ltr">\n{content.strip()}\n</div>'


def as_document(content: str, title: str, rtl: bool) -> str:
    """Frame an HTML fragment as a complete UTF-8 document titled *title*.

    *rtl* sets ``dir="rtl" lang="he"`` on the ``<html>`` element.
    """
    attributes = ' dir="rtl" lang="he"' if rtl else ""
    return _DOCUMENT.format(attributes=attributes, title=escape(title), content=content)

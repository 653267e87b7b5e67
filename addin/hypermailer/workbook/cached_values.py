"""Put back the calculated results of formulas that an openpyxl save drops.

openpyxl writes every formula without its cached result. Excel recalculates
on opening, but a file reader such as HyperMailer's own then finds no value,
so one write-back would make every formula cell in the recipients list
unreadable. The writer never changes a formula, so a formula cell's result
in the original file is still its result after the save.
"""

from __future__ import annotations

import io
import re
import zipfile
from xml.etree import ElementTree
from xml.sax.saxutils import escape

from hypermailer.workbook.package import rewrite_parts

_MAIN_NS = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_RELATIONSHIP_ID = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"
_PACKAGE_RELATIONSHIP = "{http://schemas.openxmlformats.org/package/2006/relationships}Relationship"

#: A formula cell as openpyxl 3.1 writes it when it has no cached result:
#: attributes r and s only, then <f>, then an empty <v>.
_EMPTY_FORMULA_CELL = re.compile(
    r'<c r="(?P<ref>[A-Z]+[0-9]+)"(?P<attributes>(?: s="[0-9]+")?)>'
    r'(?P<formula><f(?: [^>]*)?>[^<]*</f>|<f(?: [^>]*)?/>)<v(?:></v>| ?/>)</c>'
)

#: Cell types that a cached formula result can have; a number has none.
_RESULT_TYPES = ("str", "b", "e")


def restore_cached_values(original: bytes, saved: bytes) -> bytes:
    """Copy each formula's cached result from *original* into *saved* where it is missing."""
    with zipfile.ZipFile(io.BytesIO(original)) as source:
        original_parts = _sheet_parts(source)
        cached_by_sheet = {name: _cached_results(source.read(part)) for name, part in original_parts.items()}
    with zipfile.ZipFile(io.BytesIO(saved)) as result:
        saved_parts = _sheet_parts(result)

    cached_by_part = {part: cached_by_sheet[name] for name, part in saved_parts.items()
                      if cached_by_sheet.get(name)}
    if not cached_by_part:
        return saved

    def change(name: str, part: bytes) -> bytes:
        cached = cached_by_part.get(name)
        return _fill_results(part, cached) if cached else part

    return rewrite_parts(saved, change)


def _sheet_parts(archive: zipfile.ZipFile) -> dict[str, str]:
    """Map each worksheet's title to its part name in the zip."""
    workbook = ElementTree.fromstring(archive.read("xl/workbook.xml"))
    relationships = ElementTree.fromstring(archive.read("xl/_rels/workbook.xml.rels"))
    targets = {element.get("Id"): element.get("Target") or ""
               for element in relationships.iter(_PACKAGE_RELATIONSHIP)}

    parts = {}
    for sheet in workbook.iter(f"{_MAIN_NS}sheet"):
        target = targets.get(sheet.get(_RELATIONSHIP_ID), "")
        # Targets are either absolute in the package or relative to xl/.
        part = target.lstrip("/") if target.startswith("/") else f"xl/{target}"
        if part in archive.namelist():
            parts[sheet.get("name") or ""] = part
    return parts


def _cached_results(sheet_xml: bytes) -> dict[str, tuple[str | None, str]]:
    """Map the coordinate of each formula cell with a result to (cell type, result text).

    A ``t="str"`` formula cell with an empty or missing ``<v>`` has empty text
    as its result, so it maps to ``("str", "")``.
    """
    results = {}
    for _event, cell in ElementTree.iterparse(io.BytesIO(sheet_xml)):
        if cell.tag != f"{_MAIN_NS}c":
            continue
        value = cell.find(f"{_MAIN_NS}v")
        text = value.text if value is not None else None
        if text is None and cell.get("t") == "str":
            text = ""
        if cell.find(f"{_MAIN_NS}f") is not None and text is not None:
            results[cell.get("r")] = (cell.get("t"), text)
        cell.clear()
    return results


def _fill_results(sheet_xml: bytes, cached: dict[str, tuple[str | None, str]]) -> bytes:
    text = sheet_xml.decode("utf-8")

    def fill(match: re.Match[str]) -> str:
        found = cached.get(match.group("ref"))
        if found is None:
            return match.group(0)
        cell_type, result = found
        type_attribute = f' t="{cell_type}"' if cell_type in _RESULT_TYPES else ""
        return (f'<c r="{match.group("ref")}"{match.group("attributes")}{type_attribute}>'
                f'{match.group("formula")}<v>{escape(result)}</v></c>')

    return _EMPTY_FORMULA_CELL.sub(fill, text).encode("utf-8")

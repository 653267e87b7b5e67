"""Zip-level changes to a workbook package that XlsxWriter and openpyxl do not make.

A workbook file is a zip of XML parts. These helpers rewrite the zip entry by
entry, keeping each entry's order, timestamp and compression, so a
deterministic input stays deterministic.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable
from xml.etree import ElementTree
from xml.sax.saxutils import quoteattr

CONTENT_TYPES_PART = "[Content_Types].xml"
ROOT_RELS_PART = "_rels/.rels"
WORKBOOK_RELS_PART = "xl/_rels/workbook.xml.rels"
VBA_PROJECT_PART = "xl/vbaProject.bin"

XLSX_MAIN_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"
XLSM_MAIN_TYPE = "application/vnd.ms-excel.sheet.macroEnabled.main+xml"

#: Relationship types of a ribbon (customUI) part: Office 2007 and Office 2010+.
CUSTOM_UI_RELATIONSHIP_TYPES = (
    "http://schemas.microsoft.com/office/2006/relationships/ui/extensibility",
    "http://schemas.microsoft.com/office/2007/relationships/ui/extensibility",
)
VBA_RELATIONSHIP_TYPE = "http://schemas.microsoft.com/office/2006/relationships/vbaProject"

RELATIONSHIPS_NS = "http://schemas.openxmlformats.org/package/2006/relationships"
CONTENT_TYPES_NS = "http://schemas.openxmlformats.org/package/2006/content-types"
XML_DECLARATION = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'


def rewrite_parts(data: bytes, change: Callable[[str, bytes], bytes | None],
                  extra: dict[str, bytes] | None = None) -> bytes:
    """Return the zip *data* with each part passed through *change*.

    *change* gets a part's name and bytes and returns the new bytes, or
    ``None`` to drop the part. Parts in *extra* are appended at the end.
    """
    output = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, \
            zipfile.ZipFile(output, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            new = change(info.filename, source.read(info))
            if new is not None:
                target.writestr(info, new)
        for name, part in (extra or {}).items():
            target.writestr(zipfile.ZipInfo(name, (1980, 1, 1, 0, 0, 0)), part,
                            compress_type=zipfile.ZIP_DEFLATED)
    return output.getvalue()


def set_macro_enabled(data: bytes) -> bytes:
    """Give the workbook part the macro-enabled content type that ``.xlsm`` requires.

    Excel refuses to open an ``.xlsm`` file whose workbook part has the plain
    ``.xlsx`` type, even when the file contains no VBA.
    """
    plain = f'ContentType="{XLSX_MAIN_TYPE}"'.encode()
    macro = f'ContentType="{XLSM_MAIN_TYPE}"'.encode()

    def change(name: str, part: bytes) -> bytes:
        if name != CONTENT_TYPES_PART:
            return part
        if part.count(plain) != 1:
            raise ValueError(f"expected one workbook content type in {CONTENT_TYPES_PART}")
        return part.replace(plain, macro)

    return rewrite_parts(data, change)


def repair_saved_package(original: bytes, saved: bytes) -> bytes:
    """Put back what an openpyxl save of *original* lost, and drop what it invented.

    Restored: ribbon (``customUI/``) parts with their content types and root
    relationships. openpyxl keeps the relationship of the Office 2007 ribbon
    but not that of the Office 2010 one (``customUI14.xml``).

    Dropped: the workbook's relationship to ``xl/vbaProject.bin`` that
    openpyxl adds to every macro-enabled save even when the file has no VBA
    part. A relationship to a missing part may make Excel report the file as
    damaged.
    """
    with zipfile.ZipFile(io.BytesIO(original)) as source:
        original_names = source.namelist()
        original_root_rels = _read_optional(source, ROOT_RELS_PART)
        original_types = source.read(CONTENT_TYPES_PART)
        with zipfile.ZipFile(io.BytesIO(saved)) as result:
            saved_names = set(result.namelist())
        missing = {name: source.read(name) for name in original_names
                   if name.startswith("customUI/") and name not in saved_names}

    has_vba = VBA_PROJECT_PART in saved_names or VBA_PROJECT_PART in missing
    ribbon_relationships = [rel for rel in _relationships(original_root_rels)
                            if rel.get("Type") in CUSTOM_UI_RELATIONSHIP_TYPES]

    def change(name: str, part: bytes) -> bytes:
        if name == ROOT_RELS_PART:
            return _restore_relationships(part, ribbon_relationships)
        if name == WORKBOOK_RELS_PART and not has_vba:
            return _drop_relationships(part, VBA_RELATIONSHIP_TYPE)
        if name == CONTENT_TYPES_PART and missing:
            return _restore_content_types(part, original_types, list(missing))
        return part

    return rewrite_parts(saved, change, missing)


def _read_optional(archive: zipfile.ZipFile, name: str) -> bytes | None:
    try:
        return archive.read(name)
    except KeyError:
        return None


def _relationships(rels_xml: bytes | None) -> list[ElementTree.Element]:
    if rels_xml is None:
        return []
    return ElementTree.fromstring(rels_xml).findall(f"{{{RELATIONSHIPS_NS}}}Relationship")


def _part_name(target: str | None) -> str:
    """Return a root relationship target as a zip entry name (no leading slash)."""
    return (target or "").lstrip("/")


def _serialise(root: ElementTree.Element, namespace: str) -> bytes:
    """Write a flat package part (relationships or content types) with a default namespace.

    ElementTree cannot write a default namespace when attributes have none,
    and Office expects these two parts without namespace prefixes.
    """
    lines = [XML_DECLARATION, f'<{_local_name(root.tag)} xmlns="{namespace}">']
    for child in root:
        attributes = "".join(f" {name}={quoteattr(value)}" for name, value in child.attrib.items())
        lines.append(f"<{_local_name(child.tag)}{attributes}/>")
    lines.append(f"</{_local_name(root.tag)}>")
    return "".join(lines).encode("utf-8")


def _local_name(tag: str) -> str:
    return tag.rpartition("}")[2]


def _restore_relationships(rels_xml: bytes, expected: list[ElementTree.Element]) -> bytes:
    root = ElementTree.fromstring(rels_xml)
    present = root.findall(f"{{{RELATIONSHIPS_NS}}}Relationship")
    targets = {_part_name(rel.get("Target")) for rel in present}
    ids = {rel.get("Id") for rel in present}
    lost = [rel for rel in expected if _part_name(rel.get("Target")) not in targets]
    if not lost:
        return rels_xml

    for rel in lost:
        copy = ElementTree.SubElement(root, f"{{{RELATIONSHIPS_NS}}}Relationship", dict(rel.attrib))
        # openpyxl numbers its own relationships rId1, rId2 and so on, so a
        # copied Id may already be taken.
        if copy.get("Id") in ids:
            copy.set("Id", _free_id(ids))
        ids.add(copy.get("Id"))
    return _serialise(root, RELATIONSHIPS_NS)


def _free_id(used: set[str | None]) -> str:
    number = 1
    while f"rIdHM{number}" in used:
        number += 1
    return f"rIdHM{number}"


def _drop_relationships(rels_xml: bytes, relationship_type: str) -> bytes:
    root = ElementTree.fromstring(rels_xml)
    dropped = [rel for rel in root.findall(f"{{{RELATIONSHIPS_NS}}}Relationship")
               if rel.get("Type") == relationship_type]
    if not dropped:
        return rels_xml
    for rel in dropped:
        root.remove(rel)
    return _serialise(root, RELATIONSHIPS_NS)


def _restore_content_types(saved_xml: bytes, original_xml: bytes, names: list[str]) -> bytes:
    """Copy the original Override and Default entries that the restored parts need."""
    root = ElementTree.fromstring(saved_xml)
    original = ElementTree.fromstring(original_xml)
    overrides = {element.get("PartName") for element in root.iter(f"{{{CONTENT_TYPES_NS}}}Override")}
    defaults = {(element.get("Extension") or "").lower()
                for element in root.iter(f"{{{CONTENT_TYPES_NS}}}Default")}

    restored_parts = {"/" + name for name in names}
    restored_extensions = {name.rpartition(".")[2].lower() for name in names if "." in name}
    for element in original:
        if element.tag == f"{{{CONTENT_TYPES_NS}}}Default":
            extension = (element.get("Extension") or "").lower()
            if extension in restored_extensions and extension not in defaults:
                root.insert(0, element)
                defaults.add(extension)
        elif element.tag == f"{{{CONTENT_TYPES_NS}}}Override":
            if element.get("PartName") in restored_parts - overrides:
                root.append(element)
    return _serialise(root, CONTENT_TYPES_NS)

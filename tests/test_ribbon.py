"""Tests of the ribbon tab (hypermailer.workbook.ribbon): structure, ids and callbacks."""

from __future__ import annotations

import re
import zipfile
from pathlib import Path
from xml.etree import ElementTree

import pytest

from hypermailer.workbook import ribbon, vba
from hypermailer.workbook.build import build_workbook

NS = "{http://schemas.microsoft.com/office/2006/01/customui}"

#: Children each element may have, and the attributes it may carry, in the customUI schema subset used.
ALLOWED_CHILDREN = {
    "customUI": {"ribbon"},
    "ribbon": {"tabs"},
    "tabs": {"tab"},
    "tab": {"group"},
    "group": {"button"},
    "button": set(),
}
ALLOWED_ATTRIBUTES = {
    "customUI": set(),
    "ribbon": set(),
    "tabs": set(),
    "tab": {"id", "label"},
    "group": {"id", "label"},
    "button": {"id", "label", "size", "imageMso", "screentip", "onAction"},
}
ID_PATTERN = re.compile(r"^[A-Za-z_][A-Za-z0-9_.-]*$")
HEBREW = re.compile(r"[\u05d0-\u05ea]")


def parsed(language: str) -> ElementTree.Element:
    return ElementTree.fromstring(ribbon.ribbon_xml(language))


def local(tag: str) -> str:
    assert tag.startswith(NS), tag
    return tag[len(NS):]


def public_ribbon_subs() -> set[str]:
    sources = "\n".join(vba.standard_module_sources("he").values())
    return set(re.findall(r"^Public Sub (\w+)\(control As IRibbonControl\)\r?$", sources, re.M))


@pytest.mark.parametrize("language", ["he", "en"])
def test_ribbon_namespace_2006(language: str) -> None:
    assert parsed(language).tag == f"{NS}customUI"


@pytest.mark.parametrize("language", ["he", "en"])
def test_ribbon_nesting_allowed(language: str) -> None:
    for element in parsed(language).iter():
        children = {local(child.tag) for child in element}
        assert children <= ALLOWED_CHILDREN[local(element.tag)], local(element.tag)


@pytest.mark.parametrize("language", ["he", "en"])
def test_ribbon_attributes_allowed(language: str) -> None:
    for element in parsed(language).iter():
        name = local(element.tag)
        assert set(element.attrib) <= ALLOWED_ATTRIBUTES[name], (name, element.attrib)


@pytest.mark.parametrize("language", ["he", "en"])
def test_ribbon_ids_unique_and_valid(language: str) -> None:
    ids = [element.get("id") for element in parsed(language).iter() if "id" in element.attrib]
    assert len(ids) == len(set(ids))
    for control_id in ids:
        assert ID_PATTERN.match(control_id), control_id


@pytest.mark.parametrize("language", ["he", "en"])
def test_ribbon_tabs_groups_buttons_have_ids_and_labels(language: str) -> None:
    for element in parsed(language).iter():
        if local(element.tag) in ("tab", "group", "button"):
            assert element.get("id"), element.attrib
            assert element.get("label"), element.attrib
            assert len(element.get("label")) <= 1024


def test_ribbon_every_action_is_public_sub() -> None:
    subs = public_ribbon_subs()
    actions = [element.get("onAction") for element in parsed("he").iter() if element.get("onAction")]
    assert len(actions) == 12
    for action in actions:
        assert action in subs, action


def test_ribbon_every_button_has_action() -> None:
    buttons = [element for element in parsed("he").iter() if local(element.tag) == "button"]
    assert all(button.get("onAction") for button in buttons)


def test_ribbon_groups_as_specified() -> None:
    groups = {group.get("id"): [button.get("id") for button in group]
              for group in parsed("en").iter(f"{NS}group")}
    assert groups == {
        "RecipientsGroup": ["PasteButton", "CheckButton", "ScanRepliesButton"],
        "MessageGroup": ["PreviewButton", "AttachButton"],
        "SendGroup": ["SendTestButton", "SendButton", "SendUncertainButton", "SendFailedButton",
                      "NewCampaignButton"],
        "MailboxGroup": ["PasswordButton", "ConnectionButton"],
    }


def test_ribbon_hebrew_labels_everywhere() -> None:
    for element in parsed("he").iter():
        if local(element.tag) in ("group", "button"):
            assert HEBREW.search(element.get("label")), element.get("id")
            if element.get("screentip"):
                assert HEBREW.search(element.get("screentip")), element.get("id")


def test_ribbon_english_labels_have_no_hebrew() -> None:
    for element in parsed("en").iter():
        assert not HEBREW.search(element.get("label", "")), element.get("id")


def test_ribbon_messages_extracts_every_text_but_the_name() -> None:
    with ribbon.SOURCE.open("rb") as stream:
        extracted = {message for _line, _function, message, _comments
                     in ribbon.ribbon_messages(stream, {}, [], {})}
    source_texts = {element.get(attribute) for element in parsed("en").iter()
                    for attribute in ("label", "screentip") if element.get(attribute)}

    assert extracted == source_texts - {"HyperMailer"}
    assert "Send a test to myself" in extracted


def test_ribbon_same_structure_both_languages() -> None:
    def shape(root: ElementTree.Element) -> list[tuple[str, str | None, str | None]]:
        return [(local(e.tag), e.get("id"), e.get("onAction")) for e in root.iter()]
    assert shape(parsed("he")) == shape(parsed("en"))


def test_ribbon_xml_deterministic() -> None:
    assert ribbon.ribbon_xml("he") == ribbon.ribbon_xml("he")


def test_ribbon_in_package_with_2006_relationship(tmp_path: Path) -> None:
    path = tmp_path / "HyperMailer.xlsm"
    build_workbook(path)
    with zipfile.ZipFile(path) as archive:
        root_rels = archive.read("_rels/.rels").decode()
        part = archive.read(ribbon.PART_NAME)
        names = archive.namelist()
    assert f'Type="{ribbon.RELATIONSHIP_TYPE}" Target="{ribbon.PART_NAME}"' in root_rels
    assert "2007/relationships/ui/extensibility" not in root_rels
    assert "customUI/customUI14.xml" not in names
    assert part == ribbon.ribbon_xml("he")


def test_ribbon_xml_declares_utf8() -> None:
    assert ribbon.ribbon_xml("he").startswith(b'<?xml version="1.0" encoding="UTF-8"')

"""XML: xml2js-shaped parsing with n8n's defaults and options, building, and bad input."""

from __future__ import annotations

import pytest
from helpers_agg import run_node, run_single

from hetumind.errors import NodeExecutionError
from hetumind.nodes.builtin.xml import Xml, json_to_xml, xml_to_json

DOC = (
    '<lib name="c"><book id="1"><t lang="en">Dune</t></book>'
    '<book id="2"><t>Emma</t><e/></book><w>  </w></lib>'
)


def test_defaults_merge_attributes_and_collapse_single_children() -> None:
    assert xml_to_json(DOC, {}) == {
        "lib": {
            "name": "c",
            "book": [
                {"id": "1", "t": {"_": "Dune", "lang": "en"}},
                {"id": "2", "t": "Emma", "e": ""},
            ],
            "w": "  ",
        }
    }


def test_options_explicit_array_attrkey_trim_and_root() -> None:
    out = xml_to_json(
        "<a x='1'><b> hi </b></a>", {"explicitArray": True, "mergeAttrs": False, "trim": True}
    )
    assert out == {"a": {"$": {"x": "1"}, "b": ["hi"]}}
    assert xml_to_json("<A><B>x</B></A>", {"normalizeTags": True, "explicitRoot": False}) == {
        "b": "x"
    }
    assert xml_to_json("<a x='1'>t</a>", {"ignoreAttrs": True}) == {"a": "t"}


def test_cdata_and_mixed_text() -> None:
    assert xml_to_json("<a><![CDATA[<x> & y]]></a>", {}) == {"a": "<x> & y"}
    assert xml_to_json("<a>1<b>2</b>3</a>", {}) == {"a": {"_": "13", "b": "2"}}


def test_build_pretty_xml_like_xml2js() -> None:
    text = json_to_xml(
        {"id": 1, "tags": ["a", "b"], "i": {"$": {"k": "v"}, "_": "t"}, "n": None, "s": "<&>"}, {}
    )
    assert text == (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<root>\n  <id>1</id>\n'
        '  <tags>a</tags>\n  <tags>b</tags>\n  <i k="v">t</i>\n  <n/>\n'
        "  <s>&lt;&amp;&gt;</s>\n</root>"
    )
    assert (
        json_to_xml({"only": {"x": True}}, {"headless": True}) == "<only>\n  <x>true</x>\n</only>"
    )
    assert (
        json_to_xml({"a": "<b>"}, {"headless": True, "rootName": "r", "cdata": True})
        == "<r>\n  <a><![CDATA[<b>]]></a>\n</r>"
    )


def test_node_modes_and_errors_name_node_and_item() -> None:
    rows = [{"data": "<a>1</a>"}, {"data": "<a><b></a>"}]
    with pytest.raises(
        NodeExecutionError, match=r"node 'Node', item 1: Invalid XML: mismatched tag"
    ):
        run_node(Xml(), {"mode": "xmlToJson"}, rows)
    out = run_node(Xml(), {"mode": "xmlToJson"}, rows, continue_on_fail=True)[0]
    assert out[0] == {"a": "1"} and out[1]["error"].startswith("Invalid XML")
    with pytest.raises(NodeExecutionError, match='Item has no JSON property called "x"'):
        run_node(Xml(), {"mode": "xmlToJson", "dataPropertyName": "x"}, rows)
    with pytest.raises(NodeExecutionError, match="expected text, got int"):
        run_node(Xml(), {"mode": "xmlToJson"}, [{"data": 5}])
    with pytest.raises(NodeExecutionError, match='operation "nope" is not known'):
        run_node(Xml(), {"mode": "nope"}, rows)
    assert run_node(Xml(), {"mode": "xmlToJson"}, []) == [[]]


def test_entity_declarations_are_refused() -> None:
    bomb = '<?xml version="1.0"?><!DOCTYPE l [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;">]><l>&b;</l>'
    with pytest.raises(NodeExecutionError, match="entity declarations are not allowed"):
        run_node(Xml(), {"mode": "xmlToJson"}, [{"data": bomb}])


def test_round_trip_in_a_workflow() -> None:
    result = run_single(
        [{"a": {"b": "1"}}], "xml", 1, {"mode": "jsonToxml", "options": {"headless": True}}
    )
    assert result["runData"]["Node"][0]["outputs"][0] == [{"data": "<a>\n  <b>1</b>\n</a>"}]

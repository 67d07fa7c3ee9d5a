"""HTML: CSS extraction (json and binary sources), templates, tables, and bad input."""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers_agg import run_node, run_single

from hetumind import binary
from hetumind.errors import NodeExecutionError
from hetumind.items import ItemBatch
from hetumind.nodes.builtin.html import Html
from tests.nodes.context import node_context

PAGE = (
    '<html><body><h1 class="t">Hello <b>World</b></h1><ul><li><a href="/a">A</a></li>'
    '<li><a href="/b">B</a></li></ul><p>  Some\n  text  </p><input value="v1"/>'
    "<select><option value='1'>x</option><option value='2' selected>y</option></select>"
    "</body></html>"
)


def spec(key: str, selector: str, kind: str = "text", **extra: object) -> dict[str, object]:
    return {"key": key, "cssSelector": selector, "returnValue": kind, **extra}


def extract(
    *specs: dict[str, object], version: float = 1.1, **params: object
) -> list[list[dict[str, object]]]:
    base = {
        "operation": "extractHtmlContent",
        "extractionValues": {"values": list(specs)},
        **params,
    }
    return run_node(Html(), base, [{"data": PAGE}], type_version=version)


def test_text_html_attribute_value_and_arrays() -> None:
    out = extract(
        spec("title", "h1"),
        spec("inner", "h1", "html"),
        spec("links", "li a", "attribute", attribute="href", returnArray=True),
        spec("input", "input", "value"),
        spec("choice", "select", "value"),
        spec("none", "table", "html"),
    )[0][0]
    assert out == {
        "title": "Hello World",
        "inner": "Hello <b>World</b>",
        "links": ["/a", "/b"],
        "input": "v1",
        "choice": "2",
    }


def test_trim_and_clean_up_text() -> None:
    assert extract(spec("p", "p"))[0][0] == {"p": "  Some\n  text  "}
    assert extract(spec("p", "p"), options={"trimValues": True, "cleanUpText": True})[0][0] == {
        "p": "Some text"
    }


def test_version_1_2_text_lays_out_blocks() -> None:
    out = run_node(
        Html(),
        {"operation": "extractHtmlContent", "extractionValues": {"values": [spec("t", "div")]}},
        [
            {
                "data": "<div><h1>Head</h1><p>one</p><p>two <a href='/x'>link</a></p>"
                "<script>x</script></div>"
            }
        ],
        type_version=1.2,
    )[0]
    assert out == [{"t": "HEAD\n\none\n\ntwo link [/x]"}]


def test_array_of_documents_gives_one_item_each() -> None:
    params = {
        "operation": "extractHtmlContent",
        "dataPropertyName": "pages",
        "extractionValues": {"values": [spec("h", "h1")]},
    }
    out = run_node(Html(), params, [{"pages": ["<h1>a</h1>", "<h1>b</h1>"]}], type_version=1.2)[0]
    assert out == [{"h": "a"}, {"h": "b"}]


def test_binary_source(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HETUMIND_HOME", str(tmp_path))
    binary.reset_blob_store()
    entry = binary.put_binary(PAGE.encode(), mime_type="text/html", file_name="p.html")
    batch = ItemBatch.from_items([{"json": {}, "binary": {"data": entry}}])
    params = {
        "operation": "extractHtmlContent",
        "sourceData": "binary",
        "extractionValues": {"values": [spec("t", "h1")]},
    }
    out = Html().run(node_context(params, [batch], version=1.1), [batch])[0]
    assert out.to_json() == [{"t": "Hello World"}]


def test_errors_name_node_and_item() -> None:
    with pytest.raises(
        NodeExecutionError, match=r"node 'Node', item 0: No property named \"nope\" exists!"
    ):
        extract(spec("t", "h1"), dataPropertyName="nope")
    with pytest.raises(NodeExecutionError, match="Invalid CSS selector 'h1\\[\\['"):
        extract(spec("t", "h1[["))
    with pytest.raises(NodeExecutionError, match="must hold HTML text, got int"):
        run_node(Html(), {"operation": "extractHtmlContent"}, [{"data": 3}])
    with pytest.raises(NodeExecutionError, match="binary file 'data'"):
        run_node(Html(), {"operation": "extractHtmlContent", "sourceData": "binary"}, [{"x": 1}])
    out = run_node(
        Html(),
        {"operation": "extractHtmlContent", "dataPropertyName": "x"},
        [{"a": 1}],
        continue_on_fail=True,
    )
    assert out == [[{"error": 'No property named "x" exists!'}]]


def test_template_evaluates_each_expression() -> None:
    params = {
        "operation": "generateHtmlTemplate",
        "html": "<p>{{ $json.n }} is {{ $json.a + 1 }}</p>",
    }
    assert run_node(Html(), params, [{"n": "Ada", "a": 36}])[0] == [{"html": "<p>Ada is 37</p>"}]


def test_table_headers_cells_and_checkboxes() -> None:
    params = {
        "operation": "convertToHtmlTable",
        "options": {"customStyling": True, "capitalize": True},
    }
    out = run_node(Html(), params, [{"first_name": "Ada", "ok": True}, {"x": None}])[0][0]["table"]
    assert "<th>First Name</th><th>Ok</th><th>X</th>" in out
    assert '<td  ><input type="checkbox" checked="checked"/></td>' in out
    assert "<td  >undefined</td><td  >undefined</td><td  >null</td>" in out
    assert run_node(Html(), params, []) == [[]]


def test_html_in_a_workflow() -> None:
    params = {"operation": "extractHtmlContent", "extractionValues": {"values": [spec("t", "b")]}}
    result = run_single([{"data": PAGE}], "html", 1.2, params)
    assert result["runData"]["Node"][0]["outputs"][0] == [{"t": "World"}]


def test_text_that_looks_like_a_file_name_is_still_html() -> None:
    params = {
        "operation": "extractHtmlContent",
        "extractionValues": {"values": [spec("t", "body")]},
    }
    assert run_node(Html(), params, [{"data": "index.html"}])[0] == [{"t": "index.html"}]

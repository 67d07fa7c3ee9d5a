"""Markdown: both directions, showdown-style heading ids, options, and bad input."""

from __future__ import annotations

import pytest
from helpers_agg import run_node, run_single

from hetumind.errors import NodeExecutionError
from hetumind.nodes.builtin.markdown import Markdown, html_to_markdown, markdown_to_html


def test_markdown_to_html_adds_showdown_heading_ids() -> None:
    html = markdown_to_html("# Hello World\n\ntext *em*\n\n# Hello World", {})
    assert (
        html == '<h1 id="helloworld">Hello World</h1>\n<p>text <em>em</em></p>\n'
        '<h1 id="helloworld-1">Hello World</h1>'
    )


def test_markdown_to_html_options() -> None:
    html = markdown_to_html(
        "# T\n\n[a](http://x)",
        {"noHeaderId": True, "openLinksInNewWindow": True, "headerLevelStart": 2},
    )
    assert (
        html
        == '<h2>T</h2>\n<p><a href="http://x" rel="noopener noreferrer" target="_blank">a</a></p>'
    )
    assert "<del>" in markdown_to_html("~~x~~", {"strikethrough": True})
    assert "<table>" in markdown_to_html("|a|b|\n|-|-|\n|1|2|", {"tables": True})


def test_html_to_markdown_with_delimiters() -> None:
    html = "<h1>T</h1><p><em>a</em> <strong>b</strong></p><ul><li>x</li></ul>"
    assert html_to_markdown(html, {}) == "# T\n\n_a_ **b**\n\n* x"
    options = {"bulletMarker": "-", "emDelimiter": "*", "strongDelimiter": "__"}
    assert html_to_markdown(html, options) == "# T\n\n*a* __b__\n\n- x"
    replace = {"textReplace": {"values": [{"pattern": "T", "replacement": "Title"}]}}
    assert html_to_markdown("<h1>T</h1>", replace) == "# Title"


def test_node_writes_destination_key_with_dots_and_keeps_other_fields() -> None:
    params = {"mode": "markdownToHtml", "markdown": "={{ $json.md }}", "destinationKey": "out.html"}
    out = run_node(Markdown(), params, [{"md": "*x*", "k": 1}])[0]
    assert out == [{"md": "*x*", "k": 1, "out": {"html": "<p><em>x</em></p>"}}]


def test_wrong_types_and_modes_name_node_and_item() -> None:
    params = {"mode": "htmlToMarkdown", "html": "={{ $json.h }}"}
    with pytest.raises(
        NodeExecutionError, match=r"node 'Node', item 1: Parameter 'html' must be text, got int"
    ):
        run_node(Markdown(), params, [{"h": "<b>x</b>"}, {"h": 5}])
    out = run_node(Markdown(), params, [{"h": 5}], continue_on_fail=True)[0]
    assert out == [{"error": "Parameter 'html' must be text, got int"}]
    with pytest.raises(NodeExecutionError, match="Unknown mode 'nope'"):
        run_node(Markdown(), {"mode": "nope"}, [{}])
    assert run_node(Markdown(), params, []) == [[]]


def test_markdown_in_a_workflow() -> None:
    params = {"mode": "markdownToHtml", "markdown": "={{ $json.md }}", "destinationKey": "h"}
    result = run_single([{"md": "**b**"}], "markdown", 1, params)
    assert result["runData"]["Node"][0]["outputs"][0] == [
        {"md": "**b**", "h": "<p><strong>b</strong></p>"}
    ]


def test_text_that_looks_like_a_url_is_still_html() -> None:
    # bs4 warns about such input; under strict warnings that would be a bare error
    assert html_to_markdown("http://example.com/page.html", {}) == "http://example.com/page.html"

"""n8n's `$` variables, read through a fake ItemsAccessor."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from hetumind.errors import ExpressionError

Evaluate = Callable[..., Any]


@pytest.mark.parametrize(
    ("expr", "expected"),
    [
        ("$json.name", "Ada"),
        ("$binary", {}),
        ("$input.item.json.v", 2),
        ("$input.all().length", 3),
        ("$input.first().json.v", 1),
        ("$input.last().json.v", 3),
        ("$('People').item.json.name", "Grace"),
        ("$('People').all().map(i => i.json.age)", [36, 45]),
        ("$('People').all(1)", []),
        ("$('People').first().json.name", "Ada"),
        ("$('People').last().json.name", "Grace"),
        ("$('People').itemMatching(0).json.name", "Ada"),
        ("$('People').params.mode", "raw"),
        ("$('People').isExecuted", True),
        ("$('Empty').isExecuted", False),
        ("$('Empty').first()", None),
        ("$node['People'].json.name", "Grace"),
        ("$node.People.parameter.mode", "raw"),
        ("$items('People').length", 2),
        ("$items().length", 3),
        ("$itemIndex", 1),
        ("$runIndex", 0),
        ("$workflow.name", "Demo"),
        ("$workflow.active", False),
        ("$execution.id", "ex9"),
        ("$execution.mode", "manual"),
        ("$execution.resumeUrl", "http://x/resume"),
        ("$env.HOME_URL", "https://example.org"),
        ("$vars.region", "eu"),
        ("$parameter.operation", "set"),
        ("$now.year", 2024),
        ("$today.hour", 0),
    ],
)
def test_variable(ev: Evaluate, expr: str, expected: object) -> None:
    assert ev(expr) == expected


def test_unknown_node_is_an_expression_error(ev: Evaluate) -> None:
    with pytest.raises(ExpressionError, match="Referenced node doesn't exist: Nope"):
        ev("$('Nope').item.json")


def test_missing_paired_item_is_reported(ev: Evaluate) -> None:
    with pytest.raises(ExpressionError, match="Paired item data"):
        ev("$('Empty').item")


def test_unknown_dollar_variable_is_named(ev: Evaluate) -> None:
    with pytest.raises(ExpressionError, match=r"\$foo is not defined"):
        ev("$foo.bar")


def test_without_input_accessor(ev: Evaluate) -> None:
    with pytest.raises(ExpressionError, match=r"\$input is not available"):
        ev("$input.item", input=None)

"""The public surface is pinned: changing it is a deliberate act."""

from __future__ import annotations

import hetumind
import hetumind.engine
import hetumind.expressions
import hetumind.nodes


def test_package_root() -> None:
    assert sorted(hetumind.__all__) == [
        "ExpressionError",
        "Forbidden",
        "HetumindError",
        "ItemBatch",
        "NodeExecutionError",
        "NotFound",
        "Workflow",
        "WorkflowInvalid",
        "__version__",
        "load_workflow",
        "parse_workflow",
    ]


def test_engine() -> None:
    assert sorted(hetumind.engine.__all__) == [
        "Backend",
        "Checkpoint",
        "ExecutionHandle",
        "ExecutionResult",
        "InlineBackend",
        "Listener",
        "Plan",
        "RunOptions",
        "StoredRun",
        "build_plan",
        "make_backend",
        "run_workflow",
        "start_execution",
    ]


def test_nodes() -> None:
    assert sorted(hetumind.nodes.__all__) == [
        "ENGINE_API_VERSION",
        "Expr",
        "ItemInputError",
        "Node",
        "NodeContext",
        "NodeDefinition",
        "NodeParams",
        "NodeRegistry",
        "default_registry",
        "map_items",
        "node",
    ]


def test_expressions() -> None:
    assert sorted(hetumind.expressions.__all__) == [
        "CompiledParameter",
        "ExpressionContext",
        "ItemsAccessor",
        "NotVectorizable",
        "UNDEFINED",
        "VectorPlan",
        "compile_parameter",
        "evaluate_parameters",
        "is_expression",
    ]


def test_every_name_in_all_exists() -> None:
    for module in (hetumind, hetumind.engine, hetumind.expressions, hetumind.nodes):
        for name in module.__all__:
            assert hasattr(module, name), f"{module.__name__}.{name}"

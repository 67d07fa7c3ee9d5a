"""Safe evaluation of n8n's `{{ }}` expressions (a JavaScript subset) over JSON items.

Never uses Python eval/exec: expressions are parsed into a syntax tree, compiled into
closures, and can only reach JSON values, the `$` variables of an ExpressionContext and an
explicit table of methods. Pure column expressions also compile to Arrow compute.
"""

from hetumind.expressions.compiled import (
    CompiledParameter,
    compile_parameter,
    evaluate_parameters,
    is_expression,
)
from hetumind.expressions.context import ExpressionContext, ItemsAccessor
from hetumind.expressions.values import UNDEFINED
from hetumind.expressions.vectorize import NotVectorizable, VectorPlan

__all__ = [
    "UNDEFINED",
    "CompiledParameter",
    "ExpressionContext",
    "ItemsAccessor",
    "NotVectorizable",
    "VectorPlan",
    "compile_parameter",
    "evaluate_parameters",
    "is_expression",
]

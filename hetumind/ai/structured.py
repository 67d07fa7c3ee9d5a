"""Structured output: a JSON schema (given, or inferred from an example), the instructions
that ask a model for it, and parsing with validation that explains what is wrong."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from hetumind.ai.errors import AIConfigError, OutputParserError

__all__ = ["StructuredParser", "schema_from_example"]

_FENCE = re.compile(r"```(?:json)?\s*(.*?)```", re.DOTALL)


def schema_from_example(example: Any) -> dict[str, Any]:
    """A JSON schema that `example` satisfies: every key required, arrays typed by their
    first element (n8n's "Generate From JSON Example")."""
    if isinstance(example, bool):
        return {"type": "boolean"}
    if isinstance(example, int):
        return {"type": "number"}
    if isinstance(example, float):
        return {"type": "number"}
    if isinstance(example, str):
        return {"type": "string"}
    if example is None:
        return {"type": "null"}
    if isinstance(example, list):
        return {"type": "array", "items": schema_from_example(example[0]) if example else {}}
    if isinstance(example, Mapping):
        return {
            "type": "object",
            "properties": {k: schema_from_example(v) for k, v in example.items()},
            "required": list(example),
        }
    raise AIConfigError(f"cannot infer a JSON schema from {type(example).__name__}")


@dataclass(frozen=True)
class StructuredParser:
    """Validates model output against `schema`; `retries` re-asks the model with the error."""

    schema: dict[str, Any]
    retries: int = 2
    enforce: bool = False
    """Also send the schema as `response_format` (json_schema), so servers with guided
    decoding (vLLM, OpenAI) can only produce valid output."""

    def __post_init__(self) -> None:
        import jsonschema

        try:
            jsonschema.Draft202012Validator.check_schema(self.schema)
        except jsonschema.SchemaError as exc:
            raise AIConfigError(f"output parser: invalid JSON schema: {exc.message}") from None

    def response_format(self) -> dict[str, Any] | None:
        if not self.enforce:
            return None
        return {"type": "json_schema", "json_schema": {"name": "output", "schema": self.schema}}

    def instructions(self) -> str:
        return (
            "Respond only with a JSON value, no prose and no code fences, that satisfies "
            f"this JSON schema:\n{json.dumps(self.schema)}"
        )

    def parse(self, text: str | None) -> Any:
        """The JSON value in `text`, validated; OutputParserError says exactly what failed."""
        import jsonschema

        value = _extract_json(text or "")
        errors = sorted(
            jsonschema.Draft202012Validator(self.schema).iter_errors(value),
            key=lambda e: list(e.absolute_path),
        )
        if errors:
            described = "; ".join(
                f"{'/'.join(str(p) for p in e.absolute_path) or '(root)'}: {e.message}"
                for e in errors[:5]
            )
            raise OutputParserError(f"output does not match the schema: {described}")
        return value


def _extract_json(text: str) -> Any:
    fenced = _FENCE.search(text)
    candidates = [fenced.group(1)] if fenced else []
    candidates.append(text)
    for candidate in candidates:
        candidate = candidate.strip()
        try:
            return json.loads(candidate)
        except json.JSONDecodeError:
            pass
        # Small models wrap JSON in prose: take the outermost object or array.
        for open_, close in (("{", "}"), ("[", "]")):
            start, end = candidate.find(open_), candidate.rfind(close)
            if 0 <= start < end:
                try:
                    return json.loads(candidate[start : end + 1])
                except json.JSONDecodeError:
                    continue
    raise OutputParserError(f"output is not valid JSON: {text[:200]!r}")

"""Running a vector store node in insert or load mode, shared by the store tests: the
documents come from the facts through the default data loader and the recursive splitter,
the vectors from the bag-of-words embeddings stand-in at `bow`."""

from __future__ import annotations

import uuid
from typing import Any

from hetumind.engine import run_workflow
from hetumind.engine.result import ExecutionResult
from tests.ai.test_retrieval import FACTS, LOADER, SPLITTER, embeddings, workflow


def run_insert(store: dict[str, Any], bow: str, facts: list[str] = FACTS) -> ExecutionResult:
    """`store` (named Store, mode insert) over one item per fact, `origin` fact-<i>."""
    wf = workflow(
        f"wf-{uuid.uuid4().hex}",
        [store, LOADER, SPLITTER, embeddings(bow)],
        [
            ("Loader", "ai_document", "Store"),
            ("Splitter", "ai_textSplitter", "Loader"),
            ("Embeddings", "ai_embedding", "Store"),
        ],
    )
    items = [{"text": t, "origin": f"fact-{i}"} for i, t in enumerate(facts)]
    return run_workflow(wf, input_items=items)


def run_load(store: dict[str, Any], bow: str, question: str) -> ExecutionResult:
    """`store` (named Store, mode load, prompt `{{ $json.q }}`) for one question."""
    wf = workflow(
        f"wf-{uuid.uuid4().hex}",
        [store, embeddings(bow)],
        [("Embeddings", "ai_embedding", "Store")],
    )
    return run_workflow(wf, input_items=[{"q": question}])

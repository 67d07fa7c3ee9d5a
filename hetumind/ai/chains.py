"""The prompts and control flow of n8n's LangChain chains: question answering over
retrieved documents, summarization (stuff, map_reduce, refine), and the structured
classification helpers the Text Classifier and Sentiment Analysis nodes use.

Prompts are LangChain's defaults (n8n uses them unless the node overrides them); a
template's `{name}` placeholders are filled with `fill`.
"""

from __future__ import annotations

import re
import time
from collections.abc import Mapping, Sequence
from typing import Any

from hetumind.ai.chat import ChatModel, Usage
from hetumind.ai.documents import Document

__all__ = [
    "QA_SYSTEM_PROMPT",
    "REFINE_PROMPT",
    "SUMMARY_PROMPT",
    "ask",
    "count_tokens",
    "fill",
    "format_documents",
    "summarize",
]

QA_SYSTEM_PROMPT = (
    "You are an assistant for question-answering tasks. Use the following pieces of "
    "retrieved context to answer the question.\nIf you don't know the answer, just say "
    "that you don't know, don't try to make up an answer.\n----------------\n"
    "Context: {context}"
)

SUMMARY_PROMPT = 'Write a concise summary of the following:\n\n\n"{text}"\n\n\nCONCISE SUMMARY:'

REFINE_PROMPT = (
    "Your job is to produce a final summary\n"
    'We have provided an existing summary up to a certain point: "{existing_answer}"\n'
    "We have the opportunity to refine the existing summary\n"
    "(only if needed) with some more context below.\n"
    "------------\n"
    '"{text}"\n'
    "------------\n\n"
    "Given the new context, refine the original summary\n"
    "If the context isn't useful, return the original summary.\n\n"
    "REFINED SUMMARY:"
)

_PLACEHOLDER = re.compile(r"\{(\w+)\}")


def fill(template: str, values: Mapping[str, str]) -> str:
    """Replace `{name}` with values[name]; unknown names stay as written."""
    return _PLACEHOLDER.sub(lambda m: values.get(m.group(1), m.group(0)), template)


def format_documents(documents: Sequence[Document]) -> str:
    """LangChain's stuff-chain context: page contents separated by blank lines."""
    return "\n\n".join(d.page_content for d in documents)


async def ask(
    model: ChatModel, messages: list[dict[str, Any]], steps: list[dict[str, Any]], kind: str
) -> tuple[str, Usage]:
    """One model call, recorded as a step."""
    t0 = time.perf_counter()
    result = await model.chat(messages)
    steps.append(
        {
            "type": "model",
            "call": kind,
            "content": result.content,
            "finishReason": result.finish_reason,
            "usage": result.usage.to_dict(),
            "durationMs": round((time.perf_counter() - t0) * 1000, 3),
        }
    )
    return result.content or "", result.usage


async def summarize(
    model: ChatModel,
    documents: Sequence[Document],
    method: str,
    steps: list[dict[str, Any]],
    *,
    prompt: str = SUMMARY_PROMPT,
    map_prompt: str = SUMMARY_PROMPT,
    refine_prompt: str = REFINE_PROMPT,
    refine_question_prompt: str = SUMMARY_PROMPT,
    max_tokens: int = 3000,
    max_iterations: int = 10,
) -> tuple[str, Usage]:
    """LangChain JS's loadSummarizationChain.

    `stuff`: every document in `prompt`. `map_reduce`: while the documents joined into
    `prompt` come to `max_tokens` tokens or more, summarize each with `map_prompt` (n8n's
    combineMapPrompt) and continue with the summaries; then `prompt` over what is left,
    so short texts take one call, as in LangChain. `refine`: `refine_question_prompt`
    over the first document, then `refine_prompt` with the summary so far and each next
    one.
    """
    usage = Usage()

    async def one(template: str, values: Mapping[str, str], kind: str) -> str:
        nonlocal usage
        message = [{"role": "user", "content": fill(template, values)}]
        text, used = await ask(model, message, steps, kind)
        usage = usage + used
        return text

    if not documents:
        return "", usage
    if method == "stuff":
        return await one(prompt, {"text": format_documents(documents)}, "stuff"), usage
    if method == "refine":
        summary = await one(refine_question_prompt, {"text": documents[0].page_content}, "initial")
        for doc in documents[1:]:
            summary = await one(
                refine_prompt, {"existing_answer": summary, "text": doc.page_content}, "refine"
            )
        return summary, usage
    import asyncio

    current = list(documents)
    for _ in range(max_iterations):
        if count_tokens(fill(prompt, {"text": format_documents(current)})) < max_tokens:
            break
        # the map calls are independent, so they go out together
        partials = await asyncio.gather(
            *(one(map_prompt, {"text": d.page_content}, "map") for d in current)
        )
        current = [Document(p) for p in partials]
    return await one(prompt, {"text": format_documents(current)}, "combine"), usage


def count_tokens(text: str) -> int:
    """cl100k_base tokens, as LangChain counts an OpenAI chat model's prompt."""
    from hetumind.ai.splitters import token_encoding

    return len(token_encoding("cl100k_base").encode(text, disallowed_special=()))

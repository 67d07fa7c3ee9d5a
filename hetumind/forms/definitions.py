"""What n8n's Form Trigger and Form node parameters say about their pages and answers."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from hetumind.forms.fields import parse_fields
from hetumind.forms.pages import FormPage

__all__ = ["FormAnswer", "trigger_answer", "trigger_page", "use_workflow_timezone"]

DEFAULT_SUBMITTED_TEXT = "Your response has been recorded"


@dataclass(frozen=True)
class FormAnswer:
    """What a submitter sees once the run is done with the submission."""

    text: str = DEFAULT_SUBMITTED_TEXT
    redirect_url: str | None = None
    title: str = "Form Submitted"


def _literal(value: Any) -> str:
    """A parameter read outside a run: an `=` literal without `{{ }}` is its text."""
    text = "" if value is None else str(value)
    return text[1:] if text.startswith("=") and "{{" not in text else text


def trigger_page(params: Mapping[str, Any], *, test: bool) -> FormPage:
    options = params.get("options") or {}
    return FormPage(
        title=_literal(params.get("formTitle")),
        description=_literal(params.get("formDescription")).replace("\\n", "\n"),
        fields=parse_fields(params.get("formFields") or {}),
        button_label=_literal(options.get("buttonLabel")) or "Submit",
        custom_css=_literal(options.get("customCss")),
        append_attribution=options.get("appendAttribution", True) is not False,
        test=test,
    )


def trigger_answer(params: Mapping[str, Any]) -> FormAnswer:
    """The trigger's own completion: respondWithOptions (v2+) or formSubmittedText (v1)."""
    options = params.get("options") or {}
    respond = options.get("respondWithOptions")
    if isinstance(respond, Mapping):
        values = respond.get("values") or {}
        if values.get("respondWith") == "redirect" and values.get("redirectUrl"):
            url = _literal(values["redirectUrl"])
            return FormAnswer(redirect_url=url if "://" in url else f"http://{url}")
        text = values.get("formSubmittedText")
        return FormAnswer(DEFAULT_SUBMITTED_TEXT if text is None else _literal(text))
    text = options.get("formSubmittedText")
    return FormAnswer(DEFAULT_SUBMITTED_TEXT if text is None else _literal(text))


def use_workflow_timezone(params: Mapping[str, Any], version: float) -> bool:
    """n8n writes submittedAt in the workflow's zone from v2.1 on (option default), UTC before."""
    chosen = (params.get("options") or {}).get("useWorkflowTimezone")
    return bool(chosen) if chosen is not None else version > 2

"""Hosted forms: n8n's form field definitions, submissions and the pages that show them
(used by the Form Trigger and Form nodes and by the server's /form routes)."""

from hetumind.forms.definitions import FormAnswer, trigger_answer, trigger_page
from hetumind.forms.fields import (
    FIELD_TYPES,
    FormDefinitionError,
    FormField,
    FormSubmissionError,
    Upload,
    parse_fields,
)
from hetumind.forms.pages import FormPage, render_form, render_message
from hetumind.forms.submission import read_submission, submission_item

__all__ = [
    "FIELD_TYPES",
    "FORM_WAIT",
    "FormAnswer",
    "FormDefinitionError",
    "FormField",
    "FormPage",
    "FormSubmissionError",
    "Upload",
    "parse_fields",
    "read_submission",
    "render_form",
    "render_message",
    "submission_item",
    "trigger_answer",
    "trigger_page",
]

FORM_WAIT = "form"
"""The `resume` of a parked Form node's wait record; its `form` key holds the page."""

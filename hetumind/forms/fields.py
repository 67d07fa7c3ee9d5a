"""n8n form fields: read from node parameters, checked against a submission.

A form is described as n8n's Form Trigger and Form node describe it: `formFields.values`
(or, for the Form node, `defineForm: json` with a JSON list in `jsonOutput`), each entry
with `fieldLabel`, `fieldType` (text, textarea, email, number, password, date, dropdown,
checkbox, radio, file, hiddenField, html), `requiredField`, `placeholder`,
`fieldOptions.values[].option`, `multiselect`, `limitSelection`, `multipleFiles`,
`acceptFileTypes`, `fieldName`/`fieldValue` (hidden fields), `html`/`elementName`.
Inputs are named `field-<index>` as on n8n's page, so n8n clients post the same names.
"""

from __future__ import annotations

import json
import re
from dataclasses import asdict, dataclass, field
from typing import Any

from hetumind.errors import HetumindError

__all__ = [
    "FIELD_TYPES",
    "FormDefinitionError",
    "FormField",
    "FormSubmissionError",
    "Upload",
    "parse_fields",
]

FIELD_TYPES = (
    "text",
    "textarea",
    "email",
    "number",
    "password",
    "date",
    "dropdown",
    "checkbox",
    "radio",
    "file",
    "hiddenField",
    "html",
)
_EMAIL = re.compile(r"^[^\s@]+@[^\s@]+\.[^\s@]+$")


class FormDefinitionError(HetumindError):
    """The form's field definitions cannot be used (unknown type, bad JSON, no label)."""


class FormSubmissionError(HetumindError):
    """A submission that does not fit the form: every offending field, by label."""

    def __init__(self, problems: dict[str, str]) -> None:
        self.problems = problems
        super().__init__("; ".join(f"field {k!r}: {v}" for k, v in problems.items()))

    def __repr__(self) -> str:
        return f"FormSubmissionError({self.problems!r})"


@dataclass(frozen=True)
class Upload:
    """One uploaded file of a submission."""

    filename: str
    content_type: str
    data: bytes


@dataclass
class FormField:
    index: int
    label: str
    type: str = "text"
    required: bool = False
    placeholder: str = ""
    options: list[str] = field(default_factory=list)
    multiselect: bool = False
    limit: str = "unlimited"
    exact: int = 1
    min: int = 0
    max: int = 1
    multiple_files: bool = True
    accept: str = ""
    value: str = ""
    """A hidden field's value (fieldValue); a query parameter named like it wins."""
    html: str = ""
    element_name: str = ""

    @property
    def input_name(self) -> str:
        return f"field-{self.index}"

    @property
    def many(self) -> bool:
        """Whether its value is a list of chosen options."""
        return self.type == "checkbox" or (self.type == "dropdown" and self.multiselect)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @staticmethod
    def from_dict(data: dict[str, Any]) -> FormField:
        return FormField(**data)

    def check(self, values: list[str], uploads: list[Upload], max_file_bytes: int) -> Any:
        """The submitted value as n8n puts it in the item (files: their metadata), or
        raises ValueError with what is wrong."""
        if self.type == "html":
            return self.html
        if self.type == "file":
            return self._files(uploads, max_file_bytes)
        present = [v for v in values if v.strip() != ""]
        if not present:
            if self.required:
                raise ValueError("is required")
            if self.many:
                return []
            if self.type in ("number", "date", "dropdown", "radio"):
                return None
            return values[0] if values else ("" if self.type != "hiddenField" else None)
        if self.many:
            return self._choices(present)
        value = present[0]
        if self.type in ("text", "email"):
            value = value.strip()
        if self.type == "email" and not _EMAIL.match(value):
            raise ValueError(f"{value!r} is not an email address")
        if self.type == "number":
            try:
                number = float(value)
            except ValueError:
                raise ValueError(f"{value!r} is not a number") from None
            return int(number) if number.is_integer() and "." not in value else number
        if self.type in ("dropdown", "radio") and self.options and value not in self.options:
            raise ValueError(f"{value!r} is not one of the options {self.options}")
        return value

    def _choices(self, chosen: list[str]) -> list[str]:
        unknown = [c for c in chosen if self.options and c not in self.options]
        if unknown:
            raise ValueError(f"{unknown[0]!r} is not one of the options {self.options}")
        if self.type == "checkbox" and self.limit == "exact" and len(chosen) != self.exact:
            raise ValueError(f"choose exactly {self.exact} options")
        in_range = self.min <= len(chosen) <= self.max
        if self.type == "checkbox" and self.limit == "range" and not in_range:
            raise ValueError(f"choose between {self.min} and {self.max} options")
        return chosen

    def _files(self, uploads: list[Upload], max_file_bytes: int) -> Any:
        uploads = [u for u in uploads if u.filename or u.data]
        if not uploads:
            if self.required:
                raise ValueError("is required")
            return None
        if len(uploads) > 1 and not self.multiple_files:
            raise ValueError("takes one file")
        allowed = [a.strip().lower() for a in self.accept.split(",") if a.strip()]
        for upload in uploads:
            if len(upload.data) > max_file_bytes:
                raise ValueError(
                    f"file {upload.filename!r} is over the limit of {max_file_bytes} bytes"
                )
            name = upload.filename.lower()
            if allowed and not any(
                name.endswith(a) if a.startswith(".") else _mime_fits(upload.content_type, a)
                for a in allowed
            ):
                raise ValueError(f"file {upload.filename!r} is not of type {self.accept}")
        meta = [
            {"filename": u.filename, "mimetype": u.content_type, "size": len(u.data)}
            for u in uploads
        ]
        return meta if self.multiple_files else meta[0]


def _mime_fits(mime: str, pattern: str) -> bool:
    if pattern.endswith("/*"):
        return mime.lower().startswith(pattern[:-1])
    return mime.lower() == pattern


def parse_fields(raw: Any) -> list[FormField]:
    """The fields of `formFields.values` (a list of n8n field entries, or a JSON string of
    one, as the Form node's jsonOutput holds)."""
    if isinstance(raw, str):
        try:
            raw = json.loads(raw) if raw.strip() else []
        except json.JSONDecodeError as exc:
            raise FormDefinitionError(f"form fields are not valid JSON: {exc}") from None
    if isinstance(raw, dict):
        raw = raw.get("values", [])
    if not isinstance(raw, list):
        raise FormDefinitionError("form fields must be a list of field entries")
    fields = []
    for index, entry in enumerate(raw):
        if not isinstance(entry, dict):
            raise FormDefinitionError(f"form field {index} is not an object")
        fields.append(_field(index, entry))
    return fields


def _field(index: int, entry: dict[str, Any]) -> FormField:
    kind = str(entry.get("fieldType") or "text")
    if kind not in FIELD_TYPES:
        raise FormDefinitionError(
            f"form field {index}: unknown fieldType {kind!r}; use one of {', '.join(FIELD_TYPES)}"
        )
    label = str(entry.get("fieldName") if kind == "hiddenField" else entry.get("fieldLabel") or "")
    if not label and kind != "html":
        raise FormDefinitionError(f"form field {index} has no fieldLabel")
    raw_options = entry.get("fieldOptions") or {}
    values = raw_options.get("values", []) if isinstance(raw_options, dict) else raw_options
    options = [str(o.get("option", "")) for o in values if isinstance(o, dict)]
    return FormField(
        index=index,
        label=label or str(entry.get("elementName") or f"html-{index}"),
        type=kind,
        required=bool(entry.get("requiredField")) and kind not in ("html", "hiddenField"),
        placeholder=str(entry.get("placeholder") or ""),
        options=options,
        multiselect=bool(entry.get("multiselect")),
        limit=str(entry.get("limitSelection") or "unlimited"),
        exact=int(entry.get("numberOfSelections") or 1),
        min=int(entry.get("minSelections") or 0),
        max=int(entry.get("maxSelections") or 1),
        multiple_files=bool(entry.get("multipleFiles", True)),
        accept=str(entry.get("acceptFileTypes") or ""),
        value=str(entry.get("fieldValue") or ""),
        html=str(entry.get("html") or ""),
        element_name=str(entry.get("elementName") or ""),
    )

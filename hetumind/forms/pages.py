"""The hosted form pages: a form, its completion screen, and messages. Plain HTML with
inline CSS: it works offline and without JavaScript (the browser posts the form itself;
the server answers with the next page, a completion screen or a redirect)."""

from __future__ import annotations

from dataclasses import dataclass, field
from html import escape
from typing import Any

from hetumind.forms.fields import FormField
from hetumind.forms.sanitize import sanitize_css, sanitize_html

__all__ = ["FormPage", "render_form", "render_message"]

_CSS = """
:root{--color-primary:#ff6d5a;--color-bg:#fbfcfe;--color-card:#fff;--color-text:#555;
--color-error:#ea1f30;--radius:8px;--font:system-ui,-apple-system,'Segoe UI',sans-serif}
*{box-sizing:border-box}body{margin:0;background:var(--color-bg);font-family:var(--font);
color:var(--color-text)}.container{max-width:448px;margin:32px auto;padding:0 16px}
.card{background:var(--color-card);border:1px solid #dbdfe7;border-radius:var(--radius);
padding:24px;box-shadow:0 4px 16px rgba(99,77,255,.06)}h1{font-size:24px;margin:0 0 8px;
color:#333}.description{margin-bottom:16px;white-space:pre-line}.field{margin:16px 0}
label.title{display:block;font-weight:600;margin-bottom:6px}.required::after{content:" *";
color:var(--color-error)}input[type=text],input[type=email],input[type=number],
input[type=password],input[type=date],textarea,select{width:100%;padding:10px;font:inherit;
border:1px solid #dbdfe7;border-radius:6px}textarea{min-height:80px}.option{display:block;
margin:4px 0}.error{color:var(--color-error);font-size:14px;margin-top:4px}
.errors{border:1px solid var(--color-error);border-radius:6px;padding:8px 12px;
margin-bottom:12px;color:var(--color-error)}button{width:100%;padding:12px;font:inherit;
font-weight:600;color:#fff;background:var(--color-primary);border:0;border-radius:6px;
cursor:pointer}.test{background:#fff5d6;padding:8px;border-radius:6px;margin-bottom:12px}
.footer{text-align:center;font-size:12px;margin-top:16px;color:#909399}
"""


@dataclass
class FormPage:
    """One page of a form, as stored while an execution waits for it."""

    title: str
    fields: list[FormField]
    description: str = ""
    button_label: str = "Submit"
    custom_css: str = ""
    append_attribution: bool = True
    test: bool = False
    extra: dict[str, Any] = field(default_factory=dict)
    """What the server needs besides the page (the form mode, the trigger's name)."""

    def to_dict(self) -> dict[str, Any]:
        return {
            "title": self.title,
            "fields": [f.to_dict() for f in self.fields],
            "description": self.description,
            "button_label": self.button_label,
            "custom_css": self.custom_css,
            "append_attribution": self.append_attribution,
            "test": self.test,
            "extra": self.extra,
        }

    @staticmethod
    def from_dict(data: dict[str, Any]) -> FormPage:
        return FormPage(
            title=str(data.get("title", "")),
            fields=[FormField.from_dict(f) for f in data.get("fields", [])],
            description=str(data.get("description", "")),
            button_label=str(data.get("button_label") or "Submit"),
            custom_css=str(data.get("custom_css", "")),
            append_attribution=bool(data.get("append_attribution", True)),
            test=bool(data.get("test", False)),
            extra=dict(data.get("extra") or {}),
        )


def _document(title: str, body: str, custom_css: str = "") -> str:
    css = f"<style>{sanitize_css(custom_css)}</style>" if custom_css else ""
    return (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{escape(title or 'Form')}</title><style>{_CSS}</style>{css}</head>"
        f'<body><div class="container">{body}</div></body></html>'
    )


def _input(f: FormField, values: dict[str, list[str]], query: dict[str, Any]) -> str:
    name = f.input_name
    given = values.get(name) or ([str(query[f.label])] if f.label in query else [])
    first = escape(given[0]) if given else ""
    req = " required" if f.required else ""
    ph = f' placeholder="{escape(f.placeholder)}"' if f.placeholder else ""
    if f.type == "textarea":
        return f'<textarea id="{name}" name="{name}"{ph}{req}>{first}</textarea>'
    if f.type == "dropdown":
        many = " multiple" if f.multiselect else ""
        opts = "" if f.multiselect else '<option value="">Select an option ...</option>'
        for option in f.options:
            sel = " selected" if option in given else ""
            opts += f'<option value="{escape(option)}"{sel}>{escape(option)}</option>'
        return f'<select id="{name}" name="{name}"{many}{req}>{opts}</select>'
    if f.type in ("checkbox", "radio"):
        boxes = ""
        for i, option in enumerate(f.options):
            oid = f"option{i}_{name}"
            chk = " checked" if option in given else ""
            r = req if f.type == "radio" else ""
            boxes += (
                f'<label class="option" for="{oid}"><input type="{f.type}" id="{oid}" '
                f'name="{name}" value="{escape(option)}"{chk}{r}> {escape(option)}</label>'
            )
        return boxes
    if f.type == "file":
        many = " multiple" if f.multiple_files else ""
        acc = f' accept="{escape(f.accept)}"' if f.accept else ""
        return f'<input type="file" id="{name}" name="{name}"{many}{acc}{req}>'
    kind = f.type if f.type in ("email", "number", "password", "date") else "text"
    step = ' step="any"' if kind == "number" else ""
    return f'<input type="{kind}" id="{name}" name="{name}" value="{first}"{ph}{step}{req}>'


def render_form(
    page: FormPage,
    action: str,
    *,
    values: dict[str, list[str]] | None = None,
    problems: dict[str, str] | None = None,
    query: dict[str, Any] | None = None,
) -> str:
    """The form, posting to `action`; after a refused submission, with what was entered
    and each field's problem next to it."""
    values, problems, query = values or {}, problems or {}, query or {}
    parts = []
    if page.test:
        parts.append('<div class="test">This is a test version of your form</div>')
    parts.append(f"<h1>{escape(page.title)}</h1>")
    if page.description:
        parts.append(f'<div class="description">{sanitize_html(page.description)}</div>')
    if problems:
        items = "".join(f"<li>{escape(k)}: {escape(v)}</li>" for k, v in problems.items())
        parts.append(f'<div class="errors" role="alert"><ul>{items}</ul></div>')
    for f in page.fields:
        if f.type == "html":
            parts.append(f'<div class="field html">{sanitize_html(f.html)}</div>')
            continue
        if f.type == "hiddenField":
            value = (values.get(f.input_name) or [str(query.get(f.label, f.value))])[0]
            parts.append(f'<input type="hidden" name="{f.input_name}" value="{escape(value)}">')
            continue
        cls = "title required" if f.required else "title"
        error = problems.get(f.label)
        note = (
            f'<div class="error" id="error-{f.input_name}">{escape(error)}</div>' if error else ""
        )
        parts.append(
            f'<div class="field"><label class="{cls}" for="{f.input_name}">{escape(f.label)}'
            f"</label>{_input(f, values, query)}{note}</div>"
        )
    parts.append(f'<button type="submit">{escape(page.button_label)}</button>')
    footer = (
        '<div class="footer">Form automated with Hetumind</div>' if page.append_attribution else ""
    )
    body = (
        f'<div class="card"><form method="post" action="{escape(action)}" '
        f'enctype="multipart/form-data">{"".join(parts)}</form></div>{footer}'
    )
    return _document(page.title, body, page.custom_css)


def render_message(
    title: str, message: str, *, page_title: str = "", custom_css: str = "", html: bool = False
) -> str:
    """A completion screen (or any message): a title and a text, or author HTML."""
    text = sanitize_html(message) if html else escape(message)
    body = (
        f'<div class="card completion"><h1>{escape(title)}</h1>'
        f'<div class="description">{text}</div></div>'
    )
    return _document(page_title or title, body, custom_css)

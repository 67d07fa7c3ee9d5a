"""Finding the workflow an Execute Workflow node calls: in the store by id, in a JSON
parameter, or in a local file."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from hetumind.capabilities import Capabilities, CapabilityDenied
from hetumind.errors import NotFound, WorkflowInvalid
from hetumind.subworkflows.errors import SubworkflowError
from hetumind.workflow import Workflow, parse_workflow

if TYPE_CHECKING:
    from hetumind.store.db import Store

__all__ = ["Callee", "from_file", "from_json", "from_store", "workflow_id_of"]

_URL_ID = re.compile(r"/workflow/([^/?#]+)")


@dataclass(frozen=True)
class Callee:
    """A workflow to run as a sub-workflow."""

    workflow: Workflow
    stored: bool = False
    """Loaded from the store (its id is a stored workflow's)."""
    version: int | None = None

    @property
    def id(self) -> str | None:
        return self.workflow.id

    @property
    def label(self) -> str:
        """How errors name it: id and name when it has both."""
        wf = self.workflow
        return f"{wf.id} ({wf.name})" if wf.id else repr(wf.name)


def workflow_id_of(value: Any) -> str:
    """The id in n8n's `workflowId` parameter: a plain id (v1) or a resource locator
    {"__rl": true, "value": ..., "mode": "id" | "list" | "url"} (v1.1+)."""
    if isinstance(value, dict):
        mode, value = value.get("mode"), value.get("value")
        if mode == "url" and isinstance(value, str):
            match = _URL_ID.search(value)
            value = match.group(1) if match else value
    if isinstance(value, bool) or not isinstance(value, str | int) or str(value).strip() == "":
        raise SubworkflowError("no workflow ID given: set 'Workflow' (workflowId)")
    return str(value).strip()


def _parse(doc: Any, source: str) -> Workflow:
    try:
        return parse_workflow(doc, source)
    except WorkflowInvalid as exc:
        raise SubworkflowError(exc.message) from None


def from_store(
    store: Store,
    workflow_id: str,
    *,
    project_id: str | None = None,
    timeout: float | None = 30.0,
) -> Callee:
    """The current version of a stored workflow; with `project_id`, only one of that
    project (another project's workflow reads as missing, as the API answers 404)."""
    missing = SubworkflowError(f"workflow {workflow_id!r} not found in the store")
    try:
        record = store.run_sync(store.workflows.get(workflow_id), timeout)
    except NotFound:
        raise missing from None
    if project_id is not None and record.project_id != project_id:
        raise missing
    doc = record.document()
    return Callee(_parse(doc, f"workflow {workflow_id}"), stored=True, version=record.version)


def from_json(value: Any) -> Callee:
    """A workflow given as JSON text (n8n's `workflowJson`) or an already-parsed object."""
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except json.JSONDecodeError as exc:
            raise SubworkflowError(
                f"'Workflow JSON' is not valid JSON (line {exc.lineno} column {exc.colno}: "
                f"{exc.msg})"
            ) from None
    return Callee(_parse(value, "Workflow JSON"))


def from_file(path: Any, capabilities: Capabilities | None = None) -> Callee:
    """A workflow saved as a JSON file on this machine (n8n's `workflowPath`), if the
    execution's file policy lets it read that path (hetumind.capabilities)."""
    if not isinstance(path, str) or not path.strip():
        raise SubworkflowError("no workflow file given: set 'Workflow Path' (workflowPath)")
    try:
        resolved = (capabilities or Capabilities.local()).check_file(path)
    except CapabilityDenied as exc:
        raise SubworkflowError(exc.message) from None
    try:
        text = resolved.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise SubworkflowError(f'The file "{path}" could not be found') from None
    except OSError as exc:
        raise SubworkflowError(f'The file "{path}" could not be read: {exc.strerror}') from None
    try:
        doc = json.loads(text)
    except json.JSONDecodeError:
        # n8n's wording, which does not echo the file's content into the error.
        raise SubworkflowError(f'The file "{path}" content is not valid JSON') from None
    return Callee(_parse(doc, path))

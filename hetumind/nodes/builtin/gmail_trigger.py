"""Gmail Trigger (n8n `gmailTrigger` 1, 1.1, 1.2): a polling trigger that starts the
workflow with the messages received since the last poll.

As n8n does: the node keeps `lastTimeChecked` (epoch seconds of the newest message seen,
or of the poll when none came) and `possibleDuplicates` (the ids at that newest second,
which Gmail's `after:` may list again) in its static data, from 1.1 under the node's name
as n8n's dictionary does; the first poll asks for messages after the moment it runs, so a
mailbox's history does not flood the workflow. A manual run returns the newest matching
message and leaves the state as it was. `filters` are n8n's (includeSpamTrash, labelIds,
q, readStatus, sender; includeDrafts, off by default from 1.2); `simple` gives the
simplified metadata items, otherwise the parsed message with
`options.downloadAttachments` as binary `<dataPropertyAttachmentsPrefixName><n>`. A poll
that fails after the first is logged and starts nothing, as in n8n.
"""

from __future__ import annotations

import copy
import logging
import time
from datetime import datetime
from typing import Any

from hetumind.errors import HetumindError, NodeExecutionError
from hetumind.integrations import ServiceClient
from hetumind.nodes.api import NodeContext, NodeParams, node
from hetumind.nodes.builtin._gmail_api import GMAIL, Gmail, message_path, prepare_query, raw_item
from hetumind.nodes.polling import PollingTrigger

__all__ = ["GmailTrigger"]

log = logging.getLogger(__name__)


class GmailTriggerParams(NodeParams):
    event: str = "messageReceived"


def _seconds(item: dict[str, Any], fallback: float) -> float:
    json_out = item.get("json") or {}
    if json_out.get("internalDate"):
        try:
            return float(json_out["internalDate"]) / 1000
        except (TypeError, ValueError):
            return fallback
    if isinstance(json_out.get("date"), str):
        try:
            return datetime.fromisoformat(json_out["date"].replace("Z", "+00:00")).timestamp()
        except ValueError:
            return fallback
    return fallback


def _number(value: float) -> int | float:
    return int(value) if value == int(value) else value


@node(
    "gmailTrigger",
    versions=[1, 1.1, 1.2],
    display_name="Gmail Trigger",
    description="Fetches emails from Gmail and starts the workflow on specified polling intervals.",
    inputs=0,
    trigger=True,
    params=GmailTriggerParams,
    trigger_kind="polling",
    fusible=False,
)
class GmailTrigger(PollingTrigger):
    """Polls Gmail and emits the new messages."""

    polls_binary = True

    def poll(self, ctx: NodeContext, *, manual: bool) -> list[dict[str, Any]] | None:
        """New messages as n8n-shaped items ({"json", "binary"})."""
        data = ctx.static_data("node")
        if manual:
            data = copy.deepcopy(data)  # a manual run leaves the state as it was
        state = data
        if ctx.type_version > 1:
            state = data.setdefault(ctx.node_name, {})
        now = float(int(time.time()))
        last = state.get("lastTimeChecked")
        try:
            start = float(last) if last not in (None, "") else now
        except (TypeError, ValueError):
            last, start = None, now  # unreadable state: start over, as a first poll
        try:
            items = self._fetch(ctx, manual, start)
        except HetumindError as exc:
            if manual or not last:
                if isinstance(exc, NodeExecutionError):
                    raise
                raise NodeExecutionError(exc.message, node=ctx.node_name) from None
            log.error(
                "There was a problem in '%s' node in workflow '%s': '%s'",
                ctx.node_name,
                ctx.execution.workflow_id,
                exc,
            )
            return None
        newest = max((_seconds(i, start) for i in items), default=0.0)
        duplicates = [
            str((i.get("json") or {}).get("id")) for i in items if _seconds(i, start) == newest
        ]
        seen = set(state.get("possibleDuplicates") or [])
        if seen:
            items = [i for i in items if str((i.get("json") or {}).get("id")) not in seen]
        state["possibleDuplicates"] = duplicates
        state["lastTimeChecked"] = _number(newest or now)
        return items or None

    def _fetch(self, ctx: NodeContext, manual: bool, start: float) -> list[dict[str, Any]]:
        api = Gmail(ServiceClient(ctx, GMAIL), "message")
        filters = dict(ctx.param("filters", 0, {}) or {})
        options = dict(ctx.param("options", 0, {}) or {})
        include_drafts = filters.pop("includeDrafts", ctx.type_version <= 1.1)
        qs: dict[str, Any] = {}
        if manual:
            qs["maxResults"] = 1
        else:
            filters["receivedAfter"] = _number(start)
        qs.update(prepare_query(ctx.node_name, filters))
        listed = (api.call("GET", "messages", qs=qs) or {}).get("messages") or []
        simple = bool(ctx.param("simple", 0, True))
        fetched = []
        for entry in listed:
            message = api.message(message_path(entry.get("id")), simple)
            if not include_drafts and "DRAFT" in (message.get("labelIds") or []):
                continue
            fetched.append(message)
        if simple:
            return [{"json": m} for m in api.simplify(fetched)]
        prefix = str(options.get("dataPropertyAttachmentsPrefixName") or "attachment_")
        out = []
        for message in fetched:
            json_out, binary = raw_item(message, prefix, bool(options.get("downloadAttachments")))
            out.append({"json": json_out, **({"binary": binary} if binary else {})})
        return out

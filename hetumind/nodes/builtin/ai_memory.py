"""memoryBufferWindow: the last N exchanges of a conversation, by session key."""

from __future__ import annotations

from hetumind.ai.errors import AIConfigError
from hetumind.ai.memory import ConversationMemory, default_memory_backend
from hetumind.ai.subnodes import SubNodeView
from hetumind.nodes.api import node
from hetumind.nodes.builtin.ai_models import LANGCHAIN, SubNodeBase

__all__ = ["MemoryBufferWindow"]


@node(
    "memoryBufferWindow",
    versions=[1, 1.1, 1.2, 1.3],
    display_name="Window Buffer Memory",
    inputs=0,
    supplies="ai_memory",
    n8n=False,
    aliases=(f"{LANGCHAIN}.memoryBufferWindow",),
)
class MemoryBufferWindow(SubNodeBase):
    """Keeps each session's turns (see hetumind.ai.memory for where they live)."""

    def supply(self, view: SubNodeView) -> ConversationMemory:
        if view.param("sessionIdType", "fromInput") == "customKey":
            key = view.param("sessionKey")
        else:
            key = view.ctx.evaluate("={{ $json.sessionId }}", view.item_index, "sessionKey")
        if key in (None, ""):
            raise AIConfigError(
                f"sub-node {view.name!r}: no session key for item {view.item_index} "
                "(give items a 'sessionId' field or set a custom key)"
            )
        window = int(view.param("contextWindowLength", 5))
        return ConversationMemory(default_memory_backend(), str(key), window)

"""Which node types exist: the built-ins plus those third-party packages add.

Third-party packages register node classes under the entry-point group `hetumind.nodes`
(each entry point names a module or a Node subclass). A node built for another engine API
version is refused with a message naming the package.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Iterator
from functools import lru_cache
from importlib.metadata import entry_points

from hetumind.errors import HetumindError
from hetumind.nodes.api import ENGINE_API_VERSION, Node, NodeDefinition

__all__ = ["NodeRegistry", "default_registry"]

ENTRY_POINT_GROUP = "hetumind.nodes"


class NodeRegistry:
    """Node classes by full type name (`hetumind.set`, `n8n-nodes-base.set`, ...)."""

    def __init__(self) -> None:
        self._by_type: dict[str, type[Node]] = {}

    def register(self, cls: type[Node], *, source: str = "") -> None:
        definition: NodeDefinition | None = getattr(cls, "definition", None)
        origin = f" from {source}" if source else ""
        if definition is None:
            raise HetumindError(f"{cls.__qualname__}{origin} is not decorated with @node")
        if definition.api_version != ENGINE_API_VERSION:
            raise HetumindError(
                f"node {definition.name!r}{origin} was built for engine API version "
                f"{definition.api_version}, this engine speaks version {ENGINE_API_VERSION}; "
                "upgrade the package that provides it"
            )
        for type_name in definition.type_names:
            existing = self._by_type.get(type_name)
            if existing is not None and existing is not cls:
                raise HetumindError(f"node type {type_name!r}{origin} is already registered")
            self._by_type[type_name] = cls

    def register_module(self, module_name: str, *, source: str = "") -> None:
        module = importlib.import_module(module_name)
        for value in vars(module).values():
            if isinstance(value, type) and issubclass(value, Node) and "definition" in vars(value):
                self.register(value, source=source or module_name)

    def get(self, type_name: str) -> type[Node] | None:
        return self._by_type.get(type_name)

    def __contains__(self, type_name: object) -> bool:
        return type_name in self._by_type

    def definitions(self) -> Iterator[NodeDefinition]:
        """Each registered node type once."""
        seen: set[str] = set()
        for cls in self._by_type.values():
            if cls.definition.name not in seen:
                seen.add(cls.definition.name)
                yield cls.definition

    def load_builtins(self) -> None:
        import hetumind.nodes.builtin as builtin

        for info in pkgutil.iter_modules(builtin.__path__):
            self.register_module(f"{builtin.__name__}.{info.name}")

    def load_entry_points(self) -> None:
        for ep in entry_points(group=ENTRY_POINT_GROUP):
            source = f"package entry point {ep.name!r} ({ep.value})"
            try:
                loaded = ep.load()
            except Exception as exc:  # a broken plugin must not take the engine down
                raise HetumindError(f"cannot load {source}: {exc}") from exc
            if isinstance(loaded, type):
                self.register(loaded, source=source)
            else:
                self.register_module(loaded.__name__, source=source)


@lru_cache(maxsize=1)
def default_registry() -> NodeRegistry:
    """Built-in nodes plus every installed `hetumind.nodes` entry point."""
    registry = NodeRegistry()
    registry.load_builtins()
    registry.load_entry_points()
    return registry

"""Which node types exist: the built-ins plus those third-party packages add.

Third-party packages register node classes under the entry-point group `hetumind.nodes`
(each entry point names a module or a Node subclass). A node built for another engine API
version is refused with a message naming the package.

Built-in modules are imported when one of their types is first asked for (see
hetumind.nodes._index for how the registry knows which module that is): a short run pays
only for the nodes it uses.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Iterator
from functools import lru_cache
from importlib.metadata import entry_points

from hetumind.errors import HetumindError
from hetumind.nodes import _index
from hetumind.nodes.api import ENGINE_API_VERSION, Node, NodeDefinition, TriggerKind

__all__ = ["NodeRegistry", "default_registry"]

ENTRY_POINT_GROUP = "hetumind.nodes"


class NodeRegistry:
    """Node classes by full type name (`hetumind.set`, `n8n-nodes-base.set`, ...)."""

    def __init__(self) -> None:
        self._by_type: dict[str, type[Node]] = {}
        self._pending: dict[str, str] = {}
        """Type names known from the index whose module is not imported yet."""

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
            pending = self._pending.pop(type_name, None)
            if (existing is not None and existing is not cls) or (
                pending is not None and pending != cls.__module__
            ):
                raise HetumindError(f"node type {type_name!r}{origin} is already registered")
            self._by_type[type_name] = cls

    def register_module(self, module_name: str, *, source: str = "") -> None:
        module = importlib.import_module(module_name)
        for value in vars(module).values():
            if isinstance(value, type) and issubclass(value, Node) and "definition" in vars(value):
                self.register(value, source=source or module_name)

    def get(self, type_name: str) -> type[Node] | None:
        cls = self._by_type.get(type_name)
        if cls is None and type_name in self._pending:
            self.register_module(self._pending[type_name])
            cls = self._by_type.get(type_name)
            if cls is None:  # the index was wrong after all: fall back to importing all
                self._pending.clear()
                self.load_builtins()
                cls = self._by_type.get(type_name)
        return cls

    def definition(self, type_name: str) -> NodeDefinition | None:
        """What `type_name` is (its traits), or None when no node has that type."""
        cls = self.get(type_name)
        return None if cls is None else cls.definition

    def trigger_kind(self, type_name: str) -> TriggerKind | None:
        """What starts a run at a node of `type_name` (None: not such a trigger)."""
        definition = self.definition(type_name)
        return None if definition is None else definition.trigger_kind

    def __contains__(self, type_name: object) -> bool:
        return isinstance(type_name, str) and self.get(type_name) is not None

    def definitions(self) -> Iterator[NodeDefinition]:
        """Each registered node type once."""
        for module in sorted(set(self._pending.values())):
            self.register_module(module)
        seen: set[str] = set()
        for cls in self._by_type.values():
            if cls.definition.name not in seen:
                seen.add(cls.definition.name)
                yield cls.definition

    def load_builtins(self, *, lazy: bool = False) -> None:
        """Register every built-in node type; with `lazy`, from the remembered index where
        it is current, importing each module only when one of its types is asked for."""
        import hetumind.nodes.builtin as builtin

        key = _index.fingerprint(list(builtin.__path__))
        if lazy:
            remembered = _index.read_index(key)
            if remembered is not None:
                for type_name, module in remembered.items():
                    if type_name not in self._by_type:
                        self._pending[type_name] = module
                return
        for info in pkgutil.iter_modules(builtin.__path__):
            self.register_module(f"{builtin.__name__}.{info.name}")
        prefix = f"{builtin.__name__}."
        _index.write_index(
            key,
            {t: c.__module__ for t, c in self._by_type.items() if c.__module__.startswith(prefix)},
        )

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
    registry.load_builtins(lazy=True)
    registry.load_entry_points()
    return registry

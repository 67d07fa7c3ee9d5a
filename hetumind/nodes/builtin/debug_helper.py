"""Debug Helper (n8n's `debugHelper` 1): do nothing, throw an error, use memory, or make
random test data.

Random data has n8n's shapes (user, email, address, creditCard, uuid, macAddress, ipv4,
ipv6, latLong, semver, url, nanoid) from a seeded generator: the same seed gives the same
items on every run, though not minifaker's values (docs/nodes/legacy.md). "Out of memory"
allocates the asked size up to MAX_MEMORY_MB and reports the process's memory use; a
bigger size is a clean error instead of taking the worker down.
"""

from __future__ import annotations

import random
import resource
import uuid
from collections.abc import Callable, Sequence
from typing import Any

from hetumind.errors import NodeExecutionError
from hetumind.items import ItemBatch
from hetumind.nodes.api import Node, NodeContext, NodeParams, node
from hetumind.nodes.item_wise import flat_map_items

__all__ = ["DebugHelper"]

MAX_MEMORY_MB = 256
MAX_ITEMS = 100_000
_FIRST = ("Ada", "Alan", "Grace", "Linus", "Ken", "Barbara", "Donald", "Edsger", "Radia")
_LAST = ("Lovelace", "Turing", "Hopper", "Torvalds", "Thompson", "Liskov", "Knuth", "Ritchie")
_STREETS = ("Main", "Oak", "Pine", "Maple", "Cedar", "Elm", "Park", "Lake", "Hill")
_CITIES = ("Springfield", "Riverside", "Franklin", "Greenville", "Bristol", "Salem")
_STATES = ("California", "Texas", "Oregon", "Ohio", "Maine", "Nevada", "Utah", "Iowa")
_COUNTRIES = ("France", "Japan", "Brazil", "Canada", "Kenya", "Norway", "Chile", "India")
_TLDS = ("com", "net", "org", "io", "dev")
_PASSWORD = "abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"


def _user(r: random.Random) -> dict[str, Any]:
    first, last = r.choice(_FIRST), r.choice(_LAST)
    return {
        "uid": str(uuid.UUID(int=r.getrandbits(128), version=4)),
        "email": _email_address(r, first, last),
        "firstname": first,
        "lastname": last,
        "password": "".join(r.choice(_PASSWORD) for _ in range(12)),
    }


def _email_address(r: random.Random, first: str, last: str) -> str:
    return f"{first}.{last}{r.randint(1, 99)}@example.{r.choice(_TLDS)}".lower()


def _luhn(digits: str) -> str:
    total = 0
    for i, d in enumerate(reversed(digits)):
        n = int(d) * (2 if i % 2 == 0 else 1)
        total += n - 9 if n > 9 else n
    return digits + str((10 - total % 10) % 10)


def _card(r: random.Random) -> dict[str, Any]:
    master = r.random() < 0.5
    prefix = str(r.randint(51, 55)) if master else "4"
    body = prefix + "".join(str(r.randint(0, 9)) for _ in range(15 - len(prefix)))
    return {
        "type": "MasterCard" if master else "Visa",
        "number": _luhn(body),
        "ccv": f"{r.randint(0, 999):03d}",
        "exp": f"{r.randint(1, 12):02d}/{r.randint(1, 40):02d}",
        "holder_name": f"{r.choice(_FIRST)} {r.choice(_LAST)}",
    }


_GENERATORS: dict[str, Callable[[random.Random], dict[str, Any]]] = {
    "user": _user,
    "email": lambda r: {
        "email": _email_address(r, r.choice(_FIRST), r.choice(_LAST)),
        "confirmed": r.random() < 0.5,
    },
    "address": lambda r: {
        "firstname": r.choice(_FIRST),
        "lastname": r.choice(_LAST),
        "street": f"{r.randint(1, 9999)} {r.choice(_STREETS)} Street",
        "city": r.choice(_CITIES),
        "zip": f"{r.randint(0, 99999):05d}",
        "state": r.choice(_STATES),
        "country": r.choice(_COUNTRIES),
    },
    "creditCard": _card,
    "uuid": lambda r: {"uuid": str(uuid.UUID(int=r.getrandbits(128), version=4))},
    "macAddress": lambda r: {"mac": ":".join(f"{r.randint(0, 255):02x}" for _ in range(6))},
    "ipv4": lambda r: {"ip": ".".join(str(r.randint(0, 255)) for _ in range(4))},
    "ipv6": lambda r: {"ipv6": ":".join(f"{r.randint(0, 0xFFFF):x}" for _ in range(8))},
    "latLong": lambda r: {"location": f"{r.uniform(-90, 90):.4f}, {r.uniform(-180, 180):.4f}"},
    "semver": lambda r: {"version": f"{r.randint(0, 20)}.{r.randint(0, 50)}.{r.randint(0, 99)}"},
    "url": lambda r: {
        "url": f"https://{r.choice(_LAST).lower()}{r.choice(_STREETS).lower()}.{r.choice(_TLDS)}"
    },
}


class DebugHelperParams(NodeParams):
    category: str = "throwError"


@node("debugHelper", versions=[1], display_name="DebugHelper", params=DebugHelperParams)
class DebugHelper(Node):
    """Causes problems intentionally and generates useful data for debugging."""

    def run(self, ctx: NodeContext, inputs: Sequence[ItemBatch]) -> list[ItemBatch]:
        batch = inputs[0]
        category = str(ctx.param("category", 0, "throwError"))
        return [
            flat_map_items(
                ctx,
                len(batch),
                lambda i: self._item(ctx, category, i),
                failures=(NodeExecutionError,),
                describe=_reason,
            )
        ]

    @staticmethod
    def _item(ctx: NodeContext, category: str, i: int) -> list[dict[str, Any]]:
        if category == "doNothing":
            return []  # n8n's node outputs nothing at all here
        if category == "throwError":
            message = str(ctx.param("throwErrorMessage", 0, "Node has thrown an error"))
            raise NodeExecutionError(message)
        if category == "oom":
            return [_use_memory(ctx.param("memorySizeValue", 0, 10))]
        if category == "randomData":
            return _random_items(ctx, i)
        raise NodeExecutionError(
            f"Unknown category {category!r}; use doNothing, throwError, oom or randomData"
        )


def _use_memory(size: Any) -> dict[str, Any]:
    try:
        megabytes = float(size)
    except (TypeError, ValueError):
        raise NodeExecutionError(f"memorySizeValue must be a number, got {size!r}") from None
    if megabytes > MAX_MEMORY_MB:
        raise NodeExecutionError(
            f"Out of memory: the node asked for {megabytes:g} MB, more than the "
            f"{MAX_MEMORY_MB} MB a Debug Helper may take (the run stops cleanly instead of "
            "losing its worker)"
        )
    block = bytearray(max(1, int(megabytes * 1024 * 1024)))
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    result = {"rss": rss, "heapTotal": rss, "heapUsed": len(block), "external": 0}
    del block
    return {**result, "arrayBuffers": 0}


def _random_items(ctx: NodeContext, i: int) -> list[dict[str, Any]]:
    kind = str(ctx.param("randomDataType", 0, "user"))
    try:
        count = int(ctx.param("randomDataCount", 0, 10))
    except (TypeError, ValueError):
        raise NodeExecutionError("randomDataCount must be a whole number") from None
    if not 0 <= count <= MAX_ITEMS:
        raise NodeExecutionError(f"randomDataCount must be between 0 and {MAX_ITEMS}")
    seed = str(ctx.param("randomDataSeed", 0, "") or "")
    # one stream per input item, so two items do not repeat each other's data
    r = random.Random(f"{seed}:{i}") if seed else random.Random()
    if kind == "nanoid":
        alphabet = str(ctx.param("nanoidAlphabet", 0, "") or "") or (
            "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
        )
        try:
            length = int(ctx.param("nanoidLength", 0, "16"))
        except (TypeError, ValueError):
            raise NodeExecutionError("nanoidLength must be a whole number") from None

        def make(rr: random.Random) -> dict[str, Any]:
            return {"nanoId": "".join(rr.choice(alphabet) for _ in range(length))}

    else:
        found = _GENERATORS.get(kind)
        if found is None:
            known = ", ".join([*_GENERATORS, "nanoid"])
            raise NodeExecutionError(f"Unknown randomDataType {kind!r}; use one of {known}")
        make = found  # type: ignore[assignment]
    generated = [make(r) for _ in range(count)]
    if ctx.param("randomDataSingleArray", 0, False):
        return [{"generatedItems": generated}]
    return generated


def _reason(exc: BaseException) -> str:
    assert isinstance(exc, NodeExecutionError)  # the only failure flat_map_items catches here
    return exc.reason

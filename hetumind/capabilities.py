"""What a workflow may reach: files, network destinations, credentials and `$env`.

Whoever starts an execution decides its `Capabilities` and puts them in the execution's
facts (`ExecutionInfo.capabilities`); nodes read them from their context, never from
globals, so a Ray worker obeys the policy of the server that started the run.

Two presets:

* `Capabilities.local()` (the CLI, `run_workflow`, tests): the user runs their own file on
  their own machine, so it reaches what they can. Files: anywhere but the hetumind home
  folder, or only `HETUMIND_FILES_ROOT` when set; network: anywhere; inline credentials and
  `$env` allowed; an OpenAI node without a key falls back to `OPENAI_API_KEY`.
* `Capabilities.server()` (`hetumind serve`): the workflow comes from whoever can reach
  the API. Files: only `HETUMIND_FILES_ROOT` (default `$HETUMIND_HOME/files`); network:
  public addresses only, unless `HETUMIND_ALLOWED_HOSTS` lists a host, a `*.domain` or a
  CIDR; no inline credentials; `$env` empty unless `HETUMIND_ALLOW_ENV_ACCESS=true`; no
  fallback to the server's own API keys; no Execute Command node (a shell on the server
  is a way around every other check) unless `HETUMIND_ENABLE_EXECUTE_COMMAND=true`.

Network checks are made on the addresses a name resolves to (so `2130706433`, `0x7f.1`,
`[::ffff:127.0.0.1]` and names pointing at loopback are all the same address), and the
connection is made to the address that was checked (no second lookup that DNS rebinding
could answer differently).
"""

from __future__ import annotations

import ipaddress
import os
import socket
from collections.abc import Mapping, Sequence
from contextvars import ContextVar
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Literal, Protocol, TypeVar

from hetumind.errors import Forbidden

__all__ = [
    "ALLOWED_HOSTS_ENV",
    "ALLOW_ENV_ENV",
    "EXECUTE_COMMAND_ENV",
    "FILES_ROOT_ENV",
    "BlockedEnvironment",
    "Capabilities",
    "CapabilityDenied",
    "FilePolicy",
    "NetworkPolicy",
    "capabilities_of",
    "current",
    "enter",
]

FILES_ROOT_ENV = "HETUMIND_FILES_ROOT"
BLOCK_HOME_ENV = "HETUMIND_BLOCK_FILE_ACCESS_TO_HOME"
ALLOWED_HOSTS_ENV = "HETUMIND_ALLOWED_HOSTS"
ALLOW_ENV_ENV = "HETUMIND_ALLOW_ENV_ACCESS"
EXECUTE_COMMAND_ENV = "HETUMIND_ENABLE_EXECUTE_COMMAND"
LEGACY_BLOCK_ENV_ENV = "HETUMIND_BLOCK_ENV_ACCESS_IN_NODE"
STORE_VARIABLES = ("HETUMIND_HOME", "HETUMIND_DATABASE_URL", "HETUMIND_BLOB_URL")

Mode = Literal["local", "server"]
IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


class CapabilityDenied(Forbidden):
    """A workflow tried to reach something its execution may not (a file outside the
    file root, a private address, an inline credential in server mode)."""


class BlockedEnvironment(dict[str, str]):
    """An empty `$env` that says it was blocked, not empty."""


def _true(value: str | None) -> bool:
    return (value or "").strip().lower() in ("1", "true", "yes", "on")


def _within(path: Path, root: Path) -> bool:
    return path == root or root in path.parents


@dataclass(frozen=True)
class FilePolicy:
    """Which local paths file nodes may read and write.

    `roots` empty means anywhere (local mode without HETUMIND_FILES_ROOT). The `home`
    folder (database, encryption key, blobs) is refused unless a root lies inside it, and
    then only that root's part of it.
    """

    roots: tuple[str, ...] = ()
    home: str | None = None

    def check(self, path: str | os.PathLike[str], *, node: str | None = None) -> Path:
        """`path` with `~`, `..` and symlinks resolved, or CapabilityDenied."""
        given = str(path)
        who = f"node {node!r}: " if node else ""
        try:
            resolved = Path(given).expanduser().resolve()
        except (OSError, RuntimeError, ValueError) as exc:  # a symlink loop, a NUL byte
            raise CapabilityDenied(f"{who}the path {given!r} cannot be resolved: {exc}") from None
        roots = [Path(r) for r in self.roots]
        inside = [r for r in roots if _within(resolved, r)]
        if roots and not inside:
            raise CapabilityDenied(
                f"{who}Access to the file is not allowed: {given} is outside {FILES_ROOT_ENV} "
                f"(allowed paths: {', '.join(self.roots)})"
            )
        if self.home is not None:
            home = Path(self.home)
            # A root inside home (home/files) opens that part only; one above home does not.
            opened = any(_within(r, home) and r != home for r in inside)
            if _within(resolved, home) and not opened:
                raise CapabilityDenied(
                    f"{who}Access to the file is not allowed: {given} is inside the "
                    f"hetumind home folder {home}"
                )
        return resolved


def _parse_allowed(raw: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    hosts: list[str] = []
    networks: list[str] = []
    for entry in raw.replace(";", ",").split(","):
        entry = entry.strip().lower()
        if not entry:
            continue
        try:
            networks.append(str(ipaddress.ip_network(entry.strip("[]"), strict=False)))
        except ValueError:
            hosts.append(entry.rstrip("."))
    return tuple(hosts), tuple(networks)


def _unwrap(address: IPAddress) -> IPAddress:
    """The IPv4 address inside an IPv4-mapped or -compatible IPv6 address."""
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return address.ipv4_mapped
        if address.sixtofour is not None:
            return address.sixtofour
        packed = int(address)
        if packed >> 32 == 0 and packed > 1:  # ::a.b.c.d (deprecated IPv4-compatible)
            return ipaddress.IPv4Address(packed)
    return address


def host_matches(host: str, pattern: str) -> bool:
    """n8n's domain rule: `example.com` exactly, `*.example.com` any subdomain of it."""
    host = host.lower().rstrip(".")
    pattern = pattern.strip().lower().rstrip(".")
    if pattern.startswith("*."):
        return host.endswith(pattern[1:])
    return host == pattern


@dataclass(frozen=True)
class NetworkPolicy:
    """Where outbound connections may go. Unrestricted: anywhere (local mode).

    Restricted: only public (globally routable) addresses, plus hosts and networks on the
    allow list. Frozen and hashable: it keys the HTTP client pools.
    """

    restricted: bool = False
    allowed_hosts: tuple[str, ...] = ()
    """Host names (`db.internal`) or `*.domain` patterns allowed whatever they resolve to."""
    allowed_networks: tuple[str, ...] = ()
    """CIDRs (`10.1.0.0/16`, `127.0.0.1/32`) whose addresses are allowed."""

    def host_allowed(self, host: str) -> bool:
        return any(host_matches(host, p) for p in self.allowed_hosts)

    def address_allowed(self, address: str | IPAddress) -> bool:
        ip = ipaddress.ip_address(address) if isinstance(address, str) else address
        if not self.restricted:
            return True
        for net in self.allowed_networks:
            network = ipaddress.ip_network(net)
            if ip in network or _unwrap(ip) in network:
                return True
        plain = _unwrap(ip)
        return plain.is_global and not plain.is_multicast

    def resolve(self, host: str, port: int, *, what: str = "") -> list[str]:
        """The addresses to connect to for `host`, each checked; CapabilityDenied when the
        destination is not allowed, OSError (socket.gaierror) when the name is unknown.

        Every address a name resolves to must be allowed: a name with one public and one
        private address is refused, so no choice of address can reach inside.
        """
        name = host.strip("[]")
        infos = socket.getaddrinfo(name, port, type=socket.SOCK_STREAM)
        addresses = list(dict.fromkeys(str(info[4][0]).split("%")[0] for info in infos))
        if not self.restricted or self.host_allowed(name):
            return addresses
        refused = [a for a in addresses if not self.address_allowed(a)]
        if refused:
            where = f"{what}: " if what else ""
            shown = name if refused == [name] else f"{name} ({', '.join(refused)})"
            raise CapabilityDenied(
                f"{where}connection to {shown} is not allowed: loopback, link-local and "
                f"private addresses are refused in server mode unless listed in "
                f"{ALLOWED_HOSTS_ENV}"
            )
        return addresses

    def pinned(self, host: str, port: int, *, what: str = "") -> str:
        """One checked address of `host`, for clients that take a host to connect to."""
        return self.resolve(host, port, what=what)[0]


@dataclass(frozen=True)
class Capabilities:
    """An execution's policy; see the module docstring for the two presets."""

    mode: Mode = "local"
    files: FilePolicy = field(default_factory=FilePolicy)
    network: NetworkPolicy = field(default_factory=NetworkPolicy)
    env_access: bool = True
    """`$env` shows the process environment."""
    inline_credentials: bool = True
    """A node's credential reference may carry its data inline (`{"data": {...}}`)."""
    environment_keys: bool = True
    """Nodes may fall back to keys in the process environment (OPENAI_API_KEY)."""
    execute_command: bool = True
    """The Execute Command node may run shell commands on this machine (server mode: only
    with HETUMIND_ENABLE_EXECUTE_COMMAND=true, as n8n 2.x excludes the node by default)."""
    store_env: tuple[tuple[str, str], ...] = ()
    """Where the execution's store is (HETUMIND_HOME, _DATABASE_URL, _BLOB_URL), for
    sub-workflows in other processes when `$env` is blocked; never shown to expressions."""
    project_id: str | None = None
    """The project whose stored workflows and credentials the execution may reach (its
    workflow's project; sub-workflows and their credentials are looked up there only).
    None: any (the CLI and other local runs, which have no projects)."""

    @property
    def server(self) -> bool:
        return self.mode == "server"

    @classmethod
    def local(cls, env: Mapping[str, str] | None = None) -> Capabilities:
        env = os.environ if env is None else env
        roots = _roots(env.get(FILES_ROOT_ENV, ""))
        hosts, networks = _parse_allowed(env.get(ALLOWED_HOSTS_ENV, ""))
        return cls(
            mode="local",
            files=FilePolicy(
                roots=roots,
                home=None if env.get(BLOCK_HOME_ENV, "").lower() == "false" else _home(env),
            ),
            network=NetworkPolicy(False, hosts, networks),
            env_access=not _true(env.get(LEGACY_BLOCK_ENV_ENV)),
        )

    @classmethod
    def server_mode(cls, env: Mapping[str, str] | None = None) -> Capabilities:
        env = os.environ if env is None else env
        home = _home(env)
        roots = _roots(env.get(FILES_ROOT_ENV, "")) or (str(Path(home) / "files"),)
        hosts, networks = _parse_allowed(env.get(ALLOWED_HOSTS_ENV, ""))
        return cls(
            mode="server",
            files=FilePolicy(roots=roots, home=home),
            network=NetworkPolicy("*" not in hosts, hosts, networks),  # "*": no restriction
            env_access=_true(env.get(ALLOW_ENV_ENV)) and not _true(env.get(LEGACY_BLOCK_ENV_ENV)),
            inline_credentials=False,
            environment_keys=False,
            execute_command=_true(env.get(EXECUTE_COMMAND_ENV)),
            store_env=tuple((k, env[k]) for k in STORE_VARIABLES if env.get(k)),
        )

    def environment(self) -> dict[str, str]:
        """`$env`: the process environment, or a BlockedEnvironment (reading `$env` is
        then an expression error, as n8n's "access to env vars denied")."""
        return dict(os.environ) if self.env_access else BlockedEnvironment()

    def check_file(self, path: str | os.PathLike[str], *, node: str | None = None) -> Path:
        return self.files.check(path, node=node)


def _home(env: Mapping[str, str]) -> str:
    return str(Path(env.get("HETUMIND_HOME") or "~/.hetumind").expanduser().resolve())


def _roots(raw: str) -> tuple[str, ...]:
    # n8n's N8N_RESTRICT_FILE_ACCESS_TO separates folders with ';'
    return tuple(str(Path(p.strip()).expanduser().resolve()) for p in raw.split(";") if p.strip())


_current: ContextVar[Capabilities | None] = ContextVar("hetumind_capabilities", default=None)


def enter(capabilities: Capabilities) -> None:
    """Make `capabilities` those of the node run starting in this thread (the engine's
    node context does this), for helpers that are not handed a context."""
    _current.set(capabilities)


def current() -> Capabilities:
    """The capabilities of the node run in this thread (the local preset outside one)."""
    return _current.get() or Capabilities.local()


def capabilities_of(ctx: object | None) -> Capabilities:
    """The capabilities of the execution a node context belongs to. Contexts built outside
    an execution (unit tests calling a node directly) get those of the node run in this
    thread, else the local preset."""
    execution = getattr(ctx, "execution", None)
    found = getattr(execution, "capabilities", None)
    return found if isinstance(found, Capabilities) else current()


def refuse_inline(caps: Capabilities, credential_type: str, node: str | None = None) -> None:
    if not caps.inline_credentials:
        who = f"node {node!r}: " if node else ""
        raise CapabilityDenied(
            f"{who}inline data for credential {credential_type!r} is not allowed in server "
            "mode; store the credential and reference it by id"
        )


def check_url_host(
    caps: Capabilities, url: str, *, what: str, default_port: int = 443
) -> Sequence[str]:
    """Resolve and check the host of `url` (AI base URLs and the like)."""
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    if not parts.hostname:
        raise CapabilityDenied(f"{what}: {url!r} has no host")
    port = parts.port or (80 if parts.scheme == "http" else default_port)
    try:
        return caps.network.resolve(parts.hostname, port, what=what)
    except OSError as exc:
        if not caps.network.restricted:
            return []
        raise CapabilityDenied(f"{what}: cannot resolve {parts.hostname!r} ({exc})") from None


def pin_host(caps: Capabilities, host: str, port: int, *, what: str) -> str:
    """The address a database client should connect to for `host`: `host` itself when the
    network is unrestricted, else a checked address (so the client does not look the name
    up again, where DNS rebinding could answer differently)."""
    if not caps.network.restricted:
        return host
    try:
        return caps.network.pinned(host, port, what=what)
    except OSError as exc:
        raise CapabilityDenied(f"{what}: cannot resolve {host!r} ({exc})") from None


class _Target(Protocol):
    @property
    def host(self) -> str: ...

    @property
    def port(self) -> int: ...


_T = TypeVar("_T", bound=_Target)


def pin_target(caps: Capabilities, target: _T, *, what: str) -> _T:
    """A database target (a dataclass with `host` and `port`) with its host checked and
    pinned as `pin_host` does, for clients that connect outside the HTTP layer."""
    host = pin_host(caps, target.host, target.port, what=what)
    return replace(target, host=host)  # type: ignore[type-var]

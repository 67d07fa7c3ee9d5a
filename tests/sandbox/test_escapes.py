"""A corpus of escape and abuse attempts in both languages.

Each attempt must end cleanly: a typed SandboxError (never another exception), or a value
that carries nothing from the host. Afterwards the host is unharmed (its secret file
unread and unchanged, no file written, no connection made to a listening socket, the
secret environment variable unseen) and the next run in the same process works.
"""

from __future__ import annotations

import json
import os
import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from hetumind.sandbox import (
    SandboxError,
    SandboxLimits,
    SandboxOutOfFuel,
    SandboxOutOfMemory,
    SandboxOutputTooLarge,
    SandboxStackOverflow,
    SandboxTimeout,
    UserCodeError,
    run_code,
)
from tests.sandbox.conftest import payload

SECRET = "hetumind-host-secret-7f3a"


@dataclass
class Host:
    secret_file: Path
    pwned: Path
    port: int
    accepted: list[Any]


@pytest.fixture(scope="module")
def host(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Host]:
    root = tmp_path_factory.mktemp("host")
    secret = root / "secret.txt"
    secret.write_text(SECRET)
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    accepted: list[Any] = []

    def accept() -> None:
        while True:
            try:
                conn, _ = listener.accept()
            except OSError:
                return
            accepted.append(conn)

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    old = os.environ.get("HETUMIND_TEST_SECRET")
    os.environ["HETUMIND_TEST_SECRET"] = SECRET
    yield Host(secret, root / "pwned.txt", listener.getsockname()[1], accepted)
    listener.close()
    if old is None:
        os.environ.pop("HETUMIND_TEST_SECRET", None)


QUICK = SandboxLimits(timeout_s=10.0, memory_mb=128, max_output_mb=1)
LOOP = SandboxLimits(timeout_s=1.0, fuel=10**13, max_output_mb=1)

# (id, language, code, limits, expected error type or None for "may return, but leak nothing")
JS: list[tuple[str, str, SandboxLimits, type[SandboxError] | None]] = [
    (
        "js_import_std",
        "const std = await import('std');\nreturn [{json: {f: std.loadFile('{secret}')}}];",
        QUICK,
        UserCodeError,
    ),
    (
        "js_import_os_exec",
        "const os = await import('os');\nos.exec(['/bin/sh', '-c', 'touch {pwned}']);",
        QUICK,
        UserCodeError,
    ),
    (
        "js_require_fs",
        "const fs = require('fs');\nreturn [{json: {f: fs.readFileSync('{secret}', 'utf8')}}];",
        QUICK,
        UserCodeError,
    ),
    ("js_process_env", "return [{json: {env: process.env}}];", QUICK, UserCodeError),
    (
        "js_constructor_chain",
        "const g = [].constructor.constructor('return this')();\nreturn [{json: {keys: Object.keys(g), p: typeof g.process, r: typeof g.require}}];",  # noqa: E501
        QUICK,
        None,
    ),
    (
        "js_function_ctor_import",
        "return await Function('return import(\"os\")')();",
        QUICK,
        UserCodeError,
    ),
    ("js_eval_import", "return await eval('import(\"std\")');", QUICK, UserCodeError),
    ("js_fetch", "return await fetch('http://127.0.0.1:{port}/');", QUICK, UserCodeError),
    (
        "js_xhr",
        "const x = new XMLHttpRequest();\nx.open('GET', 'http://127.0.0.1:{port}/');",
        QUICK,
        UserCodeError,
    ),
    (
        "js_webassembly",
        "return WebAssembly.compile(new Uint8Array([0, 97, 115, 109]));",
        QUICK,
        UserCodeError,
    ),
    ("js_worker", "new Worker('x.js');", QUICK, UserCodeError),
    ("js_raw_print", "print('forged');\nreturn [];", QUICK, UserCodeError),
    (
        "js_prototype_pollution",
        "Object.prototype.polluted = 'yes';\nArray.prototype.map = () => 'x';\nJSON.stringify = () => '{}';\nreturn [{json: {a: 1}}];",  # noqa: E501
        QUICK,
        None,
    ),
    (
        "js_proto_via_json",
        'const o = JSON.parse(\'{"__proto__": {"isAdmin": true}}\');\nreturn [{json: {admin: ({}).isAdmin === true}}];',  # noqa: E501
        QUICK,
        None,
    ),
    ("js_infinite_loop", "while (true) {}", LOOP, SandboxTimeout),
    ("js_infinite_async_loop", "for (;;) await null;", LOOP, SandboxTimeout),
    ("js_fuel", "let i = 0;\nwhile (true) i++;", SandboxLimits(fuel=50_000_000), SandboxOutOfFuel),
    (
        "js_deep_recursion",
        "function f(n) { return f(n + 1) + 1; }\nreturn f(0);",
        QUICK,
        SandboxStackOverflow,
    ),
    (
        "js_memory_bomb",
        "const a = [];\nfor (;;) a.push(new Float64Array(4e6));",
        QUICK,
        SandboxOutOfMemory,
    ),
    ("js_string_doubling", "let s = 'x';\nfor (;;) s = s + s;", QUICK, SandboxOutOfMemory),
    ("js_huge_logs", "for (;;) console.log('y'.repeat(10000));", QUICK, SandboxOutputTooLarge),
    (
        "js_huge_result",
        "return [{json: {s: 'z'.repeat(3 * 1024 * 1024)}}];",
        QUICK,
        SandboxOutputTooLarge,
    ),
]
PY: list[tuple[str, str, SandboxLimits, type[SandboxError] | None]] = [
    (
        "py_read_etc_passwd",
        "return [{'json': {'f': open('/etc/passwd').read()}}]",
        QUICK,
        UserCodeError,
    ),
    (
        "py_read_host_file",
        "return [{'json': {'f': open('{secret}').read()}}]",
        QUICK,
        UserCodeError,
    ),
    ("py_write_file", "with open('{pwned}', 'w') as fh:\n    fh.write('x')", QUICK, UserCodeError),
    ("py_listdir", "import os\nreturn [{'json': {'d': os.listdir('/')}}]", QUICK, UserCodeError),
    (
        "py_environ",
        "import os\nreturn [{'json': {'env': dict(os.environ), 'p': os.environ.get('PATH')}}]",
        QUICK,
        None,
    ),
    (
        "py_proc_environ",
        "return [{'json': {'e': open('/proc/self/environ').read()}}]",
        QUICK,
        UserCodeError,
    ),
    ("py_os_system", "import os\nos.system('touch {pwned}')", QUICK, UserCodeError),
    (
        "py_subprocess",
        "import subprocess\nsubprocess.run(['touch', '{pwned}'])",
        QUICK,
        UserCodeError,
    ),
    ("py_fork", "import os\nos.fork()", QUICK, UserCodeError),
    ("py_kill", "import os\nos.kill(1, 9)", QUICK, UserCodeError),
    (
        "py_socket",
        "import socket\ns = socket.socket()\ns.connect(('127.0.0.1', {port}))",
        QUICK,
        UserCodeError,
    ),
    (
        "py_urllib",
        "import urllib.request\nurllib.request.urlopen('http://127.0.0.1:{port}/')",
        QUICK,
        UserCodeError,
    ),
    ("py_ctypes", "import ctypes\nctypes.CDLL(None).system(b'id')", QUICK, UserCodeError),
    ("py_host_module", "import wasmtime", QUICK, UserCodeError),
    ("py_host_package", "import hetumind", QUICK, UserCodeError),
    ("py_thread", "import threading\nthreading.Thread(target=print).start()", QUICK, UserCodeError),
    (
        "py_builtins_tamper",
        "import builtins\nbuiltins.open = None\nbuiltins.len = None\nreturn [{'json': {'a': 1}}]",
        QUICK,
        None,
    ),
    ("py_infinite_loop", "while True:\n    pass", LOOP, SandboxTimeout),
    (
        "py_fuel",
        "i = 0\nwhile True:\n    i += 1",
        SandboxLimits(fuel=1_500_000_000),
        SandboxOutOfFuel,
    ),
    ("py_recursion", "def f(n):\n    return f(n + 1)\nreturn f(0)", QUICK, SandboxStackOverflow),
    (
        "py_memory_bomb",
        "a = []\nwhile True:\n    a.append(bytearray(10**7))",
        QUICK,
        SandboxOutOfMemory,
    ),
    ("py_huge_prints", "while True:\n    print('y' * 10000)", QUICK, SandboxOutputTooLarge),
    (
        "py_raw_stdout",
        "import sys\nwhile True:\n    sys.__stdout__.write('y' * 100000)",
        LOOP,
        SandboxOutputTooLarge,
    ),
]
CASES = [("javaScript", *c) for c in JS] + [("python", *c) for c in PY]


def test_corpus_is_large_enough() -> None:
    assert len(CASES) >= 30
    assert len(JS) >= 15 and len(PY) >= 15


@pytest.mark.parametrize(
    ("language", "name", "code", "limits", "expected"), CASES, ids=[c[1] for c in CASES]
)
def test_escape_attempt_fails_cleanly(
    host: Host,
    language: str,
    name: str,
    code: str,
    limits: SandboxLimits,
    expected: type[SandboxError] | None,
) -> None:
    code = (
        code.replace("{secret}", str(host.secret_file))
        .replace("{pwned}", str(host.pwned))
        .replace("{port}", str(host.port))
    )
    seen: Any = None
    try:
        outcome = run_code(language, code, payload(), limits)  # type: ignore[arg-type]
        seen = {"value": outcome.value, "logs": outcome.logs}
    except SandboxError as exc:
        if expected is None:
            pytest.fail(f"{name}: expected a harmless result, got {exc!r}")
        assert isinstance(exc, expected), f"{name}: {exc!r}"
        seen = exc.message
    else:
        assert expected is None, f"{name}: expected {expected.__name__}, got {seen!r}"
    # The host is unharmed ...
    assert SECRET not in json.dumps(seen)
    assert host.secret_file.read_text() == SECRET
    assert not host.pwned.exists()
    assert host.accepted == []
    # ... and the next run in this process sees a fresh interpreter.
    if language == "javaScript":
        check = "return [{json: {p: ({}).polluted === undefined, m: [1].map(x => x + 1)}}];"
        want = [{"json": {"p": True, "m": [2]}}]
    else:
        check = "return [{'json': {'n': len(_input.all()), 'o': open is not None}}]"
        want = [{"json": {"n": 1, "o": True}}]
    assert run_code(language, check, payload(), SandboxLimits()).value == want  # type: ignore[arg-type]


def test_constructor_chain_reaches_only_the_guest_global(host: Host) -> None:
    code = "const g = [].constructor.constructor('return this')();\nreturn {t: typeof g.process};"
    assert run_code("javaScript", code, payload(), QUICK).value == {"t": "undefined"}


def test_python_sees_an_empty_environment(host: Host) -> None:
    code = "import os\nreturn {'env': dict(os.environ)}"
    assert run_code("python", code, payload(), QUICK).value == {"env": {}}

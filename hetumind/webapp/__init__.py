"""The web app's built assets (from ui/, `make ui`): `static/` holds index.html and the
hashed files under assets/; serve_app/webapp.py serves them on the API's origin."""

from __future__ import annotations

from pathlib import Path

__all__ = ["STATIC_DIR"]

STATIC_DIR = Path(__file__).resolve().parent / "static"

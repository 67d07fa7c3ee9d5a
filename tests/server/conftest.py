"""The server tests' `server` fixture lives in tests/conftest.py: tests outside tests/server
use the same session-wide app (one Serve instance per Ray session)."""

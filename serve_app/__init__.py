"""Hetumind's Ray Serve application: REST API, webhooks, live events and the scheduler.

    serve run serve_app:app                 # or: hetumind serve
    serve deploy serve_app/config.yaml

`app` is built from HETUMIND_* environment variables when this module is imported.
"""

from serve_app.app import Api, build_app, create_fastapi_app
from serve_app.settings import ServerSettings

__all__ = ["Api", "ServerSettings", "app", "build_app", "create_fastapi_app"]

app = build_app()

"""The Serve application: the API ingress (FastAPI), the event bus and the scheduler.

`build_app()` returns the bound application; `serve_app:app` is the one `serve run` and
serve_app/config.yaml use. The Api deployment scales out (num_replicas); the EventBus and
the Scheduler always have exactly one replica.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from typing import Any

from fastapi import FastAPI
from fastapi_offline import FastAPIOffline
from ray import serve
from ray.serve.handle import DeploymentHandle

from hetumind.observability.logs import serve_logging_config
from serve_app.errors import install_error_handlers
from serve_app.events import EventBus
from serve_app.hardening import Hardening
from serve_app.routes import (
    admin,
    auth,
    chat,
    credentials,
    executions,
    forms,
    live,
    mcp,
    node_types,
    webhooks,
    workflows,
)
from serve_app.scheduler import Scheduler
from serve_app.services import Services, install, opened, services
from serve_app.settings import ServerSettings
from serve_app.webapp import install_webapp

__all__ = ["Api", "build_app", "create_fastapi_app"]

log = logging.getLogger(__name__)

API_VERSION = "1"


def create_fastapi_app() -> FastAPI:
    """The FastAPI app with every route and the JSON error shape.

    /docs and /redoc load Swagger UI and ReDoc from /docs/assets (fastapi-offline ships
    them), not from a CDN, so the pages work on machines without internet."""
    api = FastAPIOffline(
        static_url="/docs/assets",
        title="Hetumind",
        version=API_VERSION,
        description="n8n-compatible workflow automation on Ray: workflows, executions, "
        "credentials, webhooks and live events.",
    )
    install_error_handlers(api)

    @api.get("/healthz", tags=["health"])
    async def healthz() -> dict[str, Any]:
        svc = opened()
        return {"status": "ok", "store": None if svc is None else svc.store.dialect}

    # Webhooks first: they are the hot path, and routes are matched in order. Webhooks,
    # login and refresh are public; every other route depends on `principal` itself.
    for router in (
        chat.router,  # before webhooks: /webhook/<id>/chat is the chat's, not a webhook's
        forms.router,
        mcp.router,
        webhooks.router,
        auth.router,
        auth.keys_router,
        admin.users_router,
        admin.projects_router,
        admin.audit_router,
        workflows.router,
        executions.router,
        credentials.router,
        node_types.router,
        live.router,
    ):
        api.include_router(router)
    install_webapp(api)  # after the API: its fallback answers only what nothing else did
    _cors(api)
    api.add_middleware(Hardening)
    return api


def _cors(api: FastAPI) -> None:
    """Cross-origin calls only from HETUMIND_CORS_ORIGINS (none by default)."""
    origins = ServerSettings.from_env().cors_origins
    if origins:
        from fastapi.middleware.cors import CORSMiddleware

        api.add_middleware(
            CORSMiddleware,
            allow_origins=list(origins),
            allow_credentials="*" not in origins,
            allow_methods=["*"],
            allow_headers=["*"],
        )


fastapi_app = create_fastapi_app()


@serve.deployment(
    name="Api",
    num_replicas=1,
    max_ongoing_requests=200,
    ray_actor_options={"num_cpus": 0.1},
    logging_config=serve_logging_config(enable_access_log=False),
)
@serve.ingress(fastapi_app)
class Api:
    """One API replica: routes, webhook runs (inline backend for small workflows)."""

    async def __init__(  # type: ignore[misc]  # Serve awaits async constructors
        self,
        settings: ServerSettings,
        bus: DeploymentHandle | None = None,
        scheduler: DeploymentHandle | None = None,
    ) -> None:
        install(lambda: Services.open(settings, bus, scheduler))
        self._svc = await services()  # open now: the first request should not wait
        self._stop_task = (
            asyncio.get_running_loop().create_task(self._watch_signals(bus)) if bus else None
        )

    async def _watch_signals(self, bus: DeploymentHandle) -> None:
        """Stop requests and workflow changes made through other replicas."""
        poller = uuid.uuid4().hex
        _, cursor = await bus.poll_signals.remote(1 << 62, 0.0)  # start from now
        if self._svc.publisher is not None:
            self._svc.publisher.watched.update(await bus.watched.remote())
        while True:
            try:
                signals, cursor = await bus.poll_signals.remote(cursor, 15.0, poller)
                for kind, key in signals:
                    self._svc.on_signal(kind, key)
            except Exception:
                log.exception("watching signals failed")
                await asyncio.sleep(1.0)

    async def __del__(self) -> None:
        if self._stop_task is not None:
            self._stop_task.cancel()
        await self._svc.close()


def build_app(settings: ServerSettings | None = None, *, replicas: int = 1) -> Any:
    """The bound application: `serve.run(build_app())`."""
    settings = settings or ServerSettings.from_env()
    # The decorators turn the classes into Deployments, which mypy cannot see.
    bus = EventBus.bind()  # type: ignore[attr-defined]
    scheduler = Scheduler.bind(settings, bus)  # type: ignore[attr-defined]
    return Api.options(num_replicas=replicas).bind(  # type: ignore[attr-defined]
        settings, bus, scheduler
    )

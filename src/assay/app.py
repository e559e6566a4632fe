"""create_app(): the API, the compatible APIs and the web pages on one FastAPI app."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from assay import __version__
from assay.api import health, imports, projects, reports
from assay.api.compat import calliope, qmetry, xray
from assay.api.errors import install_error_handlers
from assay.jobs import open_queue
from assay.services.runtime import Runtime
from assay.web import pages

DESCRIPTION = """
Assay is a self-hosted test results hub. Import results in many formats through the
Calliope-compatible import API (`POST /api/v2/profile/{profile_id}/report/import[/{formatter}]`),
read them back as Calliope JSON, export them as JUnit XML.

Authenticate with an API key in the `x-api-key` header (`assay apikey create` makes one).
"""


def create_app(runtime: Runtime | None = None) -> FastAPI:
    """The ASGI app. Without a runtime, one is opened (and migrated) from the environment at startup."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        owned = runtime is None
        app.state.runtime = runtime or Runtime.open()
        # The job queue; embedded (no Redis), it is consumed by threads of this process.
        app.state.queue = open_queue(app.state.runtime)
        try:
            yield
        finally:
            app.state.queue.close()
            if owned:
                app.state.runtime.close()

    app = FastAPI(title="Assay", version=__version__, description=DESCRIPTION, lifespan=lifespan)
    if runtime is not None:
        app.state.runtime = runtime
    install_error_handlers(app)
    for module in (health, calliope, xray, qmetry, reports, imports, projects, pages):
        app.include_router(module.router)
    app.mount("/static", StaticFiles(directory=str(Path(pages.__file__).with_name("static"))), name="static")
    return app

"""GET /health: the process is up and the database answers."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import JSONResponse
from sqlalchemy import text

from assay.api.deps import RuntimeDep
from assay.store import read_transaction

router = APIRouter(tags=["Health"])


@router.get("/health", summary="Liveness and database check")
def health(runtime: RuntimeDep) -> JSONResponse:
    try:
        with read_transaction(runtime.engine) as connection:
            connection.execute(text("SELECT 1"))
    except Exception as error:  # the point of this endpoint is to say so, not to crash
        return JSONResponse({"status": "error", "database": f"{type(error).__name__}"}, status_code=503)
    return JSONResponse({"status": "ok", "database": runtime.engine.dialect.name})

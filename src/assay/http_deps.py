"""FastAPI dependencies shared by the JSON API (`api/deps.py`) and the web pages (`web/deps.py`):
the runtime of the app serving the request, and a read connection for the length of the request."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy import Connection

from assay.services.runtime import Runtime
from assay.store import read_transaction


def get_runtime(request: Request) -> Runtime:
    return request.app.state.runtime  # type: ignore[no-any-return]


RuntimeDep = Annotated[Runtime, Depends(get_runtime)]


def get_db(runtime: RuntimeDep) -> Iterator[Connection]:
    with read_transaction(runtime.engine) as connection:
        yield connection


Db = Annotated[Connection, Depends(get_db)]

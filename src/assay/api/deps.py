"""FastAPI dependencies: the runtime, a read connection, the caller's API key."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy import Connection

from assay.errors import NotFoundError
from assay.services.api_keys import ApiKey, authenticate, touch
from assay.services.runtime import Runtime
from assay.store import read_transaction, write_transaction


def get_runtime(request: Request) -> Runtime:
    return request.app.state.runtime  # type: ignore[no-any-return]


RuntimeDep = Annotated[Runtime, Depends(get_runtime)]


def get_db(runtime: RuntimeDep) -> Iterator[Connection]:
    with read_transaction(runtime.engine) as connection:
        yield connection


Db = Annotated[Connection, Depends(get_db)]


def key_from_headers(request: Request) -> str | None:
    """The API key, from x-api-key, apiKey, `Authorization: Bearer <key>` or Basic (any user, key as password)."""
    for header in ("x-api-key", "apikey"):
        if value := request.headers.get(header):
            return value
    authorization = request.headers.get("authorization", "")
    scheme, _, credentials = authorization.partition(" ")
    if scheme.lower() == "bearer":
        return credentials.strip()
    if scheme.lower() == "basic":
        try:
            decoded = base64.b64decode(credentials.strip()).decode()
        except ValueError:
            return None
        return decoded.partition(":")[2]
    return None


def get_api_key(request: Request, runtime: RuntimeDep) -> ApiKey:
    plaintext = key_from_headers(request)
    with read_transaction(runtime.engine) as connection:
        key = authenticate(connection, plaintext)
    if key.needs_touch(datetime.now(UTC)):
        with write_transaction(runtime.engine) as connection:
            touch(connection, key)
    return key


CurrentKey = Annotated[ApiKey, Depends(get_api_key)]


def require_project(key: ApiKey, project_id: int, what: str) -> None:
    """A key scoped to another project sees nothing there: the same 404 as a missing thing."""
    if not key.may_reach(project_id):
        raise NotFoundError(f"no {what}")

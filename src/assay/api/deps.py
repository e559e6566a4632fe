"""FastAPI dependencies of the JSON API: the runtime and a read connection (assay/http_deps.py), the API key."""

from __future__ import annotations

import base64
from datetime import UTC, datetime
from typing import Annotated

from fastapi import Depends, Request

from assay.errors import NotFoundError
from assay.http_deps import Db as Db  # shared with web/deps.py; re-exported
from assay.http_deps import RuntimeDep as RuntimeDep
from assay.services.api_keys import ApiKey, authenticate, touch
from assay.store import read_transaction, write_transaction


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

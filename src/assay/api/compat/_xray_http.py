"""What every Xray-compatible route shares: who is calling, the error shape, issue links.

Credentials, whatever the endpoint: Basic with any user name and an Assay API key as the password,
`Authorization: Bearer <API key>` (a Server personal access token), `Authorization: Bearer <token>`
(a token from `POST /api/v2/authenticate`, Xray Cloud's way), or `x-api-key`.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import Depends, Request

from assay.api.deps import RuntimeDep, key_from_headers
from assay.api.links import base_url
from assay.errors import AssayError, AuthenticationError, NotFoundError
from assay.services.api_keys import ApiKey, authenticate, touch
from assay.services.runtime import Runtime
from assay.services.secret_key import secret_key
from assay.services.xray_tokens import key_for_token, looks_like_token
from assay.store import read_transaction, write_transaction

# Path prefixes whose errors answer in Xray's shape, and Jira's for its issue resource.
XRAY_PREFIXES = ("/rest/raven/", "/api/v1/", "/api/v2/import/execution", "/api/v2/authenticate")
JIRA_PREFIXES = ("/rest/api/2/issue", "/rest/api/latest/issue")

_NO_CREDENTIALS = (
    "authentication is required: Basic auth with an Assay API key as the password, "
    "Authorization: Bearer <API key or token from /api/v2/authenticate>, or x-api-key"
)


def xray_error(error: AssayError, status: int) -> tuple[int, dict[str, Any]]:
    """Xray answers `{"error": "..."}`: 401 for credentials, 400 for anything wrong with the request."""
    if isinstance(error, AuthenticationError):
        return 401, {"error": error.message}
    if isinstance(error, NotFoundError) or status in (404, 405):
        return (status if status in (404, 405) else 404), {"error": error.message}
    if status >= 500:
        return 500, {"error": error.message}
    return 400, {"error": error.message}  # Xray has no 413: a file over the limit is a bad request too


def jira_error(error: AssayError, status: int) -> tuple[int, dict[str, Any]]:
    """Jira's REST error shape, for `/rest/api/2/issue/{key}`."""
    code, _ = xray_error(error, status)
    return code, {"errorMessages": [error.message], "errors": {}}


def get_xray_key(request: Request, runtime: RuntimeDep) -> ApiKey:
    """The caller's API key, from any of the credentials the module docstring lists."""
    plaintext = key_from_headers(request)
    if not plaintext:
        raise AuthenticationError(_NO_CREDENTIALS)
    with read_transaction(runtime.engine) as connection:
        if looks_like_token(plaintext):
            key = key_for_token(connection, secret_key(runtime.settings), plaintext)
        else:
            key = authenticate(connection, plaintext)
    if key.needs_touch(datetime.now(UTC)):
        with write_transaction(runtime.engine) as connection:
            touch(connection, key)
    return key


XrayKey = Annotated[ApiKey, Depends(get_xray_key)]


def issue_url(request: Request, runtime: Runtime, issue_id: str) -> str:
    """The `self` link of an issue: Jira's issue resource, which Assay answers too."""
    return f"{base_url(request, runtime)}/rest/api/2/issue/{issue_id}"

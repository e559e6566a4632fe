"""The HTTP status of each of Assay's errors: one table, read by the JSON API and the web pages alike.

`assay.errors` holds no HTTP; the API (`api/errors.py`) answers errors as JSON and the web UI
(`web/routing.py`) as pages, both with the status decided here.
"""

from __future__ import annotations

from assay.errors import (
    AssayError,
    AuthenticationError,
    ConflictError,
    InvalidInputError,
    NotFoundError,
    PayloadTooLargeError,
)

# Most specific first: the first class an error is an instance of decides.
_STATUS: tuple[tuple[type[AssayError], int], ...] = (
    (AuthenticationError, 401),
    (NotFoundError, 404),
    (PayloadTooLargeError, 413),
    (ConflictError, 409),
    (InvalidInputError, 400),
)


def status_for(error: AssayError) -> int:
    """The status code `error` answers with: its class decides; an unclassified error is a 400
    unless it is the internal error (500)."""
    for cls, status in _STATUS:
        if isinstance(error, cls):
            return status
    return 500 if error.code == "internal_error" else 400

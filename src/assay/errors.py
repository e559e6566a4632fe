"""Assay's exceptions. Each carries a stable `code` and a message a user can act on.

No HTTP in here: `assay/http_status.py` maps these classes onto status codes, in one place.
"""

from __future__ import annotations

from typing import Any


class AssayError(Exception):
    """Base of every error Assay raises on purpose."""

    code = "error"

    def __init__(self, message: str, *, code: str | None = None, **details: Any) -> None:
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code
        self.details = {k: v for k, v in details.items() if v is not None}

    def as_dict(self) -> dict[str, Any]:
        return {"code": self.code, "message": self.message, **self.details}


class InvalidInputError(AssayError):
    """The request or the file is not acceptable as it is (bad option, empty upload...)."""

    code = "invalid_input"


class ParseError(InvalidInputError):
    """A result file could not be read as the format it was taken for. Has line/column for XML."""

    code = "parse_error"

    def __init__(
        self,
        message: str,
        *,
        code: str | None = None,
        line: int | None = None,
        column: int | None = None,
        file: str | None = None,
        **details: Any,
    ) -> None:
        where = ""
        if file:
            where += f"{file}: "
        if line is not None:
            where += f"line {line}" + (f", column {column}" if column is not None else "") + ": "
        super().__init__(where + message, code=code, line=line, column=column, file=file, **details)


class UnsafeInputError(ParseError):
    """Hostile input: DTD entities, zip tricks, decompression bombs."""

    code = "unsafe_input"


class UnknownFormatError(InvalidInputError):
    """A format name that Assay does not know."""

    code = "unknown_format"


class DetectionError(InvalidInputError):
    """No format, or more than one with equal confidence, recognises the file."""

    code = "format_not_detected"


class PayloadTooLargeError(InvalidInputError):
    code = "payload_too_large"


class NotFoundError(AssayError):
    code = "not_found"


class AuthenticationError(AssayError):
    code = "unauthorized"


class ConflictError(AssayError):
    code = "conflict"


__all__ = [
    "AssayError",
    "AuthenticationError",
    "ConflictError",
    "DetectionError",
    "InvalidInputError",
    "NotFoundError",
    "ParseError",
    "PayloadTooLargeError",
    "UnknownFormatError",
    "UnsafeInputError",
]

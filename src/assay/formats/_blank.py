"""Telling an empty (blank) file from malformed XML before the XML parser sees it.

libxml2 calls a file of only whitespace "Start tag expected", a syntax error; an import wants the
stable `empty_file` code for it. (junit.py has the same guard as a private class.)
"""

from __future__ import annotations

from typing import IO, cast

from assay.errors import ParseError


def nonblank(stream: IO[bytes]) -> IO[bytes]:
    """`stream`, refused with ParseError(code="empty_file") when it holds only whitespace."""
    return cast(IO[bytes], NonBlank(stream))


class NonBlank:
    """Reads through `stream`, raising ParseError(code="empty_file") first if it holds only whitespace."""

    def __init__(self, stream: IO[bytes], size: int = 64 * 1024) -> None:
        self._stream = stream
        self._head = stream.read(size)
        while not self._head.lstrip(b"\xef\xbb\xbf").strip():
            more = stream.read(size)
            if not more:
                raise ParseError("the file is empty or holds no XML element", code="empty_file")
            self._head = more  # only whitespace so far: nothing worth keeping

    def read(self, size: int = -1) -> bytes:
        if not self._head:
            return self._stream.read(size)
        if size is None or size < 0:
            size = len(self._head)
        chunk, self._head = self._head[:size], self._head[size:]
        return chunk

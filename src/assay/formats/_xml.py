"""Safe, streaming XML reading shared by the XML formats.

lxml's iterparse with DTD loading, entity resolution and network access off. A document that
declares entities (billion laughs, external entities) is refused outright: no result format needs
them. lxml's errors become ParseError with line and column; lxml objects never leave a parser.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from typing import IO

from lxml import etree

from assay.errors import ParseError, UnsafeInputError

_ENTITY_DECL = re.compile(rb"<!ENTITY", re.IGNORECASE)
_DOCTYPE = re.compile(rb"<!DOCTYPE", re.IGNORECASE)
_EXTERNAL_DTD = re.compile(rb"<!DOCTYPE\s+[^\s\[>]+\s+(?:SYSTEM|PUBLIC)\b", re.IGNORECASE)


class _GuardedReader:
    """Wraps a binary stream and refuses DTD entity declarations as they stream past."""

    def __init__(self, stream: IO[bytes]) -> None:
        self._stream = stream
        self._tail = b""
        self.seen_doctype = False
        self.nonblank = False  # any byte but whitespace read (before the root, all reads come here)

    def read(self, size: int = -1) -> bytes:
        chunk = self._stream.read(size if size and size > 0 else 64 * 1024)
        if not chunk:
            return b""
        self.nonblank = self.nonblank or bool(chunk.strip())
        window = self._tail + chunk
        if self.seen_doctype or _DOCTYPE.search(window):
            self.seen_doctype = True
            # An inline DTD of ELEMENT/ATTLIST declarations is harmless (old UFT Results.xml carries one);
            # entity declarations and external DTDs are what attacks are made of.
            if _ENTITY_DECL.search(window) or _EXTERNAL_DTD.search(window):
                raise UnsafeInputError(
                    "the XML declares a DTD with entities or an external reference; "
                    "result files never need them, so Assay refuses to read it",
                    code="xml_entities_refused",
                )
        self._tail = window[-256:]
        return chunk

    def stop_guarding(self) -> None:
        """The root element has started: a DTD can no longer come (libxml2 refuses one after it), so
        the rest of the file is read as it is, without a scan of every chunk."""
        self.read = self._stream.read  # type: ignore[method-assign]


def local(tag: object) -> str:
    """An element's tag without its namespace: '{urn:x}testcase' -> 'testcase'.

    Called for every element of 100k-test files: each tag is worked out once and remembered
    (up to a bound, so a hostile file with endless distinct tags cannot grow the memo).
    """
    try:
        return _LOCAL_NAMES[tag]  # type: ignore[index]
    except (KeyError, TypeError):
        pass
    if not isinstance(tag, str):
        return ""
    name = tag.rsplit("}", 1)[-1] if tag[:1] == "{" else tag
    if len(_LOCAL_NAMES) < _LOCAL_NAMES_MAX:
        _LOCAL_NAMES[tag] = name
    return name


_LOCAL_NAMES: dict[str, str] = {}
_LOCAL_NAMES_MAX = 4096


def iterparse(
    stream: IO[bytes], events: tuple[str, ...] = ("start", "end"), tag: Sequence[str] | None = None
) -> Iterator[tuple[str, etree._Element]]:
    """Stream (event, element) pairs of elements only (comments and processing instructions are dropped).

    `tag` limits the events to those elements (`{*}name` matches `name` in any namespace or none);
    the others are still parsed into the tree, under the elements that are reported, but never
    cross into Python: the cheapest way to read a big file is to be told only of the elements
    that matter and read their children from the tree.

    Callers must `clear()` (or delete) elements they are done with to keep memory flat.
    Raises ParseError (with line/column) for malformed XML, UnsafeInputError for DTD tricks.
    """
    reader = _GuardedReader(stream)
    parser = etree.iterparse(
        reader,
        events=events,
        tag=tag,
        resolve_entities=False,
        load_dtd=False,
        no_network=True,
        dtd_validation=False,
        huge_tree=False,
        remove_comments=True,
        remove_pis=True,
        recover=False,
    )
    try:
        # start/end events are only ever fired for elements: nothing to filter
        events = iter(parser)
        first = next(events, None)
        if first is None:
            return
        reader.stop_guarding()  # an element was read: the prolog, and any DTD in it, is behind us
        yield first
        yield from events
    except etree.XMLSyntaxError as exc:
        line, column = exc.position if exc.position and exc.position[0] else (None, None)
        message = exc.msg or str(exc)
        # libxml2 appends "(line N, column M)"; we report them separately
        message = re.sub(r",?\s*line \d+, column \d+\s*$", "", message).strip()
        if not reader.nonblank:  # nothing but whitespace was read, whatever libxml2 calls it
            raise ParseError("the file is empty or holds no XML element", code="empty_file") from None
        if "no element found" in message:
            # what libxml2 says, with no position, when it meets an entity reference it cannot expand
            message = "an entity reference XML does not define (such as &nbsp;) or a file that breaks off"
        if not message or "Unregistered error message" in message:
            # libxml2 has no text for some errors met while reading in chunks, typically a CDATA
            # section or comment that never ends because the file was cut off
            message = "the XML breaks off here (a truncated file, or a CDATA section or comment never closed)"
        raise ParseError(f"malformed XML: {message}", line=line, column=column) from None


def text_of(element: etree._Element) -> str | None:
    """The element's text (CDATA included), or None when it has none."""
    text = element.text
    return text if text else None

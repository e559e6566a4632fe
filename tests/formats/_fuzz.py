"""Hypothesis strategies that make hostile input for a format, from the format's own sample files.

- `damaged(data)`: bytes flipped, the file cut, garbage inserted, ranges deleted or repeated;
- `generated_document(fmt)`: a new XML/JSON/text document built from the element, attribute and
  key names and short values the format's samples use, in random shapes and with odd values;
- `reshaped(fmt)`: a sample with its structure changed (a JSON value or an XML element replaced,
  dropped, duplicated or renamed), so a parser meets the right words in the wrong places.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from functools import cache
from typing import Any

from hypothesis import strategies as st
from lxml import etree

from assay.formats import Format
from tests.formats._samples import registered_samples

# Starts of documents that sniffers look at: random tails after them reach deeper branches.
PREFIXES = [
    b"", b"\xef\xbb\xbf", b"\xff\xfe", b"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n", b"<!-- c -->",
    b"<!DOCTYPE x>", b"<", b"{", b"[", b"{\"", b"[{\"", b"  \n\t", b"\x00\x00", b"Test Suite '",
    b"<testsuites>", b"<testsuite ", b"<test-run ", b"<test-results ", b"<assembly", b"<assemblies>",
    b"<TestRun ", b"<robot ", b"<testng-results>", b"<OWASPZAPReport ", b"<Catch2TestRun",
]


@cache
def _samples_of(name: str) -> tuple[bytes, ...]:
    return tuple(s.path.read_bytes() for s in registered_samples() if s.format is not None and s.format.name == name)


def sample_bytes(fmt: Format) -> list[bytes]:
    """The bytes of every sample file of `fmt`."""
    return list(_samples_of(fmt.name))


def kind_of(data: bytes) -> str:
    """xml, json or text: what a sample file is, judged from its first significant byte."""
    head = data.lstrip(b"\xef\xbb\xbf \t\r\n")
    if head.startswith(b"<!--"):
        head = head.split(b"-->", 1)[-1].lstrip()
    if head[:1] == b"<":
        return "xml"
    if head[:1] in (b"{", b"["):
        return "json"
    return "text"


@st.composite
def damaged(draw: st.DrawFn, data: bytes) -> bytes:
    """`data` with a few byte-level injuries: flips, a cut, inserted garbage, deleted or repeated ranges."""
    out = bytearray(data)
    for _ in range(draw(st.integers(1, 4))):
        op = draw(st.sampled_from(["flip", "truncate", "insert", "delete", "repeat", "markup"]))
        at = draw(st.integers(0, max(len(out) - 1, 0)))
        if op == "flip" and out:
            out[at] ^= draw(st.integers(1, 255))
        elif op == "truncate":
            del out[at:]
        elif op == "insert":
            out[at:at] = draw(st.binary(min_size=1, max_size=16))
        elif op == "delete":
            del out[at:at + draw(st.integers(1, 64))]
        elif op == "repeat":
            out[at:at] = out[at:at + draw(st.integers(1, 256))]
        else:  # characters that change the meaning of markup and JSON
            out[at:at] = draw(st.sampled_from([b"<", b">", b"&", b"\"", b"{", b"}", b"[", b"]", b",", b":",
                                               b"&#0;", b"\x00", b"\xff", b"]]>", b"<![CDATA[", b"\\u0000"]))
    return bytes(out)


@cache
def _vocabulary(name: str, kind: str) -> tuple[list[str], list[str], list[str]]:
    """(element or key names, attribute names, short string values) in a format's `kind` samples."""
    names: set[str] = set()
    attributes: set[str] = set()
    values: set[str] = set()
    for data in _samples_of(name):
        if kind_of(data) != kind:
            continue
        if kind == "xml":
            try:
                root = etree.fromstring(data.lstrip(), etree.XMLParser(resolve_entities=False, recover=True))
            except etree.XMLSyntaxError:
                continue
            for element in root.iter() if root is not None else ():
                if isinstance(element.tag, str):
                    names.add(etree.QName(element).localname)
                    for key, value in element.attrib.items():
                        attributes.add(etree.QName(key).localname)
                        if len(value) <= 40:
                            values.add(value)
        elif kind == "json":
            try:
                _walk_json(json.loads(data), names, values)
            except ValueError:
                continue
    return sorted(names) or ["x"], sorted(attributes) or ["x"], sorted(values) or [""]


def _walk_json(value: Any, keys: set[str], values: set[str]) -> None:
    if isinstance(value, dict):
        for key, item in value.items():
            keys.add(key)
            _walk_json(item, keys, values)
    elif isinstance(value, list):
        for item in value:
            _walk_json(item, keys, values)
    elif isinstance(value, str) and len(value) <= 40:
        values.add(value)


def _text(values: list[str]) -> st.SearchStrategy[str]:
    odd = st.sampled_from(["", "-1", "1e999", "NaN", "0x1F", "1.5", "3:04", "true", "2024-13-45T99:00:00", " "])
    return st.one_of(st.sampled_from(values), odd, st.text(max_size=12))


def _json_value(keys: list[str], values: list[str]) -> st.SearchStrategy[Any]:
    scalars = st.one_of(
        st.none(), st.booleans(), st.integers(-(2**70), 2**70), st.floats(allow_nan=False), _text(values)
    )
    return st.recursive(
        scalars,
        lambda inner: st.one_of(
            st.lists(inner, max_size=4),
            st.dictionaries(st.one_of(st.sampled_from(keys), st.text(max_size=6)), inner, max_size=6),
        ),
        max_leaves=24,
    )


def _xml_element(names: list[str], attributes: list[str], values: list[str]) -> st.SearchStrategy[str]:
    def element(children: st.SearchStrategy[list[str]]) -> st.SearchStrategy[str]:
        return st.builds(
            _render_element,
            st.sampled_from(names),
            st.dictionaries(st.sampled_from(attributes), _text(values), max_size=5),
            children,
            st.one_of(st.none(), _text(values)),
        )

    leaf = element(st.just([]))
    return st.recursive(leaf, lambda inner: element(st.lists(inner, max_size=4)), max_leaves=16)


def _render_element(tag: str, attrs: dict[str, str], children: list[str], text: str | None) -> str:
    def esc(value: str) -> str:
        cleaned = "".join(c for c in value if c in "\t\n\r" or (" " <= c <= "\ud7ff") or ("\ue000" <= c <= "\ufffd"))
        return cleaned.replace("&", "&amp;").replace("<", "&lt;").replace('"', "&quot;")

    attributes = "".join(f' {name}="{esc(value)}"' for name, value in attrs.items() if ":" not in name)
    local = tag.rsplit("}", 1)[-1]
    body = (esc(text) if text else "") + "".join(children)
    return f"<{local}{attributes}>{body}</{local}>"


@st.composite
def generated_document(draw: st.DrawFn, fmt: Format) -> bytes:
    """A document built from the words the format's own files use, in random shapes."""
    kinds = {kind_of(d) for d in sample_bytes(fmt)} or {"json", "xml"}
    kind = draw(st.sampled_from(sorted(kinds)))
    names, attributes, values = _vocabulary(fmt.name, kind)
    if kind == "xml":
        return ('<?xml version="1.0" encoding="UTF-8"?>\n' + draw(_xml_element(names, attributes, values))).encode()
    if kind == "json":
        top = draw(st.one_of(
            st.dictionaries(st.sampled_from(names), _json_value(names, values), max_size=8),
            st.lists(st.dictionaries(st.sampled_from(names), _json_value(names, values), max_size=8), max_size=3),
        ))
        return json.dumps(top, ensure_ascii=False).encode("utf-8", "surrogatepass")
    lines = draw(st.lists(st.one_of(st.sampled_from(_text_lines(fmt)), st.text(max_size=40)), max_size=30))
    return "\n".join(lines).encode("utf-8", "surrogatepass")


def _text_lines(fmt: Format) -> list[str]:
    return _lines_of(fmt.name)


@cache
def _lines_of(name: str) -> list[str]:
    lines = [line for data in _samples_of(name) for line in data.decode("utf-8", "replace").splitlines()]
    return sorted(set(lines))[:2000] or [""]


@st.composite
def reshaped(draw: st.DrawFn, fmt: Format) -> bytes:
    """A sample file with its structure changed: a JSON value or an XML element/attribute replaced."""
    original = draw(st.sampled_from(sample_bytes(fmt)))
    names, attributes, values = _vocabulary(fmt.name, kind_of(original))
    if kind_of(original) == "json":
        try:
            doc = json.loads(original)
        except ValueError:
            return original
        paths = list(_json_paths(doc))[:5000]
        for _ in range(draw(st.integers(1, 3))):
            path = draw(st.sampled_from(paths))
            doc = _replace_json(doc, path, draw(_json_value(names, values)))
            paths = list(_json_paths(doc))[:5000] or [()]
        return json.dumps(doc, ensure_ascii=False).encode("utf-8", "surrogatepass")
    if kind_of(original) == "xml":
        try:
            root = etree.fromstring(original.lstrip(), etree.XMLParser(resolve_entities=False))
        except etree.XMLSyntaxError:
            return original
        elements = [e for e in root.iter() if isinstance(e.tag, str)][:5000]
        for _ in range(draw(st.integers(1, 3))):
            element = draw(st.sampled_from(elements))
            op = draw(st.sampled_from(["attr", "drop-attr", "text", "remove", "duplicate", "rename"]))
            if op == "attr":
                element.set(draw(st.sampled_from(attributes)), _xml_safe(draw(_text(values))))
            elif op == "drop-attr" and element.attrib:
                del element.attrib[draw(st.sampled_from(sorted(element.attrib)))]
            elif op == "text":
                element.text = _xml_safe(draw(_text(values)))
            elif op == "remove" and element.getparent() is not None:
                element.getparent().remove(element)
                elements = [e for e in root.iter() if isinstance(e.tag, str)][:5000]
            elif op == "duplicate" and element.getparent() is not None:
                element.addnext(etree.fromstring(etree.tostring(element)))
                elements = [e for e in root.iter() if isinstance(e.tag, str)][:5000]
            elif op == "rename":
                element.tag = draw(st.sampled_from(names))
        return etree.tostring(root, xml_declaration=True, encoding="UTF-8")
    lines = original.decode("utf-8", "replace").splitlines()
    for _ in range(draw(st.integers(1, 5))):
        if not lines:
            break
        at = draw(st.integers(0, len(lines) - 1))
        lines[at] = draw(st.one_of(st.sampled_from(_text_lines(fmt)), st.text(max_size=60)))
    return "\n".join(lines).encode("utf-8", "surrogatepass")


def _xml_safe(value: str) -> str:
    return "".join(c for c in value if c in "\t\n\r" or (" " <= c <= "\ud7ff") or ("\ue000" <= c <= "\ufffd"))


def _json_paths(value: Any, path: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    yield path
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _json_paths(item, (*path, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _json_paths(item, (*path, index))


def _replace_json(doc: Any, path: tuple[Any, ...], new: Any) -> Any:
    if not path:
        return new
    parent = doc
    for step in path[:-1]:
        parent = parent[step]
    parent[path[-1]] = new
    return doc

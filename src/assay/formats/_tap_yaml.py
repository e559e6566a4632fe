"""The YAMLish of TAP diagnostics blocks (`  ---` ... `  ...`), read without a YAML library.

Covers what TAP producers write there (node-tap, tape, Test2/TAP::Harness, tap4j, Catch2): block
mappings and sequences, `- key: value` items, plain, single- and double-quoted scalars, `|`/`>`
block scalars with chomping indicators, `~`/null, booleans, numbers and empty `[]`/`{}`. Anything
it cannot read is returned as `{"raw": <the block text>}`: a diagnostic never fails an import.
"""

from __future__ import annotations

import json
import re
from typing import Any

_INT = re.compile(r"^[-+]?\d+$")
_FLOAT = re.compile(r"^[-+]?(?:\d+\.\d*|\.\d+|\d+)(?:[eE][-+]?\d+)?$")
# `key: value`, `"quoted key": value`, `'quoted': value`; the value (group 4) may be empty
_KEY = re.compile(
    r"^(?:\"((?:[^\"\\]|\\.)*)\"|'((?:[^']|'')*)'|([^\s#'\"\-?:][^:#]*?|-[^\s:#][^:#]*?))"
    r"\s*:(?:\s+(.*)|$)"
)
_MAX_DEPTH = 64


class _Unreadable(Exception):
    pass


def load(lines: list[str]) -> Any:
    """The value of a diagnostics block (its lines, `---`/`...` excluded); unreadable -> {"raw": text}."""
    rows = [line.rstrip() for line in lines]
    content = [row for row in rows if row.strip() and not row.lstrip().startswith("#")]
    if not content:
        return {}
    try:
        indent = _indent(content[0])
        value, end = _block(rows, _skip(rows, 0), indent, 0)
        if _skip(rows, end) < len(rows):
            raise _Unreadable
        return value
    except (_Unreadable, RecursionError, ValueError, IndexError):
        return {"raw": "\n".join(lines).strip("\n")}


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip(" "))


def _skip(rows: list[str], index: int) -> int:
    """The next row that holds content (blank and comment rows skipped)."""
    while index < len(rows) and (not rows[index].strip() or rows[index].lstrip().startswith("#")):
        index += 1
    return index


def _block(rows: list[str], index: int, indent: int, depth: int) -> tuple[Any, int]:
    if depth > _MAX_DEPTH:
        raise _Unreadable
    if index >= len(rows):
        return None, index
    text = rows[index][indent:]
    if text.startswith("- ") or text == "-":
        return _sequence(rows, index, indent, depth)
    if _KEY.match(text):
        return _mapping(rows, index, indent, depth)
    if len(_content_rows(rows, index, indent)) == 1:
        return _scalar(text.strip()), index + 1
    raise _Unreadable


def _content_rows(rows: list[str], index: int, indent: int) -> list[str]:
    found = []
    while index < len(rows) and (not rows[index].strip() or _indent(rows[index]) >= indent):
        if rows[index].strip():
            found.append(rows[index])
        index += 1
    return found


def _mapping(rows: list[str], index: int, indent: int, depth: int) -> tuple[dict[str, Any], int]:
    result: dict[str, Any] = {}
    while index < len(rows):
        row = rows[index]
        if _indent(row) != indent:
            if _indent(row) > indent:
                raise _Unreadable
            break
        match = _KEY.match(row[indent:])
        if match is None:
            break
        key = _key(match)
        rest = (match.group(4) or "").strip()
        result[key], index = _value(rows, index, indent, rest, depth)
        index = _skip(rows, index)
    return result, index


def _sequence(rows: list[str], index: int, indent: int, depth: int) -> tuple[list[Any], int]:
    items: list[Any] = []
    while index < len(rows) and _indent(rows[index]) == indent:
        text = rows[index][indent:]
        if not (text.startswith("- ") or text == "-"):
            break
        rest = text[1:].strip()
        inner = indent + 2
        if rest and _KEY.match(rest):
            # "- key: value" starts a mapping whose other keys line up under "key"
            rows = [*rows[:index], " " * inner + rest, *rows[index + 1:]]
            item, index = _mapping(rows, index, inner, depth + 1)
        else:
            item, index = _value(rows, index, indent, rest, depth)
        items.append(item)
        index = _skip(rows, index)
    return items, index


def _value(rows: list[str], index: int, indent: int, rest: str, depth: int) -> tuple[Any, int]:
    """The value after `key:` or `-` on row `index`: inline, a block scalar, or a nested block."""
    if rest.startswith(("|", ">")) and re.fullmatch(r"[|>][+-]?\d*", rest.split(" #")[0].strip()):
        return _block_scalar(rows, index + 1, indent, rest)
    if rest and not rest.startswith("#"):
        return _scalar(rest), index + 1
    following = _skip(rows, index + 1)
    if following >= len(rows):
        return None, following
    child_indent = _indent(rows[following])
    if child_indent > indent or (child_indent == indent and rows[following][indent:].startswith("- ")):
        return _block(rows, following, child_indent, depth + 1)
    return None, index + 1


def _block_scalar(rows: list[str], index: int, indent: int, header: str) -> tuple[str, int]:
    lines: list[str] = []
    block_indent: int | None = None
    while index < len(rows):
        row = rows[index]
        if row.strip():
            if _indent(row) <= indent:
                break
            if block_indent is None:
                block_indent = _indent(row)
            lines.append(row[min(block_indent, _indent(row)):])
        else:
            lines.append("")
        index += 1
    while lines and not lines[-1]:
        lines.pop()
    if header.startswith(">"):
        text = " ".join(line.strip() if line else "\n" for line in lines).replace(" \n ", "\n")
    else:
        text = "\n".join(lines)
    if "-" not in header:
        text += "\n"
    return text, index


def _key(match: re.Match[str]) -> str:
    if match.group(1) is not None:
        return _double_quoted(match.group(1))
    if match.group(2) is not None:
        return match.group(2).replace("''", "'")
    return match.group(3).strip()


def _scalar(text: str) -> Any:
    if text.startswith('"'):
        end = text.rfind('"')
        if end <= 0:
            raise _Unreadable
        return _double_quoted(text[1:end])
    if text.startswith("'"):
        end = text.rfind("'")
        if end <= 0:
            raise _Unreadable
        return text[1:end].replace("''", "'")
    text = re.split(r"\s+#", text, maxsplit=1)[0].strip()
    lowered = text.lower()
    if lowered in ("~", "null", ""):
        return None
    if lowered in ("true", "false"):
        return lowered == "true"
    if text in ("[]", "{}"):
        return [] if text == "[]" else {}
    if _INT.match(text):
        return int(text)
    if _FLOAT.match(text):
        return float(text)
    if text.startswith("[") and text.endswith("]") and "[" not in text[1:-1]:
        return [_scalar(part.strip()) for part in text[1:-1].split(",") if part.strip()]
    return text


def _double_quoted(body: str) -> str:
    try:
        value = json.loads(f'"{body}"')
    except ValueError:
        return body
    return value if isinstance(value, str) else body

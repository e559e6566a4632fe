"""Bad-input cases shared by the tests of the JSON formats of test runners (Xray, CTRF, Jest,
Mocha, Playwright, pytest-json-report): deterministic mutations of a real sample, so a parser is
shown to answer any shape with a ParseError and never a KeyError or TypeError.
"""

from __future__ import annotations

import copy
import random
from collections.abc import Iterator
from typing import Any

# What a mutation puts in place of a node: every JSON type, empty and not.
REPLACEMENTS: tuple[Any, ...] = (None, True, 0, -7, 3.5, "", "x", [], [1, "a"], {}, {"k": [None]})


def _paths(value: Any, path: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    yield path
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _paths(item, (*path, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _paths(item, (*path, index))


def _replace(document: Any, path: tuple[Any, ...], value: Any) -> Any:
    if not path:
        return value
    copied = copy.deepcopy(document)
    node = copied
    for step in path[:-1]:
        node = node[step]
    node[path[-1]] = value
    return copied


def mutations(document: Any, count: int = 300, seed: int = 7) -> list[tuple[str, Any]]:
    """`count` documents, each `document` with one node (anywhere in it) replaced by another type."""
    rng = random.Random(seed)
    paths = [p for p in _paths(document) if p]
    found = []
    for _ in range(count):
        path = rng.choice(paths)
        value = rng.choice(REPLACEMENTS)
        label = "/".join(str(step) for step in path) + f"={value!r}"
        found.append((label, _replace(document, path, value)))
    return found

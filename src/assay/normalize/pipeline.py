"""The normalize stage: parser events in, store-ready events out, one pass, nothing held but containers."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from assay.model import Container, Event, ReportMeta, Result
from assay.normalize.history import history_hash
from assay.normalize.smart import split_classname


@dataclass(frozen=True)
class NormalizeOptions:
    # Restructure into a more useful tree (package/class containers from class names).
    smart: bool = True
    # Same-titled containers under the same parent (e.g. the suites of several files) become one.
    merge_containers: bool = False


class _Normalizer:
    def __init__(self, options: NormalizeOptions) -> None:
        self.options = options
        # parser container -> the output container that stands for it
        self.out: dict[int, Container] = {}
        # parser containers seen but not (yet) needed by anything
        self.pending: dict[int, Container] = {}
        # suites that smart mode replaced by a Package/Class pair: parser id -> class container
        self.replaced: dict[int, Container] = {}
        self.children: dict[tuple[str | None, str, str | None], Container] = {}
        self.next_position: dict[str | None, int] = {}
        self.emitted: set[int] = set()
        self.queue: list[Event] = []
        self.replaced_sources: list[Container] = []
        self.placed: dict[tuple[int, str], Container | None] = {}

    # -- containers -----------------------------------------------------------------------------
    def _emit(self, container: Container) -> None:
        if id(container) in self.emitted:
            return
        if container.parent is not None:
            self._emit(container.parent)
        parent_hash = container.parent.history_hash if container.parent else None
        container.history_hash = history_hash(container.title, parent_hash)
        if container.position is None:
            container.position = self._position(container.parent)
        self.emitted.add(id(container))
        self.queue.append(container)

    def _position(self, parent: Container | None) -> int:
        key = parent.id if parent else None
        position = self.next_position.get(key, 0)
        self.next_position[key] = position + 1
        return position

    def _child(self, parent: Container | None, title: str, classification: str) -> Container:
        key = (parent.id if parent else None, title, classification)
        found = self.children.get(key)
        if found is None:
            found = Container(title=title, classification=classification, parent=parent)
            self.children[key] = found
            self._emit(found)
        return found

    def _resolve(self, source: Container | None) -> Container | None:
        """The output container standing for the parser's container `source` (emitted on demand)."""
        if source is None:
            return None
        if id(source) in self.replaced:
            return self.replaced[id(source)]
        found = self.out.get(id(source))
        if found is not None:
            return found
        self.pending.pop(id(source), None)
        parent = self._resolve(source.parent)
        target = source
        if self.options.merge_containers:
            key = (parent.id if parent else None, source.title, source.classification)
            existing = self.children.get(key)
            if existing is not None:
                target = existing
            else:
                self.children[key] = source
        if target is source:
            source.parent = parent
            self._emit(source)
        self.out[id(source)] = target
        return target

    # -- results --------------------------------------------------------------------------------
    def _place(self, result: Result) -> Container | None:
        suite = result.container
        if not self.options.smart or not result.classname:
            return self._resolve(suite)
        # Thousands of results share a suite and class name: decide once per pair.
        key = (id(suite), result.classname)
        placed = self.placed.get(key)
        if placed is None:
            placed = self.placed[key] = self._place_by_classname(suite, result.classname)
        return placed

    def _place_by_classname(self, suite: Container | None, classname: str) -> Container | None:
        split = split_classname(classname)
        if split is None:
            return self._resolve(suite)
        package, cls = split
        dotted = f"{package}.{cls}" if package else cls
        # PHPUnit names suites with backslashes (Foo\\BarTest) and classes with dots.
        suite_title = suite.title.strip().replace("\\", ".") if suite is not None else None
        if suite is not None and id(suite) not in self.out and suite_title == dotted:
            # Surefire-style suite named after its class: the Package/Class pair replaces it.
            replacement = self.replaced.get(id(suite))
            if replacement is None:
                self.pending.pop(id(suite), None)
                base = self._resolve(suite.parent)
                holder = self._child(base, package, "Package") if package else base
                replacement = self._child(holder, cls, "Class")
                self.replaced[id(suite)] = replacement
                self.replaced_sources.append(suite)
            return replacement
        base = self._resolve(suite)
        if base is not None and base.title.strip().replace("\\", ".") in (cls, dotted):
            # The file's own tree already groups these results by their class (a suite named after
            # it, pytest-json's class node, Assay's own export re-imported): nothing to add.
            return base
        holder = self._child(base, package, "Package") if package else base
        return self._child(holder, cls, "Class")

    def feed(self, event: Event) -> list[Event]:
        self.queue = []
        if isinstance(event, Container):
            if self.options.smart:
                self.pending[id(event)] = event
            else:
                self._resolve(event)
        elif isinstance(event, Result):
            container = self._place(event)
            event.container = container
            event.history_hash = history_hash(event.title, container.history_hash if container else None)
            if event.position is None:
                event.position = self._position(container)
            node = container
            while node is not None:
                node.counts.add(event.status)
                node = node.parent
            self.queue.append(event)
        elif isinstance(event, ReportMeta):
            self.queue.append(event)
        return self.queue

    def finish(self) -> list[Event]:
        """Containers nothing needed (empty suites) still belong to the tree."""
        self.queue = []
        # A suite's own data (Surefire's system-out, properties) may come after its testcases.
        for suite in self.replaced_sources:
            _inherit(self.replaced[id(suite)], suite)
        for source in list(self.pending.values()):
            if id(source) not in self.replaced:
                self._resolve(source)
        return self.queue


def _inherit(target: Container, source: Container) -> None:
    """Give the container that replaces a suite what the file said about that suite."""
    for name, value in source.properties.items():
        target.properties.setdefault(name, value)
    target.assets.extend(source.assets)
    target.tags.extend(t for t in source.tags if t not in target.tags)
    target.description = target.description or source.description
    target.duration = target.duration if target.duration is not None else source.duration


def normalize(events: Iterable[Event], options: NormalizeOptions | None = None) -> Iterator[Event]:
    """Yield `events` restructured (when smart), with history hashes, positions and cached counts.

    Containers come before anything inside them. Counts on containers are final only once the
    stream is exhausted; the store writes containers last for that reason.
    """
    normalizer = _Normalizer(options or NormalizeOptions())
    for event in events:
        yield from normalizer.feed(event)
    yield from normalizer.finish()

"""Link each result of an Xray import to its Test, creating Tests the way Xray does.

- Xray JSON: `testKey` names an existing Test (`testInfo` then updates its definition); without
  one, `testInfo` finds the Test by its definition (or summary) or creates it.
- JUnit, TestNG, NUnit, xUnit.net, Robot: a Generic Test identified by its full name (classname and
  name, or the suite path and name), reused by later imports. Xray's testcase properties are
  honoured: `test_key` / `test_id` name an existing Test, `test_summary`, `test_description`,
  `requirements` and `tags` fill the definition. A Robot tag that is a Test's key links to it.
- Cucumber, Behave: a Cucumber Test per scenario (feature and scenario name); a `@TEST_DEMO-7` tag
  names an existing Test, a `@DEMO-7` tag links to the Test if there is one.

Results stream through in chunks, so each chunk costs a few queries however many tests it has.
A key that names no Test is refused with the place it was given, and nothing is stored.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection

from assay.errors import InvalidInputError
from assay.model import Container, Event, Result
from assay.services.catalog import (
    ISSUE_KEY,
    TestDraft,
    create_tests,
    find_tests,
    identity_hash,
    key_kind,
    normalize_type,
    update_test,
)

CHUNK = 500
_TEST_TAG = re.compile(r"^TEST_([A-Z][A-Z0-9_]*-[1-9][0-9]*)$", re.IGNORECASE)
_GHERKIN = frozenset({"cucumber", "behave"})
_HOOKS = frozenset({"Before", "After", "BeforeStep", "AfterStep", "Hook"})
_KINDS = {"report": "a Test Execution", "test_plan": "a Test Plan"}


@dataclass
class _Ref:
    """What one result says about its Test."""

    result: Result
    where: str  # for messages: `tests[3]`, `testcase "com.acme.CartTest.adds"`
    key: str | None = None  # must name an existing Test
    test_id: int | None = None  # JUnit `test_id`: must name an existing Test
    maybe_keys: list[str] = field(default_factory=list)  # tags that may be a Test's key
    draft: TestDraft | None = None  # how to find or create the Test by what it is
    changes: dict[str, Any] = field(default_factory=dict)  # applied to the Test found
    row: dict[str, Any] | None = None


class TestLinker:
    """Sets `test_id` and `test_key` on the results of an event stream (see the module docstring)."""

    __test__ = False  # a domain name, not a pytest class

    def __init__(
        self,
        connection: Connection,
        fmt: str,
        project_id: int,
        may_reach: Callable[[int], bool],
        new_test_fields: dict[str, Any] | None = None,
    ) -> None:
        self.connection = connection
        self.fmt = fmt
        self.project_id = project_id
        self.may_reach = may_reach
        self.new_test_fields = new_test_fields or {}
        self.linked: dict[int, dict[str, Any]] = {}  # test id -> row, in order of first appearance
        self.created: list[str] = []
        self._index = 0

    def link(self, events: Iterable[Event]) -> Iterator[Event]:
        """The same events, each result linked once its chunk is resolved. Raises InvalidInputError."""
        buffer: list[Event] = []
        pending: list[_Ref] = []
        for event in events:
            buffer.append(event)
            if isinstance(event, Result):
                pending.append(self._ref(event))
                if len(pending) >= CHUNK:
                    self._resolve(pending)
                    yield from buffer
                    buffer, pending = [], []
        if pending:
            self._resolve(pending)
        yield from buffer

    # -- what a result says ----------------------------------------------------------------------
    def _ref(self, result: Result) -> _Ref:
        if self.fmt == "xray":
            ref = self._xray_ref(result, f"tests[{self._index}]")
            self._index += 1
            return ref
        if self.fmt in _GHERKIN:
            return self._gherkin_ref(result)
        return self._generic_ref(result)

    def _xray_ref(self, result: Result, where: str) -> _Ref:
        info = result.json_data.get("testInfo")
        info = info if isinstance(info, dict) else {}
        key = (result.test_key or "").strip().upper() or None
        ref = _Ref(result=result, where=where, key=key)
        if key is not None:
            ref.changes = _test_info_changes(info)
            return ref
        if not info:
            raise InvalidInputError(
                f"{where}: a test needs a testKey (an existing Test) or a testInfo (to find or create one)",
                code="no_test_identity",
            )
        changes = _test_info_changes(info)
        summary = changes.get("title")
        definition = changes.get("definition", {}).get("definition")
        if not summary and not definition:
            raise InvalidInputError(f"{where}.testInfo: a summary is needed to create a Test", code="no_test_summary")
        test_type = changes.get("type") or ("Manual" if "steps" in changes.get("definition", {}) else "Generic")
        wording = definition if isinstance(definition, str) and definition.strip() else summary
        ref.draft = TestDraft(
            title=summary or str(definition)[:255],
            identity=f"xray:{test_type}:{wording}",
            type=test_type,
            definition=changes.get("definition", {}),
            labels=changes.get("labels", []),
        )
        return ref

    def _generic_ref(self, result: Result) -> _Ref:
        full = f"{result.classname}.{result.title}" if result.classname else _path(result)
        ref = _Ref(result=result, where=f'test "{full}"', key=(result.test_key or "").strip().upper() or None)
        props = result.properties
        raw_id = _text(props.get("test_id"))
        if raw_id is not None:
            if not raw_id.isdigit():
                raise InvalidInputError(
                    f"{ref.where}: test_id {raw_id!r} is not a Test id (a number)", code="bad_test_id"
                )
            ref.test_id = int(raw_id)
        keys = [tag for tag in result.tags if ISSUE_KEY.match(tag.upper())]
        if self.fmt == "robot":
            ref.maybe_keys = [k.upper() for k in keys]
        labels = [tag for tag in result.tags if tag not in keys]
        definition: dict[str, Any] = {"definition": full}
        # The junit format moves `test_description` into the result's description.
        if description := _text(props.get("test_description")) or _text(result.description):
            definition["description"] = description
        requirements = _split(props.get("requirements")) + _split(props.get("requirement"))
        if requirements:
            definition["requirements"] = requirements
        summary = _text(props.get("test_summary"))
        ref.changes = {k: v for k, v in (("title", summary), ("labels", labels)) if v}
        if len(definition) > 1:
            ref.changes["definition"] = {k: v for k, v in definition.items() if k != "definition"}
        ref.draft = TestDraft(
            title=summary or result.title,
            identity=f"generic:{full}",
            type="Generic",
            path=full,
            definition=definition,
            labels=labels,
        )
        return ref

    def _gherkin_ref(self, result: Result) -> _Ref:
        feature = result.classname or (result.container.title if result.container else "")
        ref = _Ref(result=result, where=f'scenario "{result.title}"')
        labels = []
        for tag in result.tags:
            if match := _TEST_TAG.match(tag):
                ref.key = match.group(1).upper()
            elif ISSUE_KEY.match(tag.upper()):
                ref.maybe_keys.append(tag.upper())
            else:
                labels.append(tag)
        steps = [
            f"{(s.keyword or '').strip()} {s.title}".strip()
            for s in result.steps
            if (s.keyword or "").strip() not in _HOOKS and not (s.data or {}).get("background")
        ]
        ref.draft = TestDraft(
            title=result.title,
            identity=f"cucumber:{feature}\x1f{result.title}",
            type="Cucumber",
            path=f"{feature}: {result.title}",
            definition={"definition": "\n".join(steps)} if steps else {},
            labels=labels,
        )
        return ref

    # -- finding and creating Tests --------------------------------------------------------------
    def _resolve(self, refs: list[_Ref]) -> None:
        keys = {r.key for r in refs if r.key} | {k for r in refs for k in r.maybe_keys}
        ids = {r.test_id for r in refs if r.test_id is not None}
        found = [row for row in find_tests(self.connection, keys=keys, ids=ids) if self.may_reach(row["project_id"])]
        by_key = {row["key"]: row for row in found}
        by_id = {row["id"]: row for row in found}
        by_identity: list[_Ref] = []
        for ref in refs:
            if ref.test_id is not None:
                ref.row = by_id.get(ref.test_id)
                if ref.row is None:
                    raise InvalidInputError(
                        f"{ref.where}: test_id {ref.test_id}: no Test has this id", code="unknown_test"
                    )
            elif ref.key is not None:
                ref.row = by_key.get(ref.key)
                if ref.row is None:
                    raise InvalidInputError(self._unknown(ref), code="unknown_test")
            else:
                ref.row = next((by_key[k] for k in ref.maybe_keys if k in by_key), None)
            if ref.row is None:
                by_identity.append(ref)
        self._find_or_create(by_identity)
        self._apply_changes(refs)
        for ref in refs:
            assert ref.row is not None
            ref.result.test_id = ref.row["id"]
            ref.result.test_key = ref.row["key"]
            self.linked.setdefault(ref.row["id"], ref.row)

    def _unknown(self, ref: _Ref) -> str:
        field_name = "testKey" if self.fmt == "xray" else ("tag @TEST_" if self.fmt in _GHERKIN else "test_key")
        where = f"{ref.where}.testKey" if self.fmt == "xray" else f"{ref.where}: {field_name}"
        kind = key_kind(self.connection, ref.key or "")
        if kind in _KINDS:
            return f"{where}: {ref.key} is {_KINDS[kind]}, not a Test"
        return f"{where}: no Test has the key {ref.key}"

    def _find_or_create(self, refs: list[_Ref]) -> None:
        if not refs:
            return
        identities = {ref.draft.identity for ref in refs if ref.draft and ref.draft.identity}
        hashes = {identity_hash(i): i for i in identities}
        rows = find_tests(self.connection, project_id=self.project_id, hashes=hashes)
        by_identity = {hashes[row["history_hash"]]: row for row in rows}
        drafts: dict[str, TestDraft] = {}
        for ref in refs:
            assert ref.draft is not None and ref.draft.identity is not None
            if ref.draft.identity not in by_identity and ref.draft.identity not in drafts:
                drafts[ref.draft.identity] = self._with_new_test_fields(ref.draft)
        for row in create_tests(self.connection, self.project_id, list(drafts.values())):
            by_identity[hashes[row["history_hash"]]] = row
            self.created.append(row["key"])
        for ref in refs:
            assert ref.draft is not None and ref.draft.identity is not None
            ref.row = by_identity[ref.draft.identity]
            if ref.draft.identity in drafts:
                ref.changes = {}  # made from this very draft

    def _with_new_test_fields(self, draft: TestDraft) -> TestDraft:
        fields = dict(self.new_test_fields)
        labels = fields.pop("labels", None)
        if isinstance(labels, list):
            draft.labels += [str(label) for label in labels if str(label) not in draft.labels]
        if isinstance(summary := fields.pop("summary", None), str) and summary.strip() and not draft.title:
            draft.title = summary.strip()
        if fields:
            draft.definition = {**draft.definition, "fields": fields}
        return draft

    def _apply_changes(self, refs: list[_Ref]) -> None:
        """testInfo and testcase properties update the Test they name (the last word wins)."""
        merged: dict[int, dict[str, Any]] = {}
        for ref in refs:
            if ref.changes and ref.row is not None:
                merged.setdefault(ref.row["id"], {}).update(ref.changes)
        rows = {ref.row["id"]: ref.row for ref in refs if ref.row is not None}
        for test_id, changes in merged.items():
            row = rows[test_id]
            values: dict[str, Any] = {}
            if changes.get("title") and changes["title"] != row["title"]:
                values["title"] = changes["title"]
            if changes.get("type") and changes["type"] != row["type"]:
                values["type"] = changes["type"]
            if "definition" in changes:
                definition = {**(row["definition"] or {}), **changes["definition"]}
                if definition != (row["definition"] or {}):
                    values["definition"] = definition
            if "labels" in changes:
                labels = list(dict.fromkeys([*(row["labels"] or []), *changes["labels"]]))
                if labels != (row["labels"] or []):
                    values["labels"] = labels
            if values:
                update_test(self.connection, test_id, values)
                row.update(values)


def _test_info_changes(info: dict[str, Any]) -> dict[str, Any]:
    """An Xray JSON testInfo as changes to a Test: summary, type, labels, and its definition."""
    changes: dict[str, Any] = {}
    if summary := _text(info.get("summary")):
        changes["title"] = summary
    if kind := _text(info.get("type")) or _text(info.get("testType")):
        changes["type"] = normalize_type(kind)
    labels = info.get("labels")
    if isinstance(labels, str):
        labels = [labels]
    if isinstance(labels, list) and labels:
        changes["labels"] = [str(label) for label in labels if str(label).strip()]
    definition = {
        k: v
        for k, v in info.items()
        if k not in ("summary", "type", "testType", "projectKey", "labels") and v not in (None, "", [])
    }
    if definition:
        changes["definition"] = definition
    return changes


def _path(result: Result) -> str:
    """The titles of the result's containers and its own, dot-joined (Robot: suite.suite.test)."""
    titles = [result.title]
    node: Container | None = result.container
    while node is not None:
        titles.append(node.title)
        node = node.parent
    return ".".join(reversed(titles))


def _text(value: Any) -> str | None:
    if isinstance(value, list):  # a property given twice
        value = value[-1] if value else None
    if value is None:
        return None
    text = str(value).strip()
    return text or None


def _split(value: Any) -> list[str]:
    values = value if isinstance(value, list) else [value]
    return [part.strip() for v in values if isinstance(v, str) for part in v.split(",") if part.strip()]


__all__ = ["TestLinker"]

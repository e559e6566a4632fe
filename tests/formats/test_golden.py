"""Golden files: every sample file, parsed and normalized, beside the tree a user would see.

For each corpus file (../shared/corpus) and each file under tests/formats/files/<format>/, the
normalized tree (smart mode, as an import stores it) is rendered as stable JSON and compared with
tests/formats/golden/<folder>/<file>.json. After a deliberate change to a parser or to normalize:

    .venv/bin/pytest tests/formats/test_golden.py --update-goldens

and read the diff before committing it. A golden holds no ids and nothing of "now"; history
hashes are stable (uuid5 of titles) and kept, shortened, so a change of test identity shows.
A file the parser refuses has its error code and message as its golden.
"""

from __future__ import annotations

import io
import json
from datetime import datetime
from typing import Any

import pytest

from assay.errors import ParseError
from assay.model import Asset, Container, Event, ReportMeta, Result, Step
from assay.normalize import NormalizeOptions, normalize
from tests.formats._samples import GOLDEN, Sample, registered_samples, samples
from tests.formats.helpers import (
    EXPECTED_OVERRIDES,
    assert_matches_expected,
    expected_counts,
    results_of,
)

# Long failure messages are cut here: the golden shows which message, not all of it.
MESSAGE_CHARS = 160


def _params(items: list[Sample]) -> list[Any]:
    return [pytest.param(s, id=s.id) for s in items]


def parse_normalized(sample: Sample) -> list[Event]:
    """The sample parsed with its format and normalized as an import would (smart mode)."""
    fmt = sample.format
    assert fmt is not None
    stream = fmt.parse(io.BytesIO(sample.path.read_bytes()), {})
    return list(normalize(stream, NormalizeOptions(smart=True)))


# -- rendering ------------------------------------------------------------------------------------


def _first_line(text: str | None) -> str | None:
    if not text:
        return None
    line = text.strip().splitlines()[0] if text.strip() else ""
    return line if len(line) <= MESSAGE_CHARS else line[:MESSAGE_CHARS] + "…"


def _when(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def _counts(container: Container) -> dict[str, int]:
    counts = container.counts.as_dict(prefix="")
    return {name: n for name, n in counts.items() if n or name == "total"}


def _asset_names(assets: list[Asset]) -> list[str]:
    return [a.name for a in assets]


def _step_total(steps: list[Step]) -> int:
    return sum(1 + _step_total(s.steps) for s in steps)


def _result(result: Result) -> dict[str, Any]:
    node: dict[str, Any] = {"result": result.title, "status": result.status.label, "duration": result.duration}
    optional = {
        "exception": result.exception_name,
        "message": _first_line(result.exception_description),
        "steps": len(result.steps),
        "all_steps": _step_total(result.steps) if _step_total(result.steps) != len(result.steps) else 0,
        "assets": _asset_names(result.assets),
        "tags": list(result.tags),
        "flaky": result.flaky,
        "history": (result.history_hash or "")[:8],
    }
    node.update({k: v for k, v in optional.items() if v})
    return node


def _container(container: Container, children: list[dict[str, Any]]) -> dict[str, Any]:
    node: dict[str, Any] = {
        "container": container.title,
        "classification": container.classification,
        "status": container.status.label if container.status is not None else None,
        "counts": _counts(container),
    }
    if container.tags:
        node["tags"] = list(container.tags)
    if container.assets:
        node["assets"] = _asset_names(container.assets)
    node["children"] = children
    return node


def _report(metas: list[ReportMeta]) -> dict[str, Any]:
    """The ReportMetas merged as the store merges them: the first value given for a field stays."""
    merged: dict[str, Any] = {}
    properties: list[str] = []
    tags: list[str] = []
    assets: list[str] = []
    for meta in metas:
        for name in ("title", "date", "started_at", "finished_at", "duration", "build", "os", "platform"):
            value = getattr(meta, name)
            if isinstance(value, datetime):
                value = _when(value)
            if value not in (None, "") and name not in merged:
                merged[name] = value
        if meta.description and "description" not in merged:
            merged["description"] = _first_line(meta.description)
        properties += [p for p in meta.properties if p not in properties]
        tags += [t for t in meta.tags if t not in tags]
        assets += _asset_names(meta.assets)
    if properties:
        merged["property_names"] = sorted(properties)
    if tags:
        merged["tags"] = tags
    if assets:
        merged["assets"] = assets
    return merged


def render(sample: Sample) -> dict[str, Any]:
    """The golden document of `sample`: what the file became, or the error it was refused with."""
    head: dict[str, Any] = {"source": sample.id, "format": sample.format_name}
    try:
        events = parse_normalized(sample)
    except ParseError as error:
        return {**head, "error": {"code": error.code, "message": error.message}}
    containers = [e for e in events if isinstance(e, Container)]
    results = results_of(events)
    kids: dict[int | None, list[tuple[int, Container | Result]]] = {}
    nodes: list[Container | Result] = [*containers, *results]
    for node in nodes:
        parent = node.parent if isinstance(node, Container) else node.container
        kids.setdefault(id(parent) if parent is not None else None, []).append((node.position or 0, node))

    def tree(parent: Container | None) -> list[dict[str, Any]]:
        ordered = sorted(kids.get(id(parent) if parent is not None else None, []), key=lambda pair: pair[0])
        return [_container(n, tree(n)) if isinstance(n, Container) else _result(n) for _, n in ordered]

    total = {"total": len(results)}
    for result in results:
        total[result.status.label] = total.get(result.status.label, 0) + 1
    return {
        **head,
        "report": _report([e for e in events if isinstance(e, ReportMeta)]),
        "counts": total,
        "tree": tree(None),
    }


def dumps(value: Any, level: int = 0) -> str:
    """JSON with one line per result (and per other small object), so a diff names the test."""
    pad = "  " * level
    if isinstance(value, dict) and (level == 0 or "children" in value or "tree" in value):
        lines = [f"{pad}  {json.dumps(k)}: {dumps(v, level + 1)}" for k, v in value.items()]
        return "{\n" + ",\n".join(lines) + "\n" + pad + "}"
    if isinstance(value, list) and any(isinstance(v, dict) for v in value):
        lines = [f"{pad}  {dumps(v, level + 1)}" for v in value]
        return "[\n" + ",\n".join(lines) + "\n" + pad + "]"
    return json.dumps(value, ensure_ascii=False)


# -- the tests ------------------------------------------------------------------------------------


@pytest.mark.parametrize("sample", _params(list(samples())))
def test_golden(sample: Sample, update_goldens: bool) -> None:
    if sample.format is None:
        pytest.skip(f"no format {sample.format_name!r} is registered yet")
    got = dumps(render(sample)) + "\n"
    if update_goldens:
        sample.golden.parent.mkdir(parents=True, exist_ok=True)
        if not sample.golden.exists() or sample.golden.read_text(encoding="utf-8") != got:
            sample.golden.write_text(got, encoding="utf-8")
        return
    assert sample.golden.exists(), f"no golden for {sample.id}: run pytest {__file__} --update-goldens"
    want = sample.golden.read_text(encoding="utf-8")
    assert got == want, f"{sample.id} differs from {sample.golden}; if deliberate, rerun with --update-goldens"


def test_no_orphan_goldens(update_goldens: bool) -> None:
    """Each golden belongs to a sample; a renamed or removed sample takes its golden along."""
    wanted = {s.golden for s in samples()}
    assert len(wanted) == len(samples()), "two samples map onto one golden file"
    orphans = sorted(p for p in GOLDEN.rglob("*.json") if p not in wanted) if GOLDEN.is_dir() else []
    if update_goldens:
        for path in orphans:
            path.unlink()
        return
    assert not orphans, f"goldens without a sample (rerun with --update-goldens): {orphans}"


@pytest.mark.parametrize("sample", _params([s for s in registered_samples() if s.corpus]))
def test_corpus_counts_after_normalize(sample: Sample) -> None:
    """Normalizing neither loses nor duplicates a result: the counts are still the hand counts."""
    try:
        events = parse_normalized(sample)
    except ParseError:
        # expected.json allows refusing a malformed file with a clear error instead
        assert expected_counts()[sample.expected_key].get("malformed"), f"{sample.id} refused"
        return
    assert_matches_expected(sample.expected_key, events)


@pytest.mark.parametrize("relative", sorted(EXPECTED_OVERRIDES))
def test_overrides_still_disagree_with_expected_json(relative: str) -> None:
    """An override exists because expected.json reads the file otherwise; once it agrees, drop it."""
    assert EXPECTED_OVERRIDES[relative]["reason"]
    sample = next(s for s in samples() if s.corpus and s.expected_key == relative)
    events = parse_normalized(sample)
    assert_matches_expected(relative, events)
    with pytest.raises(AssertionError):
        assert_matches_expected(relative, events, overrides=False)

"""Detection among the JSON formats of test runners: every registered sniffer runs over each sample
of Xray, CTRF, go test -json, Jest, Mocha/mochawesome, Playwright and pytest-json-report, and the
sample's own format must win; none of these formats may claim another format's file (Cucumber's
list of features, Behave, Calliope's containers, ZAP's site list, JUnit...).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from assay.formats import HEAD_SIZE, all_formats, detect, get_format

from .helpers import CORPUS

FILES = Path(__file__).resolve().parent / "files"
OURS = ("xray", "ctrf", "gotest", "jest", "mocha", "playwright", "pytest_json")


def _samples() -> list[tuple[str, Path]]:
    found = [(name, path) for name in OURS for path in sorted((FILES / name).glob("*")) if path.name != "README.md"]
    found += [("xray", path) for path in sorted((CORPUS / "xray").glob("*.json"))]
    return found


def _foreign() -> list[Path]:
    """Every other sample: the corpus and the other formats' files folders."""
    paths = [p for p in sorted(CORPUS.rglob("*")) if p.is_file() and p.parent.name not in OURS and p.parent != CORPUS]
    paths += [
        p for p in sorted(FILES.rglob("*"))
        if p.is_file() and p.name.lower() != "readme.md" and p.relative_to(FILES).parts[0] not in OURS
    ]
    return paths


@pytest.mark.parametrize(("name", "path"), _samples(), ids=lambda v: v if isinstance(v, str) else v.name)
def test_own_format_wins_among_all_registered(name: str, path: Path) -> None:
    head = path.read_bytes()[:HEAD_SIZE]
    assert detect(head, path.name).name == name
    # Also without the file name, and when only the first 2 KiB are available.
    assert detect(head, None).name == name
    assert detect(head[:2048], None).name == name
    assert get_format(name).sniff(head) >= 0.9


@pytest.mark.parametrize("path", _foreign(), ids=lambda p: f"{p.parent.name}/{p.name}")
def test_ours_claim_no_other_format(path: Path) -> None:
    head = path.read_bytes()[:HEAD_SIZE]
    claims = {name: get_format(name).sniff(head) for name in OURS}
    assert not any(claims.values()), claims


def test_every_format_is_registered() -> None:
    names = {fmt.name for fmt in all_formats()}
    assert set(OURS) <= names
    for name, origin in [("xray", "xray_json"), ("ctrf", "ctrf_json"), ("gotest", "gotest_json"),
                         ("jest", "jest_json"), ("mocha", "mocha_json"), ("playwright", "playwright_json"),
                         ("pytest_json", "pytest_json")]:
        assert get_format(name).origin == origin
        assert get_format(origin).name == name


@pytest.mark.parametrize(
    "head",
    [
        b"",
        b"   ",
        b"[]",
        b"{}",
        b'[{"elements": [], "keyword": "Feature", "tests": []}]',  # Cucumber
        b'{"containers": [], "tests": [], "info": {}}',  # Calliope-like
        b'{"@version": "2.11.0", "site": []}',  # ZAP
        b"<testsuite tests='1'/>",
        b"not json at all",
        b'{"tests": []}',  # too little to say whose
    ],
)
def test_ours_stay_silent_on_foreign_or_empty_heads(head: bytes) -> None:
    assert {name: get_format(name).sniff(head) for name in OURS} == dict.fromkeys(OURS, 0.0)

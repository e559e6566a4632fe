"""Every real or hand-written sample file the format tests know, with the format it belongs to.

Two sources, both read afresh at collection so a newly added format or file is picked up:
- ../shared/corpus/<folder>/<file>: real files; the format is expected.json's "format";
- tests/formats/files/<format>/**: files the format's authors wrote or collected for the cases
  the corpus lacks (README.md files describe them and are not samples).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path

from assay.errors import UnknownFormatError
from assay.formats import Format, get_format
from tests.formats.helpers import CORPUS, expected_counts

FILES = Path(__file__).resolve().parent / "files"
GOLDEN = Path(__file__).resolve().parent / "golden"


@dataclass(frozen=True)
class Sample:
    path: Path
    folder: str  # the corpus or files/ folder: "junit", "allure"
    relative: str  # the path inside that folder: "surefire-3.0.2-flaky-reruns.xml"
    format_name: str  # the format it is written in (a registered name, or the folder's when unknown)
    corpus: bool  # from ../shared/corpus (counts in expected.json)

    @property
    def id(self) -> str:
        return f"{'corpus' if self.corpus else 'files'}/{self.folder}/{self.relative}"

    @property
    def expected_key(self) -> str:
        """The key of this file in expected.json (corpus files only)."""
        return f"{self.folder}/{self.relative}"

    @property
    def golden(self) -> Path:
        return GOLDEN / self.folder / f"{self.relative}.json"

    @property
    def format(self) -> Format | None:
        """The registered format, or None while nobody has written it yet."""
        try:
            return get_format(self.format_name)
        except UnknownFormatError:
            return None


def _is_sample(path: Path) -> bool:
    return path.is_file() and path.name.lower() != "readme.md" and not path.name.startswith(".")


@cache
def samples() -> tuple[Sample, ...]:
    """Corpus files first, then tests/formats/files, each sorted by path."""
    found: list[Sample] = []
    expected = expected_counts()
    for folder in sorted(p for p in CORPUS.iterdir() if p.is_dir()):
        for path in sorted(p for p in folder.rglob("*") if _is_sample(p)):
            relative = path.relative_to(folder).as_posix()
            entry = expected.get(f"{folder.name}/{relative}", {})
            found.append(Sample(path, folder.name, relative, entry.get("format", folder.name), corpus=True))
    if FILES.is_dir():
        for folder in sorted(p for p in FILES.iterdir() if p.is_dir()):
            for path in sorted(p for p in folder.rglob("*") if _is_sample(p)):
                relative = path.relative_to(folder).as_posix()
                found.append(Sample(path, folder.name, relative, folder.name, corpus=False))
    return tuple(found)


def registered_samples() -> list[Sample]:
    """The samples whose format is registered (a folder may exist before its format module)."""
    return [s for s in samples() if s.format is not None]

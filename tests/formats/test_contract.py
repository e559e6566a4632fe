"""The contract every registered format keeps, checked over all of them (new ones join by registering).

- `sniff` never raises and answers 0..1, on random bytes and on any prefix of any sample file;
- every sample file is detected as its own format, and no other format scores as high on it;
- `parse` is lazy, refuses an empty file with `empty_file`, yields parents before children and
  only plain Python values;
- `parse` of random, generated or damaged input raises nothing but `ParseError` (fuzzing, with
  hypothesis: random bytes, documents generated from the format's own vocabulary, sample files
  with bytes flipped, cut, inserted or deleted, and with their structure changed);
- the HTTP import API answers 200 or 4xx, never 5xx, to damaged files of every format.

Example counts are kept small so this file runs in well under a minute; a failure prints the
input hypothesis found (shrunk), which belongs in the format's own tests once fixed.
"""

from __future__ import annotations

import io
import os
import random
from collections.abc import Iterator
from datetime import datetime

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from assay.errors import ParseError
from assay.formats import HEAD_SIZE, Format, all_formats, detect
from assay.model import Asset, Container, Event, ReportMeta, Result, Status, Step
from assay.normalize import NormalizeOptions, normalize
from tests.api.conftest import Server, server  # noqa: F401  (the fixture, shared with tests/api)
from tests.formats._fuzz import PREFIXES, damaged, generated_document, reshaped, sample_bytes
from tests.formats._samples import Sample, registered_samples

FORMATS = all_formats()
FORMAT_IDS = [f.name for f in FORMATS]
SAMPLES = registered_samples()

# Small and derandomized, so the file is fast and a run is the same run everywhere. To dig for
# new bugs: ASSAY_FUZZ_EXAMPLES=2000 ASSAY_FUZZ_RANDOM=1 pytest tests/formats/test_contract.py
FUZZ = settings(
    max_examples=int(os.environ.get("ASSAY_FUZZ_EXAMPLES", "40")),
    derandomize=not os.environ.get("ASSAY_FUZZ_RANDOM"),
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much],
)
# Generating structured documents costs more than random bytes: fewer of them.
FUZZ_STRUCTURED = settings(FUZZ, max_examples=max(1, FUZZ.max_examples // 2))
# Damaged sample files are big; hypothesis warns when it prints one (warnings are errors here).
pytestmark = pytest.mark.filterwarnings("ignore:Generating overly large repr")

# -- what a parse may do ---------------------------------------------------------------------------


def _check_event(event: Event, seen: set[int]) -> None:
    """The model's contract: parents first, plain types (no lxml strings), statuses from the enum."""
    if isinstance(event, Container):
        assert type(event.title) is str, ("container title", event.title)
        assert event.parent is None or id(event.parent) in seen, ("container before its parent", event.title)
        seen.add(id(event))
    elif isinstance(event, Result):
        assert type(event.title) is str, ("result title", event.title)
        assert isinstance(event.status, Status), ("status", event.status)
        assert event.duration is None or type(event.duration) is int, ("duration", event.duration)
        assert event.container is None or id(event.container) in seen, ("result before its container", event.title)
        for text in (event.exception_name, event.exception_description, event.exception_backtrace,
                     event.stdout, event.stderr):
            assert text is None or type(text) is str, ("text field", type(text))
        assert all(isinstance(t, str) for t in event.tags), ("tags", event.tags)
        _check_assets(event.assets)
        _check_steps(event.steps)
    else:
        assert isinstance(event, ReportMeta), ("unknown event", type(event))
        for when in (event.started_at, event.finished_at, event.date):
            assert when is None or isinstance(when, datetime)


def _check_steps(steps: list[Step]) -> None:
    for step in steps:
        assert isinstance(step, Step) and type(step.title) is str and isinstance(step.status, Status)
        assert step.duration is None or type(step.duration) is int, ("step duration", step.duration)
        _check_assets(step.assets)
        _check_steps(step.steps)


def _check_assets(assets: list[Asset]) -> None:
    for asset in assets:
        assert isinstance(asset, Asset) and type(asset.name) is str
        assert asset.data is not None or asset.path is not None, ("asset with neither data nor path", asset.name)


def consume(fmt: Format, data: bytes) -> list[Event] | None:
    """Parse and normalize `data` as an import would; None when the format refuses it (ParseError).

    Anything else raised, or an event breaking the model's contract, fails the test.
    """
    seen: set[int] = set()
    events: list[Event] = []
    try:
        for event in fmt.parse(io.BytesIO(data), {}):
            _check_event(event, seen)
            events.append(event)
    except ParseError:
        return None
    list(normalize(iter(events), NormalizeOptions(smart=True)))
    return events


# -- sniffing ------------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", FORMATS, ids=FORMAT_IDS)
@FUZZ
@given(prefix=st.sampled_from(PREFIXES), tail=st.binary(max_size=512))
def test_sniff_never_raises_on_random_bytes(fmt: Format, prefix: bytes, tail: bytes) -> None:
    score = fmt.sniff_fn(prefix + tail)  # the raw function: Format.sniff would hide an exception
    assert isinstance(score, int | float) and 0.0 <= score <= 1.0, score


@pytest.mark.parametrize("fmt", FORMATS, ids=FORMAT_IDS)
def test_sniff_never_raises_on_prefixes_of_samples(fmt: Format) -> None:
    rng = random.Random(f"prefixes-{fmt.name}")
    for sample in SAMPLES:
        head = sample.path.read_bytes()[:HEAD_SIZE]
        for cut in {0, 1, len(head), *(rng.randrange(len(head) + 1) for _ in range(12))}:
            score = fmt.sniff_fn(head[:cut])
            assert isinstance(score, int | float) and 0.0 <= score <= 1.0, (sample.id, cut, score)


@pytest.mark.parametrize("sample", SAMPLES, ids=[s.id for s in SAMPLES])
def test_sample_is_detected_as_its_own_format_only(sample: Sample) -> None:
    assert sample.format is not None
    head = sample.path.read_bytes()[:HEAD_SIZE]
    own = sample.format.sniff(head)
    assert own > 0, f"{sample.format.name} does not recognise its own file {sample.id}"
    rivals = {f.name: s for f in FORMATS if f.name != sample.format.name and (s := f.sniff(head)) >= own}
    assert not rivals, f"{sample.id}: {sample.format.name} scores {own}, others as much or more: {rivals}"
    assert detect(head, sample.path.name).name == sample.format.name
    assert detect(head).name == sample.format.name  # the content alone decides, not the file name


# -- parsing: the basics --------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", FORMATS, ids=FORMAT_IDS)
def test_parse_is_lazy(fmt: Format) -> None:
    """Calling parse reads nothing and raises nothing: errors come while iterating (the importer
    guards the iteration, not the call)."""
    stream = fmt.parse(io.BytesIO(b"\x00 not a result file"), {})
    assert isinstance(stream, Iterator)


@pytest.mark.parametrize("fmt", FORMATS, ids=FORMAT_IDS)
@pytest.mark.parametrize("data", [b"", b"\xef\xbb\xbf", b"  \r\n\t"], ids=["empty", "bom", "blank"])
def test_empty_file_is_a_parse_error(fmt: Format, data: bytes) -> None:
    with pytest.raises(ParseError) as caught:
        list(fmt.parse(io.BytesIO(data), {}))
    if data == b"":
        assert caught.value.code == "empty_file", caught.value


@pytest.mark.parametrize("sample", SAMPLES, ids=[s.id for s in SAMPLES])
def test_sample_events_keep_the_model_contract(sample: Sample) -> None:
    assert sample.format is not None
    consume(sample.format, sample.path.read_bytes())


# -- fuzzing: bytes --------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", FORMATS, ids=FORMAT_IDS)
@FUZZ
@given(prefix=st.sampled_from(PREFIXES), tail=st.binary(max_size=1024))
def test_parse_random_bytes_raises_only_parse_error(fmt: Format, prefix: bytes, tail: bytes) -> None:
    consume(fmt, prefix + tail)


FORMATS_WITH_SAMPLES = [f for f in FORMATS if sample_bytes(f)]


@pytest.mark.parametrize("fmt", FORMATS_WITH_SAMPLES, ids=[f.name for f in FORMATS_WITH_SAMPLES])
@FUZZ
@given(data=st.data())
def test_parse_damaged_samples_raises_only_parse_error(fmt: Format, data: st.DataObject) -> None:
    original = data.draw(st.sampled_from(sample_bytes(fmt)), label="sample")
    consume(fmt, data.draw(damaged(original), label="damaged"))


# -- fuzzing: structure ----------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", FORMATS, ids=FORMAT_IDS)
@FUZZ_STRUCTURED
@given(data=st.data())
def test_parse_generated_documents_raises_only_parse_error(fmt: Format, data: st.DataObject) -> None:
    consume(fmt, data.draw(generated_document(fmt), label="document"))


@pytest.mark.parametrize("fmt", FORMATS_WITH_SAMPLES, ids=[f.name for f in FORMATS_WITH_SAMPLES])
@FUZZ_STRUCTURED
@given(data=st.data())
def test_parse_reshaped_samples_raises_only_parse_error(fmt: Format, data: st.DataObject) -> None:
    consume(fmt, data.draw(reshaped(fmt), label="reshaped"))


# -- through HTTP --------------------------------------------------------------------------------

IMPORT = "/api/v2/profile/1/report/import"


def _damaged_files(fmt: Format, n: int) -> list[bytes]:
    """`n` damaged copies of the format's samples, the same on every run."""
    rng = random.Random(f"api-{fmt.name}")
    originals = sample_bytes(fmt) or [b"<x/>"]
    out: list[bytes] = []
    for index in range(n):
        data = bytearray(rng.choice(originals))
        cut = rng.randrange(len(data) + 1)
        if index % 3 == 0:
            del data[cut:]
        elif index % 3 == 1:
            data[cut:cut] = rng.choice([b"<", b"\x00", b"}", b"&", b"\xff\xfe"])
        else:
            for _ in range(8):
                if data:
                    data[rng.randrange(len(data))] = rng.randrange(256)
        out.append(bytes(data))
    return out


def test_import_api_never_answers_5xx(server: Server) -> None:  # noqa: F811  (tests/api fixture)
    """Damaged files of every format, named and detected, through the real HTTP import API."""
    bad: list[tuple[str, int, int, str]] = []
    posts: list[tuple[str, str, bytes]] = []
    for fmt in FORMATS:
        for index, data in enumerate(_damaged_files(fmt, 4)):
            posts.append((fmt.name, f"{IMPORT}/{fmt.name}", data))
            if index == 0:
                posts.append((fmt.name, IMPORT, data))  # detection on a damaged file
        posts.append((fmt.name, f"{IMPORT}/{fmt.name}", random.Random(fmt.name).randbytes(300)))
    codes: list[int] = []
    with server.client() as client:
        for name, url, data in posts:
            response = client.post(url, content=data, headers={"Content-Type": "application/octet-stream"})
            codes.append(response.status_code)
            if response.status_code >= 500:
                bad.append((name, len(data), response.status_code, response.text[:300]))
    assert not bad, "5xx answers:\n" + "\n".join(map(str, bad))
    # Not a vacuous pass: some damaged files still import, the rest are refused as bad input (400),
    # never for want of a key or a route.
    assert 200 in codes and 400 in codes, sorted(set(codes))
    assert set(codes) <= {200, 400, 413, 422}, sorted(set(codes))

"""The shared XML reader (formats/_xml.py): the errors it raises and the events it lets through."""

from __future__ import annotations

import io

import pytest

from assay.errors import ParseError
from assay.formats._xml import iterparse, local


def read(data: bytes, **kwargs: object) -> list[tuple[str, str]]:
    return [(event, element.tag) for event, element in iterparse(io.BytesIO(data), **kwargs)]  # type: ignore[arg-type]


@pytest.mark.parametrize("lines", [10, 70_000])  # within the first chunk, and well past it
def test_a_cdata_section_cut_off_gets_a_message_a_person_can_act_on(lines: int) -> None:
    data = (b'<testsuites><testsuite name="s"><testcase name="t"><failure><![CDATA['
            + b"at x.Y.z(Y.java:1)\n" * lines + b"]]></failure><system-out><![CDATA[")
    with pytest.raises(ParseError) as caught:
        read(data)
    assert "Unregistered" not in caught.value.message
    assert "breaks off" in caught.value.message and "CDATA" in caught.value.message
    assert caught.value.details["line"] == lines + 1


def test_comments_and_processing_instructions_are_not_events() -> None:
    data = b'<?xml version="1.0"?><!-- c --><a><?pi x?><!-- c2 --><b/>text</a>'
    assert read(data) == [("start", "a"), ("start", "b"), ("end", "b"), ("end", "a")]


def test_tag_filter_reports_only_the_named_elements_in_any_namespace() -> None:
    data = b'<a><t n="1"/><x:t xmlns:x="urn:x"/><c><t/></c></a>'
    assert read(data, events=("end",), tag=("{*}t",)) == [("end", "t"), ("end", "{urn:x}t"), ("end", "t")]


def test_local_names() -> None:
    assert local("{urn:x}testcase") == "testcase"
    assert local("testcase") == "testcase"
    assert local(None) == ""


@pytest.mark.parametrize("data", [b"<a><b/>&nbsp;</a>", b"<a>" + b"<b/>" * 50_000 + b"&e;</a>"])
def test_an_undefined_entity_is_malformed_xml_not_an_empty_file(data: bytes) -> None:
    with pytest.raises(ParseError) as caught:
        read(data)
    assert caught.value.code == "parse_error"
    assert "&nbsp;" in caught.value.message and "empty" not in caught.value.message
    assert "line" not in caught.value.details  # libxml2 gives no position: none is made up


@pytest.mark.parametrize("data", [b"", b"\n"])
def test_an_empty_file_is_an_empty_file(data: bytes) -> None:
    with pytest.raises(ParseError) as caught:
        read(data)
    assert caught.value.code == "empty_file"


def test_a_doctype_after_the_root_is_still_refused_once_the_guard_stops_looking() -> None:
    data = b"<a><b/>" + b" " * 200_000 + b'<!DOCTYPE x [<!ENTITY e "x">]><c>&e;</c></a>'
    with pytest.raises(ParseError) as caught:
        read(data)
    assert caught.value.code == "parse_error"

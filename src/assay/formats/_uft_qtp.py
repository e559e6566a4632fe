"""QuickTest Professional / UFT (up to 12) `Results.xml`: `<Report ver="2.0">` with Doc, DIter, Action, Step.

    <Report ver="2.0" tmZone="...">
      <General productName="..." productVer="11.00" os="..." host="..."><DocLocation/></General>
      <Doc rID="T1" type="Test"><DName>Test name</DName>
        <DIter rID="T3" iterID="1">
          <Action rID="T4"><AName>Action1</AName>
            <Step rID="T5"><Obj>...</Obj><Details>...</Details><Time>...</Time>
              <Step>...</Step><NodeArgs eType="Replay" status="Passed"><Disp>...</Disp></NodeArgs></Step>
            <Summary sTime="..." eTime="..." passed="1" failed="0" warnings="0"/>
            <NodeArgs eType="StartAction" status="Passed"><Disp>Action1 Summary</Disp></NodeArgs>
          </Action>
          <NodeArgs eType="StartIteration" status="Passed"/>
        </DIter>
        <Summary .../><NodeArgs eType="StartTest" status="Passed"/>
      </Doc>
    </Report>

UFT writes an inline DTD (element and attribute declarations only) before `<Report>`; the safe
XML reader accepts it and applies none of its defaults, so a NodeArgs without `status` is "Done".
Times (`10/14/2010 - 12:00:01`) follow the Windows locale of the machine that ran the test:
day-first when a day number shows it, month-first otherwise; the zone (`tmZone="Paris, Madrid"`, a
Windows zone name) is not read, so times are taken as UTC like any time without a zone.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

from lxml import etree

from assay.formats._uft_common import UftTest, plain, put, settle, status_of
from assay.formats._xml import local
from assay.formats._xml_results import basename, child, child_text, release
from assay.model import Asset, Event, ReportMeta, Result, Step

_STEP_TAGS = ("Step", "HtmlStep", "Action", "AIter", "Doc")
_IMAGE = re.compile(r"\.(?:png|jpe?g|bmp|gif)$", re.IGNORECASE)
_STAMP = re.compile(r"^\s*(\d{1,2})/(\d{1,2})/(\d{4})\s*-?\s*(\d{1,2}):(\d{2}):(\d{2})\s*$")


def parse_report(events: Iterator[tuple[str, etree._Element]], root: etree._Element) -> Iterator[Event]:
    """Continue an iterparse that has just opened `<Report>`: one test per top-level `<Doc>`."""
    test: UftTest | None = None
    title: str | None = None
    for event, element in events:
        tag = local(element.tag)
        if tag == "General" and event == "end":
            yield _general(element)
            release(element)
        elif tag == "Doc" and not _inside(element, ("Doc",)):
            if event == "start":
                test, title = UftTest(), None
            elif test is not None:
                yield from _finish(element, test, title)
                test = None
                release(element)
        elif test is None:
            continue
        elif tag == "DIter" and not _inside(element, ("Action",)):
            if event == "start":
                test.start_iteration()
                test.name_iteration(f"Iteration {(element.get('iterID') or '').strip() or len(test.iterations)}")
            else:
                release(element)
        elif event != "end":
            continue
        elif tag == "DName" and title is None and _parent_tag(element) == "Doc":
            title = _text(element)
        elif tag == "Action" and not _inside(element, ("Action",)):
            test.add(_action(element))
            release(element)


def _action(element: etree._Element) -> Result:
    node_args = child(element, "NodeArgs")
    summary = child(element, "Summary")
    result = Result(
        title=_text(child(element, "AName")) or "(unnamed action)",
        status=status_of(node_args.get("status") if node_args is not None else None),
    )
    if summary is not None:
        start, end = _times(summary.get("sTime"), summary.get("eTime"))
        if start is not None and end is not None and end >= start:
            result.duration = round((end - start).total_seconds() * 1000)
        for name in ("passed", "failed", "warnings"):
            put(result.json_data, name, (summary.get(name) or "").strip())
    put(result.json_data, "uft_result", node_args.get("status") if node_args is not None else None)
    settle(result, _steps(element))
    return result


def _steps(element: etree._Element) -> list[Step]:
    return [_step(node) for node in element if isinstance(node.tag, str) and local(node.tag) in _STEP_TAGS]


def _step(node: etree._Element) -> Step:
    tag = local(node.tag)
    node_args = child(node, "NodeArgs")
    raw_status = node_args.get("status") if node_args is not None else None
    status = status_of(raw_status)
    display = _text(child(node_args, "Disp")) if node_args is not None else None
    if tag == "Action":
        title = _text(child(node, "AName")) or display
    elif tag == "AIter":
        title = f"Iteration {(node.get('iterID') or '').strip()}".strip()
    elif tag == "Doc":
        title = _text(child(node, "DName")) or display
    else:
        title = _text(child(node, "Obj")) or display
    details = plain(_text(child(node, "Details")) or _text(child(node, "HTML")))
    data: dict[str, Any] = {}
    put(data, "result", raw_status)
    put(data, "event_type", node_args.get("eType") if node_args is not None else None)
    put(data, "time", _text(child(node, "Time")))
    failing = status.name in ("FAILED", "BROKEN")
    if details and not failing:
        data["description"] = details
    return Step(
        title=title or "(unnamed step)",
        keyword=tag if tag != "Step" else (node_args.get("eType") if node_args is not None else None),
        status=status,
        error=details if failing else None,
        data=data or None,
        steps=_steps(node),
        assets=_images(node_args),
    )


def _images(node_args: etree._Element | None) -> list[Asset]:
    if node_args is None:
        return []
    found = []
    for pane in ("BtmPane", "TopPane"):
        holder = child(node_args, pane)
        path = child_text(holder, "Path") if holder is not None else None
        if path and _IMAGE.search(path):
            found.append(Asset(name=basename(path), path=path))
    return found


def _finish(element: etree._Element, test: UftTest, title: str | None) -> Iterator[Event]:
    summary = child(element, "Summary")
    node_args = child(element, "NodeArgs")
    meta = ReportMeta(title=title)
    if summary is not None:
        meta.started_at, meta.finished_at = _times(summary.get("sTime"), summary.get("eTime"))
        if meta.started_at and meta.finished_at and meta.finished_at >= meta.started_at:
            meta.duration = round((meta.finished_at - meta.started_at).total_seconds() * 1000)
    fallback = Result(
        title=title or "(unnamed test)",
        status=status_of(node_args.get("status") if node_args is not None else None),
        duration=meta.duration,
    )
    yield from test.events(title or "(unnamed test)", meta, fallback)


def _general(element: etree._Element) -> ReportMeta:
    meta = ReportMeta(os=(element.get("os") or "").strip() or None)
    for name in ("productName", "productVer", "host", "qcserver", "qcproject"):
        value = (element.get(name) or "").strip()
        if value:
            meta.properties[f"uft.{name}"] = value
    location = child_text(element, "DocLocation")
    if location:
        meta.properties["uft.DocLocation"] = location
    return meta


def _times(start: str | None, end: str | None) -> tuple[datetime | None, datetime | None]:
    """Both stamps of a Summary, read the same way (day- or month-first, as the locale wrote them)."""
    parts = [_STAMP.match(value or "") for value in (start, end)]
    day_first = any(match is not None and int(match.group(1)) > 12 for match in parts)
    return tuple(_stamp(match, day_first) for match in parts)  # type: ignore[return-value]


def _stamp(match: re.Match[str] | None, day_first: bool) -> datetime | None:
    if match is None:
        return None
    first, second, year, hour, minute, second_of_minute = (int(group) for group in match.groups())
    day, month = (first, second) if day_first else (second, first)
    try:
        return datetime(year, month, day, hour, minute, second_of_minute, tzinfo=UTC)
    except ValueError:
        return None


def _inside(element: etree._Element, tags: tuple[str, ...]) -> bool:
    return any(local(ancestor.tag) in tags for ancestor in element.iterancestors())


def _parent_tag(element: etree._Element) -> str:
    parent = element.getparent()
    return local(parent.tag) if parent is not None else ""


def _text(element: etree._Element | None) -> str | None:
    """Element text as QTP writes it (CDATA padded with newlines and tabs), trimmed; empty -> None."""
    if element is None:
        return None
    value = "".join(element.itertext()).strip()
    return value or None

"""QMetry Automation Framework (QAF) JSON results: the files of a QAF `test-results` folder.

QAF's JsonReporter (`com.qmetry.qaf.automation.report.JsonReporter`, and qaf-python, which writes
the same files) lays a run out as:

    test-results/meta-info.json                     {"reports": [{name, dir, startTime}]}
    <run>/meta-info.json                            {name, status, tests, total, pass, fail, skip, startTime, endTime}
    <run>/<Suite>/<Test>/overview.json              {total, pass, fail, skip, classes, envInfo, startTime, endTime}
    <run>/<Suite>/<Test>/<class>/meta-info.json     {"methods": [{index, type, args, metaData, startTime,
                                                      duration, result (pass|fail|skip), retryCount}]}
    <run>/<Suite>/<Test>/<class>/<resultFileName>.json   {seleniumLog, checkPoints, errorTrace}

Files arrive one at a time, so the class meta-info.json is what yields Results (one per test
method; configuration methods are not tests), each in a "Class" Container. The per-method file
holds the checkpoints (QMetry's test steps) and the error trace: on its own it yields only a
ReportMeta, so a test is never counted twice. Two optional parse options let an importer do
better, when it knows where a file sits in the upload:

- `filename`: the file's path in the upload. The folders above a class meta-info.json name its
  Suite, Test and class Containers (QAF writes the class name as the folder name).
- `open_related`: a callable taking a file name relative to this file's folder and returning
  its bytes, or None when there is no such file. With it, a class meta-info.json reads each
  method's `<resultFileName>.json` and its checkpoints become Steps; and a method file whose
  folder has no meta-info.json yields its own Result.

Run, suite and overview files give ReportMeta (title, start/finish, environment). Any other
QAF-shaped JSON object yields an empty ReportMeta, never an error.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping
from typing import IO, Any

from assay.errors import ParseError
from assay.formats import _json_fields as js
from assay.formats._xml_results import add_tag, basename
from assay.formats.registry import Format
from assay.model import Asset, Container, Event, ReportMeta, Result, Status, Step

_STATUSES = {"pass": Status.PASSED, "fail": Status.FAILED, "skip": Status.SKIPPED}
# CheckpointResultBean types (MessageTypes): failures fail the step, the rest pass
_CHECKPOINT_FAIL = ("TestStepFail", "Fail")
_KEYS = re.compile(
    rb'"(?:checkPoints|seleniumLog|errorTrace|resultFileName|metaData|methods|subCheckPoints|passPer'
    rb'|reports|dir|envInfo|classes|tests|pass|fail|skip|total)"\s*:'
)
# TestNG's method signature QAF stores in metaData.sign: "test(java.lang.String)[pri:0, instance:com.acme.T@1f]"
_SIGN_CLASS = re.compile(r"instance:([A-Za-z_$][\w$.]*)@")

ReadRelated = Callable[[str], "bytes | None"]


def sniff(head: bytes) -> float:
    """0.9 for a method-result or class meta-info file (QAF's own key names); less for run files.

    The run index (`reports` of `dir`s), suite meta-info and overview.json score 0.4-0.6: they hold
    no test, but an import of a QAF folder should read them rather than keep them as attachments.
    """
    head = head.removeprefix(b"\xef\xbb\xbf").lstrip()
    if not head.startswith(b"{"):
        return 0.0
    keys = {match.group(0).split(b'"')[1] for match in _KEYS.finditer(head)}
    if keys & {b"checkPoints", b"seleniumLog", b"subCheckPoints"}:
        return 0.9
    if b"methods" in keys and keys & {b"metaData", b"resultFileName", b"passPer"}:
        return 0.9
    if {b"envInfo", b"classes", b"pass", b"fail", b"skip"} <= keys:
        return 0.6
    if {b"reports", b"dir"} <= keys:
        return 0.5
    if {b"tests", b"pass", b"fail", b"skip", b"total"} <= keys:
        return 0.4
    return 0.0


def parse(stream: IO[bytes], options: Mapping[str, Any]) -> Iterator[Event]:
    """Results (class meta-info), a ReportMeta (run, suite, overview and method files).

    Raises ParseError for malformed JSON (with line and column), a document that is not a JSON
    object, or a QAF field of the wrong type (naming its JSON path).
    """
    document = js.load(stream.read(), "QAF result")
    if not isinstance(document, dict):
        raise ParseError(f"not a QAF result file: the document is {js.show(document)}, expected an object")
    filename = options.get("filename") if isinstance(options.get("filename"), str) else None
    related = options.get("open_related")
    read_related: ReadRelated | None = related if callable(related) else None
    if "methods" in document:
        yield from _class_results(document, filename, read_related)
    elif {"checkPoints", "seleniumLog", "errorTrace"} & document.keys():
        yield from _method_file(document, filename, read_related)
    elif "reports" in document:
        yield _run_index(document)
    elif "envInfo" in document or "classes" in document:
        yield _overview(document)
    elif "tests" in document and "name" in document:
        yield _suite(document)
    else:
        yield ReportMeta()


FORMAT = Format(
    name="qaf",
    origin="qaf_json",
    title="QAF results",
    sniff_fn=sniff,
    parse=parse,
    aliases=("qaf-json", "qmetry-automation-framework"),
    filenames=("meta-info.json", "overview.json", "*.json"),
    mimetypes=("application/json",),
    priority=0.5,
    # One file per class: the suites and tests they share must become one container each.
    extra={"merge_containers": True},
)


# -- class meta-info.json: the tests ----------------------------------------------------------------


def _class_results(document: dict[str, Any], filename: str | None, read_related: ReadRelated | None) -> Iterator[Event]:
    methods = js.objects(document, "methods", "")
    folders = _folders(filename)
    class_name = folders[-1] if folders else _class_from_methods(methods)
    parent: Container | None = None
    if len(folders) >= 3:  # .../<Suite>/<Test>/<class>/meta-info.json
        for title, classification in ((folders[-3], "Suite"), (folders[-2], "Test")):
            parent = Container(title=title, classification=classification, parent=parent)
            yield parent
    container = Container(title=class_name or "(unnamed class)", classification="Class", parent=parent)
    yield container
    for method, where in methods:
        metadata = js.opt_object(method, "metaData", where)
        if (js.text(method, "type", where) or "test").lower() != "test":
            _note_config(container, method, metadata, where)
            continue
        result = _result(method, metadata, where, container)
        result.classname = class_name
        file_stem = js.text(metadata, "resultFileName", js.join(where, "metaData"))
        if read_related is not None and file_stem:
            details = _read_json(read_related, f"{file_stem}.json")
            if details is not None:
                _apply_method_result(result, details, f"{file_stem}.json")
        yield result


def _result(method: dict[str, Any], metadata: dict[str, Any], where: str, container: Container) -> Result:
    meta_where = js.join(where, "metaData")
    name = js.text(metadata, "name", meta_where) or "(unnamed method)"
    args = js.opt_list(method, "args", where)
    index = js.number(method.get("index"))
    raw_status = (js.text(method, "result", where) or "").lower()
    result = Result(
        title=f"{name} [{int(index)}]" if args and index is not None else name,
        status=_STATUSES.get(raw_status, Status.UNKNOWN),
        container=container,
        duration=js.millis(method.get("duration")),
        description=js.text(metadata, "description", meta_where),
    )
    groups = metadata.get("groups")
    for group in groups if isinstance(groups, list) else [groups] if isinstance(groups, str) else []:
        if isinstance(group, (str, int, float)):
            add_tag(result.tags, str(group))
    for key, value in metadata.items():
        if key in ("name", "description", "groups") or value is None:
            continue
        if key.lower() in ("testcaseid", "testcasekey") and isinstance(value, (str, int)):
            result.test_key = str(value)
        result.properties[key] = value if isinstance(value, (str, int, float, bool)) else _plain(value)
    data: dict[str, Any] = {"result": raw_status} if raw_status not in _STATUSES else {}
    for key in ("index", "retryCount", "startTime", "passPer"):
        if js.number(method.get(key)) is not None:
            data[key] = method[key]
    if args:
        data["args"] = _plain(args)
    depends = js.opt_list(method, "dependsOn", where)
    if depends:
        data["dependsOn"] = _plain(depends)
    retries = js.number(method.get("retryCount"))
    result.flaky = bool(retries) and result.status is Status.PASSED
    result.json_data = data
    return result


def _note_config(container: Container, method: dict[str, Any], metadata: dict[str, Any], where: str) -> None:
    """A configuration method (@BeforeMethod...) is not a test; one that failed explains skipped tests."""
    if (js.text(method, "result", where) or "").lower() != "fail":
        return
    name = js.text(metadata, "name", js.join(where, "metaData")) or "(unnamed configuration method)"
    container.properties.setdefault("config-failures", []).append({"method": name})


def _class_from_methods(methods: list[tuple[dict[str, Any], str]]) -> str | None:
    """The class QAF ran the methods of, from TestNG's signature in metaData.sign (BDD: the scenario file)."""
    for method, where in methods:
        metadata = js.opt_object(method, "metaData", where)
        sign = js.text(metadata, "sign", js.join(where, "metaData")) or ""
        match = _SIGN_CLASS.search(sign)
        if match:
            return match.group(1)
    for method, where in methods:
        reference = js.text(js.opt_object(method, "metaData", where), "reference", js.join(where, "metaData"))
        if reference:
            return reference
    return None


# -- <method>.json: checkpoints, command log, error trace -------------------------------------------


def _method_file(document: dict[str, Any], filename: str | None, read_related: ReadRelated | None) -> Iterator[Event]:
    steps = _checkpoints(document, "", 1)  # shape check even when the file yields no Result
    if read_related is None or _read_json(read_related, "meta-info.json") is not None:
        yield ReportMeta()
        return
    # No class meta-info.json beside it: this file is all there is of the test.
    folders = _folders(filename)
    stem = basename(filename or "").rsplit(".", 1)[0] or "(unnamed method)"
    container = Container(title=folders[-1], classification="Class") if folders else None
    if container is not None:
        yield container
    failed = any(step.status is Status.FAILED for step in steps) or js.text(document, "errorTrace", "")
    result = Result(title=stem, status=Status.FAILED if failed else Status.PASSED, container=container)
    _apply_method_result(result, document, "")
    yield result


def _apply_method_result(result: Result, document: Any, where: str) -> None:
    """Checkpoints, error trace and command log of a `<method>.json` (`where` names it in errors)."""
    if not isinstance(document, dict):
        raise js.fail(where, "an object", document)
    result.steps = _checkpoints(document, where, 1)
    trace = js.text(document, "errorTrace", where)
    if trace:
        first = trace.splitlines()[0].strip()
        name, sep, message = first.partition(": ")
        if sep and " " not in name:
            result.exception_name, result.exception_description = name, message or None
        else:
            result.exception_description = first
        result.exception_backtrace = trace
    log = _command_log(document, where, 0)
    if log:
        result.stdout = "\n".join(log)


def _checkpoints(obj: dict[str, Any], where: str, depth: int, key: str = "checkPoints") -> list[Step]:
    steps: list[Step] = []
    for checkpoint, path in js.objects(obj, key, where):
        if depth > js.MAX_DEPTH:
            raise ParseError(f"{path}: checkpoints nest deeper than {js.MAX_DEPTH} levels", path=path)
        kind = js.text(checkpoint, "type", path) or "Info"
        children = _checkpoints(checkpoint, path, depth + 1, "subCheckPoints")
        status = Status.FAILED if kind in _CHECKPOINT_FAIL else Status.PASSED
        if any(child.status is Status.FAILED for child in children):
            status = Status.FAILED
        screenshot = js.text(checkpoint, "screenshot", path)
        message = js.text(checkpoint, "message", path) or "(empty checkpoint)"
        steps.append(
            Step(
                title=message,
                status=status,
                duration=js.millis(checkpoint.get("duration")) or None,
                error=message if status is Status.FAILED and kind in _CHECKPOINT_FAIL else None,
                data={"type": kind},
                steps=children,
                assets=[Asset(name=basename(screenshot), path=screenshot)] if screenshot else [],
            )
        )
    return steps


def _command_log(obj: dict[str, Any], where: str, depth: int, key: str = "seleniumLog") -> list[str]:
    """QAF's command log (LoggingBean) as indented lines: `commandName(args): result`."""
    lines: list[str] = []
    for entry, path in js.objects(obj, key, where):
        if depth > js.MAX_DEPTH:
            break
        args = ", ".join(str(arg) for arg in js.opt_list(entry, "args", path) if arg is not None)
        result = js.text(entry, "result", path)
        line = f"{'  ' * depth}{js.text(entry, 'commandName', path) or '?'}({args})"
        lines.append(f"{line}: {result}" if result else line)
        lines.extend(_command_log(entry, path, depth + 1, "subLogs"))
    return lines


# -- run index, suite and overview files --------------------------------------------------------------


def _run_index(document: dict[str, Any]) -> ReportMeta:
    reports = js.objects(document, "reports", "")
    starts = [stamp for report, _ in reports if (stamp := js.epoch_ms(report.get("startTime")))]
    names = [name for report, where in reports if (name := js.text(report, "name", where))]
    return ReportMeta(title=names[0] if len(set(names)) == 1 else None, started_at=min(starts, default=None))


def _suite(document: dict[str, Any]) -> ReportMeta:
    meta = ReportMeta(
        title=js.text(document, "name", ""),
        started_at=js.epoch_ms(document.get("startTime")),
        finished_at=js.epoch_ms(document.get("endTime")),
    )
    js.opt_list(document, "tests", "")  # shape check
    return meta


def _overview(document: dict[str, Any]) -> ReportMeta:
    env = js.opt_object(document, "envInfo", "")
    execution = js.opt_object(env, "execution-env-info", "envInfo")
    where = "envInfo.execution-env-info"
    os_name, os_version = js.text(execution, "os.name", where), js.text(execution, "os.version", where)
    meta = ReportMeta(
        started_at=js.epoch_ms(document.get("startTime")),
        finished_at=js.epoch_ms(document.get("endTime")),
        os=" ".join(part for part in (os_name, os_version) if part) or None,
        platform=js.text(execution, "os.arch", where),
    )
    for key, value in execution.items():
        if isinstance(value, (str, int, float)) and str(value).strip():
            meta.properties[f"qaf.{key}"] = value
    return meta


# -- helpers ----------------------------------------------------------------------------------------


def _folders(filename: str | None) -> list[str]:
    """The folders above a file in the upload: `a/b/c/meta-info.json` -> ["a", "b", "c"]."""
    if not filename:
        return []
    parts = [part for part in filename.replace("\\", "/").split("/") if part and part != "."]
    return parts[:-1]


def _read_json(read_related: ReadRelated, name: str) -> Any:
    try:
        data = read_related(name)
    except OSError:
        return None
    if not data:
        return None
    return js.load(data, f"QAF result {name}")


def _plain(value: Any) -> Any:
    """A JSON value as plain data (orjson already gives plain types; this bounds what is kept)."""
    if isinstance(value, dict):
        return {str(key): _plain(item) for key, item in list(value.items())[:100]}
    if isinstance(value, list):
        return [_plain(item) for item in value[:100]]
    return value

"""Generators of large, realistic result files for bench/parse_formats.py, one per format.

Each writes a file of about `target` bytes in the shape its producer writes (the tool named in the
docstring), with ~85% passed, ~8% failed (with a message and a stack trace), ~2% errors and ~5%
skipped tests, some captured output, and returns how many tests it wrote. Deterministic: the
same seed gives the same file.
"""

from __future__ import annotations

import json
import random
import uuid
from collections.abc import Callable
from typing import BinaryIO
from xml.sax.saxutils import escape


class Out:
    """A binary file that counts what was written."""

    def __init__(self, handle: BinaryIO) -> None:
        self.handle = handle
        self.size = 0

    def write(self, text: str | bytes) -> None:
        data = text.encode() if isinstance(text, str) else text
        self.handle.write(data)
        self.size += len(data)


def _outcome(rng: random.Random) -> str:
    roll = rng.random()
    return "failed" if roll < 0.08 else "error" if roll < 0.10 else "skipped" if roll < 0.15 else "passed"


def _trace(rng: random.Random, cls: str, lines: int = 6) -> str:
    short = cls.rsplit(".", 1)[-1]
    return "\n".join(f"\tat {cls}.step{i}({short}.java:{rng.randrange(900)})" for i in range(lines))


def _names(index: int) -> tuple[str, str]:
    """(package, class) of the index-th test class."""
    package = f"com.acme.module{index % 40}.feature{index % 7}"
    return package, f"{package}.Service{index}Test"


# -- XML ------------------------------------------------------------------------------------------


def junit(out: Out, target: int, rng: random.Random) -> int:
    """Maven Surefire style: one <testsuite> per class inside <testsuites>."""
    out.write('<?xml version="1.0" encoding="UTF-8"?>\n<testsuites name="bench">\n')
    tests = suite = 0
    while out.size < target:
        suite += 1
        _, cls = _names(suite)
        out.write(f'<testsuite name="{cls}" tests="100" time="1.5" timestamp="2026-11-23T10:00:00">\n')
        for case in range(100):
            tests += 1
            kind, body = _outcome(rng), ""
            if kind == "failed":
                body = (f'<failure message="expected:&lt;{case}&gt; but was:&lt;{case + 1}&gt;" '
                        f'type="org.opentest4j.AssertionFailedError">{escape(_trace(rng, cls))}</failure>')
            elif kind == "error":
                body = '<error message="boom" type="java.lang.NullPointerException">npe</error>'
            elif kind == "skipped":
                body = '<skipped message="disabled"/>'
            if rng.random() < 0.3:
                body += f"<system-out>log line for case {case}\nsecond line {rng.random()}</system-out>"
            out.write(f'  <testcase name="test_{case}_{rng.randrange(10**6)}" classname="{cls}" '
                      f'time="{rng.random():.3f}">{body}</testcase>\n')
        out.write("<system-out>suite output</system-out>\n</testsuite>\n")
    out.write("</testsuites>\n")
    return tests


def testng(out: Out, target: int, rng: random.Random) -> int:
    """TestNG's XMLReporter (testng-results.xml), with @BeforeMethod config methods (not tests)."""
    out.write('<?xml version="1.0" encoding="UTF-8"?>\n<testng-results skipped="0" failed="0" total="0" passed="0">\n'
              '<reporter-output/>\n<suite name="bench" duration-ms="1" started-at="2026-11-23T10:00:00Z" '
              'finished-at="2026-11-23T10:30:00Z">\n<groups/>\n<test name="bench test" duration-ms="1" '
              'started-at="2026-11-23T10:00:00Z" finished-at="2026-11-23T10:30:00Z">\n')
    tests = index = 0
    status = {"passed": "PASS", "failed": "FAIL", "error": "FAIL", "skipped": "SKIP"}
    while out.size < target:
        index += 1
        _, cls = _names(index)
        out.write(f'<class name="{cls}">\n')
        for case in range(50):
            out.write(f'<test-method status="PASS" signature="setUp()[pri:0, instance:{cls}@1]" name="setUp" '
                      'is-config="true" duration-ms="1" started-at="2026-11-23T10:00:00Z" '
                      'finished-at="2026-11-23T10:00:00Z"/>\n')
            tests += 1
            kind = _outcome(rng)
            out.write(f'<test-method status="{status[kind]}" signature="test{case}()[pri:0, instance:{cls}@1]" '
                      f'name="test{case}" duration-ms="{rng.randrange(500)}" started-at="2026-11-23T10:00:00Z" '
                      'finished-at="2026-11-23T10:00:01Z" description="a test">\n')
            if rng.random() < 0.2:
                out.write('<params><param index="0"><value><![CDATA[42]]></value></param></params>\n')
            if kind in ("failed", "error"):
                out.write(f'<exception class="java.lang.AssertionError"><message><![CDATA[expected [{case}] but '
                          f'found [{case + 1}]]]></message><full-stacktrace><![CDATA[{_trace(rng, cls)}]]>'
                          '</full-stacktrace></exception>\n')
            out.write("<reporter-output><line><![CDATA[a log line]]></line></reporter-output>\n</test-method>\n")
        out.write("</class>\n")
    out.write("</test>\n</suite>\n</testng-results>\n")
    return tests


def nunit(out: Out, target: int, rng: random.Random) -> int:
    """nunit3-console TestResult.xml (NUnit 3): assembly > namespace suites > fixture > test-case."""
    out.write('<?xml version="1.0" encoding="utf-8" standalone="no"?>\n<test-run id="2" testcasecount="0" '
              'result="Failed" total="0" passed="0" failed="0" inconclusive="0" skipped="0" asserts="0" '
              'engine-version="3.12.0" clr-version="4.0.30319.42000" start-time="2026-11-23 10:00:00Z" '
              'end-time="2026-11-23 10:30:00Z" duration="1800">\n<test-suite type="Assembly" id="0-1" '
              'name="Acme.Tests.dll" fullname="/src/Acme.Tests.dll" runstate="Runnable" result="Failed" '
              'start-time="2026-11-23 10:00:00Z" end-time="2026-11-23 10:30:00Z" duration="1800">\n'
              '<environment framework-version="3.12.0" clr-version="4.0.30319.42000" os-version="Linux" '
              'platform="Unix" cwd="/src" machine-name="ci" user="ci" user-domain="ci" culture="en-US" '
              'uiculture="en-US" os-architecture="x64"/>\n<test-suite type="TestSuite" id="0-2" name="Acme" '
              'fullname="Acme" runstate="Runnable" result="Failed">\n')
    tests = index = 0
    results = {"passed": ("Passed", ""), "failed": ("Failed", ""), "error": ("Failed", ' label="Error"'),
               "skipped": ("Skipped", ' label="Ignored"')}
    while out.size < target:
        index += 1
        cls = f"Acme.Module{index % 40}.Service{index}Tests"
        out.write(f'<test-suite type="TestFixture" id="0-{index}" name="Service{index}Tests" fullname="{cls}" '
                  f'classname="{cls}" runstate="Runnable" result="Passed" duration="0.5">\n')
        for case in range(100):
            tests += 1
            kind = _outcome(rng)
            result, label = results[kind]
            out.write(f'<test-case id="1-{tests}" name="Test{case}" fullname="{cls}.Test{case}" '
                      f'methodname="Test{case}" classname="{cls}" runstate="Runnable" seed="{rng.randrange(10**9)}" '
                      f'result="{result}"{label} '
                      f'start-time="2026-11-23 10:00:00Z" end-time="2026-11-23 10:00:01Z" '
                      f'duration="{rng.random():.6f}" asserts="1">\n')
            if rng.random() < 0.2:
                out.write('<properties><property name="Category" value="fast"/></properties>\n')
            if kind in ("failed", "error"):
                out.write(f"<failure><message><![CDATA[  Expected: {case}\n  But was:  {case + 1}\n]]></message>"
                          f"<stack-trace><![CDATA[{_trace(rng, cls)}]]></stack-trace></failure>\n")
            elif kind == "skipped":
                out.write("<reason><message><![CDATA[not on Linux]]></message></reason>\n")
            if rng.random() < 0.3:
                out.write(f"<output><![CDATA[log for {case}\n]]></output>\n")
            out.write("</test-case>\n")
        out.write("</test-suite>\n")
    out.write("</test-suite>\n</test-suite>\n</test-run>\n")
    return tests


def xunit(out: Out, target: int, rng: random.Random) -> int:
    """xunit.console v2 XML: <assemblies><assembly><collection><test>."""
    out.write('<?xml version="1.0" encoding="utf-8"?>\n<assemblies timestamp="11/23/2026 10:00:00">\n'
              '<assembly name="/src/Acme.Tests.dll" config-file="/src/Acme.Tests.dll.config" run-date="2026-11-23" '
              'run-time="10:00:00" total="0" passed="0" failed="0" skipped="0" time="1800" errors="0" '
              'environment="64-bit .NET 6.0" test-framework="xUnit.net 2.4.2">\n<errors />\n')
    tests = index = 0
    results = {"passed": "Pass", "failed": "Fail", "error": "Fail", "skipped": "Skip"}
    while out.size < target:
        index += 1
        cls = f"Acme.Module{index % 40}.Service{index}Tests"
        out.write(f'<collection total="100" passed="0" failed="0" skipped="0" name="Test collection for {cls}" '
                  'time="0.5">\n')
        for case in range(100):
            tests += 1
            kind = _outcome(rng)
            out.write(f'<test name="{cls}.Test{case}(value: {case})" type="{cls}" method="Test{case}" '
                      f'time="{rng.random():.7f}" result="{results[kind]}">\n')
            if rng.random() < 0.2:
                out.write('<traits><trait name="Category" value="fast" /></traits>\n')
            if kind in ("failed", "error"):
                out.write(f'<failure exception-type="Xunit.Sdk.EqualException"><message><![CDATA[Assert.Equal() '
                          f"Failure\nExpected: {case}\nActual:   {case + 1}]]></message><stack-trace><![CDATA["
                          f"{_trace(rng, cls)}]]></stack-trace></failure>\n")
            elif kind == "skipped":
                out.write("<reason><![CDATA[not on Linux]]></reason>\n")
            if rng.random() < 0.3:
                out.write(f"<output><![CDATA[log for {case}\n]]></output>\n")
            out.write("</test>\n")
        out.write("</collection>\n")
    out.write("</assembly>\n</assemblies>\n")
    return tests


def trx(out: Out, target: int, rng: random.Random) -> int:
    """dotnet test --logger trx: Results first, then the TestDefinitions they refer to by id."""
    ns = "http://microsoft.com/schemas/VisualStudio/TeamTest/2010"
    stamp = "2026-11-23T10:00:00.0000000+00:00"
    out.write(f'<?xml version="1.0" encoding="utf-8"?>\n<TestRun id="{uuid.UUID(int=rng.getrandbits(128))}" '
              f'name="ci@runner 2026-11-23 10:00:00" runUser="ci" xmlns="{ns}">\n'
              f'<Times creation="{stamp}" queuing="{stamp}" start="{stamp}" finish="{stamp}" />\n'
              '<TestSettings name="default" id="6c4d5628-128a-4f70-9e0a-c2f1c1d8b3d6">'
              '<Deployment runDeploymentRoot="ci_runner_2026-11-23_10_00_00" /></TestSettings>\n<Results>\n')
    defs: list[tuple[str, str, str, str]] = []
    outcomes = {"passed": "Passed", "failed": "Failed", "error": "Failed", "skipped": "NotExecuted"}
    # the definitions are written after the results: keep the result bytes to leave room for them
    while out.size * 1.9 < target:
        test_id, execution = str(uuid.UUID(int=rng.getrandbits(128))), str(uuid.UUID(int=rng.getrandbits(128)))
        cls = f"Acme.Module{len(defs) // 100 % 40}.Service{len(defs) // 100}Tests"
        name = f"Test{len(defs) % 100}"
        defs.append((test_id, execution, cls, name))
        kind = _outcome(rng)
        out.write(f'<UnitTestResult executionId="{execution}" testId="{test_id}" testName="{name}" '
                  f'computerName="runner" duration="00:00:00.{rng.randrange(10**7):07d}" '
                  'startTime="2026-11-23T10:00:00.0000000+00:00" '
                  'endTime="2026-11-23T10:00:01.0000000+00:00" testType="13cdc9d9-ddb5-4fa4-a97d-d965ccfc6d4b" '
                  f'outcome="{outcomes[kind]}" testListId="8c84fa94-04c1-424b-9868-57a2d4851a1d" '
                  f'relativeResultsDirectory="{execution}">\n')
        body = f"<StdOut>log for {name}</StdOut>" if rng.random() < 0.3 else ""
        if kind in ("failed", "error"):
            body += (f"<ErrorInfo><Message>Assert.Equal() Failure\nExpected: 1\nActual:   2</Message>"
                     f"<StackTrace>{escape(_trace(rng, cls))}</StackTrace></ErrorInfo>")
        if body:
            out.write(f"<Output>{body}</Output>\n")
        out.write("</UnitTestResult>\n")
    out.write("</Results>\n<TestDefinitions>\n")
    for test_id, execution, cls, name in defs:
        out.write(f'<UnitTest name="{name}" storage="/src/acme.tests.dll" id="{test_id}">'
                  f'<Execution id="{execution}" /><TestMethod codeBase="/src/Acme.Tests.dll" '
                  f'adapterTypeName="executor://xunit/VsTestRunner2/netcoreapp" className="{cls}" name="{name}" />'
                  "</UnitTest>\n")
    out.write("</TestDefinitions>\n<TestEntries>\n")
    for test_id, execution, _, _ in defs:
        out.write(f'<TestEntry testId="{test_id}" executionId="{execution}" '
                  'testListId="8c84fa94-04c1-424b-9868-57a2d4851a1d" />\n')
    out.write('</TestEntries>\n<TestLists>'
              '<TestList name="Results Not in a List" id="8c84fa94-04c1-424b-9868-57a2d4851a1d" />'
              f'</TestLists>\n<ResultSummary outcome="Failed"><Counters total="{len(defs)}" executed="{len(defs)}" '
              'passed="0" failed="0" error="0" timeout="0" aborted="0" inconclusive="0" passedButRunAborted="0" '
              'notRunnable="0" notExecuted="0" disconnected="0" warning="0" completed="0" inProgress="0" pending="0" />'
              "</ResultSummary>\n</TestRun>\n")
    return len(defs)


def robot(out: Out, target: int, rng: random.Random) -> int:
    """Robot Framework 6.1 output.xml (schema 4): suites of tests, each with a few keywords."""
    out.write('<?xml version="1.0" encoding="UTF-8"?>\n<robot generator="Robot 6.1.1 (Python 3.11.4 on linux)" '
              'generated="20261123 10:00:00.000" rpa="false" schemaversion="4">\n<suite id="s1" name="Bench" '
              'source="/src/tests">\n')
    tests = index = 0
    stamp = 'starttime="20261123 10:00:00.000" endtime="20261123 10:00:00.010"'
    while out.size < target:
        index += 1
        out.write(f'<suite id="s1-s{index}" name="Module {index}" source="/src/tests/module_{index}.robot">\n')
        for case in range(50):
            tests += 1
            kind = _outcome(rng)
            out.write(f'<test id="s1-s{index}-t{case}" name="Test {case} Of Module {index}" line="{case * 5}">\n')
            for step in range(3):
                out.write(f'<kw name="Log" library="BuiltIn"><arg>step {step} of {case}</arg><doc>Logs the given '
                          f'message.</doc><msg timestamp="20261123 10:00:00.001" level="INFO">step {step}</msg>'
                          f'<status status="PASS" {stamp}/></kw>\n')
            status, message = "PASS", ""
            if kind in ("failed", "error"):
                status, message = "FAIL", f"{case} != {case + 1}"
                out.write(f'<kw name="Should Be Equal" library="BuiltIn"><arg>{case}</arg><arg>{case + 1}</arg>'
                          f'<msg timestamp="20261123 10:00:00.002" level="FAIL">{message}</msg>'
                          f'<status status="FAIL" {stamp}/></kw>\n')
            elif kind == "skipped":
                status, message = "SKIP", "Skipped with Skip keyword."
            out.write(f"<tag>smoke</tag><tag>module-{index % 10}</tag>\n<status status=\"{status}\" {stamp}>"
                      f"{message}</status>\n</test>\n")
        out.write(f'<status status="FAIL" {stamp}/>\n</suite>\n')
    out.write(f'<status status="FAIL" {stamp}/>\n</suite>\n<statistics><total><stat pass="0" fail="0" skip="0">'
              "All Tests</stat></total><tag></tag><suite></suite></statistics>\n<errors></errors>\n</robot>\n")
    return tests


def catch2(out: Out, target: int, rng: random.Random) -> int:
    """Catch2 v3 `-r xml`: <Catch2TestRun> of <TestCase>s with sections and expressions."""
    out.write('<?xml version="1.0" encoding="UTF-8"?>\n<Catch2TestRun name="unit_tests" rng-seed="42" '
              'xml-format-version="3" catch2-version="3.5.0">\n')
    tests = 0
    while out.size < target:
        tests += 1
        kind = _outcome(rng)
        source = f"/src/tests/module{tests // 100}.tests.cpp"
        out.write(f'<TestCase name="case {tests} works" tags="[module{tests // 100}][fast]" filename="{source}" '
                  f'line="{tests % 900}">\n<Section name="setup" filename="{source}" line="3">\n')
        if kind in ("failed", "error"):
            out.write(f'<Expression success="false" type="REQUIRE" filename="{source}" line="5"><Original>a == b'
                      f"</Original><Expanded>{tests} == {tests + 1}</Expanded></Expression>\n")
        out.write(f'<OverallResults successes="3" failures="{int(kind in ("failed", "error"))}" expectedFailures="0" '
                  'skipped="false" durationInSeconds="0.000123"/>\n</Section>\n')
        if kind == "skipped":
            out.write(f'<Skip filename="{source}" line="7">not on this platform</Skip>\n')
        out.write(f'<OverallResult success="{str(kind not in ("failed", "error")).lower()}" '
                  f'skips="{int(kind == "skipped")}" durationInSeconds="{rng.random():.6f}"/>\n</TestCase>\n')
    out.write('<OverallResults successes="0" failures="0" expectedFailures="0" skips="0"/>\n'
              '<OverallResultsCases successes="0" failures="0" expectedFailures="0" skips="0"/>\n</Catch2TestRun>\n')
    return tests


def zaproxy(out: Out, target: int, rng: random.Random) -> int:
    """ZAP's traditional XML report: sites with alerts, each alert with many instances."""
    out.write('<?xml version="1.0"?>\n<OWASPZAPReport programName="ZAP" version="2.14.0" '
              'generated="Sun, 7 Apr 2024 01:18:39">\n')
    alerts = site = 0
    while out.size < target:
        site += 1
        out.write(f'<site name="https://app{site}.example.com" host="app{site}.example.com" port="443" ssl="true">'
                  "\n<alerts>\n")
        for alert in range(20):
            alerts += 1
            risk = rng.randrange(4)
            out.write(f"<alertitem>\n<pluginid>{10000 + alert}</pluginid>\n<alertRef>{10000 + alert}</alertRef>\n"
                      f"<alert>Finding {alert}</alert>\n<name>Finding {alert}</name>\n<riskcode>{risk}</riskcode>\n"
                      "<confidence>2</confidence>\n<riskdesc>Medium (Medium)</riskdesc>\n<confidencedesc>Medium"
                      "</confidencedesc>\n<desc>&lt;p&gt;A description of the finding.&lt;/p&gt;</desc>\n<instances>\n")
            for instance in range(40):
                out.write(f"<instance>\n<uri>https://app{site}.example.com/page/{instance}</uri>\n<method>GET</method>\n"
                          "<param></param>\n<attack></attack>\n<evidence>x-powered-by</evidence>\n<otherinfo></otherinfo>"
                          "\n</instance>\n")
            out.write("</instances>\n<count>40</count>\n<solution>&lt;p&gt;Fix it.&lt;/p&gt;</solution>\n"
                      "<otherinfo></otherinfo>\n<reference>&lt;p&gt;https://owasp.org&lt;/p&gt;</reference>\n"
                      "<cweid>693</cweid>\n<wascid>15</wascid>\n<sourceid>1</sourceid>\n</alertitem>\n")
        out.write("</alerts>\n</site>\n")
    out.write("</OWASPZAPReport>\n")
    return alerts


# -- JSON -----------------------------------------------------------------------------------------


def _json_list(out: Out, target: int, item: Callable[[int], object], head: str = "[", tail: str = "]") -> int:
    """Write `head`, items item(0), item(1)... separated by commas until `target` bytes, then `tail`."""
    out.write(head)
    count = 0
    while out.size < target:
        if count:
            out.write(",\n")
        out.write(json.dumps(item(count)))
        count += 1
    out.write(tail)
    return count


def cucumber(out: Out, target: int, rng: random.Random) -> int:
    """cucumber-jvm / cucumber-js JSON: features with scenarios with steps (durations in ns)."""
    tests = 0

    def step(keyword: str, name: str, status: str) -> dict[str, object]:
        result: dict[str, object] = {"status": status, "duration": rng.randrange(10**7)}
        if status == "failed":
            result["error_message"] = "java.lang.AssertionError: expected 3 but was 4\n" + _trace(rng, "steps.Cart")
        return {"keyword": keyword, "name": name, "line": 5, "match": {"location": "steps.Cart.step()"},
                "result": result}

    def feature(index: int) -> dict[str, object]:
        nonlocal tests
        elements = []
        for case in range(40):
            tests += 1
            kind = _outcome(rng)
            last = {"passed": "passed", "failed": "failed", "error": "failed", "skipped": "skipped"}[kind]
            elements.append({
                "id": f"feature-{index};scenario-{case}", "keyword": "Scenario", "type": "scenario",
                "name": f"scenario {case} of feature {index}", "line": case * 6, "tags": [{"name": "@smoke"}],
                "before": [{"match": {"location": "hooks.Setup.before()"}, "result": {"status": "passed",
                                                                                     "duration": 1000}}],
                "steps": [step("Given ", "a cart", "passed"), step("When ", "I add an item", "passed"),
                          step("Then ", "the total is right", last)],
            })
        return {"uri": f"features/feature_{index}.feature", "id": f"feature-{index}", "keyword": "Feature",
                "name": f"Feature {index}", "description": "", "line": 1, "tags": [], "elements": elements}

    _json_list(out, target, feature)
    return tests


def behave(out: Out, target: int, rng: random.Random) -> int:
    """behave -f json: features with scenarios with steps (durations in seconds)."""
    tests = 0

    def step(keyword: str, name: str, status: str) -> dict[str, object]:
        result: dict[str, object] = {"status": status, "duration": rng.random() / 100}
        if status == "failed":
            result["error_message"] = ["Traceback (most recent call last):", '  File "steps/cart.py", line 9',
                                       "AssertionError: expected 3, got 4"]
        return {"keyword": keyword, "name": name, "location": "features/cart.feature:5", "step_type": keyword.lower(),
                "match": {"arguments": [], "location": "features/steps/cart.py:7"}, "result": result}

    def feature(index: int) -> dict[str, object]:
        nonlocal tests
        elements = []
        for case in range(40):
            tests += 1
            kind = _outcome(rng)
            last = {"passed": "passed", "failed": "failed", "error": "failed", "skipped": "skipped"}[kind]
            elements.append({
                "keyword": "Scenario", "name": f"scenario {case} of feature {index}", "type": "scenario",
                "location": f"features/f{index}.feature:{case * 6}", "status": last, "tags": ["smoke"],
                "steps": [step("Given", "a cart", "passed"), step("When", "I add an item", "passed"),
                          step("Then", "the total is right", last)],
            })
        return {"keyword": "Feature", "name": f"Feature {index}", "location": f"features/f{index}.feature:1",
                "status": "failed", "tags": [], "elements": elements}

    _json_list(out, target, feature)
    return tests


def xray(out: Out, target: int, rng: random.Random) -> int:
    """Xray JSON import payload: info + tests with steps."""
    statuses = {"passed": "PASSED", "failed": "FAILED", "error": "FAILED", "skipped": "TODO"}

    def test(index: int) -> dict[str, object]:
        kind = _outcome(rng)
        return {"testKey": f"CALC-{index + 1}", "start": "2026-11-23T10:00:00+00:00",
                "finish": "2026-11-23T10:00:05+00:00", "comment": "run by the bench",
                "status": statuses[kind],
                "steps": [{"status": "PASSED", "actualResult": "ok"}, {"status": statuses[kind],
                                                                       "actualResult": "as expected"}]}

    head = ('{"info": {"summary": "bench", "description": "generated", "startDate": "2026-11-23T10:00:00+00:00", '
            '"finishDate": "2026-11-23T11:00:00+00:00"}, "tests": [')
    return _json_list(out, target, test, head, "]}")


def ctrf(out: Out, target: int, rng: random.Random) -> int:
    """CTRF 0.0.x as jest-ctrf-json-reporter writes it."""
    statuses = {"passed": "passed", "failed": "failed", "error": "failed", "skipped": "skipped"}

    def test(index: int) -> dict[str, object]:
        kind = _outcome(rng)
        item: dict[str, object] = {"name": f"Cart test {index}", "status": statuses[kind],
                                   "duration": rng.randrange(300),
                                   "rawStatus": statuses[kind], "type": "unit",
                                   "filePath": f"/src/tests/t{index // 100}.test.js", "retries": 0, "flaky": False,
                                   "suite": f"t{index // 100}.test.js > Cart > group {index % 7}"}
        if statuses[kind] == "failed":
            item["message"] = "expect(received).toBe(expected)"
            item["trace"] = _trace(rng, "cart.Cart")
        return item

    head = ('{"reportFormat": "CTRF", "specVersion": "0.0.0", "results": {"tool": {"name": "jest"}, "summary": '
            '{"tests": 0, "passed": 0, "failed": 0, "pending": 0, "skipped": 0, "other": 0, "start": 1795437587930, '
            '"stop": 1795437588431}, "tests": [')
    return _json_list(out, target, test, head, "]}}")


def jest(out: Out, target: int, rng: random.Random) -> int:
    """jest --json: test files with assertion results."""
    tests = 0
    statuses = {"passed": "passed", "failed": "failed", "error": "failed", "skipped": "pending"}

    def file(index: int) -> dict[str, object]:
        nonlocal tests
        results = []
        for case in range(60):
            tests += 1
            kind = _outcome(rng)
            ancestors = ["Cart", f"group {case % 5}"]
            results.append({"ancestorTitles": ancestors, "title": f"does thing {case}",
                            "fullName": " ".join([*ancestors, f"does thing {case}"]), "status": statuses[kind],
                            "duration": rng.randrange(100), "failureMessages":
                                ["Error: expect(received).toBe(expected)\n" + _trace(rng, "cart")]
                                if statuses[kind] == "failed" else [],
                            "location": None, "numPassingAsserts": 1})
        return {"name": f"/src/tests/t{index}.test.js", "status": "failed", "message": "", "startTime": 1795437587930,
                "endTime": 1795437588431, "assertionResults": results}

    head = ('{"numTotalTests": 0, "numFailedTests": 0, "numPassedTests": 0, "numPendingTests": 0, '
            '"startTime": 1795437587930, "success": false, "wasInterrupted": false, "testResults": [')
    _json_list(out, target, file, head, "]}")
    return tests


def mocha(out: Out, target: int, rng: random.Random) -> int:
    """mocha --reporter json: stats, then tests (and the failures/passes/pending lists repeat them)."""
    def test(index: int) -> dict[str, object]:
        kind = _outcome(rng)
        err: dict[str, object] = {}
        if kind in ("failed", "error"):
            err = {"message": "expected 3 to equal 4", "stack": "AssertionError: expected 3 to equal 4\n"
                   + _trace(rng, "cart"), "name": "AssertionError"}
        item: dict[str, object] = {"title": f"does thing {index}",
                                   "fullTitle": f"Cart group {index % 9} does thing {index}",
                                   "file": f"/src/test/t{index // 100}.spec.js", "currentRetry": 0, "err": err}
        if kind != "skipped":
            item["duration"] = rng.randrange(100)
        return item

    head = ('{"stats": {"suites": 1, "tests": 0, "passes": 0, "pending": 0, "failures": 0, '
            '"start": "2026-11-23T10:00:00.000Z", "end": "2026-11-23T10:30:00.000Z", "duration": 1800000}, "tests": [')
    return _json_list(out, target, test, head, '], "pending": [], "failures": [], "passes": []}')


def playwright(out: Out, target: int, rng: random.Random) -> int:
    """Playwright's json reporter: files > describe > specs, one test per project."""
    tests = 0
    statuses = {"passed": ("passed", "expected"), "failed": ("failed", "unexpected"),
                "error": ("timedOut", "unexpected"), "skipped": ("skipped", "skipped")}

    def file(index: int) -> dict[str, object]:
        nonlocal tests
        specs = []
        for case in range(50):
            tests += 1
            kind = _outcome(rng)
            status, outcome = statuses[kind]
            result: dict[str, object] = {"workerIndex": 0, "status": status, "duration": rng.randrange(3000),
                                         "errors": [], "stdout": [], "stderr": [], "retry": 0,
                                         "startTime": "2026-11-23T10:00:00.000Z", "attachments": []}
            if kind in ("failed", "error"):
                result["error"] = {"message": "expect(received).toBe(expected)", "stack": _trace(rng, "cart")}
            specs.append({"title": f"does thing {case}", "ok": outcome != "unexpected", "tags": [],
                          "id": f"{index}-{case}", "file": f"t{index}.spec.ts", "line": case, "column": 5,
                          "tests": [{"timeout": 30000, "annotations": [], "expectedStatus": "passed",
                                     "projectId": "chromium", "projectName": "chromium", "results": [result],
                                     "status": outcome}]})
        return {"title": f"t{index}.spec.ts", "file": f"t{index}.spec.ts", "line": 0, "column": 0, "specs": [],
                "suites": [{"title": "cart", "file": f"t{index}.spec.ts", "line": 3, "column": 6, "specs": specs}]}

    head = '{"config": {"version": "1.48.0", "projects": [{"name": "chromium"}]}, "suites": ['
    _json_list(out, target, file, head, '], "errors": [], "stats": {"startTime": "2026-11-23T10:00:00.000Z", '
               '"duration": 1800000, "expected": 0, "skipped": 0, "unexpected": 0, "flaky": 0}}')
    return tests


def pytest_json(out: Out, target: int, rng: random.Random) -> int:
    """pytest --json-report: tests with setup/call/teardown phases."""
    outcomes = {"passed": "passed", "failed": "failed", "error": "error", "skipped": "skipped"}

    def test(index: int) -> dict[str, object]:
        kind = _outcome(rng)
        node = f"tests/test_m{index // 100}.py::TestCart::test_{index}"
        call: dict[str, object] = {"duration": rng.random() / 10, "outcome": "passed"}
        if kind == "failed":
            call = {"duration": 0.01, "outcome": "failed", "crash": {"path": "/src/tests/t.py", "lineno": 9,
                                                                     "message": "AssertionError: assert 3 == 4"},
                    "longrepr": "def test():\n>       assert 3 == 4\nE       assert 3 == 4"}
        item: dict[str, object] = {"nodeid": node, "lineno": index % 500, "outcome": outcomes[kind],
                                   "keywords": [f"test_{index}", "TestCart"],
                                   "setup": {"duration": 0.0002, "outcome": "passed"}, "call": call,
                                   "teardown": {"duration": 0.0001, "outcome": "passed"}}
        if kind == "error":
            item["setup"] = {"duration": 0.001, "outcome": "failed", "longrepr": "fixture 'db' not found"}
            del item["call"]
        elif kind == "skipped":
            item["setup"] = {"duration": 0.001, "outcome": "skipped", "longrepr": "('t.py', 3, 'Skipped: no gpu')"}
            del item["call"]
        return item

    head = ('{"created": 1795437587.9, "duration": 1800.0, "exitcode": 1, "root": "/src", "environment": {}, '
            '"summary": {"total": 0, "collected": 0}, "collectors": [], "tests": [')
    return _json_list(out, target, test, head, '], "warnings": []}')


def calliope(out: Out, target: int, rng: random.Random) -> int:
    """Calliope's report export: package > class containers with results (numeric statuses)."""
    tests = 0
    status = {"passed": 2, "failed": 0, "error": 1, "skipped": 3}

    def package(index: int) -> dict[str, object]:
        nonlocal tests
        classes = []
        for cls in range(5):
            results = []
            for case in range(40):
                tests += 1
                kind = _outcome(rng)
                result: dict[str, object] = {"title": f"test{case}", "status": status[kind],
                                             "duration": rng.randrange(500), "position": case}
                if kind in ("failed", "error"):
                    result.update(exception_name="java.lang.AssertionError", exception_description="expected 3",
                                  exception_backtrace=_trace(rng, "com.acme.Cart"))
                results.append(result)
            classes.append({"title": f"Service{cls}Test", "classification": "Class", "position": cls,
                            "containers": [], "results": results})
        return {"title": f"com.acme.module{index}", "classification": "Package", "position": index,
                "containers": classes, "results": []}

    head = '{"date": "2026-11-23T10:00:00.000Z", "origin": "junit_xml", "containers": ['
    _json_list(out, target, package, head, "]}")
    return tests


def gotest(out: Out, target: int, rng: random.Random) -> int:
    """go test -json: one event per line (run, output, pass/fail/skip) per test."""
    tests = 0
    while out.size < target:
        package = f"example.com/shop/pkg{tests // 200}"
        for case in range(200):
            tests += 1
            test = f"TestThing{case}"
            kind = _outcome(rng)
            action = {"passed": "pass", "failed": "fail", "error": "fail", "skipped": "skip"}[kind]
            events: list[dict[str, object]] = [
                {"Time": "2026-11-23T10:00:00.1Z", "Action": "run", "Package": package, "Test": test},
                {"Time": "2026-11-23T10:00:00.1Z", "Action": "output", "Package": package, "Test": test,
                 "Output": f"=== RUN   {test}\n"},
            ]
            if action == "fail":
                events.append({"Time": "2026-11-23T10:00:00.2Z", "Action": "output", "Package": package, "Test": test,
                               "Output": "    thing_test.go:12: expected 3, got 4\n"})
            events.append({"Time": "2026-11-23T10:00:00.2Z", "Action": "output", "Package": package, "Test": test,
                           "Output": f"--- {action.upper()}: {test} (0.01s)\n"})
            events.append({"Time": "2026-11-23T10:00:00.2Z", "Action": action, "Package": package, "Test": test,
                           "Elapsed": 0.01})
            out.write("".join(json.dumps(e) + "\n" for e in events))
        out.write(json.dumps({"Time": "2026-11-23T10:00:01Z", "Action": "fail", "Package": package,
                              "Elapsed": 1.0}) + "\n")
    return tests


# name -> (kind of floor, generator)
GENERATORS: dict[str, tuple[str, Callable[[Out, int, random.Random], int]]] = {
    "junit": ("xml", junit), "testng": ("xml", testng), "nunit": ("xml", nunit), "xunit": ("xml", xunit),
    "trx": ("xml", trx), "robot": ("xml", robot), "catch2": ("xml", catch2), "zaproxy": ("xml", zaproxy),
    "cucumber": ("json", cucumber), "behave": ("json", behave), "xray": ("json", xray), "ctrf": ("json", ctrf),
    "jest": ("json", jest), "mocha": ("json", mocha), "playwright": ("json", playwright),
    "pytest_json": ("json", pytest_json), "calliope": ("json", calliope), "gotest": ("ndjson", gotest),
}

__all__ = ["GENERATORS", "Out"]

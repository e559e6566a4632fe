"""QMetry's automation hierarchies: which level of a result file is a test cycle, a test case, a step.

QMetry Test Management for Jira (seed 003 and its "Test using JUnit/TestNG" pages) reads JUnit and
TestNG results three ways, chosen by `automationHierarchy`:

| hierarchy   | JUnit                                         | TestNG                                        |
|-------------|-----------------------------------------------|-----------------------------------------------|
| 1 (default) | one cycle; a `<testsuite>` is a test case and | one cycle; a `<test>` is a test case and its  |
|             | its `<testcase>`s are its steps               | test methods are its steps                    |
| 2           | a cycle per `<testsuite>` name (class name    | a cycle per `<test>` name; each test method   |
|             | outside a suite); each `<testcase>` a case    | is a test case                                |
| 3           | one cycle; each `<testcase>` is a test case   | a cycle per `<suite>` name; each test method  |
|             |                                               | is a test case                                |

`testCycleToReuse` puts everything into that one cycle, except under hierarchy 2 where QMetry
ignores it (so TestNG's hierarchy 3 then keeps one cycle). Other formats keep their own tree in one
cycle: a Cucumber scenario is a test case and its steps are steps (`useFeatureName` makes the
feature the test case's component, `useFeatureDescription` its description).

Model in, model out: `restructure(events, options)` yields the events again, reshaped. A top-level
Container classified CYCLE stands for a test cycle of its own (the import writes a report per
such container); when there is none, the whole stream is one cycle. Every test case also gets the
`fields` of the import, and names longer than 255 characters are cut, as QMetry cuts them.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from assay.model import Container, Event, ReportMeta, Result, Step, worst

__all__ = ["CYCLE", "MAX_NAME", "QMetryOptions", "restructure"]

CYCLE = "TestCycle"
MAX_NAME = 255


@dataclass(frozen=True)
class QMetryOptions:
    framework: str  # Assay's format name: junit, testng, cucumber, qaf, uft, specflow...
    hierarchy: int = 1
    reuse: bool = False  # testCycleToReuse was given
    append_test_name: bool = False
    match_test_steps: bool = True
    use_feature_name: bool = False
    use_feature_description: bool = False
    attach_file: bool = False
    # fields.testCase and fields.testCaseExecution, validated; `run` is kept on every result as is.
    test_case: Mapping[str, Any] = field(default_factory=dict)
    execution: Mapping[str, Any] = field(default_factory=dict)
    run: Mapping[str, Any] = field(default_factory=dict)


def restructure(events: Iterable[Event], options: QMetryOptions) -> Iterator[Event]:
    """Yield `events` reshaped to `options.hierarchy` (JUnit, TestNG) and decorated with the fields."""
    shaper = _Shaper(options)
    for event in events:
        yield from shaper.feed(event)
    yield from shaper.finish()


def _truncate(name: str) -> str:
    return name if len(name) <= MAX_NAME else name[:MAX_NAME]


def _chain(container: Container | None) -> list[Container]:
    chain = []
    while container is not None:
        chain.append(container)
        container = container.parent
    return chain


def _ancestor(container: Container | None, classification: str) -> Container | None:
    return next((c for c in _chain(container) if c.classification == classification), None)


class _Shaper:
    def __init__(self, options: QMetryOptions) -> None:
        self.options = options
        framework = options.framework
        self.junit = framework == "junit"
        self.testng = framework == "testng"
        hierarchy = options.hierarchy if self.junit or self.testng else 3
        self.as_steps = hierarchy == 1  # a suite / <test> is a test case, its tests are steps
        # The level that becomes a cycle of its own: JUnit 2 the suite holding the tests, TestNG 2
        # the <test>, TestNG 3 the <suite> (not when a cycle is reused).
        self.cycle_level: str | None = None
        if hierarchy == 2:
            self.cycle_level = "Suite" if self.junit else "Test"
        elif hierarchy == 3 and self.testng and not options.reuse:
            self.cycle_level = "Suite"
        self.cycles: dict[str, Container] = {}
        self.cycle_sources: dict[int, tuple[Container, Container]] = {}  # id(suite) -> (its cycle, the suite)
        # hierarchy 1: open test cases, by their container (document order)
        self.cases: dict[tuple[str, object], _Case] = {}

    # -- events ---------------------------------------------------------------------------------
    def feed(self, event: Event) -> list[Event]:
        if isinstance(event, ReportMeta):
            if not self.options.attach_file:
                event.assets = []
            return [event]
        if isinstance(event, Container):
            event.title = _truncate(event.title)
            if not self.options.attach_file:
                event.assets = []
            if self.as_steps:
                return self._close_cases(_chain(event))
            return self._container(event)
        if self.as_steps:
            return self._step_of_case(event)
        fresh = self._place(event)
        return [*fresh, self._test_case(event)]

    def finish(self) -> list[Event]:
        out = self._close_cases([])
        for cycle, source in self.cycle_sources.values():  # suites' own data may come after their tests
            for name, value in source.properties.items():
                cycle.properties.setdefault(name, value)
            cycle.description = cycle.description or source.description
        return out

    # -- hierarchy 2 and 3: cycles ----------------------------------------------------------------
    def _cycle(self, title: str, source: Container | None) -> tuple[Container, list[Event]]:
        title = _truncate(title or "(unnamed)")
        cycle = self.cycles.get(title)
        fresh: list[Event] = []
        if cycle is None:
            cycle = self.cycles[title] = Container(title=title, classification=CYCLE)
            fresh.append(cycle)
        if source is not None and id(source) not in self.cycle_sources:
            self.cycle_sources[id(source)] = (cycle, source)
        return cycle, fresh

    def _container(self, container: Container) -> list[Event]:
        level = self.cycle_level
        if level is None:
            return [container]
        if self.junit:
            return []  # JUnit 2 knows its cycles from the tests (the suite holding them): no suite stays
        if container.classification == level:
            return self._cycle(container.title, container)[1]
        parent = container.parent
        if parent is not None and parent.classification == level:
            cycle, fresh = self._cycle(parent.title, parent)
            container.parent = cycle
            return [*fresh, container]
        if _ancestor(parent, CYCLE) is not None:
            return [container]  # deeper down a cycle: the tree as the file has it
        return []  # above the cycle level (TestNG's <suite> in hierarchy 2): not a level QMetry has

    def _place(self, result: Result) -> list[Event]:
        """Put a result in its cycle; returns the cycle container when it is new."""
        level = self.cycle_level
        if level is None:
            return []
        if self.junit:
            source = result.container
            title = source.title if source is not None else (result.classname or result.title)
            cycle, fresh = self._cycle(title, source)
            result.container = cycle
            return fresh
        if result.container is not None and result.container.classification == level:
            cycle, fresh = self._cycle(result.container.title, result.container)
            result.container = cycle
            return fresh
        return []

    # -- hierarchy 1: test cases made of tests ----------------------------------------------------
    def _case_of(self, result: Result) -> tuple[tuple[str, object], Container | None, str]:
        holder = _ancestor(result.container, "Test") if self.testng else None
        holder = holder or result.container
        if holder is None:  # a JUnit testcase outside any suite: its class is the test case
            name = result.classname or result.title
            return ("classname", name), None, name
        return ("holder", id(holder)), holder, holder.title

    def _step_of_case(self, result: Result) -> list[Event]:
        key, holder, title = self._case_of(result)
        out = self._close_cases(_chain(result.container)) if holder is not None else []
        case = self.cases.get(key)
        if case is None:
            case = self.cases[key] = _Case(holder, title)
        case.tests.append(result)
        return out

    def _close_cases(self, chain: list[Container]) -> list[Event]:
        """Test cases whose container the stream has left are complete (files are read in order)."""
        out: list[Event] = []
        for key, case in list(self.cases.items()):
            if case.holder is None and chain:
                continue  # cases by class name close at the end
            if case.holder is not None and any(c is case.holder for c in chain):
                continue
            del self.cases[key]
            out.append(self._test_case(case.result(self.options.attach_file)))
        return out

    # -- every test case ----------------------------------------------------------------------------
    def _test_case(self, result: Result) -> Result:
        options = self.options
        if options.append_test_name and not self.as_steps and (self.junit or self.testng):
            container = result.container
            source = (_ancestor(container, "Test") or _ancestor(container, CYCLE)) if self.testng else container
            if source is not None:
                result.title = f"{source.title}: {result.title}"
        result.title = _truncate(result.title)
        test_case = {name: value for name, value in options.test_case.items() if value not in (None, "", [])}
        feature = _ancestor(result.container, "Feature")
        if feature is not None and options.use_feature_name:
            test_case["components"] = [*test_case.get("components", []), feature.title]
        if feature is not None and options.use_feature_description and feature.description:
            if result.description:
                result.json_data["scenario_description"] = result.description
            result.description = feature.description
        for label in test_case.get("labels", []):
            if label not in result.tags:
                result.tags.append(label)
        if not options.match_test_steps and result.steps:
            _propagate(result.steps, result)
        if not options.attach_file:
            result.assets = []
            _strip_assets(result.steps)
        qmetry: dict[str, Any] = {**options.run, "matchTestSteps": options.match_test_steps}
        if test_case:
            qmetry["testCase"] = test_case
        if options.execution:
            qmetry["testCaseExecution"] = dict(options.execution)
        result.json_data["qmetry"] = qmetry
        return result


@dataclass
class _Case:
    """Hierarchy 1: a suite (JUnit) or <test> (TestNG) whose tests become the steps of one test case."""

    holder: Container | None
    title: str
    tests: list[Result] = field(default_factory=list)

    def result(self, attach_file: bool) -> Result:
        holder = self.holder
        steps = [_as_step(test, attach_file) for test in self.tests]
        status = worst(step.status for step in steps)
        failing = next((t for t in self.tests if t.status is status and t.exception_description), None)
        durations = [t.duration for t in self.tests if t.duration is not None]
        return Result(
            title=self.title,
            status=status if status is not None else self.tests[0].status,
            container=holder.parent if holder is not None else None,
            duration=holder.duration
            if holder is not None and holder.duration is not None
            else (sum(durations) if durations else None),
            description=holder.description if holder is not None else None,
            exception_name=failing.exception_name if failing else None,
            exception_description=failing.exception_description if failing else None,
            exception_backtrace=failing.exception_backtrace if failing else None,
            properties=dict(holder.properties) if holder is not None else {},
            tags=list(holder.tags) if holder is not None else [],
            assets=list(holder.assets) if holder is not None and attach_file else [],
            steps=steps,
        )


def _as_step(test: Result, attach_file: bool) -> Step:
    error = "\n".join(
        part
        for part in (
            ": ".join(p for p in (test.exception_name, test.exception_description) if p) or None,
            test.exception_backtrace,
        )
        if part
    )
    data: dict[str, Any] = {
        name: value
        for name, value in (("classname", test.classname), ("stdout", test.stdout), ("stderr", test.stderr))
        if value
    }
    if test.properties:
        data["properties"] = test.properties
    return Step(
        title=_truncate(test.title),
        status=test.status,
        duration=test.duration,
        error=error or None,
        data=data or None,
        steps=test.steps,
        assets=test.assets if attach_file else [],
    )


def _propagate(steps: list[Step], result: Result) -> None:
    """matchTestSteps=false: the steps take the test case's result; their own details are not read."""
    for step in steps:
        step.status = result.status
        step.error = None
        step.duration = None
        _propagate(step.steps, result)


def _strip_assets(steps: list[Step]) -> None:
    for step in steps:
        step.assets = []
        _strip_assets(step.steps)

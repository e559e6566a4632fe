from __future__ import annotations

from assay.model import Container, Result, Status
from assay.normalize import NormalizeOptions, history_hash, normalize


def _suite_events() -> list[object]:
    suite = Container("com.acme.cart.CartTest", "Suite")
    suite.properties["system-out"] = "suite log"
    other = Container("pytest", "Suite")
    return [
        suite,
        Result("adds", Status.PASSED, container=suite, classname="com.acme.cart.CartTest"),
        Result("removes", Status.FAILED, container=suite, classname="com.acme.cart.CartTest"),
        other,
        Result("test_a", Status.SKIPPED, container=other, classname="tests.test_mod.TestThing"),
        Result("test_b", Status.BROKEN, container=other, classname="tests.test_mod.TestThing"),
        Result("loose", Status.PASSED, container=other, classname="describe › it works"),
    ]


def test_smart_turns_class_names_into_package_and_class_containers() -> None:
    out = list(normalize(_suite_events(), NormalizeOptions(smart=True)))
    containers = [e for e in out if isinstance(e, Container)]
    paths = {
        c.title: (c.classification, c.parent.title if c.parent else None) for c in containers
    }
    # The Surefire-style suite named after its class is replaced by Package > Class...
    assert paths["com.acme.cart"] == ("Package", None)
    assert paths["CartTest"] == ("Class", "com.acme.cart")
    assert "com.acme.cart.CartTest" not in paths
    # ...and the class container inherits the suite's own data.
    cart = next(c for c in containers if c.title == "CartTest")
    assert cart.properties["system-out"] == "suite log"
    # A suite named otherwise stays, with the package/class pair inside it.
    assert paths["tests.test_mod"] == ("Package", "pytest")
    assert paths["TestThing"] == ("Class", "tests.test_mod")
    loose = next(e for e in out if isinstance(e, Result) and e.title == "loose")
    assert loose.container is not None and loose.container.title == "pytest"


def test_smart_false_keeps_the_file_structure() -> None:
    out = list(normalize(_suite_events(), NormalizeOptions(smart=False)))
    titles = [e.title for e in out if isinstance(e, Container)]
    assert titles == ["com.acme.cart.CartTest", "pytest"]


def test_counts_and_status_roll_up_worst_first() -> None:
    out = list(normalize(_suite_events(), NormalizeOptions(smart=True)))
    containers = {e.title: e for e in out if isinstance(e, Container)}
    assert containers["CartTest"].counts.total == 2
    assert containers["CartTest"].status == Status.FAILED
    pytest_suite = containers["pytest"]
    assert (pytest_suite.counts.total, pytest_suite.counts.broken, pytest_suite.counts.skipped) == (3, 1, 1)
    assert pytest_suite.status == Status.BROKEN  # broken beats skipped and passed


def test_history_hash_is_stable_and_chains_parents() -> None:
    first = [e for e in normalize(_suite_events()) if isinstance(e, Result)]
    second = [e for e in normalize(_suite_events()) if isinstance(e, Result)]
    assert [r.history_hash for r in first] == [r.history_hash for r in second]
    adds = first[0]
    assert adds.container is not None
    assert adds.history_hash == history_hash("adds", adds.container.history_hash)
    assert len({r.history_hash for r in first}) == len(first)


def test_positions_follow_document_order() -> None:
    out = [e for e in normalize(_suite_events(), NormalizeOptions(smart=False)) if isinstance(e, Result)]
    suite_results = [r for r in out if r.container is not None and r.container.title == "pytest"]
    assert [r.position for r in suite_results] == [0, 1, 2]


def test_merge_containers_joins_same_titled_top_containers() -> None:
    a, b = Container("API", "Suite"), Container("API", "Suite")
    events = [a, Result("one", Status.PASSED, container=a), b, Result("two", Status.FAILED, container=b)]
    merged = [e for e in normalize(events, NormalizeOptions(merge_containers=True)) if isinstance(e, Container)]
    assert len(merged) == 1 and merged[0].counts.total == 2
    separate = [e for e in normalize(list(events), NormalizeOptions()) if isinstance(e, Container)]
    assert len(separate) == 2


def test_empty_containers_are_kept() -> None:
    empty = Container("nothing here", "Suite")
    out = list(normalize([empty], NormalizeOptions(smart=True)))
    assert out == [empty] and empty.history_hash is not None


def test_file_names_are_not_split_into_package_and_class() -> None:
    from assay.normalize.smart import split_classname

    assert split_classname("login.feature") is None
    assert split_classname("cart.spec") is None
    assert split_classname("com.acme.Cart") == ("com.acme", "Cart")
    assert split_classname("Foo\\Bar\\BazTest") == ("Foo.Bar", "BazTest")
    assert split_classname("describe › it") is None

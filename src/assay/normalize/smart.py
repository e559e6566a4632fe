"""Smart restructuring: where a result names its class, group it under package and class containers.

`com.acme.cart.CartTest` -> a Package container `com.acme.cart` holding a Class container
`CartTest`. A suite named exactly after that class (Maven Surefire writes one suite per class) is
replaced by the Package/Class pair and gives them its properties; any other suite stays and the
Package/Class pair goes inside it. Class names that are not dotted identifiers (jest-junit's
"describe › title", Go package paths) leave the file's structure alone.
"""

from __future__ import annotations

import functools
import re

# Java/Kotlin/Python/C# style: at least two dotted identifier segments.
_DOTTED = re.compile(r"^[A-Za-z_$][\w$]*(?:\.[A-Za-z_$][\w$]*)+$")
_FILE_SUFFIXES = frozenset({"feature", "js", "jsx", "ts", "tsx", "mjs", "cjs", "py", "rb", "robot", "spec", "test"})
# A single identifier: a class name without its package (e.g. PHPUnit, Ruby, some C++ runners).
_IDENTIFIER = re.compile(r"^[A-Za-z_$][\w$]*$")


@functools.lru_cache(maxsize=4096)
def split_classname(classname: str) -> tuple[str | None, str] | None:
    """`a.b.C` -> ("a.b", "C"); `C` -> (None, "C"); anything else -> None (leave the tree alone)."""
    name = classname.strip()
    # PHPUnit writes namespaces with backslashes: Foo\\Bar\\BazTest
    if "\\" in name:
        name = name.replace("\\", ".")
    if _DOTTED.match(name):
        package, _, cls = name.rpartition(".")
        if cls.lower() in _FILE_SUFFIXES:
            return None  # a file name (Cucumber's `login.feature`, jest's `cart.spec`), not a class
        return package, cls
    if _IDENTIFIER.match(name):
        return None, name
    return None

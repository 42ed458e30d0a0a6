"""Rules of ``benchmarks/``, checked on the source tree (``ast``, nothing is imported).

``benchmarks`` is a package of runnable modules (``python -m benchmarks.ctr.crossing``) in
domain folders, with what they share in ``benchmarks/_lib``:

* no module edits ``sys.path`` (a benchmark that only runs from one folder, or that picks up
  whatever a folder happens to hold, is not reproducible);
* no module imports the tests (the tests may change for their own reasons; a benchmark keeps its
  own copy of what it needs);
* no module imports a runnable module (one with ``if __name__ == "__main__":``): what two
  benchmarks share goes into ``benchmarks._lib``, which has no entry of its own;
* benchmark modules import each other by their full name (``benchmarks.…``, or relatively),
  never by a bare name that resolves only while the importer's folder is the running script's
  (``from report import header``), and every ``benchmarks.*`` import names a module that exists;
* every runnable module is importable as ``benchmarks.<...>`` (an ``__init__.py`` in each of
  its folders), so that ``python -m`` finds it.

Each rule is a function of ``{module name: path}`` so that it can be shown failing on a
synthetic tree (``test_each_rule_can_fail``).
"""

from __future__ import annotations

import ast
from pathlib import Path

from tests.architecture.source_tree import (
    BENCHMARKS,
    ROOT,
    Import,
    benchmark_modules,
    imports_of,
)

#: list methods that change ``sys.path`` in place
MUTATORS = {
    "insert",
    "append",
    "extend",
    "remove",
    "pop",
    "clear",
    "sort",
    "reverse",
    "__setitem__",
    "__delitem__",
    "__iadd__",
}


def _shown(path: Path) -> str:
    return str(path.relative_to(ROOT) if path.is_relative_to(ROOT) else path)


def _at(path: Path, line: int) -> str:
    return f"{_shown(path)}:{line}"


def _tree(path: Path) -> ast.Module:
    return ast.parse(path.read_text(encoding="utf-8"), filename=str(path))


def sys_path_edits(tree: ast.Module) -> list[int]:
    """Lines that change ``sys.path``: one of its list methods, an assignment (or augmented
    assignment, or ``del``) of it or of an item of it, ``from sys import path`` (after which
    the edits no longer read ``sys.path``) and ``site.addsitedir``."""
    sys_names = {"sys"} | {
        alias.asname
        for node in ast.walk(tree)
        if isinstance(node, ast.Import)
        for alias in node.names
        if alias.name == "sys" and alias.asname
    }

    def is_sys_path(node: ast.AST) -> bool:
        return (
            isinstance(node, ast.Attribute)
            and node.attr == "path"
            and isinstance(node.value, ast.Name)
            and node.value.id in sys_names
        )

    lines = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            func = node.func
            site = isinstance(func.value, ast.Name) and func.value.id == "site"
            if (is_sys_path(func.value) and func.attr in MUTATORS) or (
                site and func.attr == "addsitedir"
            ):
                lines.append(node.lineno)
        elif isinstance(node, (ast.Assign, ast.AugAssign, ast.AnnAssign, ast.Delete)):
            targets = node.targets if isinstance(node, (ast.Assign, ast.Delete)) else [node.target]
            if any(is_sys_path(sub) for target in targets for sub in ast.walk(target)):
                lines.append(node.lineno)
        elif isinstance(node, ast.ImportFrom) and node.module == "sys":
            if any(alias.name == "path" for alias in node.names):
                lines.append(node.lineno)
    return sorted(lines)


def is_runnable(path: Path) -> bool:
    """A ``__main__.py``, or a module with ``if __name__ == "__main__":`` at its top level."""
    if path.name == "__main__.py":
        return True
    for node in _tree(path).body:
        if not isinstance(node, ast.If) or not isinstance(node.test, ast.Compare):
            continue
        sides = [node.test.left, *node.test.comparators]
        names = [s.id for s in sides if isinstance(s, ast.Name)]
        values = [s.value for s in sides if isinstance(s, ast.Constant)]
        if names == ["__name__"] and values == ["__main__"]:
            return True
    return False


def _imports(modules: dict[str, Path]) -> list[tuple[Path, Import]]:
    return [(path, imp) for module, path in modules.items() for imp in imports_of(module, path)]


def bare_target(imp: Import, path: Path, modules: dict[str, Path]) -> str | None:
    """The benchmark module a bare import (``from report import header``) reaches when the
    importer's folder is on ``sys.path``, as it is for a script run by its path; else None."""
    if imp.target.split(".")[0] == "benchmarks":
        return None
    package = imp.module if path.name == "__init__.py" else imp.module.rpartition(".")[0]
    candidate = f"{package}.{imp.target}"
    return candidate if candidate in modules else None


def benchmark_targets(imp: Import, path: Path, modules: dict[str, Path]) -> list[str]:
    """Benchmark modules an import loads (``from benchmarks.ctr import crossing`` -> the
    submodule ``benchmarks.ctr.crossing``; a bare name -> the sibling module it reaches)."""
    target = bare_target(imp, path, modules) or imp.target
    subs = [f"{target}.{name}" for name in imp.names if f"{target}.{name}" in modules]
    whole = target in modules and (not imp.names or len(subs) < len(imp.names))
    return subs + ([target] if whole else [])


# ----------------------------------------------------------------------------- the rules
def sys_path_violations(modules: dict[str, Path]) -> list[str]:
    return [_at(path, line) for path in modules.values() for line in sys_path_edits(_tree(path))]


def imports_of_the_tests(modules: dict[str, Path]) -> list[str]:
    """Imports of the test suite: ``tests.*``, or a test module or conftest by its bare name
    (what a ``sys.path`` edit into ``tests/`` would make importable)."""
    bad = []
    for path, imp in _imports(modules):
        top = imp.target.split(".")[0]
        if top == "tests" or top.startswith("test_") or top == "conftest":
            bad.append(f"{_at(path, imp.line)} ({imp.target})")
    return bad


def runnable_imports(modules: dict[str, Path]) -> list[str]:
    runnable = {name for name, path in modules.items() if is_runnable(path)}
    return [
        f"{_at(path, imp.line)} ({imp.module} -> {target})"
        for path, imp in _imports(modules)
        for target in benchmark_targets(imp, path, modules)
        if target in runnable and target != imp.module
    ]


def unnamed_benchmark_imports(modules: dict[str, Path]) -> list[str]:
    """Bare imports of a sibling module, and ``benchmarks.*`` imports of no module."""
    bad = []
    for path, imp in _imports(modules):
        bare = bare_target(imp, path, modules)
        if bare is not None:
            bad.append(f"{_at(path, imp.line)} ({imp.target}: import it as {bare})")
        elif imp.target.split(".")[0] == "benchmarks" and imp.target not in modules:
            bad.append(f"{_at(path, imp.line)} ({imp.target}: no such module)")
    return bad


def lib_entries(modules: dict[str, Path]) -> list[str]:
    return [
        _shown(path)
        for name, path in modules.items()
        if name.startswith("benchmarks._lib") and is_runnable(path)
    ]


def missing_packages(modules: dict[str, Path], root: Path = ROOT) -> list[str]:
    """Folders between ``benchmarks/`` and a runnable module that lack an ``__init__.py``."""
    missing = set()
    for path in modules.values():
        if not is_runnable(path):
            continue
        folder = path.parent
        while folder != root:
            if not (folder / "__init__.py").is_file():
                missing.add(folder)
            folder = folder.parent
    return sorted(_shown(folder / "__init__.py") for folder in missing)


# ----------------------------------------------------------------------------- on this tree
RUNNABLE = sorted(name for name, path in BENCHMARKS.items() if is_runnable(path))


def test_the_benchmarks_were_found() -> None:
    assert "benchmarks._lib.report" in BENCHMARKS
    assert "benchmarks.ctr.crossing" in RUNNABLE


def test_no_sys_path_edits() -> None:
    bad = sys_path_violations(BENCHMARKS)
    assert not bad, "benchmarks run as `python -m benchmarks....`; no sys.path edits:\n" + (
        "\n".join(bad)
    )


def test_no_benchmark_imports_the_tests() -> None:
    bad = imports_of_the_tests(BENCHMARKS)
    assert not bad, "copy what a benchmark needs into benchmarks/_lib:\n" + "\n".join(bad)


def test_no_benchmark_imports_a_runnable_module() -> None:
    bad = runnable_imports(BENCHMARKS)
    assert not bad, "move what is shared into benchmarks/_lib:\n" + "\n".join(bad)


def test_benchmark_imports_name_existing_modules_in_full() -> None:
    bad = unnamed_benchmark_imports(BENCHMARKS)
    assert not bad, "import benchmark modules as benchmarks.<...>:\n" + "\n".join(bad)


def test_lib_has_no_entry_point() -> None:
    bad = lib_entries(BENCHMARKS)
    assert not bad, "benchmarks/_lib is imported, never run:\n" + "\n".join(bad)


def test_every_runnable_module_is_in_a_package() -> None:
    bad = missing_packages(BENCHMARKS)
    assert not bad, "add these so that `python -m benchmarks....` finds the module:\n" + (
        "\n".join(bad)
    )


# ----------------------------------------------------------------------------- the rules can fail
MAIN = 'if __name__ == "__main__":\n    main()\n'
BAD_TREE = {
    "benchmarks/__init__.py": "",
    "benchmarks/_lib/__init__.py": "",
    "benchmarks/_lib/report.py": "import sys as system\nsystem.path.append('x')\n" + MAIN,
    "benchmarks/ctr/__init__.py": "",
    "benchmarks/ctr/crossing.py": (
        "import sys\nsys.path.insert(0, 'tests')\nfrom test_raw import hgb_pipeline\n" + MAIN
    ),
    "benchmarks/ctr/replication.py": (
        "from benchmarks.ctr import crossing\nfrom tests.fixtures.data import SHARED_DATA\n"
        "from benchmarks._lib.gone import f\n" + MAIN
    ),
    "benchmarks/ctr/raw.py": "from crossing import main\n",
    "benchmarks/text/negations.py": "from ..ctr.crossing import main\nsys.path = []\n" + MAIN,
}


def test_each_rule_can_fail(tmp_path: Path) -> None:
    for name, text in BAD_TREE.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text)
    modules = benchmark_modules(tmp_path)

    def lines(found: list[str]) -> list[str]:
        return sorted(f.replace(f"{tmp_path}/", "") for f in found)

    assert lines(sys_path_violations(modules)) == [
        "benchmarks/_lib/report.py:2",
        "benchmarks/ctr/crossing.py:2",
        "benchmarks/text/negations.py:2",
    ]
    assert lines(imports_of_the_tests(modules)) == [
        "benchmarks/ctr/crossing.py:3 (test_raw)",
        "benchmarks/ctr/replication.py:2 (tests.fixtures.data)",
    ]
    assert lines(runnable_imports(modules)) == [
        "benchmarks/ctr/raw.py:1 (benchmarks.ctr.raw -> benchmarks.ctr.crossing)",
        "benchmarks/ctr/replication.py:1 (benchmarks.ctr.replication -> benchmarks.ctr.crossing)",
        "benchmarks/text/negations.py:1 (benchmarks.text.negations -> benchmarks.ctr.crossing)",
    ]
    assert lines(unnamed_benchmark_imports(modules)) == [
        "benchmarks/ctr/raw.py:1 (crossing: import it as benchmarks.ctr.crossing)",
        "benchmarks/ctr/replication.py:3 (benchmarks._lib.gone: no such module)",
    ]
    assert lines(lib_entries(modules)) == ["benchmarks/_lib/report.py"]
    assert lines(missing_packages(modules, tmp_path)) == ["benchmarks/text/__init__.py"]


def test_the_checks_pass_a_clean_tree(tmp_path: Path) -> None:
    """The same checks find nothing in a tree that keeps the rules."""
    files = {
        "benchmarks/__init__.py": "",
        "benchmarks/_lib/__init__.py": "",
        "benchmarks/_lib/report.py": "import sys\nprint(sys.path)\n",
        "benchmarks/ctr/__init__.py": "",
        "benchmarks/ctr/crossing.py": "from benchmarks._lib.report import header\n" + MAIN,
        "benchmarks/ctr/raw.py": "from benchmarks._lib import report\nfrom .._lib import report\n"
        + MAIN,
    }
    for name, text in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text)
    modules = benchmark_modules(tmp_path)
    assert sys_path_violations(modules) == []
    assert imports_of_the_tests(modules) == []
    assert runnable_imports(modules) == []
    assert unnamed_benchmark_imports(modules) == []
    assert lib_entries(modules) == []
    assert missing_packages(modules, tmp_path) == []

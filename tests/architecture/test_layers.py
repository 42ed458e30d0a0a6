"""Guard rails of the architecture, checked on the source tree (``ast``, nothing is imported).

* the core (``interactkit/`` outside ``interactkit/cli``) never imports adapters, visualizers or
  the CLI, not even inside a function;
* the core imports no heavy third-party library at import time (module level);
* an adapter never imports a visualizer, the CLI or another domain's adapter;
* no import cycle between project modules (imports inside functions count; imports under
  ``if TYPE_CHECKING:`` do not, they never run);
* no ``_private`` name is imported from another project module;
* no module is much over 400 lines.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
#: source folder -> the package it installs as
PACKAGE_DIRS = {
    "interactkit": "interactkit",
    "adapters": "interactkit.adapters",
    "visualizers": "interactkit.visualizers",
}
NOT_CORE = ("interactkit.adapters", "interactkit.visualizers", "interactkit.cli")
#: the application layer: may reach into adapters and visualizers (lazily)
APPLICATION = ("interactkit.cli", "interactkit.__main__")
HEAVY = (
    "transformers",
    "torchvision",
    "skimage",
    "matplotlib",
    "deepctr_torch",
    "sklearn",
    "scipy",
    "ray",
    "captum",
    "PIL",
    "pandas",
)
MAX_LINES = 450  # "about 400"


@dataclass(frozen=True)
class Import:
    module: str  # the project module doing the import
    target: str  # the imported module (resolved to a submodule where one exists)
    names: tuple[str, ...]  # names imported with "from target import ..."
    top_level: bool  # executed when the module is imported (not inside a function)
    line: int


def _module_name(path: Path) -> str:
    top = path.relative_to(ROOT).parts[0]
    rel = path.relative_to(ROOT / top).with_suffix("")
    parts = [*PACKAGE_DIRS[top].split("."), *rel.parts]
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def _sources() -> dict[str, Path]:
    out = {}
    for top in PACKAGE_DIRS:
        for path in sorted((ROOT / top).rglob("*.py")):
            out[_module_name(path)] = path
    return out


SOURCES = _sources()


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _resolve(module: str, is_package: bool, node: ast.ImportFrom) -> str:
    if not node.level:
        return node.module or ""
    base = module.split(".") if is_package else module.split(".")[:-1]
    base = base[: len(base) - (node.level - 1)]
    return ".".join([*base, *([node.module] if node.module else [])])


def _imports(module: str, path: Path) -> list[Import]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    is_package = path.name == "__init__.py"
    found: list[Import] = []

    def visit(node: ast.AST, top_level: bool) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.If) and _is_type_checking(child):
                for sub in child.orelse:
                    visit_node(sub, top_level)
                continue
            visit_node(child, top_level)

    def visit_node(child: ast.AST, top_level: bool) -> None:
        if isinstance(child, ast.Import):
            for alias in child.names:
                found.append(Import(module, alias.name, (), top_level, child.lineno))
        elif isinstance(child, ast.ImportFrom):
            target = _resolve(module, is_package, child)
            names = tuple(alias.name for alias in child.names)
            found.append(Import(module, target, names, top_level, child.lineno))
        elif isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
            visit(child, False)
        else:
            visit(child, top_level)

    visit(tree, True)
    return found


IMPORTS = [imp for module, path in SOURCES.items() for imp in _imports(module, path)]
#: scripts that use the package: tests, examples, benchmarks (held to the private-name rule)
SCRIPTS = {
    ".".join(path.relative_to(ROOT).with_suffix("").parts): path
    for folder in ("tests", "examples", "benchmarks")
    for path in sorted((ROOT / folder).rglob("*.py"))
}
SCRIPT_IMPORTS = [imp for module, path in SCRIPTS.items() for imp in _imports(module, path)]


def _is_core(module: str) -> bool:
    return not module.startswith(NOT_CORE + APPLICATION)


def _project_targets(imp: Import) -> list[str]:
    """Project modules an import depends on (``from pkg import submodule`` -> the submodule)."""
    if imp.target not in SOURCES:
        return []
    subs = [f"{imp.target}.{name}" for name in imp.names if f"{imp.target}.{name}" in SOURCES]
    rest = [name for name in imp.names if f"{imp.target}.{name}" not in SOURCES]
    return subs + ([imp.target] if rest or not imp.names else [])


def _where(imp: Import) -> str:
    path = SOURCES.get(imp.module) or SCRIPTS[imp.module]
    return f"{path.relative_to(ROOT)}:{imp.line} ({imp.module} -> {imp.target})"


def test_the_tree_was_found() -> None:
    assert "interactkit.detectors.madex" in SOURCES
    assert any(m.startswith("interactkit.adapters.") for m in SOURCES)
    assert any(m.startswith("interactkit.visualizers.") for m in SOURCES)


def test_core_never_imports_adapters_visualizers_or_cli() -> None:
    bad = [
        _where(imp) for imp in IMPORTS if _is_core(imp.module) and imp.target.startswith(NOT_CORE)
    ]
    assert not bad, "the core must stay domain-free:\n" + "\n".join(bad)


def test_core_imports_no_heavy_library_at_import_time() -> None:
    bad = [
        _where(imp)
        for imp in IMPORTS
        if _is_core(imp.module) and imp.top_level and imp.target.split(".")[0] in HEAVY
    ]
    assert not bad, "import these inside the functions that need them:\n" + "\n".join(bad)


def _domain(module: str) -> str | None:
    parts = module.split(".")
    return parts[2] if module.startswith("interactkit.adapters.") and len(parts) > 2 else None


def test_adapters_import_no_visualizer_cli_or_other_domain() -> None:
    bad = []
    for imp in IMPORTS:
        domain = _domain(imp.module)
        if not imp.module.startswith("interactkit.adapters"):
            continue
        if imp.target.startswith(("interactkit.visualizers", "interactkit.cli")):
            bad.append(_where(imp))
        other = _domain(imp.target)
        if domain is not None and other is not None and other != domain:
            bad.append(_where(imp))
    assert not bad, "adapters depend on the core only:\n" + "\n".join(bad)


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan), or self-imports."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    out: list[list[str]] = []
    counter = 0

    def strongconnect(v: str) -> None:
        nonlocal counter
        index[v] = low[v] = counter
        counter += 1
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph.get(v, ())):
            if w not in index:
                strongconnect(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1 or v in graph.get(v, ()):
                out.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            strongconnect(v)
    return out


def test_no_import_cycles() -> None:
    graph: dict[str, set[str]] = {m: set() for m in SOURCES}
    for imp in IMPORTS:
        graph[imp.module].update(_project_targets(imp))
    cycles = _cycles(graph)
    assert not cycles, "import cycles between project modules:\n" + "\n".join(
        " <-> ".join(c) for c in cycles
    )


def test_cycle_finder_finds_cycles() -> None:
    """The check above can fail: a two-module cycle and a self-import are found."""
    assert _cycles({"a": {"b"}, "b": {"a"}, "c": {"a"}}) == [["a", "b"]]
    assert _cycles({"a": {"a"}}) == [["a"]]
    assert _cycles({"a": {"b"}, "b": set()}) == []


def test_no_private_name_is_imported_from_another_module() -> None:
    bad = [
        f"{_where(imp)}: {name}"
        for imp in IMPORTS + SCRIPT_IMPORTS
        if imp.target in SOURCES
        for name in imp.names
        if name.startswith("_")
        and not name.endswith("__")
        and f"{imp.target}.{name}" not in SOURCES
    ]
    assert not bad, "make these public in their module (or move them):\n" + "\n".join(bad)


def test_no_module_is_much_over_400_lines() -> None:
    sizes = {m: len(p.read_text(encoding="utf-8").splitlines()) for m, p in SOURCES.items()}
    big = [f"{m}: {n} lines" for m, n in sorted(sizes.items()) if n > MAX_LINES]
    assert not big, "split these by job:\n" + "\n".join(big)

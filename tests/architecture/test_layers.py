"""Guard rails of the architecture, checked on the source tree (``ast``, nothing is imported).

* the core (``interactkit/`` outside ``interactkit/cli``) never imports adapters, visualizers or
  the CLI, not even inside a function;
* the core imports no heavy third-party library at import time (module level);
* an adapter never imports a visualizer, the CLI or another domain's adapter;
* no import cycle between project modules (imports inside functions count, and so do imports
  under ``if TYPE_CHECKING:``: a type-only cycle is still two modules that need each other);
* no ``_private`` name is imported from another project module;
* no module is much over 400 lines.
"""

from __future__ import annotations

from tests.architecture.source_tree import (
    HEAVY,
    IMPORTS,
    MAX_LINES,
    NOT_CORE,
    SCRIPT_IMPORTS,
    SOURCES,
    is_core,
    project_targets,
    where,
)


def test_the_tree_was_found() -> None:
    assert "interactkit.detectors.madex" in SOURCES
    assert any(m.startswith("interactkit.adapters.") for m in SOURCES)
    assert any(m.startswith("interactkit.visualizers.") for m in SOURCES)


def test_core_never_imports_adapters_visualizers_or_cli() -> None:
    bad = [where(imp) for imp in IMPORTS if is_core(imp.module) and imp.target.startswith(NOT_CORE)]
    assert not bad, "the core must stay domain-free:\n" + "\n".join(bad)


def test_core_imports_no_heavy_library_at_import_time() -> None:
    bad = [
        where(imp)
        for imp in IMPORTS
        if is_core(imp.module)
        and imp.top_level
        and not imp.type_only
        and imp.target.split(".")[0] in HEAVY
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
            bad.append(where(imp))
        other = _domain(imp.target)
        if domain is not None and other is not None and other != domain:
            bad.append(where(imp))
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
        graph[imp.module].update(project_targets(imp))
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
        f"{where(imp)}: {name}"
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

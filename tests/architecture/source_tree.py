"""The source tree as the architecture tests read it: modules, their imports (``ast``; nothing is
imported), and the names the rules use.

An :class:`Import` records every ``import`` / ``from ... import`` of a project module: inside a
function or not (``top_level``), under ``if TYPE_CHECKING:`` or not (``type_only``).
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
    type_only: bool = False  # under ``if TYPE_CHECKING:`` (never runs, but still a dependency)


def module_name(path: Path) -> str:
    top = path.relative_to(ROOT).parts[0]
    rel = path.relative_to(ROOT / top).with_suffix("")
    parts = [*PACKAGE_DIRS[top].split("."), *rel.parts]
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def sources() -> dict[str, Path]:
    out = {}
    for top in PACKAGE_DIRS:
        for path in sorted((ROOT / top).rglob("*.py")):
            out[module_name(path)] = path
    return out


SOURCES = sources()


def is_type_checking(node: ast.If) -> bool:
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


def imports_of(module: str, path: Path) -> list[Import]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    is_package = path.name == "__init__.py"
    found: list[Import] = []

    def visit(node: ast.AST, top_level: bool, type_only: bool) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.If) and is_type_checking(child):
                for sub in child.body:
                    visit_node(sub, top_level, True)
                for sub in child.orelse:
                    visit_node(sub, top_level, type_only)
                continue
            visit_node(child, top_level, type_only)

    def visit_node(child: ast.AST, top_level: bool, type_only: bool) -> None:
        if isinstance(child, ast.Import):
            for alias in child.names:
                found.append(Import(module, alias.name, (), top_level, child.lineno, type_only))
        elif isinstance(child, ast.ImportFrom):
            target = _resolve(module, is_package, child)
            names = tuple(alias.name for alias in child.names)
            found.append(Import(module, target, names, top_level, child.lineno, type_only))
        elif isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
            visit(child, False, type_only)
        else:
            visit(child, top_level, type_only)

    visit(tree, True, False)
    return found


IMPORTS = [imp for module, path in SOURCES.items() for imp in imports_of(module, path)]
#: scripts that use the package: tests, examples, benchmarks (held to the private-name rule)
SCRIPTS = {
    ".".join(path.relative_to(ROOT).with_suffix("").parts): path
    for folder in ("tests", "examples", "benchmarks")
    for path in sorted((ROOT / folder).rglob("*.py"))
}
SCRIPT_IMPORTS = [imp for module, path in SCRIPTS.items() for imp in imports_of(module, path)]


def is_core(module: str) -> bool:
    return not module.startswith(NOT_CORE + APPLICATION)


def project_targets(imp: Import) -> list[str]:
    """Project modules an import depends on (``from pkg import submodule`` -> the submodule)."""
    if imp.target not in SOURCES:
        return []
    subs = [f"{imp.target}.{name}" for name in imp.names if f"{imp.target}.{name}" in SOURCES]
    rest = [name for name in imp.names if f"{imp.target}.{name}" not in SOURCES]
    return subs + ([imp.target] if rest or not imp.names else [])


def where(imp: Import) -> str:
    path = SOURCES.get(imp.module) or SCRIPTS[imp.module]
    return f"{path.relative_to(ROOT)}:{imp.line} ({imp.module} -> {imp.target})"


def benchmark_modules(root: Path = ROOT) -> dict[str, Path]:
    """The modules of ``root/benchmarks`` by the name ``python -m`` runs them as
    (``benchmarks/ctr/crossing.py`` -> ``benchmarks.ctr.crossing``; a folder's ``__init__.py`` ->
    the folder's name, so that relative imports resolve). ``root`` is a parameter so that the
    rules of test_benchmarks.py can be shown failing on a synthetic tree."""
    out = {}
    for path in sorted((root / "benchmarks").rglob("*.py")):
        parts = path.relative_to(root).with_suffix("").parts
        if parts[-1] == "__init__":
            parts = parts[:-1]
        out[".".join(parts)] = path
    return out


#: the benchmark modules of this checkout (see :func:`benchmark_modules`)
BENCHMARKS = benchmark_modules()

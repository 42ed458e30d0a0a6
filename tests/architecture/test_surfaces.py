"""Who may import what of the core: adapters and visualizers see its public surface only.

An adapter or a visualizer imports the core as ``interactkit`` (the names of
``interactkit.__all__``) and ``interactkit.extend`` (what an extension's author needs: checks,
device helpers, JSON helpers, ``Saved``, progress, model files). Anything else of the core is
internal and may change; a new need goes into ``interactkit.extend`` with a docstring.
"""

from __future__ import annotations

from tests.architecture.source_tree import IMPORTS, SOURCES, Import, where

EXTENSIONS = ("interactkit.adapters", "interactkit.visualizers")
CORE_SURFACE = ("interactkit", "interactkit.extend")


def _is_extension(module: str) -> bool:
    return module.startswith(EXTENSIONS)


def _reaches_past_the_surface(imp: Import) -> bool:
    target = imp.target
    if not (target == "interactkit" or target.startswith("interactkit.")):
        return False
    if _is_extension(target) or target in CORE_SURFACE:
        return False
    return True


def test_extensions_import_only_the_public_core() -> None:
    bad = [
        where(imp)
        for imp in IMPORTS
        if _is_extension(imp.module) and _reaches_past_the_surface(imp)
    ]
    assert not bad, (
        "adapters and visualizers import the core as `interactkit` or `interactkit.extend` "
        "only (add what they need to interactkit.extend):\n" + "\n".join(bad)
    )


def test_names_taken_from_the_core_are_exported() -> None:
    """``from interactkit import X`` in an extension: X is in ``interactkit.__all__``."""
    import interactkit
    import interactkit.extend

    exported = {"interactkit": set(interactkit.__all__), "interactkit.extend": set()}
    exported["interactkit.extend"] = set(interactkit.extend.__all__)
    bad = [
        f"{where(imp)}: {name}"
        for imp in IMPORTS
        if _is_extension(imp.module) and imp.target in exported
        for name in imp.names
        if name not in exported[imp.target] and f"{imp.target}.{name}" not in SOURCES
    ]
    assert not bad, "not exported by the core:\n" + "\n".join(bad)


def test_the_surface_rule_can_fail() -> None:
    inside = Import("interactkit.adapters.ctr.explain.raw", "interactkit.query", ("x",), True, 1)
    public = Import("interactkit.adapters.ctr.explain.raw", "interactkit.extend", ("x",), True, 1)
    sibling = Import(
        "interactkit.adapters.ctr.explain.raw", "interactkit.adapters.ctr", (), True, 1
    )
    assert _reaches_past_the_surface(inside)
    assert not _reaches_past_the_surface(public) and not _reaches_past_the_surface(sibling)

"""The CTR adapter's four subpackages import one way: data <- explain <- targets <- audit.

A module of ``interactkit.adapters.ctr.<sub>`` may import its own subpackage and the ones before
it, never one after it (type-only imports and imports inside functions count), and no module
inside the adapter imports the package root ``interactkit.adapters.ctr`` (it imports every
subpackage).
"""

from __future__ import annotations

from tests.architecture.source_tree import IMPORTS, SOURCES, where

CTR = "interactkit.adapters.ctr"
ORDER = ("data", "explain", "targets", "audit")


def _layer(module: str) -> int | None:
    """The rank of the subpackage holding ``module`` (None outside the four)."""
    if not module.startswith(CTR + "."):
        return None
    sub = module[len(CTR) + 1 :].split(".")[0]
    return ORDER.index(sub) if sub in ORDER else None


def test_every_ctr_module_is_in_a_subpackage() -> None:
    loose = [m for m in SOURCES if m.startswith(CTR + ".") and _layer(m) is None]
    assert not loose, f"put these in one of {ORDER}: {loose}"


def test_ctr_subpackages_import_one_way() -> None:
    bad = []
    for imp in IMPORTS:
        own, other = _layer(imp.module), _layer(imp.target)
        if own is not None and other is not None and other > own:
            bad.append(f"{where(imp)}: {ORDER[own]} must not import {ORDER[other]}")
        if own is not None and imp.target == CTR:
            bad.append(f"{where(imp)}: import the subpackage, not the package root")
    assert not bad, "data <- explain <- targets <- audit:\n" + "\n".join(bad)


def test_the_direction_rule_sees_the_layers() -> None:
    assert _layer(f"{CTR}.data.schema") == 0 and _layer(f"{CTR}.audit.run") == 3
    assert _layer(f"{CTR}.data.loaders.csv") == 0 and _layer(CTR) is None

"""How well an explanation describes its model: held-out R^2 on random masks.

A :class:`Fidelity` belongs to one :class:`~interactkit.LocalExplanation`. Its interaction model
is a ridge regression of the model's output on ``[1, z, AND-features of the detected sets]``
(``z`` the mask, an AND-feature the product of a set's bits), fitted on masks the detector
queried, and ``r2`` is its R^2 on **held-out** masks, next to ``r2_main``, the same with main
effects only: ``gain = r2 - r2_main`` is what the detected interactions add. ``r2_model`` is the
detector's own model of the instance where it has one (MADEX's surrogate MLP on its test split).

A :class:`FidelitySummary` is the distribution over a GLIDER run's instances.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

from interactkit._utils import jsonio

__all__ = ["LOW_FIDELITY", "SMALL_GAIN", "Fidelity", "FidelitySummary"]

#: a median held-out R^2 below this: the explanations do not describe the model well
LOW_FIDELITY = 0.8
#: a median gain below this: the detected interactions add little beyond main effects
SMALL_GAIN = 0.02


@dataclass(frozen=True)
class Fidelity:
    """Held-out R^2 of one explanation (see the module docstring).

    Attributes:
        r2: main effects + detected sets, on held-out masks (None when the held-out outputs do
            not vary).
        r2_main: main effects only.
        r2_model: the detector's own model (MADEX: the surrogate), or None.
        n_fit, n_test: masks the ridge was fitted on and tested on.
        masks: how the held-out masks were drawn (``"madex"``: ``k ~ U[1, p]`` features off at
            random, as MADEX samples).
    """

    r2: float | None
    r2_main: float | None
    r2_model: float | None
    n_fit: int
    n_test: int
    masks: str = "madex"

    @property
    def gain(self) -> float | None:
        """``r2 - r2_main``: what the detected interactions add."""
        if self.r2 is None or self.r2_main is None:
            return None
        return self.r2 - self.r2_main

    def to_dict(self) -> dict[str, Any]:
        return jsonio.jsonable(asdict(self))

    @classmethod
    def from_dict(cls, data: Any) -> Fidelity:
        data = jsonio.mapping(data, "fidelity")
        return cls(
            r2=jsonio.opt_number(data.get("r2"), "r2"),
            r2_main=jsonio.opt_number(data.get("r2_main"), "r2_main"),
            r2_model=jsonio.opt_number(data.get("r2_model"), "r2_model"),
            n_fit=jsonio.integer(data["n_fit"], "n_fit"),
            n_test=jsonio.integer(data["n_test"], "n_test"),
            masks=str(data.get("masks", "madex")),
        )


@dataclass(frozen=True)
class FidelitySummary:
    """The held-out R^2 of a run's explanations: quartiles and the gain over main effects.

    Attributes:
        n: instances with a defined R^2.
        r2_q25, r2_median, r2_q75: quartiles of ``r2``.
        r2_main_median: median of ``r2_main``.
        gain_median: median of ``r2 - r2_main``.
        low_share: share of instances with ``r2 < LOW_FIDELITY``.
    """

    n: int
    r2_q25: float
    r2_median: float
    r2_q75: float
    r2_main_median: float
    gain_median: float
    low_share: float

    @classmethod
    def of(cls, pairs: Sequence[Sequence[float | None]]) -> FidelitySummary | None:
        """From ``(r2, r2_main)`` per instance (None entries are left out); None if empty."""
        rows = [(a, b) for a, b in pairs if a is not None and b is not None]
        if not rows:
            return None
        r2 = np.array([a for a, _ in rows])
        main = np.array([b for _, b in rows])
        q25, q50, q75 = np.quantile(r2, [0.25, 0.5, 0.75])
        return cls(
            n=len(rows),
            r2_q25=float(q25),
            r2_median=float(q50),
            r2_q75=float(q75),
            r2_main_median=float(np.median(main)),
            gain_median=float(np.median(r2 - main)),
            low_share=float(np.mean(r2 < LOW_FIDELITY)),
        )

    @property
    def warnings(self) -> list[str]:
        """What a reader should be told: a low median R^2, or little gain from interactions."""
        out = []
        if self.r2_median < LOW_FIDELITY:
            out.append(
                f"the explanations describe the model poorly (median held-out R^2 "
                f"{self.r2_median:.2f} < {LOW_FIDELITY}): its interactions may lie elsewhere "
                "than the sets listed; try more samples per instance"
            )
        if self.gain_median < SMALL_GAIN:
            out.append(
                f"the detected interactions add little beyond main effects (median R^2 gain "
                f"{self.gain_median:+.3f}): the model is close to additive under this 'off'"
            )
        return out

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: Any) -> FidelitySummary:
        data = jsonio.mapping(data, "fidelity summary")
        return cls(
            n=jsonio.integer(data["n"], "n"),
            **{
                k: jsonio.number(data[k], k)
                for k in (
                    "r2_q25",
                    "r2_median",
                    "r2_q75",
                    "r2_main_median",
                    "gain_median",
                    "low_share",
                )
            },
        )

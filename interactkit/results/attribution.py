"""The result of a main-effect attribution in a feature space: :class:`Attribution`."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np

from interactkit._utils import jsonio
from interactkit._utils.checks import check_int
from interactkit.results.saved import Saved

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

__all__ = ["Attribution"]

FORMAT = "interactkit.Attribution"
FORMAT_VERSION = 1


@dataclass
class Attribution(Saved):
    """One attribution per feature of one instance, by one method.

    Attributes:
        method: e.g. ``"shapley"`` (captum's ShapleyValueSampling), ``"ablation"``,
            ``"kernelshap"``, ``"lime"``, ``"integrated_gradients"``, ``"madex"`` (MADEX main
            effects) or ``"archattribute"``.
        feature_names: one name per feature.
        values: ``float[n_features]``, each feature's signed effect on the explained output
            (output units; for Shapley values they sum to ``value - baseline_value``).
        params: the method's settings (samples, steps, seed...).
        n_queries: distinct model queries spent (0 for gradient methods, which call the model
            on interpolated inputs rather than on masks; see ``params["model_calls"]``).
        value: the output with every feature on; ``baseline_value``: with every feature off.
        wall_time: seconds spent; ``model_time``: seconds inside the model.
        seed: the seed of a sampling method (None for deterministic methods).
    """

    FORMAT: ClassVar[str] = FORMAT
    FORMAT_VERSION: ClassVar[int] = FORMAT_VERSION

    method: str
    feature_names: list[str]
    values: np.ndarray
    params: dict[str, Any] = field(default_factory=dict)
    n_queries: int = 0
    value: float | None = None
    baseline_value: float | None = None
    wall_time: float = 0.0
    model_time: float = 0.0
    seed: int | None = None

    @property
    def n_features(self) -> int:
        return len(self.feature_names)

    def top(self, k: int = 5) -> list[tuple[str, float]]:
        """The ``k`` features of largest ``|value|``, as ``(name, value)``."""
        k = check_int("k", k, minimum=0)
        order = np.argsort(-np.abs(self.values), kind="stable")[:k]
        return [(self.feature_names[i], float(self.values[i])) for i in order]

    def to_dict(self) -> dict[str, Any]:
        return {
            "format": FORMAT,
            "version": FORMAT_VERSION,
            "method": self.method,
            "feature_names": list(self.feature_names),
            "values": [float(v) for v in self.values],
            "params": jsonio.jsonable(self.params),
            "n_queries": self.n_queries,
            "value": self.value,
            "baseline_value": self.baseline_value,
            "wall_time": self.wall_time,
            "model_time": self.model_time,
            "seed": self.seed,
        }

    @classmethod
    def _build(cls, data: dict[str, Any]) -> Attribution:
        names = jsonio.strings(data["feature_names"], "feature_names")
        if not isinstance(data["method"], str):
            raise TypeError(f"method must be a str, got {type(data['method']).__name__}")
        n_queries = jsonio.integer(data.get("n_queries", 0), "n_queries")
        if n_queries < 0:
            raise ValueError(f"n_queries must be >= 0, got {n_queries}")
        return cls(
            method=data["method"],
            feature_names=names,
            values=jsonio.numbers(data["values"], "values", len(names)),
            params=jsonio.mapping(data.get("params"), "params"),
            n_queries=n_queries,
            value=jsonio.opt_number(data.get("value"), "value"),
            baseline_value=jsonio.opt_number(data.get("baseline_value"), "baseline_value"),
            wall_time=jsonio.number(data.get("wall_time", 0.0), "wall_time"),
            model_time=jsonio.number(data.get("model_time", 0.0), "model_time"),
            seed=jsonio.opt_integer(data.get("seed"), "seed"),
        )

    def to_frame(self) -> pd.DataFrame:
        """A pandas table: one row per feature, largest ``|value|`` first."""
        import pandas as pd

        frame = pd.DataFrame({"feature": self.feature_names, self.method: self.values})
        return frame.reindex(frame[self.method].abs().sort_values(ascending=False).index)

    def __repr__(self) -> str:
        top = ", ".join(f"{n} {v:+.3g}" for n, v in self.top(3))
        return (
            f"Attribution(method={self.method!r}, n_features={self.n_features}, "
            f"n_queries={self.n_queries}, top=[{top}])"
        )

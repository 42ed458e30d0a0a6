"""The quickstart: explain a function with planted interactions, MADEX and ArchDetect.

Run from anywhere (needs only the core install, ``pip install -e .``)::

    python examples/quickstart.py

The "model" is a plain function of a mask over 8 features (True = kept, False = off) with two
planted interactions, {x0, x1} and {x2, x3, x4}. Both detectors should find them; the JSON file
round-trips into the same explanation.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import torch

import interactkit


def model(masks: torch.Tensor) -> torch.Tensor:
    """masks: BoolTensor[B, 8] -> Tensor[B]."""
    x = masks.float()
    return 2 * x[:, 0] * x[:, 1] + x[:, 2] * x[:, 3] * x[:, 4] + x[:, 5]


def main() -> None:
    exp = interactkit.explain(model, n_features=8, seed=0)  # MADEX, its defaults
    print(f"MADEX ({exp.n_queries} queries, {exp.wall_time:.1f} s):")
    for it in exp.detected:
        print(f"  detected {{{', '.join(it.names)}}}  strength {it.strength:.3f}")
    effects = ", ".join(f"{k} {v:+.2f}" for k, v in zip(exp.feature_names, exp.main_effects))
    print(f"  main effects: {effects}")

    arch = interactkit.explain(model, n_features=8, method="archdetect")
    print(f"ArchDetect ({arch.n_queries} queries): top pairs")
    for it in arch.pairs(4):
        print(f"  {{{', '.join(it.names)}}}  strength {it.strength:.3f}")

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "explanation.json"
        exp.to_json(path)
        again = interactkit.LocalExplanation.from_json(path)
        assert [it.features for it in again.interactions] == [
            it.features for it in exp.interactions
        ]
        print(f"JSON round trip: {len(again.interactions)} ranked sets restored")


if __name__ == "__main__":
    main()

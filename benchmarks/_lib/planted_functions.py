"""Planted functions of p = 40 features: the synthetic benchmark's speed part and the
speed-quality study's ``synthetic`` suite explain the same ones."""

from __future__ import annotations

import numpy as np
import torch

import interactkit


class PlantedSpace(interactkit.FeatureSpace):
    """A p = 40 function with two random pairs and one random triple (plus main effects)."""

    def __init__(self, seed: int, n_features: int = 40) -> None:
        rng = np.random.default_rng(seed)
        self.n_features = n_features
        feats = rng.permutation(n_features)[:7]
        self.sets = [tuple(sorted(feats[:2])), tuple(sorted(feats[2:4])), tuple(sorted(feats[4:7]))]
        self.coef = rng.uniform(1.0, 2.0, size=3) * rng.choice([-1, 1], size=3)
        self.main = torch.tensor(rng.normal(0, 0.5, size=n_features), dtype=torch.float32)

    def value_fn(self, masks: torch.Tensor) -> torch.Tensor:
        x = masks.float()
        out = x @ self.main
        for s, c in zip(self.sets, self.coef):
            out = out + float(c) * x[:, list(s)].prod(dim=1)
        return out

"""The seeded validation search behind the tuned target preset (``benchmarks.ctr.crossing
--parts tuning``).

:func:`tuning` -- the search behind ``TUNED_CHANGES`` (``adapters/ctr/targets/configs.py``): per
architecture, BARS's Frappe_x1 configuration is the reference; dropout, then the embedding L2
λ, are tuned on a cheap network, which is taken if its validation AUC is within
``SIZE_TOLERANCE`` of the reference (else a middle network, else BARS's). The test split is
never looked at.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from interactkit.adapters.ctr import MODEL_NAMES, train_target
from interactkit.adapters.ctr.targets.configs import BARS_CONFIGS, TargetConfig

SIZE_TOLERANCE = 5e-4
"""A smaller network is taken when its validation AUC is at most this much below BARS's."""

CHEAP: dict[str, dict[str, Any]] = {
    "wdl": {"dnn_hidden_units": (128, 128)},
    "deepfm": {"dnn_hidden_units": (128, 128)},
    "dcn": {"dnn_hidden_units": (128, 128)},
    "xdeepfm": {"dnn_hidden_units": (128, 128), "cin_layer_size": (32,)},
    "autoint": {"dnn_hidden_units": (128, 128), "att_layer_num": 2},
}
"""The cheap network of each architecture, where dropout and λ are tuned."""

MIDDLE: dict[str, dict[str, Any]] = {
    "wdl": {"dnn_hidden_units": (256, 256)},
    "deepfm": {"dnn_hidden_units": (256, 256)},
    "dcn": {"dnn_hidden_units": (256, 256)},
    "xdeepfm": {"dnn_hidden_units": (256, 256), "cin_layer_size": (64,)},
    "autoint": {"dnn_hidden_units": (256, 256), "att_layer_num": 3},
}
"""Tried when the cheap network falls more than ``SIZE_TOLERANCE`` short of BARS's."""

L2_GRID = (0.02, 0.05, 0.1)
DROPOUT_GRID = (0.1, 0.2, 0.4)


def _describe(changes: dict[str, Any]) -> str:
    if not changes:
        return "BARS"
    return ", ".join(f"{k}={v}" for k, v in changes.items())


class _Search:
    """Scores settings of one architecture (mean validation AUC over seeds), each once."""

    def __init__(self, model: str, data, seeds: list[int]) -> None:
        self.model, self.data, self.seeds = model, data, seeds
        self.bars = BARS_CONFIGS[model]
        self.cache: dict[str, float] = {}
        self.rows: list[str] = []

    def score(self, changes: dict[str, Any], stage: str) -> float:
        cfg = self.bars.replace(**changes)
        key = repr(cfg)  # the same settings reached by two stages are trained once
        if key in self.cache:
            return self.cache[key]
        runs = [
            train_target(self.model, self.data, seed=s, config=cfg, threads=1) for s in self.seeds
        ]
        val = [r["val_auc"] for r in runs]
        per_epoch = np.mean([r["seconds"] / r["epochs"] for r in runs])
        self.cache[key] = float(np.mean(val))
        self.rows.append(
            f"| {stage} | {_describe(changes)} | {' / '.join(f'{v:.5f}' for v in val)} | "
            f"{np.mean(val):.5f} | {', '.join(str(r['epochs']) for r in runs)} | "
            f"{per_epoch:.2f} |"
        )
        print(f"[tuning] {self.model} {stage} {_describe(changes)}: {np.mean(val):.5f}", flush=True)
        return self.cache[key]

    def run(self) -> dict[str, Any]:
        """BARS's network as the reference; dropout, then λ, on the cheap network; the cheap
        (else the middle) network if within ``SIZE_TOLERANCE`` of the reference."""
        bars_drop = self.bars.model_kwargs["dnn_dropout"]
        bars_lam = self.bars.embedding_l2
        reference = self.score({}, "BARS")
        cheap = CHEAP[self.model]
        drops = {
            p: self.score({"model_kwargs": {**cheap, "dnn_dropout": p}}, "dropout")
            for p in sorted({*DROPOUT_GRID, bars_drop})
        }
        drop = _best(drops, bars_drop)
        lams = {
            x: self.score({"model_kwargs": {**cheap, "dnn_dropout": drop}, "embedding_l2": x}, "λ")
            for x in sorted({*L2_GRID, bars_lam})
        }
        lam = _best(lams, bars_lam)
        for size in (cheap, MIDDLE[self.model]):
            changes = {"model_kwargs": {**size, "dnn_dropout": drop}, "embedding_l2": lam}
            if self.score(changes, "size") >= reference - SIZE_TOLERANCE:
                return _strip(changes, self.bars)
        return {}


def _strip(changes: dict[str, Any], bars: TargetConfig) -> dict[str, Any]:
    """``changes`` without the entries equal to BARS's own values."""
    model_kwargs = {
        k: v for k, v in changes["model_kwargs"].items() if bars.model_kwargs.get(k) != v
    }
    out: dict[str, Any] = {"model_kwargs": model_kwargs} if model_kwargs else {}
    if changes["embedding_l2"] != bars.embedding_l2:
        out["embedding_l2"] = changes["embedding_l2"]
    return out


def _best(scores: dict[Any, float], default: Any) -> Any:
    """The best-scoring value; BARS's own value when it ties with the best."""
    top = max(scores.values())
    return default if scores.get(default) == top else max(scores, key=scores.__getitem__)


def tuning(data, seeds: list[int]) -> tuple[str, dict[str, dict[str, Any]]]:
    """The search on ``data``'s validation split; returns (markdown, changes per model)."""
    lines = [
        f"Data: {data.name}: {len(data.train)} train / {len(data.val)} validation rows (the test "
        f"split is not used). Each setting is trained with seeds {seeds}; the score is the mean "
        "validation AUC of the best epoch. Start: BARS's selected Frappe_x1 configuration "
        "(preset `bars`: embedding 10, Adam 1e-3, batch 1024, early stopping on validation AUC "
        "with patience 2, lr ÷10 on plateau, batch norm), scored as the reference. Then, on a "
        "cheap network (DNN [128, 128]; xDeepFM CIN [32]; AutoInt 2 attention layers): DNN "
        f"dropout in {list(DROPOUT_GRID)} ∪ BARS's (λ = BARS's), then the embedding L2 λ in "
        f"{list(L2_GRID)} ∪ BARS's; ties keep BARS's value. The cheap network is taken if its "
        f"validation AUC is within {SIZE_TOLERANCE:g} of the reference, else a middle one (DNN "
        "[256, 256]; CIN [64]; 3 attention layers) with the same regularisation, else BARS's "
        "configuration as it is. One torch thread.",
        "",
    ]
    chosen: dict[str, dict[str, Any]] = {}
    for model in MODEL_NAMES:
        search = _Search(model, data, seeds)
        chosen[model] = search.run()
        bars = search.bars
        lines += [
            f"### {model}",
            "",
            f"BARS: {dict(bars.model_kwargs)}, λ = {bars.embedding_l2} ({bars.reference}).",
            "",
            "| stage | setting (changes to BARS) | validation AUC per seed | mean | epochs | "
            "s / epoch |",
            "|---|---|---|---|---|---|",
            *search.rows,
            "",
            f"**Chosen: {_describe(chosen[model])}.**",
            "",
        ]
    lines += [
        "`TUNED_CHANGES` (adapters/ctr/targets/configs.py) from this search:",
        "",
        "```python",
        *[f"{m!r}: {c!r}," for m, c in chosen.items()],
        "```",
    ]
    return "\n".join(lines), chosen

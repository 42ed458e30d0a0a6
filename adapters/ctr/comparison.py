"""The paper's crossing experiment: targets as is, + GLIDER crosses, + random crosses (control).

:func:`compare_crosses` trains each target model (a) on the data as is, (b) with the top GLIDER
interactions crossed into new fields, (c) with as many random crosses of the same orders, over
several seeds, and tabulates test AUC / logloss and their paired differences to (a).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from interactkit.adapters.ctr.crossing import augment_with_crosses, normalize_interactions
from interactkit.adapters.ctr.data import CTRData
from interactkit.adapters.ctr.deepctr import MODEL_NAMES
from interactkit.adapters.ctr.schema import Schema
from interactkit.adapters.ctr.training import train_target

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

    from interactkit.adapters.ctr.crossing import Interactions

__all__ = ["CrossComparison", "compare_crosses", "random_interactions"]


def random_interactions(
    schema: Schema,
    orders: Sequence[int],
    exclude: Iterable[Sequence[str]] = (),
    seed: int = 0,
) -> list[tuple[str, ...]]:
    """Random field sets, one per entry of ``orders`` (its size), distinct, none in ``exclude``.

    Fields are drawn uniformly without replacement from ``schema`` with
    ``numpy.random.default_rng(seed)``.
    """
    names = schema.names
    taken = {frozenset(e) for e in exclude}
    rng = np.random.default_rng(seed)
    out: list[tuple[str, ...]] = []
    for order in orders:
        if not 2 <= order <= len(names):
            raise ValueError(f"cannot draw a set of {order} fields from {len(names)} fields")
        for _ in range(10_000):
            pick = rng.choice(len(names), size=order, replace=False)
            cand = frozenset(names[i] for i in pick)
            if cand not in taken:
                break
        else:
            raise ValueError(f"could not draw a new random set of {order} fields: all are taken")
        taken.add(cand)
        out.append(tuple(n for n in names if n in cand))
    return out


@dataclass
class CrossComparison:
    """Result of :func:`compare_crosses`.

    Attributes:
        table: tidy ``DataFrame`` with one row per (model, variant, seed): columns ``model,
            variant, seed, auc, logloss, epochs, best_epoch, seconds, n_crosses``.
        summary: per (model, variant): ``auc_mean, auc_std, logloss_mean, logloss_std, n`` and
            the paired differences to the base model ``delta_auc_mean, delta_auc_std,
            delta_logloss_mean, delta_logloss_std``.
        crosses: the GLIDER interactions used (field-name tuples).
        random_crosses: the random control interactions drawn for each seed.
    """

    table: pd.DataFrame
    summary: pd.DataFrame
    crosses: list[tuple[str, ...]]
    random_crosses: dict[int, list[tuple[str, ...]]] = field(default_factory=dict)

    def to_markdown(self, digits: int = 4) -> str:
        """The summary as a Markdown table with ``mean ± std`` cells."""
        lines = [
            "| model | variant | n | AUC | logloss | ΔAUC vs base | Δlogloss vs base |",
            "|---|---|---|---|---|---|---|",
        ]
        for row in self.summary.itertuples(index=False):

            def pm(m: float, s: float) -> str:
                return f"{m:.{digits}f} ± {0.0 if s != s else s:.{digits}f}"

            lines.append(
                f"| {row.model} | {row.variant} | {row.n} | {pm(row.auc_mean, row.auc_std)} | "
                f"{pm(row.logloss_mean, row.logloss_std)} | "
                f"{pm(row.delta_auc_mean, row.delta_auc_std)} | "
                f"{pm(row.delta_logloss_mean, row.delta_logloss_std)} |"
            )
        return "\n".join(lines)


def compare_crosses(
    data: CTRData,
    interactions: Interactions,
    models: Sequence[str] = MODEL_NAMES,
    seeds: Sequence[int] = (0, 1, 2, 3, 4),
    *,
    k: int | None = None,
    random_control: bool = True,
    min_count: int | None = None,
    verbose: bool = False,
    **train_kwargs: Any,
) -> CrossComparison:
    """Train each target as is, with the top-``k`` GLIDER crosses, and with ``k`` random crosses.

    Args:
        data: encoded CTR data (without crosses).
        interactions: GLIDER's ranked interactions (field-name tuples or ``Interaction``
            objects); the first ``k`` are crossed.
        models: target model names.
        seeds: one training run per seed and variant (default 5, the paper's trials); the
            random control crosses are drawn anew for each seed (``default_rng(seed)``) with
            the same orders as the GLIDER crosses, excluding the GLIDER sets.
        k: how many interactions to cross (default all).
        random_control: include the random-cross variant.
        min_count: cross threshold (None: scaled default).
        **train_kwargs: passed to :func:`train_target` (``size``, ``max_epochs``, ...).

    Returns:
        :class:`CrossComparison` (tidy table and summary).
    """
    import pandas as pd

    glider = normalize_interactions(interactions, data.schema)
    if k is not None:
        if k < 1:
            raise ValueError(f"k must be >= 1, got {k}")
        glider = glider[:k]
    if not glider:
        raise ValueError("no interactions to compare")
    if not seeds or not models:
        raise ValueError("give at least one model and one seed")
    with_glider, _ = augment_with_crosses(data, glider, min_count=min_count)
    variants: list[tuple[str, int, CTRData]] = []
    randoms: dict[int, list[tuple[str, ...]]] = {}
    for seed in seeds:
        variants.append(("base", seed, data))
        variants.append(("glider", seed, with_glider))
        if random_control:
            rand = random_interactions(
                data.schema, [len(i) for i in glider], exclude=glider, seed=seed
            )
            randoms[seed] = rand
            with_random, _ = augment_with_crosses(data, rand, min_count=min_count)
            variants.append(("random", seed, with_random))
    rows = []
    for model in models:
        for variant, seed, d in variants:
            res = train_target(model, d, seed=seed, **train_kwargs)
            rows.append(
                {
                    "model": model,
                    "variant": variant,
                    "seed": seed,
                    "auc": res["auc"],
                    "logloss": res["logloss"],
                    "epochs": res["epochs"],
                    "best_epoch": res["best_epoch"],
                    "seconds": res["seconds"],
                    "n_crosses": len(d.schema) - len(data.schema),
                }
            )
            if verbose:
                print(
                    f"{model:8s} {variant:7s} seed {seed}: AUC {res['auc']:.4f} "
                    f"logloss {res['logloss']:.4f} ({res['epochs']} epochs, "
                    f"{res['seconds']:.1f}s)"
                )
    table = pd.DataFrame(rows)
    return CrossComparison(table, _summarize(table), glider, randoms)


def _summarize(table: pd.DataFrame) -> pd.DataFrame:
    import pandas as pd

    base = table.loc[table["variant"] == "base", ["model", "seed", "auc", "logloss"]]
    joined = table.merge(base, on=["model", "seed"], how="left", suffixes=("", "_base"))
    joined["delta_auc"] = joined["auc"] - joined["auc_base"]
    joined["delta_logloss"] = joined["logloss"] - joined["logloss_base"]
    order = {"base": 0, "glider": 1, "random": 2}
    grouped = joined.groupby(["model", "variant"], sort=False)
    summary = pd.DataFrame(
        {
            "n": grouped["auc"].count(),
            "auc_mean": grouped["auc"].mean(),
            "auc_std": grouped["auc"].std(ddof=1),
            "logloss_mean": grouped["logloss"].mean(),
            "logloss_std": grouped["logloss"].std(ddof=1),
            "delta_auc_mean": grouped["delta_auc"].mean(),
            "delta_auc_std": grouped["delta_auc"].std(ddof=1),
            "delta_logloss_mean": grouped["delta_logloss"].mean(),
            "delta_logloss_std": grouped["delta_logloss"].std(ddof=1),
        }
    ).reset_index()
    summary["_o"] = summary["variant"].map(order)
    models = list(dict.fromkeys(table["model"]))
    summary["_m"] = summary["model"].map({m: i for i, m in enumerate(models)})
    return summary.sort_values(["_m", "_o"]).drop(columns=["_o", "_m"]).reset_index(drop=True)

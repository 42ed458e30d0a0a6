"""The paper's crossing experiment: targets as is, + GLIDER crosses, + random crosses (control).

:func:`compare_crosses` trains each target model (a) on the data as is, (b) with the top GLIDER
interactions crossed into new fields, (c) with as many random crosses of the same orders, over
several seeds, and tabulates test AUC / logloss and their paired differences to (a). Targets
are trained with the ``"tuned"`` preset of :mod:`~interactkit.adapters.ctr.targets.configs`
(BARS-style settings, early stopping on validation AUC) on one torch thread each unless told
otherwise, ``jobs`` at a time (:mod:`~interactkit.adapters.ctr.targets.jobs`).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from interactkit.adapters.ctr.data.schema import Schema
from interactkit.adapters.ctr.data.splits import CTRData
from interactkit.adapters.ctr.targets.configs import TargetConfig
from interactkit.adapters.ctr.targets.crossing import augment_with_crosses, normalize_interactions
from interactkit.adapters.ctr.targets.deepctr import MODEL_NAMES
from interactkit.adapters.ctr.targets.jobs import train_all
from interactkit.extend import warn

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

    from interactkit.adapters.ctr.targets.crossing import Interactions

__all__ = ["CrossComparison", "compare_crosses", "random_interactions"]


def random_interactions(
    schema: Schema,
    orders: Sequence[int],
    exclude: Iterable[Sequence[str]] = (),
    seed: int = 0,
    *,
    when_exhausted: str = "raise",
) -> list[tuple[str, ...]]:
    """Random field sets, one per entry of ``orders`` (its size), distinct, none in ``exclude``.

    Fields are drawn uniformly without replacement from ``schema`` with
    ``numpy.random.default_rng(seed)``.

    Args:
        when_exhausted: what to do when every set of an order is excluded or drawn already
            (e.g. 7 sets of 9 of Frappe's 10 fields, of which there are only 10): ``"raise"``
            a ValueError, or ``"reuse"`` -- draw among the excluded sets of that order (a
            conservative control: it may repeat the sets it is compared with).
    """
    if when_exhausted not in ("raise", "reuse"):
        raise ValueError(f"when_exhausted must be 'raise' or 'reuse', got {when_exhausted!r}")
    names = schema.names
    excluded = {frozenset(e) for e in exclude}
    drawn: set[frozenset[str]] = set()
    rng = np.random.default_rng(seed)
    out: list[tuple[str, ...]] = []
    for order in orders:
        if not 2 <= order <= len(names):
            raise ValueError(f"cannot draw a set of {order} fields from {len(names)} fields")
        n_taken = sum(len(t) == order for t in excluded | drawn)
        if n_taken < math.comb(len(names), order):
            for _ in range(100_000):
                pick = rng.choice(len(names), size=order, replace=False)
                cand = frozenset(names[i] for i in pick)
                if cand not in excluded and cand not in drawn:
                    break
            else:  # pragma: no cover - needs a vanishing share of free sets
                raise ValueError(f"could not draw a new random set of {order} fields")
        else:
            pool = sorted((t for t in excluded - drawn if len(t) == order), key=lambda t: sorted(t))
            if when_exhausted == "raise" or not pool:
                raise ValueError(
                    f"could not draw a new random set of {order} fields: all "
                    f"{math.comb(len(names), order)} are taken" + ("" if pool else " (and drawn)")
                )
            cand = pool[int(rng.integers(len(pool)))]
        drawn.add(cand)
        out.append(tuple(n for n in names if n in cand))
    return out


@dataclass
class CrossComparison:
    """Result of :func:`compare_crosses`.

    Attributes:
        table: tidy ``DataFrame`` with one row per (model, variant, seed): columns ``model,
            variant, seed, auc, logloss, val_auc, epochs, best_epoch, seconds, n_crosses,
            config`` (the preset's name, or "custom").
        summary: per (model, variant): ``auc_mean, auc_std, logloss_mean, logloss_std, n`` and
            the paired differences to the base model ``delta_auc_mean, delta_auc_std,
            delta_logloss_mean, delta_logloss_std``.
        crosses: the GLIDER interactions used (field-name tuples).
        random_crosses: the random control interactions drawn for each seed.
        notes: what a reader of the table should know (e.g. a control that had to repeat
            GLIDER sets because every set of their order was taken).
    """

    table: pd.DataFrame
    summary: pd.DataFrame
    crosses: list[tuple[str, ...]]
    random_crosses: dict[int, list[tuple[str, ...]]] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    def to_markdown(self, digits: int = 4, delta_unit: float | None = None) -> str:
        """The summary as a Markdown table with ``mean ± std`` cells; with ``delta_unit``
        (e.g. ``1e-4``) the differences to the base model are given in that unit."""
        scale = 1.0 if delta_unit is None else 1.0 / delta_unit
        unit = "" if delta_unit is None else f" ({delta_unit:g})"
        d_digits = digits if delta_unit is None else 1
        lines = [
            f"| model | variant | n | AUC | logloss | ΔAUC vs base{unit} | "
            f"Δlogloss vs base{unit} |",
            "|---|---|---|---|---|---|---|",
        ]

        def pm(m: float, s: float, nd: int, k: float = 1.0) -> str:
            return f"{m * k:.{nd}f} ± {0.0 if s != s else s * k:.{nd}f}"

        for row in self.summary.itertuples(index=False):
            lines.append(
                f"| {row.model} | {row.variant} | {row.n} | "
                f"{pm(row.auc_mean, row.auc_std, digits)} | "
                f"{pm(row.logloss_mean, row.logloss_std, digits)} | "
                f"{pm(row.delta_auc_mean, row.delta_auc_std, d_digits, scale)} | "
                f"{pm(row.delta_logloss_mean, row.delta_logloss_std, d_digits, scale)} |"
            )
        return "\n".join(lines)

    def winners(self) -> list[str]:
        """Targets whose mean test AUC with the GLIDER crosses is above both the base model's
        and (when run) the random control's."""
        out = []
        for model in dict.fromkeys(self.summary["model"]):
            rows = self.summary[self.summary["model"] == model].set_index("variant")
            if "glider" not in rows.index:
                continue
            glider = rows.loc["glider", "auc_mean"]
            others = [rows.loc[v, "auc_mean"] for v in ("base", "random") if v in rows.index]
            if all(glider > o for o in others):
                out.append(str(model))
        return out


def compare_crosses(
    data: CTRData,
    interactions: Interactions,
    models: Sequence[str] = MODEL_NAMES,
    seeds: Sequence[int] = (0, 1, 2, 3, 4),
    *,
    k: int | None = None,
    random_control: bool = True,
    min_count: int | None = None,
    config: str | TargetConfig | None = None,
    threads: int | None = 1,
    jobs: int = 1,
    verbose: bool = False,
    progress: bool | None = False,
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
        config: the targets' preset: ``"tuned"`` (None, the default: BARS-style settings per
            architecture), ``"bars"``, ``"paper"`` or ``"small"`` (see
            :mod:`~interactkit.adapters.ctr.targets.configs`), or a ``TargetConfig`` (one model
            only).
        threads: torch threads per training (default 1: these small models train faster on
            one thread of a shared CPU than on several); None leaves torch's setting.
        jobs: trainings run at once, each in its own process (``spawn``; 1: one after the
            other in this process). Every training is seeded, so the table is the same for any
            ``jobs``; on a CPU, ``jobs`` = the number of cores and ``threads=1`` is the fastest
            (a script that calls this with ``jobs > 1`` needs the ``if __name__ ==
            "__main__":`` guard that ``multiprocessing`` asks for).
        progress: report the trainings (``model variant seed``): None -- a bar on a terminal,
            log lines at least every 30 s otherwise (:mod:`interactkit._utils.progress`);
            False (default) -- nothing.
        **train_kwargs: passed to :func:`~interactkit.adapters.ctr.train_target`
            (``max_epochs``, ``batch_size``, ``model_kwargs``, ...).

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
    notes: list[str] = []
    randoms: dict[int, list[tuple[str, ...]]] = {}
    for seed in seeds:
        variants.append(("base", seed, data))
        variants.append(("glider", seed, with_glider))
        if random_control:
            rand = random_interactions(
                data.schema,
                [len(i) for i in glider],
                exclude=glider,
                seed=seed,
                when_exhausted="reuse",
            )
            repeats = sorted(set(rand) & set(glider), key=glider.index)
            if repeats:
                notes.append(
                    f"seed {seed}: the random control repeats {len(repeats)} GLIDER set(s) "
                    f"({'; '.join('{' + ', '.join(r) + '}' for r in repeats)}): all "
                    f"{'/'.join(str(n) for n in sorted({len(r) for r in repeats}))}-field sets "
                    f"of the {len(data.schema)} fields were taken"
                )
            randoms[seed] = rand
            with_random, _ = augment_with_crosses(data, rand, min_count=min_count)
            variants.append(("random", seed, with_random))
    config_name = config if isinstance(config, str) else "custom" if config else "tuned"
    tasks = [(model, variant, seed, d) for model in models for variant, seed, d in variants]
    rows = train_all(
        tasks, len(data.schema), config, threads, jobs, progress, verbose, train_kwargs
    )
    for row in rows:
        row["config"] = config_name
    for note in notes:
        warn(note)
    table = pd.DataFrame(rows)
    return CrossComparison(table, _summarize(table), glider, randoms, notes)


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

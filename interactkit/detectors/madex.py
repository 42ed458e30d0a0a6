"""MADEX: model-agnostic local interaction detection (Tsang et al., ICLR 2020).

For each instance: sample binary perturbations of its interpretable features (LIME-style), query
the black box once per distinct mask, fit a sparse MLP surrogate on (mask -> standardised output),
rank interacting sets with Neural Interaction Detection, and choose how many are real with the
ridge cut-off. Instances are processed in chunks; inside a chunk every surrogate trains in one
batched model (see :mod:`interactkit.detectors.surrogate`); what is read off them is
:mod:`interactkit.detectors.madex_readout`.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Any, ClassVar

import torch

from interactkit._utils.checks import check_int
from interactkit._utils.progress import progress as progress_bar
from interactkit._utils.warn import warn
from interactkit.detectors.base import Detector, check_spaces
from interactkit.detectors.madex_batch import stack_instances
from interactkit.detectors.madex_readout import QueriedInstance, constant_result, read_out
from interactkit.detectors.surrogate import SurrogateConfig
from interactkit.detectors.surrogate_fit import fit_surrogates
from interactkit.query import Querier
from interactkit.results import LocalExplanation
from interactkit.sampling import (
    MIN_SAMPLES,
    check_sample_settings,
    instance_seeds,
    make_generator,
    resolve_seeds,
    sample_count,
    sample_masks,
)
from interactkit.space import FeatureSpace

__all__ = ["GLIDER_SAMPLES", "MADEX", "PAPER_SETTINGS"]

#: The paper's settings (Tsang et al., ICLR 2020): ``MADEX(**PAPER_SETTINGS)``, or
#: :meth:`MADEX.paper`, reproduces them exactly.
PAPER_SETTINGS: dict[str, Any] = {
    "n_samples": 6000,
    "samples_per_feature": None,
    "samples_per_pair": None,
    "kernel_width": 0.25,
    "hidden": (256, 128, 64),
    "l1": 1e-4,
    "lr": 0.01,
    "batch_size": 100,
    "max_epochs": 100,
    "patience": 5,
    "schedule": None,
    "min_improvement": 0.0,
    "main_effects": "linear",
    "max_interactions": 100,
    "refine_sets": False,
    "cutoff_patience": 2,
}
# Instances per batched chunk are bounded by this many input elements (instances x samples x p).
_CHUNK_INPUT_ELEMENTS = 2**26

#: The most MADEX perturbations per instance in GLIDER when ``n_samples`` is not given (MADEX
#: alone: up to 6000). Counting over many instances averages out what a smaller budget loses
#: on one: on 1000 wide rows (39 fields) the planted interactions rank as with 6000, at a
#: third of the queries (``benchmarks/results/speed.md``).
GLIDER_SAMPLES = 2000


class MADEX(Detector):
    """The MADEX detector (the paper's local detector; ``method="madex"``).

    The defaults are the cheapest settings of the speed-quality study
    (``benchmarks/speed_quality.py``, ``benchmarks/results/speed_quality.md``) whose quality is
    within noise of the paper's on every suite: a [32, 16] surrogate instead of [256, 128, 64],
    and 150 perturbations per feature (at least 1000; at most 6000, the paper's count, reached
    at 40 features, or the space's ``max_samples``) instead of 6000 for every instance.
    Everything else is the paper's. ``MADEX.paper()`` (or ``MADEX(**PAPER_SETTINGS)``)
    reproduces the paper's settings exactly.

    Args:
        n_samples: the most perturbations per instance, including the instance itself (paper:
            6000 for every instance). None (default): 6000, or less where the feature space
            says so (its ``max_samples``; the image adapter's spaces: 2000, as every query is a
            forward pass of an image model); an int overrides the space's hint.
        samples_per_feature: an instance of ``p`` features gets
            ``clip(samples_per_feature * p, min_samples, most)`` perturbations (default 150), so
            short texts and small images do not pay for the samples a wide CTR row needs.
        samples_per_pair: instead, ``clip(round(samples_per_pair * p * (p - 1) / 2), ...)``,
            following the number of feature pairs (give one of the two; with both None every
            instance gets the most, the paper's rule). 7.7 per pair gives 6000 at 40 features
            and 1047 at 17; the study found it within noise on its suites, but behind
            gradient-boosted trees the planted triple ranks lower (suite ``ctr_raw``: 6th
            against 3rd) or drops out of GLIDER's top 10 (the test suite's pipeline), so it
            is not the default.
        min_samples: the fewest perturbations per instance with ``samples_per_feature``.
        val_samples: of those, held out for early stopping and the cut-off (default a twelfth,
            500 of 6000).
        test_samples: held out to report the surrogate's fit (default a twelfth).
        kernel_width: LIME kernel width (0.25) for sample weights, or None for uniform weights.
        hidden: surrogate hidden layer sizes (default 32, 16; paper: 256, 128, 64).
        l1: L1 penalty on the surrogate's weights (paper: 1e-4).
        lr: Adam learning rate (paper: 0.01).
        batch_size: surrogate mini-batch size (paper: 100).
        max_epochs: at most this many epochs (paper: 100).
        patience: early stopping patience in epochs (paper: 5).
        schedule: learning-rate schedule: None (constant, the paper's) or ``"cosine"`` (from
            ``lr`` to 0 over ``max_epochs``).
        min_improvement: relative decrease of the validation loss that counts as an
            improvement for early stopping (paper: 0).
        main_effects: ``"linear"`` (a linear term absorbs main effects), ``"mlp"``
            (per-feature networks) or None.
        max_interactions: keep at most this many ranked sets per instance (paper: 100).
        max_order: largest interaction order ranked (default: all).
        refine_sets: after the cut-off, add the pairs the ranking missed (inside its larger
            sets, or strong by NID pairwise strength) while they raise the validation R^2, then
            remove every set whose removal costs none
            (:func:`~interactkit.detectors.refine.refine_sets`): a set of three or more stays
            only when it explains what its pairs do not (the paper: off; off by default until
            the validity benchmark, ``benchmarks/results/validity.md``, decides).
        cutoff: run the ridge cut-off (sets ``detected``/``cutoff`` of the result).
        cutoff_patience: cut-off patience in added sets (paper: 2).
        ridge_alpha: penalty of the cut-off ridge.
        merge_overlap: without ``refine_sets``: merge detected sets whose overlap ratio
            ``|A ∩ B| / min(|A|, |B|)`` reaches this. The paper's 0.5 merges any two pairs that
            share one feature, and merging repeats, so on a CTR model with a dozen detected
            pairs it chained them into one 10-field set with no effect; 0.6 merges a set into
            one it overlaps by more than half (e.g. a pair inside a triple) but not pairs
            sharing one feature. (Refined sets are not merged: each earned its place.)
        query_batch_size: most masks per model call (default: the space's ``max_batch_size``
            or 1024).
        query_budget: optional cap on distinct model queries per instance.
        instances_per_chunk: most instances whose surrogates train together (memory bound).
    """

    name = "madex"
    glider_defaults: ClassVar[dict[str, Any]] = {"n_samples": GLIDER_SAMPLES}
    #: the fewest perturbations per instance it accepts
    MIN_SAMPLES: ClassVar[int] = MIN_SAMPLES

    def __init__(
        self,
        n_samples: int | None = None,
        samples_per_feature: int | None = 150,
        samples_per_pair: float | None = None,
        min_samples: int = 1000,
        val_samples: int | None = None,
        test_samples: int | None = None,
        kernel_width: float | None = 0.25,
        hidden: Sequence[int] = (32, 16),
        l1: float = 1e-4,
        lr: float = 0.01,
        batch_size: int = 100,
        max_epochs: int = 100,
        patience: int = 5,
        schedule: str | None = None,
        min_improvement: float = 0.0,
        main_effects: str | None = "linear",
        max_interactions: int = 100,
        max_order: int | None = None,
        refine_sets: bool = False,
        cutoff: bool = True,
        cutoff_patience: int = 2,
        ridge_alpha: float = 1e-3,
        merge_overlap: float = 0.6,
        query_batch_size: int | None = None,
        query_budget: int | None = None,
        instances_per_chunk: int = 256,
    ) -> None:
        check_sample_settings(
            n_samples, min_samples, samples_per_pair, samples_per_feature, val_samples, test_samples
        )
        if kernel_width is not None and not kernel_width > 0:
            raise ValueError(f"kernel_width must be > 0 or None, got {kernel_width}")
        check_int("max_interactions", max_interactions)
        if max_order is not None:
            check_int("max_order", max_order, minimum=2)
        check_int("cutoff_patience", cutoff_patience)
        if not 0 < merge_overlap <= 1:
            raise ValueError(f"merge_overlap must be in (0, 1], got {merge_overlap}")
        if ridge_alpha < 0:
            raise ValueError(f"ridge_alpha must be >= 0, got {ridge_alpha}")
        if query_batch_size is not None:
            check_int("query_batch_size", query_batch_size)
        if query_budget is not None:
            check_int("query_budget", query_budget)
        check_int("instances_per_chunk", instances_per_chunk)
        self.surrogate_config = SurrogateConfig(
            hidden=tuple(hidden),
            l1=l1,
            lr=lr,
            batch_size=batch_size,
            max_epochs=max_epochs,
            patience=patience,
            schedule=schedule,
            min_improvement=min_improvement,
            main_effects=main_effects,
        )
        self._params = {
            "n_samples": n_samples,
            "samples_per_feature": samples_per_feature,
            "samples_per_pair": samples_per_pair,
            "min_samples": min_samples,
            "val_samples": val_samples,
            "test_samples": test_samples,
            "kernel_width": kernel_width,
            "hidden": list(self.surrogate_config.hidden),
            "l1": l1,
            "lr": lr,
            "batch_size": batch_size,
            "max_epochs": max_epochs,
            "patience": patience,
            "schedule": schedule,
            "min_improvement": min_improvement,
            "main_effects": main_effects,
            "max_interactions": max_interactions,
            "max_order": max_order,
            "refine_sets": bool(refine_sets),
            "cutoff": cutoff,
            "cutoff_patience": cutoff_patience,
            "ridge_alpha": ridge_alpha,
            "merge_overlap": merge_overlap,
            "query_batch_size": query_batch_size,
            "query_budget": query_budget,
            "instances_per_chunk": instances_per_chunk,
        }

    # ------------------------------------------------------------------ public
    def explain_many(
        self,
        spaces: Sequence[FeatureSpace],
        seed: int | Sequence[int] = 0,
        progress: bool | None = None,
    ) -> list[LocalExplanation]:
        """Explain many instances; their surrogates train together in batched chunks.

        Args:
            spaces: one feature space per instance (feature counts may differ).
            seed: one int (instance ``i`` then uses ``instance_seeds(seed, 1, i)``) or one seed
                per instance.
            progress: show progress bars (None: only on a terminal).
        """
        spaces = check_spaces(spaces)
        seeds = resolve_seeds(seed, len(spaces))
        results: list[LocalExplanation | None] = [None] * len(spaces)
        for chunk in self._chunks(spaces):
            chunk_results = self._explain_chunk(
                [spaces[i] for i in chunk], [seeds[i] for i in chunk], progress
            )
            for i, res in zip(chunk, chunk_results):
                results[i] = res
        return [r for r in results if r is not None]

    @classmethod
    def paper(cls, **overrides: Any) -> MADEX:
        """MADEX with the paper's settings (:data:`PAPER_SETTINGS`), optionally changed."""
        return cls(**{**PAPER_SETTINGS, **overrides})

    def samples_for(self, n_features: int, space_limit: int | None = None) -> tuple[int, int, int]:
        """``(samples, validation samples, test samples)`` for an instance of ``n_features``
        (``space_limit``: its space's ``max_samples``); the count is
        :func:`~interactkit.sampling.sample_count`'s, the validation and test splits are each a
        twelfth unless given."""
        params = self._params
        n = sample_count(
            n_features,
            params["n_samples"],
            params["min_samples"],
            params["samples_per_pair"],
            params["samples_per_feature"],
            space_limit,
        )
        n_val = params["val_samples"] or n // 12
        n_test = params["test_samples"] or n // 12
        return n, n_val, n_test

    # ------------------------------------------------------------------ steps
    def _samples(self, space: FeatureSpace) -> tuple[int, int, int]:
        return self.samples_for(space.n_features, getattr(space, "max_samples", None))

    def _chunks(self, spaces: Sequence[FeatureSpace]) -> list[list[int]]:
        """Group instances of similar feature counts (less padding) and one sample count,
        bounded in size."""
        order = sorted(range(len(spaces)), key=lambda i: spaces[i].n_features)
        chunks: list[list[int]] = []
        current: list[int] = []
        for i in order:
            p = spaces[i].n_features
            n_samples = self._samples(spaces[i])[0]
            size_if_added = (len(current) + 1) * n_samples * p
            if current and (
                len(current) >= self._params["instances_per_chunk"]
                or size_if_added > _CHUNK_INPUT_ELEMENTS
                or self._samples(spaces[current[0]])[0] != n_samples
            ):
                chunks.append(current)
                current = []
            current.append(i)
        if current:
            chunks.append(current)
        return chunks

    def _query(self, space: FeatureSpace, seed: int) -> QueriedInstance:
        params = self._params
        masks = sample_masks(space.n_features, self._samples(space)[0], make_generator(seed))
        all_off = torch.zeros(1, space.n_features, dtype=torch.bool)
        querier = Querier(
            space, batch_size=params["query_batch_size"], budget=params["query_budget"]
        )
        values = querier(torch.cat([masks, all_off]))
        return QueriedInstance(
            space=space,
            seed=seed,
            masks=masks,
            values=values[:-1],
            baseline=float(values[-1]),
            n_queries=querier.n_queries,
            model_time=querier.model_seconds,
            resolution=querier.resolution,
        )

    def _explain_chunk(
        self, spaces: list[FeatureSpace], seeds: list[int], progress: bool | None
    ) -> list[LocalExplanation]:
        params = self._params
        start = time.perf_counter()
        device = torch.device(getattr(spaces[0], "device", None) or "cpu")
        bar = progress_bar(len(spaces), "MADEX querying", "instance", progress, leave=False)
        instances = []
        for space, seed in zip(spaces, seeds):
            instances.append(self._query(space, seed))
            bar.update(1)
        bar.close()
        n_inst = len(instances)
        b = stack_instances(instances, self._samples(instances[0].space), params, device)
        fit = [i for i in range(n_inst) if not bool(b.constant[i])]
        results: list[LocalExplanation | None] = [None] * n_inst
        for i in range(n_inst):
            if bool(b.constant[i]):
                warn(
                    f"the model output does not change under any perturbation of instance "
                    f"{i} (value {float(b.y[i, 0]):.6g}); it has no interactions to detect",
                )
                results[i] = constant_result(instances[i], self.name, self.get_params())
        if fit:
            idx = torch.tensor(fit, device=device)
            fitted = self._fit(
                b.x[idx],
                b.ys[idx],
                b.w[idx],
                [instances[i] for i in fit],
                [b.counts[i] for i in fit],
                b.splits,
                b.y_std[torch.tensor(fit)],
                progress,
            )
            for i, res in zip(fit, fitted):
                results[i] = res
        elapsed = time.perf_counter() - start
        out = [r for r in results if r is not None]
        for res in out:
            res.wall_time = elapsed / n_inst
        return out

    def _fit(
        self,
        x: torch.Tensor,
        ys: torch.Tensor,
        w: torch.Tensor,
        instances: list[QueriedInstance],
        counts: list[int],
        splits: tuple[slice, slice, slice],
        y_std: torch.Tensor,
        progress: bool | None,
    ) -> list[LocalExplanation]:
        tr, va, _ = splits
        surrogate_seeds = [instance_seeds(inst.seed, 1, 1)[0] for inst in instances]
        surrogates = fit_surrogates(
            x[:, tr],
            ys[:, tr],
            x[:, va],
            ys[:, va],
            surrogate_seeds,
            self.surrogate_config,
            w_train=w[:, tr],
            w_val=w[:, va],
            progress=progress,
            feature_counts=counts,
            binary=True,
        )
        return read_out(
            surrogates, x, ys, w, splits, y_std, instances, counts, self.name, self.get_params()
        )

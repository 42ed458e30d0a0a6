"""Ground-truth benchmark of the core detectors.

(a) NID suite F1-F10 (ICLR 2018): pairwise ROC-AUC of NID on data, per function, over seeds.
(b) Archipelago F1-F4 (p = 40): pairwise AUC and queries of ArchDetect and MADEX (and NID on
    random +-1 data, the paper's NID setting, for reference).
(c) Speed: MADEX at the paper's settings on many instances of a p = 40 function, batched
    ``explain_many`` versus a per-instance loop of the same code.

Usage::

    python -m benchmarks.core.synthetic --out benchmarks/results/synthetic.md   # everything
    python -m benchmarks.core.synthetic --parts speed --instances 64 --loop-instances 16
"""

from __future__ import annotations

import argparse
import platform
import time
from pathlib import Path

import numpy as np
import torch

import interactkit
from benchmarks._lib.planted_functions import PlantedSpace
from benchmarks._lib.report import header, run_parts
from interactkit.synthetic import (
    NID_FUNCTIONS,
    archipelago_function,
    archipelago_ground_truth,
    pairwise_auc,
)

PAPER_NID = {
    "NID": 0.92,
    "Additive Groves": 0.87,
    "RuleFit": 0.76,
    "ANOVA": 0.72,
}
PAPER_ARCH = {  # pairwise AUC on Archipelago F1..F4 (Tsang et al., NeurIPS 2020)
    "ArchDetect": (1.0, 1.0, 1.0, 1.0),
    "NID": (0.94, 0.54, 0.54, 0.56),
    "Shapley-Taylor": (1.0, 0.55, 0.78, 0.55),
    "Shapley Interaction Index": (1.0, 0.50, 0.50, 0.51),
}


def mean_std(values: list[float]) -> str:
    arr = np.asarray(values, dtype=float)
    return f"{arr.mean():.3f} ± {arr.std():.3f}"


# --------------------------------------------------------------------------- (a) NID suite
def nid_suite(seeds: list[int], n: int, max_epochs: int) -> str:
    names = sorted(NID_FUNCTIONS, key=lambda s: int(s[1:]))
    data, keys = [], []
    for seed in seeds:
        for name in names:
            data.append(NID_FUNCTIONS[name].sample(n, seed=seed))
            keys.append((name, seed))
    auc: dict[str, dict[str, list[float]]] = {}
    r2: dict[str, list[float]] = {name: [] for name in names}
    times = {}
    for score in ("nid", "difference"):
        start = time.perf_counter()
        exps = interactkit.detect_interactions_many(
            data, seed=[1000 + s for _, s in keys], max_epochs=max_epochs, pair_score=score
        )
        times[score] = time.perf_counter() - start
        auc[score] = {name: [] for name in names}
        for (name, _), exp in zip(keys, exps):
            truth = NID_FUNCTIONS[name].true_pairs()
            auc[score][name].append(pairwise_auc(exp.pair_matrix(), truth))
            if score == "nid":
                r2[name].append(exp.surrogate_fit["val_r2"])

    def seed_avg(score: str) -> list[float]:
        return [np.mean([auc[score][name][k] for name in names]) for k in range(len(seeds))]

    lines = [
        f"NID on data: {n} samples per function (2/3 train, 1/3 validation), MLP [140, 100, 60, 20]"
        f" + per-feature main-effect networks [10, 10, 10], L1 5e-5, Adam lr 1e-3, batch 100, "
        f"≤ {max_epochs} epochs, patience 10; seeds {seeds}. All {len(data)} fits train as one "
        f"batched model ({times['nid']:.0f} s; the same surrogates are refitted for the second "
        f"readout, {times['difference']:.0f} s).",
        "",
        "Pair readouts of the same kind of fitted MLP: **NID** = the paper's score from the "
        "weights; **difference** = interactkit's mean squared mixed difference of the fitted MLP "
        "over 256 validation contexts (`detect_interactions(..., pair_score='difference')`).",
        "",
        "| function | NID pairwise AUC | difference pairwise AUC | surrogate validation R² |",
        "|---|---|---|---|",
    ]
    lines += [
        f"| {name} | {mean_std(auc['nid'][name])} | {mean_std(auc['difference'][name])} "
        f"| {mean_std(r2[name])} |"
        for name in names
    ]
    lines += [
        f"| **average** | **{mean_std(seed_avg('nid'))}** "
        f"| **{mean_std(seed_avg('difference'))}** | |",
        "",
        "± is the standard deviation over seeds (of the per-seed average in the last row). Paper "
        "(ICLR 2018, average over F1–F10): "
        + ", ".join(f"{k} {v:.2f}" for k, v in PAPER_NID.items())
        + ". F2 and F3 use |x7| and |x3| where the printed formulas take a root or a real power "
        "of a negative number (NaN otherwise); the interaction sets are unchanged.",
    ]
    return "\n".join(lines)


# --------------------------------------------------------------------------- (b) Archipelago
def archipelago_suite(seeds: list[int], n_samples: int, nid_n: int, nid_epochs: int) -> str:
    rows = []
    spaces = [interactkit.FunctionSpace(archipelago_function(k), 40) for k in (1, 2, 3, 4)]
    arch = interactkit.explain_many(spaces, method="archdetect")
    madex_spaces = [s for s in spaces for _ in seeds]
    madex_seeds = [1000 + seed for _ in spaces for seed in seeds]
    start = time.perf_counter()
    madex = interactkit.explain_many(madex_spaces, seed=madex_seeds, n_samples=n_samples)
    madex_time = (time.perf_counter() - start) / len(madex_spaces)
    nid_data = []
    for k in (1, 2, 3, 4):
        fn = archipelago_function(k)
        for seed in seeds:
            gen = torch.Generator().manual_seed(seed)
            masks = torch.rand(nid_n, 40, generator=gen) > 0.5
            nid_data.append(((masks.float() * 2 - 1).numpy(), fn(masks).numpy()))
    nid = interactkit.detect_interactions_many(nid_data, seed=0, max_epochs=nid_epochs)
    for idx, k in enumerate((1, 2, 3, 4)):
        truth = archipelago_ground_truth(k)
        m = madex[idx * len(seeds) : (idx + 1) * len(seeds)]
        nd = nid[idx * len(seeds) : (idx + 1) * len(seeds)]
        rows.append(
            f"| F{k} | {pairwise_auc(arch[idx].pair_matrix(), truth):.3f} | {arch[idx].n_queries} "
            f"| {mean_std([pairwise_auc(e.pair_matrix(), truth) for e in m])} "
            f"| {np.mean([e.n_queries for e in m]):.0f} "
            f"| {mean_std([pairwise_auc(e.pair_matrix(), truth) for e in nd])} "
            f"| {PAPER_ARCH['ArchDetect'][idx]:.2f} / {PAPER_ARCH['NID'][idx]:.2f} |"
        )
    return "\n".join(
        [
            f"p = 40, input +1, baseline −1 (mask True = +1). MADEX: {n_samples} samples, paper "
            f"settings, seeds {seeds} ({madex_time:.2f} s per instance, batched). NID on data: "
            f"{nid_n} uniform random ±1 samples, seeds {seeds}.",
            "",
            "| function | ArchDetect AUC | ArchDetect queries | MADEX AUC | MADEX queries | "
            "NID-on-data AUC | paper ArchDetect / NID |",
            "|---|---|---|---|---|---|---|",
            *rows,
        ]
    )


# --------------------------------------------------------------------------- (c) speed
def _spearman(a: np.ndarray, b: np.ndarray) -> float:
    iu = np.triu_indices(a.shape[0], k=1)
    ra = np.argsort(np.argsort(a[iu]))
    rb = np.argsort(np.argsort(b[iu]))
    return float(np.corrcoef(ra, rb)[0, 1])


def _recovered(exp: interactkit.LocalExplanation, space: PlantedSpace) -> float:
    found = {it.features for it in exp.detected}
    return float(np.mean([tuple(int(i) for i in s) in found for s in space.sets]))


def speed(n_instances: int, loop_instances: int, seed: int) -> str:
    spaces = [PlantedSpace(seed * 10_000 + i) for i in range(n_instances)]
    seeds = interactkit.instance_seeds(seed, n_instances)
    start = time.perf_counter()
    batched = interactkit.explain_many(spaces, seed=seeds, progress=None)
    t_batched = time.perf_counter() - start
    loop_spaces = spaces[:loop_instances]
    start = time.perf_counter()
    looped = [
        interactkit.explain_many([s], seed=[seeds[i]], progress=False)[0]
        for i, s in enumerate(loop_spaces)
    ]
    t_loop = time.perf_counter() - start
    per_batched = t_batched / n_instances
    per_loop = t_loop / loop_instances
    same_detected = np.mean(
        [
            {it.features for it in a.detected} == {it.features for it in b.detected}
            for a, b in zip(batched, looped)
        ]
    )
    same_top3 = np.mean(
        [
            [it.features for it in a.top(3)] == [it.features for it in b.top(3)]
            for a, b in zip(batched, looped)
        ]
    )
    rank_corr = np.mean(
        [_spearman(a.pair_matrix(), b.pair_matrix()) for a, b in zip(batched, looped)]
    )
    epochs = [e.surrogate_fit["best_epoch"] for e in batched]
    return "\n".join(
        [
            f"{n_instances} instances of random p = 40 functions (two planted pairs and one "
            f"triple each), MADEX at the paper's settings (6000 samples, [256, 128, 64], batch "
            f"100, ≤ 100 epochs, patience 5). Best epoch: median {np.median(epochs):.0f}.",
            "",
            "| run | instances | wall time (s) | s / instance | planted sets recovered |",
            "|---|---|---|---|---|",
            f"| batched `explain_many` | {n_instances} | {t_batched:.1f} | {per_batched:.3f} | "
            f"{np.mean([_recovered(e, s) for e, s in zip(batched, spaces)]):.3f} |",
            f"| per-instance loop (same code, one instance per call) | {loop_instances} | "
            f"{t_loop:.1f} | {per_loop:.3f} | "
            f"{np.mean([_recovered(e, s) for e, s in zip(looped, loop_spaces)]):.3f} |",
            "",
            f"**Speed-up of batching: {per_loop / per_batched:.1f}×** per instance. Same results: "
            f"identical detected sets on {same_detected:.0%} and identical top-3 sets on "
            f"{same_top3:.0%} of the {loop_instances} instances run both ways; Spearman "
            f"correlation of their pairwise strengths {rank_corr:.3f} (float rounding differs "
            "between batched and single matrix products, and training amplifies it). Reference "
            f"MADEX on this machine: 10.2 s per instance (DESIGN.md) → batched is "
            f"{10.2 / per_batched:.0f}× faster, the per-instance loop {10.2 / per_loop:.0f}×.",
        ]
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--parts", nargs="+", default=["nid", "archipelago", "speed"])
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--nid-samples", type=int, default=30_000)
    parser.add_argument("--nid-epochs", type=int, default=100)
    parser.add_argument("--madex-samples", type=int, default=6000)
    parser.add_argument("--instances", type=int, default=256)
    parser.add_argument("--loop-instances", type=int, default=256)
    parser.add_argument("--out", type=Path, default=None, help="write the markdown here")
    args = parser.parse_args()
    seeds = list(range(args.seeds))
    sections = header(
        "Synthetic ground-truth benchmark",
        __file__,
        f"{platform.processor() or platform.machine()}, {torch.get_num_threads()} torch "
        f"threads, torch {torch.__version__}, interactkit {interactkit.__version__}.",
    )
    parts = {
        "nid": (
            "(a) NID suite F1–F10",
            lambda: nid_suite(seeds, args.nid_samples, args.nid_epochs),
        ),
        "archipelago": (
            "(b) Archipelago F1–F4",
            lambda: archipelago_suite(seeds, args.madex_samples, args.nid_samples, args.nid_epochs),
        ),
        "speed": (
            "(c) Speed: batched vs per-instance",
            lambda: speed(args.instances, args.loop_instances, seed=0),
        ),
    }
    run_parts(sections, parts, args.parts, args.out)


if __name__ == "__main__":
    main()

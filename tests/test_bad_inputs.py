"""Bad inputs a new user gives, area by area: each must fail with a specific, helpful error.

Every area is one table -- a list of ``pytest.param(call, exception type, message fragment)``
-- and one parametrized test that runs each ``call(tmp_path)`` and checks that it raises that
type with a message containing the fragment. A row is a contract: change a message only with its
row. Areas: core (spaces, the query layer, seeds, the entry points), results, runs, ctr (rows,
schemas, CSV files, dataset specs), text, image, visualizers (mismatched or wrong arguments; a
``$`` in a word, name or title is drawn literally), CLI (option checkers, jobs called from
Python).

Nothing here touches the network; the text rows use a tiny BERT built in the test, the image
rows small arrays and files written to ``tmp_path``.
"""

from __future__ import annotations

import argparse
import functools
import json
import os
import socket
import tempfile
import time
from pathlib import Path

import numpy as np
import pytest
import torch

import interactkit
from interactkit import FunctionSpace, LocalExplanation, Querier, QueryError
from interactkit._utils.jsonio import FormatError
from interactkit.results import Attribution, GlobalExplanation
from interactkit.runs import RunDirectory, RunError

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

NO_CUDA = pytest.mark.skipif(torch.cuda.is_available(), reason="needs a machine without CUDA")


def check(call, exc: type[BaseException], fragment: str, tmp_path: Path) -> None:
    with pytest.raises(exc) as info:
        call(tmp_path)
    assert fragment in str(info.value), f"{fragment!r} not in {str(info.value)!r}"


def row(call, exc: type[BaseException], fragment: str, id: str, marks=()):
    return pytest.param(call, exc, fragment, id=id, marks=marks)


def f(masks: torch.Tensor) -> torch.Tensor:
    x = masks.float()
    return x[:, 0] * x[:, 1] + x[:, 2]


def space5() -> FunctionSpace:
    return FunctionSpace(f, 5)


@functools.cache
def exp5() -> LocalExplanation:
    return interactkit.explain(f, n_features=5, method="archdetect")


def saved(**changes) -> str:
    """The JSON of :func:`exp5` with some fields replaced."""
    return json.dumps({**exp5().to_dict(), **changes})


def file_in(tmp: Path, name: str = "a_file", data: bytes = b"x") -> Path:
    path = tmp / name
    path.write_bytes(data)
    return path


class Lists(interactkit.Explainer):
    """A minimal explainer: an instance is a list of 0/1 weights."""

    def space(self, instance):
        w = torch.tensor(instance, dtype=torch.float32)
        return FunctionSpace(lambda m: m.float() @ w, len(instance))


# ------------------------------------------------------------------------------------- core

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
    row(lambda _: interactkit.glider([space5()], method="archdetect", key=lambda it: 5),
        TypeError, "must take (explanation, interaction)", "glider-key-signature"),
    row(lambda _: interactkit.glider([space5()], method="archdetect", bootstrap=-1), ValueError,
        "bootstrap must be >= 0", "glider-bootstrap"),
    row(lambda _: interactkit.ArchDetect(cutoff=-1), TypeError, "cutoff must be True or False",
        "archdetect-cutoff"),
    row(lambda _: interactkit.explain(f, 5, method="archdetect", n_samples=100), TypeError,
        "n_samples is MADEX's", "archdetect-n-samples"),
    row(lambda _: interactkit.detect_interactions([["a", "b"]] * 50, np.zeros(50)), ValueError,
        "encode categorical columns", "nid-strings"),
    row(lambda _: interactkit.explain(f, 700, method="archdetect"), QueryError,
        "needs 490,702 model queries", "archdetect-cost"),
    row(lambda _: interactkit.replicate([space5()] * 3, method="archdetect"), ValueError,
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


# ---------------------------------------------------------------------------------- results

_ATTR = {"format": "interactkit.Attribution", "version": 1, "method": "x", "feature_names": ["a"],
         "values": [1.0]}  # fmt: skip


def attribution(**changes) -> Attribution:
    return Attribution.from_json(json.dumps({**_ATTR, **changes}))


def global_exp(**changes) -> GlobalExplanation:
    item = {"names": ["a", "b"], "count": 3, "frequency": 0.6, "ci_low": 0.2, "ci_high": 0.9}
    data = {**GlobalExplanation([], 5).to_dict(), "interactions": [item]}
    for key, value in changes.items():
        (item if key in item else data)[key] = value
    return GlobalExplanation.from_json(json.dumps(data))


RESULTS = [
    row(lambda _: exp5().top(-1), ValueError, "k must be >= 0", "top-neg"),
    row(lambda _: exp5().top("3"), TypeError, "k must be an int", "top-str"),
    row(lambda _: exp5().top(3, order=0), ValueError, "order must be >= 1", "top-order-0"),
    row(lambda _: exp5().pairs(-1), ValueError, "k must be >= 0", "pairs-neg"),
    row(lambda _: exp5().main_effect("zz"), KeyError, "no feature named 'zz'", "main-name"),
    row(lambda _: exp5().main_effect(99), IndexError, "out of range for 5 features", "main-index"),
    row(lambda _: exp5().main_effect(1.0), TypeError, "an index or a name", "main-float"),
    row(lambda _: exp5().to_frame("foo"), ValueError, "which must be one of", "to-frame"),
    row(lambda t: exp5().to_json(t), IsADirectoryError, "it is a directory", "to-json-dir"),
    row(lambda t: exp5().to_json(t / "nodir" / "x.json"), FileNotFoundError, "nodir does not exist",
        "to-json-no-folder"),
    row(lambda t: exp5().to_json(file_in(t) / "x.json"), NotADirectoryError, "is a file",
        "to-json-under-file"),
    row(lambda _: LocalExplanation.from_json(None), TypeError, "expected a JSON string or a path",
        "load-none"),
    row(lambda t: LocalExplanation.from_json(t / "missing.json"), FileNotFoundError,
        "no such file", "load-missing"),
    row(lambda t: LocalExplanation.from_json(t), FormatError, "is a directory", "load-dir"),
    row(lambda t: LocalExplanation.from_json(file_in(t, "bad.json", b"\xff\xfe")), FormatError,
        "not a UTF-8 JSON file", "load-binary"),
    row(lambda _: LocalExplanation.from_json(saved()[:-20]), FormatError, "not valid JSON",
        "load-truncated"),
    row(lambda _: LocalExplanation.from_json(GlobalExplanation([], 0).to_json()), FormatError,
        "its format is 'interactkit.GlobalExplanation'", "load-other-format"),
    row(lambda _: LocalExplanation.from_json(saved(method=None)), FormatError,
        "method must be a str", "load-method"),
    row(lambda _: LocalExplanation.from_json(saved(n_queries=-4)), FormatError,
        "n_queries must be >= 0", "load-queries"),
    row(lambda _: LocalExplanation.from_json(saved(main_effects=[1.0] * 4)), FormatError,
        "has 4 entries, expected 5", "load-effects"),
    row(lambda _: LocalExplanation.from_json(saved(interactions=[
        {"features": [0, 0], "names": ["x0", "x0"], "strength": 1.0}])), FormatError,
        "repeat a feature", "load-repeat"),
    row(lambda _: LocalExplanation.from_json(saved(interactions=[
        {"features": [0, 1], "names": ["zz", "yy"], "strength": 1.0}])), FormatError,
        "does not match the names of its features", "load-names"),
    row(lambda _: LocalExplanation.from_json(saved(pairs=[[0, 9, 1.0]], pair_effects=[None])),
        FormatError, "outside 0..4", "load-pair"),
    row(lambda _: GlobalExplanation([], 0).top(-1), ValueError, "k must be >= 0", "global-top"),
    row(lambda _: global_exp(n_instances=-3), FormatError, "n_instances must be >= 0",
        "global-n"),
    row(lambda _: global_exp(frequency=1.8), FormatError, "share of the instances", "global-freq"),
    row(lambda _: global_exp(ci_low=-0.1), FormatError, "share of the instances", "global-ci"),
    row(lambda _: global_exp(count=-1), FormatError, "count must be >= 0", "global-count"),
    row(lambda _: Attribution("x", ["a", "b"], np.ones(2)).top(-1), ValueError, "k must be >= 0",
        "attr-top"),
    row(lambda _: attribution(values=["nan"]), FormatError, "values must be a number", "attr-str"),
    row(lambda _: Attribution.from_json(json.dumps(_ATTR).replace("1.0]", "1e999]")),
        FormatError, "must be finite", "attr-inf"),
    row(lambda _: attribution(values=[1.0, 2.0]), FormatError, "2 entries, expected 1",
        "attr-len"),
    row(lambda _: attribution(n_queries=2.7), FormatError, "n_queries must be an integer",
        "attr-queries"),
    row(lambda _: attribution(feature_names=[1]), FormatError, "list of strings", "attr-names"),
    row(lambda _: attribution(params=[["a", 1]]), FormatError, "params must be an object",
        "attr-params"),
    row(lambda _: attribution(seed=1.9), FormatError, "seed must be an integer", "attr-seed"),
    row(lambda _: attribution(method=None), FormatError, "method must be a str", "attr-method"),
]  # fmt: skip


@pytest.mark.parametrize(("call", "exc", "fragment"), RESULTS)
def test_results(call, exc, fragment, tmp_path) -> None:
    check(call, exc, fragment, tmp_path)


# ------------------------------------------------------------------------------------- runs


def run_dir(tmp: Path, **arguments) -> RunDirectory:
    return RunDirectory(tmp / "run", {"k": 3, **arguments})


def manifest(tmp: Path, data) -> Path:
    (tmp / "run").mkdir()
    (tmp / "run" / "manifest.json").write_text(
        data if isinstance(data, str) else json.dumps(data), encoding="utf-8"
    )
    return tmp / "run"


def held_lock(tmp: Path) -> None:
    directory = run_dir(tmp)
    me = {"pid": os.getpid(), "host": socket.gethostname(), "since": time.time()}
    (directory.path / "run.lock").write_text(json.dumps(me), encoding="utf-8")
    with directory.locked():
        pass


RUNS = [
    row(lambda t: RunDirectory(file_in(t), {}), RunError, "is a file", "dir-is-file"),
    row(lambda t: RunDirectory(file_in(t) / "run", {}), RunError, "is a file, not a folder",
        "dir-under-file"),
    row(lambda t: interactkit.glider([space5()], k=3, method="archdetect",
                                     run_dir=file_in(t) / "run"), RunError,
        "is a file, not a folder", "glider-dir-under-file"),
    row(lambda t: (run_dir(t), run_dir(t, k=4)), RunError, "different arguments (differs in: k)",
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
    row(lambda _: interactkit.glider([space5()] * 3, k=3, method="archdetect", segments="abc"),
        TypeError, "one label per instance", "segments-str"),
    row(lambda _: interactkit.glider([space5()], k=3, method="archdetect", segments=5), TypeError,
        "one label per instance", "segments-int"),
]  # fmt: skip


@pytest.mark.parametrize(("call", "exc", "fragment"), RUNS)
def test_runs(call, exc, fragment, tmp_path) -> None:
    check(call, exc, fragment, tmp_path)


# -------------------------------------------------------------------------------------- ctr


def ctr():
    pytest.importorskip("pandas")
    from interactkit.adapters import ctr as module

    return module


def ctr_schema():
    m = ctr()
    fields = [m.Field("site", "categorical", 4), m.Field("hour", "categorical", 3),
              m.Field("price", "dense", mean=1.0)]  # fmt: skip
    return m.Schema(fields, label="click")


def ctr_explainer(**kwargs):
    return ctr().CTRExplainer(lambda x: x.sum(dim=1), ctr_schema(), output="logit", **kwargs)


ROW = {"site": 1, "hour": 2, "price": 0.5}


def csv_file(tmp: Path, data: bytes, name: str = "clicks.csv") -> Path:
    return file_in(tmp, name, data)


def load_csv(path, **kwargs):
    return ctr().load_csv(path, **kwargs)


def load_dataset(spec, **kwargs):
    from interactkit.adapters.ctr.data.loaders import load_dataset as load

    return load(spec, **kwargs)


GOOD_CSV = b"site,price,y\n" + b"".join(b"s%d,%d,%d\n" % (i % 3, i, i % 2) for i in range(40))

CTR = [
    row(lambda _: ctr_explainer().space({**ROW, "sight": 1}), ValueError,
        "has columns ['sight'] that are not fields of the schema", "space-unknown-field"),
    row(lambda _: ctr_explainer().space({"site": 1, "hour": 2}), ValueError,
        "lacks fields ['price']", "space-missing-field"),
    row(lambda _: ctr_explainer().space({**ROW, "click": 1}), ValueError,
        "contains the label column 'click'", "space-label"),
    row(lambda _: ctr_explainer().space([1, 2]), ValueError, "expected 3 values per row",
        "space-short-row"),
    row(lambda _: ctr_explainer().spaces(np.zeros((4, 5))), ValueError,
        "expected 3 values per row", "spaces-wide"),
    row(lambda _: ctr_explainer().space(np.zeros((2, 3))), ValueError, "takes one row, got 2",
        "space-two-rows"),
    row(lambda _: ctr_explainer().space({**ROW, "site": 7}), ValueError,
        "has id 7, outside its vocabulary 0..3", "space-id-range"),
    row(lambda _: ctr_explainer().space({**ROW, "price": float("nan")}), ValueError,
        "contains NaN or inf", "space-dense-nan"),
    row(lambda _: ctr_explainer().space({**ROW, "site": "abc"}), ValueError,
        "holds non-numeric values", "space-raw-value"),
    row(lambda _: ctr_explainer(baseline={"sight": 0}), ValueError,
        "baseline names unknown fields ['sight']", "baseline-unknown-field"),
    row(lambda _: ctr_explainer(baseline=[0, 0]), ValueError, "expected 3 values per row",
        "baseline-length"),
    row(lambda _: ctr().CTRExplainer(lambda x: x, "site,hour"), TypeError,
        "schema must be a Schema or CTRData", "explainer-schema-str"),
    row(lambda _: ctr().CTRExplainer(lambda x: x, ctr().Schema([ctr().Field("a", "dense")])),
        ValueError, "at least 2 fields", "explainer-one-field"),
    row(lambda _: ctr_schema().index("sight"), KeyError, "no field named 'sight'",
        "schema-index"),
    row(lambda _: ctr().Schema([ctr().Field("a", "dense")] * 2), ValueError,
        "duplicate field names", "schema-duplicate"),
    row(lambda _: ctr().Field("a", "numeric"), ValueError, "kind must be 'categorical' or 'dense'",
        "field-kind"),
    row(lambda _: ctr().Field("a", "categorical", 2, vocab=("x",)), ValueError,
        "vocab has 1 labels but vocab_size is 2", "field-vocab-length"),
    row(lambda t: load_csv(csv_file(t, b"site,y\n\xe9t\xe9,1\n\xff,0\n"), label="y"), ValueError,
        "clicks.csv is not utf-8 text", "csv-not-utf8"),
    row(lambda t: load_csv(csv_file(t, b"site,y\n\xe9t\xe9,1\n\xff,0\n"), label="y"), ValueError,
        "encoding='latin-1'", "csv-not-utf8-hint"),
    row(lambda t: load_csv(csv_file(t, GOOD_CSV), label="y", encoding="klingon"), ValueError,
        "unknown encoding='klingon'", "csv-encoding-name"),
    row(lambda t: load_csv(csv_file(t, GOOD_CSV), label="clicked"), ValueError,
        "no label column 'clicked'; columns are ['site', 'price', 'y']", "csv-no-label"),
    row(lambda t: load_csv(csv_file(t, b"")), ValueError, "clicks.csv is empty", "csv-empty"),
    row(lambda t: load_csv(csv_file(t, b"\n\n"), label="y"), ValueError, "is empty",
        "csv-blank-lines"),
    row(lambda t: load_csv(csv_file(t, b"site,y\n"), label="y"), ValueError,
        "has a header but no data rows", "csv-header-only"),
    row(lambda t: load_csv(csv_file(t, GOOD_CSV.replace(b",", b";")), label="y"), ValueError,
        "no label column 'y'", "csv-wrong-separator"),
    row(lambda t: load_csv(csv_file(t, GOOD_CSV), label="y", dense=["cost"]), ValueError,
        "columns ['cost'] not found", "csv-unknown-column"),
    row(lambda t: load_csv(csv_file(t, GOOD_CSV.replace(b",0\n", b",2\n")), label="y"),
        ValueError, "(column 'y')", "csv-label-not-binary"),
    row(lambda t: load_csv(t / "missing.csv"), FileNotFoundError, "no such file or folder",
        "csv-missing"),
    row(lambda t: load_csv(t), ValueError, "no train/val/test file found", "csv-empty-folder"),
    row(lambda _: load_dataset("synthetic:abc"), ValueError,
        "'synthetic:abc': give the number of rows", "dataset-synthetic-abc"),
    row(lambda _: load_dataset("parquet:x.pq"), ValueError, "unknown dataset kind 'parquet'",
        "dataset-kind"),
    row(lambda _: load_dataset("clicks.csv"), ValueError, "must look like KIND:PATH",
        "dataset-no-kind"),
    row(lambda _: load_dataset("csv:"), ValueError, "has no path after 'csv:'",
        "dataset-no-path"),
    row(lambda _: load_dataset("criteo:x", label="y"), ValueError,
        "fixed label column 'label', not 'y'", "dataset-fixed-label"),
    row(lambda _: ctr().frame_data(np.zeros((3, 2)), "y"), TypeError,
        "frame must be a DataFrame", "frame-not-frame"),
    row(lambda _: ctr().CTREncoder(["a"], ["a"]), ValueError,
        "both categorical and dense: ['a']", "encoder-overlap"),
]  # fmt: skip


@pytest.mark.parametrize(("call", "exc", "fragment"), CTR)
def test_ctr(call, exc, fragment, tmp_path) -> None:
    check(call, exc, fragment, tmp_path)


def test_ctr_csv_in_another_encoding_loads_with_encoding(tmp_path) -> None:
    data = GOOD_CSV.replace(b"s1,", "sé,".encode("latin-1"))
    loaded = load_csv(csv_file(tmp_path, data), label="y", encoding="latin-1", min_count=1)
    assert "sé" in loaded.schema["site"].vocab


# ------------------------------------------------------------------------------------- text

WORDS = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "_", "the", "movie", "is", "not", "bad",
         "good", "plot"]  # fmt: skip


@functools.cache
def tok():
    transformers = pytest.importorskip("transformers")
    folder = Path(tempfile.mkdtemp(prefix="interactkit-vocab-"))
    (folder / "vocab.txt").write_text("\n".join(WORDS) + "\n", encoding="utf-8")
    return transformers.BertTokenizerFast.from_pretrained(str(folder))


def bert(vocab: int = len(WORDS), positions: int = 32, head: bool = True):
    transformers = pytest.importorskip("transformers")
    torch.manual_seed(0)
    config = transformers.BertConfig(
        vocab_size=vocab, hidden_size=16, num_hidden_layers=1, num_attention_heads=2,
        intermediate_size=16, max_position_embeddings=positions, num_labels=2,
        id2label={0: "NEGATIVE", 1: "POSITIVE"}, label2id={"NEGATIVE": 0, "POSITIVE": 1},
    )  # fmt: skip
    cls = transformers.BertForSequenceClassification if head else transformers.BertModel
    return cls(config).eval()


@functools.cache
def text_explainer():
    from interactkit.adapters.text import TextExplainer

    return TextExplainer(bert(), tok())


def text(*args, **kwargs):
    from interactkit.adapters.text import TextExplainer

    return TextExplainer(*args, **kwargs)


def damaged_model(tmp: Path, damaged: str) -> Path:
    """A model saved with save_pretrained, one of whose files is then overwritten."""
    folder = tmp / "model"
    bert().save_pretrained(folder)
    tok().save_pretrained(folder)
    (folder / damaged).write_bytes(os.urandom(400))
    return folder


def fill_mask_pipeline():
    transformers = pytest.importorskip("transformers")
    model = transformers.BertForMaskedLM(bert().config)
    return transformers.pipeline("fill-mask", model=model, tokenizer=tok())


LONG = "the movie is not bad " * 10

TEXT = [
    row(lambda _: text(bert(), tok(), max_length=64), ValueError,
        "position embeddings cover 32 tokens", "max-length-positions"),
    row(lambda _: text(bert(), tok(), max_length=2), ValueError, "max_length must be >= 3",
        "max-length-2"),
    row(lambda _: text(bert(), tok(), max_length=64.0), TypeError, "max_length must be an int",
        "max-length-float"),
    row(lambda _: text(bert(vocab=8), tok()).space("the movie is not bad"), ValueError,
        "does not belong to this model", "vocab-mismatch"),
    row(lambda t: text(str(t / "no_model")), FileNotFoundError, "no such model directory",
        "model-missing"),
    row(lambda t: text(str(file_in(t))), ValueError, "is a file; give the directory",
        "model-file"),
    row(lambda t: text(bert(), str(t / "no_tok")), FileNotFoundError,
        "no such tokenizer directory", "tokenizer-missing"),
    row(lambda t: text(str(damaged_model(t, "model.safetensors"))), ValueError,
        "are damaged or incomplete (SafetensorError", "model-damaged-weights"),
    row(lambda t: text(str(damaged_model(t, "tokenizer.json"))), ValueError,
        "tokenizer files of", "model-damaged-tokenizer"),
    row(lambda _: text(lambda **kw: None, tok()), TypeError, "must be a torch.nn.Module",
        "model-function"),
    row(lambda _: text(bert()), ValueError, "a tokenizer is needed", "no-tokenizer"),
    row(lambda _: text(bert(), object()), ValueError, "not a fast tokenizer", "slow-tokenizer"),
    row(lambda _: text(fill_mask_pipeline()), ValueError, "text-classification pipeline",
        "pipeline-task"),
    row(lambda _: text(bert(head=False), tok()).space("the movie is bad"), TypeError,
        "logits tensor", "no-head"),
    row(lambda _: text(bert(), tok(), features="word"), ValueError, "features='word' is unknown",
        "features-mode"),
    row(lambda _: text(bert(), tok(), features=[(0, 3)]), ValueError, "at least 2 spans",
        "one-span"),
    row(lambda _: text(bert(), tok(), features=[(0, 3.7), (4, 9)]), TypeError,
        "integer character offsets", "span-float"),
    row(lambda _: text(bert(), tok(), features=[(0, 3, 1), (4, 9, 2)]), TypeError,
        "integer character offsets", "span-triple"),
    row(lambda _: text(bert(), tok(), features=[(0, 3), (4, 100)]).space("the movie"), ValueError,
        "not a non-empty character range", "span-range"),
    row(lambda _: text(bert(), tok(), features=[(0, 5), (4, 9)]).space("the movie"), ValueError,
        "overlap", "span-overlap"),
    row(lambda _: text(bert(), tok(), off="masked"), ValueError, "off='masked' is unknown", "off"),
    row(lambda _: text(bert(), tok(), off="neutral", neutral_token="movie plot"), ValueError,
        "not one token of this vocabulary", "neutral-words"),
    row(lambda _: text(bert(), tok(), off="neutral", neutral_token=999), ValueError,
        "outside the vocabulary", "neutral-id"),
    row(lambda _: text(bert(), tok(), off="neutral", neutral_token=True), TypeError,
        "neutral_token must be a token", "neutral-bool"),
    row(lambda _: text(bert(), tok(), device="gpu"), ValueError, "not a torch device", "dev-gpu"),
    row(lambda _: text(bert(), tok(), device="cuda"), ValueError, "is not available", "dev-cuda",
        marks=NO_CUDA),
    row(lambda _: text(bert(), tok(), max_batch_size=0), ValueError, "max_batch_size must be >= 1",
        "batch-0"),
    row(lambda _: text(bert(), tok(), target=1.0), TypeError, "target must be a class index",
        "target-float"),
    row(lambda _: text_explainer().space("the movie is bad", target=5), ValueError,
        "out of range: the model has 2 output(s)", "target-range"),
    row(lambda _: text_explainer().space("the movie is bad", target="FOO"), ValueError,
        "not a label of this model", "target-label"),
    row(lambda _: text_explainer().space(None), TypeError, "text must be a str", "text-none"),
    row(lambda _: text_explainer().space("  \n"), ValueError, "empty text", "text-empty"),
    row(lambda _: text_explainer().space("movie"), ValueError, "single feature", "text-one-word"),
    row(lambda _: text_explainer().explain_many("the movie is bad"), TypeError, "got one str",
        "explain-many-str"),
    row(lambda _: text_explainer().predict_logits("the movie"), TypeError, "got one str",
        "predict-str"),
    row(lambda _: text_explainer().predict_logits(["the movie", 3]), TypeError,
        "every text must be a str", "predict-int"),
]  # fmt: skip


@pytest.mark.parametrize(("call", "exc", "fragment"), TEXT)
def test_text(call, exc, fragment, tmp_path) -> None:
    check(call, exc, fragment, tmp_path)


def test_text_long_inputs_and_unknown_words_are_flagged() -> None:
    explainer = text(bert(positions=16), tok())
    assert explainer.max_length == 16
    with pytest.warns(UserWarning, match="truncated"):
        assert explainer.space(LONG).truncated
    with pytest.warns(UserWarning, match=r"2 of the 4 words reach the model as the unknown"):
        explainer.space("the zzz movie qqq")
    assert text_explainer().space("the movie is bad", target=np.int64(1)).target == 1


# ------------------------------------------------------------------------------------ image

IMG = np.random.default_rng(0).uniform(0.2, 0.9, (32, 32, 3)).astype(np.float32)
SEG = (np.arange(32)[:, None] // 16) * 2 + np.arange(32)[None] // 16  # 4 blocks


def mean_model(x: torch.Tensor) -> torch.Tensor:
    return x.mean(dim=(2, 3))  # 3 "classes"


def image(model=mean_model, **kwargs):
    from interactkit.adapters.image import ImageExplainer

    return ImageExplainer(model, **{"image_size": None, **kwargs})


def png(tmp: Path, cut: bool = False) -> Path:
    from PIL import Image

    path = tmp / "photo.png"
    Image.fromarray((IMG * 255).astype(np.uint8)).save(path)
    if cut:
        data = path.read_bytes()
        path.write_bytes(data[: len(data) // 2])
    return path


def open_image(path):
    from interactkit.adapters.image.convert import open_image as open_

    return open_(path)


def to_rgb(x):
    from interactkit.adapters.image import to_rgb_tensor

    return to_rgb_tensor(x)


def segment(x, method: str = "slic", **params):
    from interactkit.adapters.image import segment_image

    return segment_image(x, method, **params)


def torchvision_model(name: str, weights: str = "DEFAULT"):
    pytest.importorskip("torchvision")
    from interactkit.adapters.image import load_torchvision_classifier

    return load_torchvision_classifier(name, weights=weights)


def flat_linear():
    return torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(3 * 224 * 224, 4)).eval()


IMAGE = [
    row(lambda t: open_image(file_in(t, "x.png", os.urandom(300))), ValueError,
        "not an image file Pillow can read", "file-garbage"),
    row(lambda t: open_image(png(t, cut=True)), ValueError, "damaged or truncated", "file-cut"),
    row(lambda t: open_image(t), ValueError, "is a directory", "file-dir"),
    row(lambda t: open_image(t / "missing.png"), FileNotFoundError, "no such image file",
        "file-missing"),
    row(lambda _: to_rgb("photo.png"), TypeError, "open_image(path)", "path-not-image"),
    row(lambda _: to_rgb(IMG * 255), ValueError, "expected [0, 1]", "float-255"),
    row(lambda _: to_rgb(IMG[..., :2]), ValueError, "2 channels", "two-channels"),
    row(lambda _: to_rgb((IMG * 60000).astype(np.uint16)), ValueError, "expected 0..255",
        "uint16"),
    row(lambda _: to_rgb(np.where(IMG > 0.5, np.nan, IMG)), ValueError, "NaN", "nan"),
    row(lambda _: to_rgb(IMG[None]), ValueError, "expected [H, W], [H, W, C]", "4-d"),
    row(lambda _: to_rgb(np.zeros((1, 1, 3))), ValueError, "too small", "1-pixel"),
    row(lambda _: image(fill=(1.5, 0.5, 0.5)), ValueError,
        "neither floats in [0, 1] nor whole numbers 0..255", "fill-1.5"),
    row(lambda _: image(fill=["a", "b", "c"]), ValueError, "must be 3 numbers", "fill-str"),
    row(lambda _: image(fill=None), TypeError, "fill must be one of", "fill-none"),
    row(lambda _: image(fill=(1, 2)), ValueError, "must be 3 values", "fill-2"),
    row(lambda _: image(fill="noise"), ValueError, "unknown fill 'noise'", "fill-name"),
    row(lambda _: image(fill="blur", blur_sigma=0), ValueError, "blur_sigma must be > 0",
        "blur-0"),
    row(lambda _: image(fill="blur", blur_sigma=-3), ValueError, "blur_sigma must be > 0",
        "blur-neg"),
    row(lambda _: image(image_size=224.5), TypeError, "image_size must be 'auto', an int",
        "size-float"),
    row(lambda _: image(image_size=(32, 32.5)), ValueError, "a (height, width) pair of ints",
        "size-pair"),
    row(lambda _: image(image_size=0), ValueError, "image_size must be >= 2", "size-0"),
    row(lambda _: image(class_names="abc"), TypeError, "not a str", "names-str"),
    row(lambda _: image(class_names=["a", "b"]).space(IMG, segments=SEG), ValueError,
        "class_names has 2 names but the model returns 3 logits", "names-len"),
    row(lambda _: image(flat_linear()).space(IMG, segments=SEG), ValueError,
        "the model failed on the preprocessed image", "model-input-size"),
    row(lambda _: image(lambda x: x).space(IMG, segments=SEG), ValueError,
        "expected logits of shape", "model-3d"),
    row(lambda _: image(lambda x: mean_model(x) * np.nan).space(IMG, segments=SEG), ValueError,
        "non-finite logits", "model-nan"),
    row(lambda _: image(lambda x: mean_model(x).numpy()).space(IMG, segments=SEG), TypeError,
        "logits tensor", "model-numpy"),
    row(lambda _: image(5), TypeError, "model must be callable", "model-int"),
    row(lambda _: image(preprocess=lambda b: b.numpy()).space(IMG, segments=SEG), ValueError,
        "must return a tensor", "preprocess-numpy"),
    row(lambda _: image(preprocess=5), TypeError, "preprocess must be callable", "preprocess-int"),
    row(lambda _: image(device="gpu"), ValueError, "not a torch device", "dev-gpu"),
    row(lambda _: image(device="cuda"), ValueError, "is not available", "dev-cuda",
        marks=NO_CUDA),
    row(lambda _: image(batch_size=0), ValueError, "batch_size must be >= 1", "batch-0"),
    row(lambda _: image().space(IMG, segments=SEG[:16]), ValueError, "but the displayed image is",
        "segments-shape"),
    row(lambda _: image().space(IMG, segments=SEG.astype(float)), TypeError,
        "integer label map", "segments-float"),
    row(lambda _: image().space(IMG, segments=np.zeros((32, 32), int)), ValueError,
        "single superpixel", "segments-one"),
    row(lambda _: image(segmentation="watershed"), ValueError, "unknown segmentation",
        "segmentation-name"),
    row(lambda _: image(segmentation="slic", n_segment=10), TypeError,
        "unknown slic parameter(s) ['n_segment']", "segmentation-param"),
    row(lambda _: image(segmentation="slic", n_segments=-5).space(IMG), ValueError,
        "skimage.segmentation.slic failed with the parameters {'n_segments': -5}",
        "segmentation-value"),
    row(lambda _: image(segmentation="quickshift", kernel_size=-1).space(IMG), ValueError,
        "skimage.segmentation.quickshift failed", "quickshift-value"),
    row(lambda _: segment(IMG[..., 0]), ValueError, "needs an RGB image [H, W, 3]",
        "segment-grey"),
    row(lambda _: image().space(IMG, segments=SEG, target=5), ValueError,
        "out of range for a model with 3 outputs", "target-range"),
    row(lambda _: image().space(IMG, segments=SEG, target="cat"), ValueError,
        "not one of class_names", "target-name"),
    row(lambda _: image().space(IMG, segments=SEG, target=1.0), TypeError,
        "target must be a class index", "target-float"),
    row(lambda _: image().spaces([IMG, IMG], target=[0]), ValueError,
        "got 2 images but 1 target", "targets-len"),
    row(lambda _: image().spaces("ab"), TypeError, "got one str", "spaces-str"),
    row(lambda _: torchvision_model("resnet9000"), ValueError, "did you mean resnet50",
        "torchvision-name"),
    row(lambda _: torchvision_model("resnet18", weights="FOO"), ValueError, "has no weights 'FOO'",
        "torchvision-weights"),
]  # fmt: skip


@pytest.mark.parametrize(("call", "exc", "fragment"), IMAGE)
def test_image(call, exc, fragment, tmp_path) -> None:
    pytest.importorskip("skimage")
    pytest.importorskip("PIL")
    check(call, exc, fragment, tmp_path)


def test_image_files_are_read_upright(tmp_path) -> None:
    """A photo whose EXIF orientation says "rotated" is explained as viewers show it."""
    pil = pytest.importorskip("PIL.Image")
    path = tmp_path / "phone.jpg"
    photo = pil.fromarray(np.zeros((10, 20, 3), np.uint8))  # 20 wide, 10 high as stored
    exif = photo.getexif()
    exif[0x0112] = 6  # orientation: rotate 90 degrees to view
    photo.save(path, exif=exif)
    assert open_image(path).size == (10, 20)


# ------------------------------------------------------------------------------ visualizers


def viz_text():
    pytest.importorskip("matplotlib")
    from interactkit.visualizers import text as module

    return module


def viz_image():
    pytest.importorskip("matplotlib")
    pytest.importorskip("skimage")
    from interactkit.visualizers import image as module

    return module


@functools.cache
def text_case():
    """A 4-word text space and its explanation."""
    space = text_explainer().space("the movie is bad")
    return space, interactkit.explain(space, method="archdetect")


@functools.cache
def image_case():
    """A 4-superpixel image space and its explanation."""
    space = image().space(IMG, segments=SEG)
    return space, interactkit.explain(space, method="archdetect")


def plot_text(*args, **kwargs):
    return viz_text().plot_text(*args, **kwargs)


def plot_image(*args, **kwargs):
    return viz_image().plot_image_explanation(*args, **kwargs)


VISUALIZERS = [
    row(lambda _: plot_text(text_case()[0], exp5()), ValueError,
        "the explanation has 5 features but the text has 4", "text-lengths"),
    row(lambda _: plot_text(text_case()[0], text_case()[1], colour_by=exp5()), ValueError,
        "has 5 features but the text has 4", "text-colour-by-lengths"),
    row(lambda _: plot_text("the movie is bad", text_case()[1]), TypeError,
        "expected a TextSpace", "text-space-str"),
    row(lambda _: plot_text(text_case()[1], text_case()[0]), TypeError, "expected a TextSpace",
        "text-swapped"),
    row(lambda _: plot_text(text_case()[0], "abc"), TypeError,
        "must be a LocalExplanation or an Attribution, got str", "text-explanation-str"),
    row(lambda _: plot_text(text_case()[0], {"main_effects": [1, 2, 3, 4]}), TypeError,
        "got dict", "text-explanation-dict"),
    row(lambda _: plot_text(text_case()[0], text_case()[1], k=-1), ValueError, "k must be >= 0",
        "text-k-neg"),
    row(lambda _: plot_text(text_case()[0], text_case()[1], k="3"), TypeError, "k must be an int",
        "text-k-str"),
    row(lambda _: viz_text().plot_text_methods(text_case()[0], text_case()[1]), TypeError,
        "takes a sequence of explanations, got one LocalExplanation", "text-methods-one"),
    row(lambda _: viz_text().plot_text_methods(text_case()[0], []), ValueError,
        "needs at least one", "text-methods-none"),
    row(lambda _: viz_text().plot_text_methods(text_case()[0], [exp5()]), ValueError,
        "has 5 features but the text has 4", "text-methods-lengths"),
    row(lambda _: viz_text().to_html(text_case()[0], exp5()), ValueError,
        "has 5 features but the text has 4", "html-lengths"),
    row(lambda _: viz_text().to_html(text_case()[0], 3), TypeError, "got int", "html-explanation"),
    row(lambda _: plot_image(image_case()[0], exp5()), ValueError,
        "the explanation has 5 features but the space has 4 superpixels", "image-lengths"),
    row(lambda _: plot_image(IMG, image_case()[1]), TypeError, "expected an ImageSpace",
        "image-space-array"),
    row(lambda _: plot_image(image_case()[1], image_case()[0]), TypeError,
        "expected an ImageSpace", "image-swapped"),
    row(lambda _: plot_image(image_case()[0], "abc"), TypeError,
        "must be a LocalExplanation or an Attribution, got str", "image-explanation-str"),
    row(lambda _: plot_image(image_case()[0], image_case()[1], k=-2), ValueError,
        "k must be >= 0", "image-k-neg"),
    row(lambda _: viz_image().plot_image_methods(image_case()[0], image_case()[1]), TypeError,
        "takes a sequence of explanations, got one LocalExplanation", "image-methods-one"),
    row(lambda _: viz_image().plot_image_methods(image_case()[0], [exp5()]), ValueError,
        "has 5 features but the space has 4 superpixels", "image-methods-lengths"),
]  # fmt: skip


@pytest.mark.parametrize(("call", "exc", "fragment"), VISUALIZERS)
def test_visualizers(call, exc, fragment, tmp_path) -> None:
    check(call, exc, fragment, tmp_path)


DOLLARS = ["spend_$_usd_$", "$x$", "a$b", "$"]


def drawn(fig) -> list[str]:
    fig.canvas.draw()  # would raise on a mathtext parse error
    return [t.get_text() for t in fig.findobj(lambda a: hasattr(a, "get_text"))]


def test_dollar_signs_are_drawn_literally_in_text_plots() -> None:
    """Two ``$`` in a word are not mathtext: the words are drawn (and saved) as written."""
    import io
    import warnings

    sentence = "the spend_$_usd_$ movie $x$ is a$b bad $"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # words unknown to the tiny vocabulary
        space = text(bert(), tok(), features="whitespace").space(sentence)
    assert [w for w in DOLLARS if w not in space.words] == []
    explanation = interactkit.explain(space, method="archdetect")
    title = "cost $a$ and $b$"
    for fig in (plot_text(space, explanation, k=3, title=title),
                viz_text().plot_text_methods(space, [explanation], title=title)):  # fmt: skip
        texts = drawn(fig)
        assert "spend_$_usd_$" in texts and "$x$" in texts and title in texts
        shown = fig.findobj(lambda a: hasattr(a, "get_parse_math"))
        assert not [t.get_text() for t in shown if "$" in t.get_text() and t.get_parse_math()]
        fig.savefig(io.BytesIO(), format="png")
    legend = [t for t in drawn(plot_text(space, explanation, k=3)) if "×" in t]
    assert any("$" in t and "\\$" not in t for t in legend), legend


def test_dollar_signs_are_drawn_literally_in_image_plots() -> None:
    import io

    from interactkit.results import LocalExplanation

    names = ["spend_$_usd_$", "$x$", "a$b", "$"]
    space, explanation = image_case()
    data = explanation.to_dict()
    data["feature_names"] = names
    for item in data.get("interactions", []):
        item["names"] = [names[i] for i in item["features"]]
    data["method"] = "my$method$"
    renamed = LocalExplanation.from_dict(data)
    title = "class $cat$"
    for fig in (plot_image(space, renamed, k=3, title=title),
                viz_image().plot_image_methods(space, [renamed], title=title)):  # fmt: skip
        texts = " ".join(drawn(fig))
        assert title in texts and "my$method$" in texts
        fig.savefig(io.BytesIO(), format="png")
    assert "spend_$_usd_$" in " ".join(drawn(plot_image(space, renamed, k=4)))


# -------------------------------------------------------------------------------------- cli


def options():
    from interactkit.cli import options as opts

    return opts


def exported(tmp: Path, dynamic: bool) -> Path:
    """A tiny image classifier saved with torch.export (a fixed or a dynamic batch size)."""
    net = torch.nn.Sequential(torch.nn.Conv2d(3, 2, 8, stride=8), torch.nn.AdaptiveAvgPool2d(1),
                              torch.nn.Flatten(), torch.nn.Linear(2, 3)).eval()  # fmt: skip
    shapes = ({0: torch.export.Dim("batch")},) if dynamic else None
    example = torch.randn(2 if dynamic else 1, 3, 224, 224)
    program = torch.export.export(net, (example,), dynamic_shapes=shapes)
    path = tmp / "model.pt2"
    torch.export.save(program, str(path))
    return path


def image_job(**kwargs):
    from interactkit.cli import explain_image

    return explain_image.run(argparse.Namespace(**{"image": "skimage:coffee", **kwargs}))


def image_model(spec):
    from interactkit.cli import explain_image

    return explain_image.load_model(str(spec))


def text_job(**kwargs):
    from interactkit.cli import explain_text

    return explain_text.run(argparse.Namespace(**{"sentence": "not bad", **kwargs}))


def quickstart_job(**kwargs):
    from interactkit.cli import quickstart

    return quickstart.run(argparse.Namespace(**{"seed": 0, "n_samples": 20, **kwargs}))


TypeErr = argparse.ArgumentTypeError

CLI = [
    row(lambda _: options().positive_int("-3"), TypeErr, "must be an integer >= 1, got '-3'",
        "positive-neg"),
    row(lambda _: options().positive_int("0"), TypeErr, "must be an integer >= 1", "positive-0"),
    row(lambda _: options().positive_int("2.5"), TypeErr, "must be an integer, got '2.5'",
        "positive-float"),
    row(lambda _: options().positive_int("ten"), TypeErr, "must be an integer", "positive-word"),
    row(lambda _: options().nonnegative_int("-1"), TypeErr, "must be an integer >= 0",
        "nonnegative"),
    row(lambda _: options().int_at_least(20)("19"), TypeErr, ">= 20", "at-least"),
    row(lambda _: options().int_in(1, 5)("6"), TypeErr, "must be an integer in 1..5", "int-in"),
    row(lambda _: options().seed("-1"), TypeErr, "must be a seed >= 0", "seed"),
    row(lambda _: options().fraction("1"), TypeErr, "a number in (0, 1)", "fraction-1"),
    row(lambda _: options().fraction("nan"), TypeErr, "a number in (0, 1)", "fraction-nan"),
    row(lambda _: options().positive_float("0"), TypeErr, "a number > 0", "positive-float-0"),
    row(lambda t: options().output_dir(file_in(t)), TypeErr, "is a file, not a directory",
        "out-file"),
    row(lambda t: options().output_dir(file_in(t) / "sub"), TypeErr, "is a file, not a directory",
        "out-under-file"),
    row(lambda _: options().output_dir(""), TypeErr, "empty string", "out-empty"),
    row(lambda t: options().prepare_output_dir(file_in(t)), ValueError, "--out: ",
        "prepare-out-file"),
    row(lambda t: options().input_file(t / "missing.tsv"), TypeErr, "no such file",
        "input-missing"),
    row(lambda t: options().input_file(t), TypeErr, "is a directory", "input-dir"),
    row(lambda _: options().device("gpu"), TypeErr, "'gpu' is not a torch device", "device-gpu"),
    row(lambda _: options().device("cuda"), TypeErr, "use --device cpu", "device-cuda",
        marks=NO_CUDA),
    row(lambda _: options().check_namespace(argparse.Namespace(top=0),
                                            {"top": options().positive_int}),
        ValueError, "argument --top: must be an integer >= 1", "namespace"),
    row(lambda t: quickstart_job(n_samples=0, out=t), ValueError,
        "argument --n-samples: must be an integer >= 20", "quickstart-samples"),
    row(lambda t: quickstart_job(out=file_in(t)), ValueError, "is a file", "quickstart-out"),
    row(lambda t: image_job(method="archdetect", n_samples=100, out=t), ValueError,
        "--n-samples applies to --method madex only", "image-samples-archdetect"),
    row(lambda t: image_job(image=str(file_in(t, "x.jpg", os.urandom(200))), out=t / "o"),
        ValueError, "not an image file Pillow can read", "image-unreadable"),
    row(lambda t: image_job(image=str(t / "none.png"), out=t / "o"), FileNotFoundError,
        "skimage:chelsea", "image-missing"),
    row(lambda t: image_job(top=0, out=t), ValueError, "argument --top", "image-top"),
    row(lambda t: image_job(target=-1, out=t), ValueError, "argument --target", "image-target"),
    row(lambda t: image_model(file_in(t, "m.pt2", os.urandom(300))), ValueError,
        "cannot load it as a torch.export program", "model-damaged-pt2"),
    row(lambda t: image_model(file_in(t, "m.pt", os.urandom(300))), ValueError,
        "cannot load it as a TorchScript model", "model-damaged-pt"),
    row(lambda t: (torch.save({"w": torch.ones(2)}, t / "sd.pt"), image_model(t / "sd.pt")),
        ValueError, "a state_dict or a pickled model cannot be loaded", "model-state-dict"),
    row(lambda t: image_model(exported(t, dynamic=False)), ValueError,
        "export with a dynamic batch dimension", "model-fixed-batch"),
    row(lambda t: image_model(t), ValueError, "is a directory", "model-dir"),
    row(lambda _: image_model("resnet-9000"), ValueError, "neither a known model", "model-name"),
    row(lambda _: text_job(model=None, train_file=None), ValueError, "--model", "text-no-model"),
    row(lambda _: text_job(model="x", method="archdetect", n_samples=100), ValueError,
        "--n-samples applies to --method madex only", "text-samples-archdetect"),
    row(lambda _: text_job(model="x", max_train_sentences=5), ValueError,
        "argument --max-train-sentences", "text-train-sentences"),
]  # fmt: skip


@pytest.mark.parametrize(("call", "exc", "fragment"), CLI)
def test_cli(call, exc, fragment, tmp_path) -> None:
    check(call, exc, fragment, tmp_path)


def test_cli_model_file_class_names_follow_its_outputs(tmp_path) -> None:
    """A 3-class model file gets no ImageNet names (they would label its classes wrongly)."""
    model, _, names = image_model(exported(tmp_path, dynamic=True))
    assert names is None and model(torch.zeros(5, 3, 224, 224)).shape == (5, 3)

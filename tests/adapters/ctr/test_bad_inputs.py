"""Bad inputs: CTR rows, schemas, CSV files, dataset specs. Each must fail with a specific, helpful
error (the table format: :mod:`tests.fixtures.bad_inputs`).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from tests.fixtures.bad_inputs import check, file_in, row


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
    row(lambda _: ctr_explainer(off={"sight": 0}), ValueError,
        "baseline names unknown fields ['sight']", "baseline-unknown-field"),
    row(lambda _: ctr_explainer(off=[0, 0]), ValueError, "expected 3 values per row",
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

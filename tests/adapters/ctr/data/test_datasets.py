"""Loaders, encoder and spec strings of CTR data (real samples from ../shared/data)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from interactkit.adapters.ctr import (
    MISSING_ID,
    RARE_ID,
    CTREncoder,
    DataFormatError,
    Field,
    Schema,
    split_indices,
)
from interactkit.adapters.ctr.data.encoding import parse_binary_labels
from interactkit.adapters.ctr.data.loaders import (
    AVAZU_COLUMNS,
    CRITEO_CATEGORICAL,
    CRITEO_INTEGER,
    FRAPPE_FIELDS,
    criteo_int_tokens,
    load_avazu,
    load_criteo,
    load_csv,
    load_dataset,
    load_frappe,
)
from tests.fixtures.data import SHARED_DATA

DATA = SHARED_DATA
CRITEO = DATA / "criteo_sample"
AVAZU = DATA / "avazu_sample"
FRAPPE = DATA / "frappe"

needs_data = pytest.mark.skipif(not CRITEO.exists(), reason="shared data folder not available")


def _check_encoded(data) -> None:
    """Every split is encoded consistently with the schema."""
    for split in (data.train, data.val, data.test):
        assert list(split.frame.columns) == data.schema.names
        data.schema.check_frame(split.frame)
        assert set(np.unique(split.labels)) == {0, 1}
    for f in data.schema.categorical:
        assert data.train.frame[f.name].dtype == np.int64
        assert f.vocab[:2] == ("<missing>", "<rare>")


# ----------------------------------------------------------------------------- encoder
def test_encoder_rare_missing_unknown_fitted_on_train_only() -> None:
    train = pd.DataFrame(
        {
            "c": ["a", "a", "a", "b", "b", "b", "z", None],
            "d": [1.0, 2.0, np.nan, 3.0, 4.0, 5.0, 6.0, 7.0],
        }
    )
    enc = CTREncoder(["c"], ["d"], min_count=2)
    enc.fit(train, label="y")
    schema = enc.schema
    c = schema["c"]
    assert c.vocab == ("<missing>", "<rare>", "a", "b")  # most frequent first, ties by token
    assert schema.label == "y"
    test = pd.DataFrame({"c": ["b", "z", "never", None, "a"], "d": [np.nan, 1.0, 2.0, 3.0, 4.0]})
    out = enc.transform(test)
    assert out["c"].tolist() == [3, RARE_ID, MISSING_ID, MISSING_ID, 2]
    d = schema["d"]
    mean = np.nanmean(train["d"].to_numpy())
    assert d.mean == pytest.approx(mean)
    # missing dense -> training mean -> encodes as the off value 0
    assert out["d"].iloc[0] == pytest.approx(0.0)
    assert d.off_value == pytest.approx(0.0)
    assert d.decode(out["d"].iloc[1]) == "1"
    assert c.decode(3) == "b"
    # the encoder did not refit on the test data
    assert enc.schema["c"].vocab_size == 4


def test_encoder_numeric_tokens_ignore_float_vs_int() -> None:
    train = pd.DataFrame({"c": [1.0, 1.0, 2.0, np.nan]})  # float because of the gap
    enc = CTREncoder(["c"], min_count=1).fit(train)
    out = enc.transform(pd.DataFrame({"c": [1, 2, 3]}))  # ints
    assert out["c"].tolist() == [2, 3, MISSING_ID]


def test_encoder_dense_non_numeric_is_an_error() -> None:
    enc = CTREncoder([], ["d"])
    with pytest.raises(DataFormatError, match="non-numeric"):
        enc.fit(pd.DataFrame({"d": ["1", "x"]}))


def test_schema_check_frame_errors() -> None:
    schema = Schema([Field("a", vocab_size=3), Field("b", "dense")], label="y")
    schema.check_frame(pd.DataFrame({"a": [0, 2], "b": [0.1, 0.2]}))
    with pytest.raises(DataFormatError, match="outside its vocabulary"):
        schema.check_frame(pd.DataFrame({"a": [0, 3], "b": [0.1, 0.2]}))
    with pytest.raises(DataFormatError, match="NaN"):
        schema.check_frame(pd.DataFrame({"a": [0, np.nan], "b": [0.1, 0.2]}))
    with pytest.raises(DataFormatError, match="lacks fields"):
        schema.check_frame(pd.DataFrame({"a": [0, 1]}))
    with pytest.raises(ValueError, match="duplicate"):
        Schema([Field("a", vocab_size=2), Field("a", vocab_size=2)])


def test_labels_and_split() -> None:
    assert parse_binary_labels(pd.Series(["0", "1", "1.0"]), "x").tolist() == [0, 1, 1]
    assert parse_binary_labels(pd.Series([True, False]), "x").tolist() == [1, 0]
    with pytest.raises(DataFormatError, match="binary"):
        parse_binary_labels(pd.Series([0, 1, 2]), "x")
    with pytest.raises(DataFormatError, match="both"):
        parse_binary_labels(pd.Series([1, 1, 1]), "x")
    labels = np.array([0] * 80 + [1] * 20)
    parts = split_indices(labels, (0.8, 0.1, 0.1), seed=3)
    assert sorted(np.concatenate(parts).tolist()) == list(range(100))
    assert [len(p) for p in parts] == [80, 10, 10]
    assert [int(labels[p].sum()) for p in parts] == [16, 2, 2]  # stratified
    again = split_indices(labels, (0.8, 0.1, 0.1), seed=3)
    assert all((a == b).all() for a, b in zip(parts, again, strict=True))
    other = split_indices(labels, (0.8, 0.1, 0.1), seed=4)
    assert not (parts[0] == other[0]).all()
    ordered = split_indices(labels, (0.8, 0.1, 0.1), ordered=True)
    assert ordered[1].tolist() == list(range(80, 90))


def test_criteo_integer_transform() -> None:
    raw = pd.Series(["-1", "0", "2", "3", "4", "5", "100", None, "260.0"], name="I1")
    tokens = criteo_int_tokens(raw).tolist()
    # x <= 2 keep their value; x > 2 -> floor(ln(x)^2) bucket, named by its integer range
    assert tokens[:3] == ["-1", "0", "2"]
    assert tokens[3] == tokens[4] == "3-4"  # floor(ln 3^2) = floor(ln 4^2) = 1
    assert tokens[5] == "5"  # bucket 2 holds only x = 5
    assert int(np.floor(np.log(100) ** 2)) == 21
    lo, hi = (int(v) for v in tokens[6].split("-"))
    assert lo <= 100 <= hi
    assert all(int(np.floor(np.log(x) ** 2)) == 21 for x in (lo, hi))
    assert int(np.floor(np.log(lo - 1) ** 2)) == 20 and int(np.floor(np.log(hi + 1) ** 2)) == 22
    assert tokens[7] is None
    assert tokens[8] == criteo_int_tokens(pd.Series(["260"], name="I1")).iloc[0]


# ----------------------------------------------------------------------------- real files
@needs_data
def test_criteo_folder_uses_its_own_splits() -> None:
    data = load_criteo(CRITEO)
    assert (len(data.train), len(data.val), len(data.test)) == (7200, 409, 391)
    assert data.schema.names == CRITEO_INTEGER + CRITEO_CATEGORICAL
    assert data.label == "label"
    assert data.train.ctr == pytest.approx(0.215, abs=0.001)
    _check_encoded(data)
    # rare threshold: every frequent id was seen >= 10 times in train
    counts = data.train.frame["C3"].value_counts()
    assert (counts.drop([MISSING_ID, RARE_ID], errors="ignore") >= 10).all()
    assert (data.train.frame["C3"] == RARE_ID).any()
    # new raw rows: unseen/missing -> 0, integer fields through the log transform
    raw = pd.DataFrame([{n: None for n in data.schema.names}] * 2)
    raw.loc[0, "C3"] = "unseen00"
    raw.loc[0, "I1"] = "7"
    raw.loc[1, "I1"] = "100000"  # a bucket never seen for I1 in training
    enc = data.encode(raw)
    assert enc.loc[0, "C3"] == MISSING_ID and enc.loc[1, "C3"] == MISSING_ID
    assert data.schema["I1"].decode(enc.loc[0, "I1"]) == "6-7"
    assert enc.loc[1, "I1"] == MISSING_ID
    # decoding gives back a raw hashed value
    frequent = int(data.train.frame["C1"].mode()[0])
    assert len(data.schema["C1"].decode(frequent)) == 8


@needs_data
def test_criteo_csv_with_header_random_split_and_dense_option() -> None:
    path = CRITEO / "deepctr_criteo_sample.csv"
    data = load_criteo(path, min_count=2, seed=1)
    assert len(data.train) + len(data.val) + len(data.test) == 200
    assert (len(data.train), len(data.val), len(data.test)) == (160, 20, 20)
    _check_encoded(data)
    again = load_criteo(path, min_count=2, seed=1)
    pd.testing.assert_frame_equal(data.test.frame, again.test.frame)
    dense = load_criteo(path, int_fields="dense", seed=1)
    assert [f.name for f in dense.schema.dense] == CRITEO_INTEGER
    assert np.isfinite(dense.train.frame[CRITEO_INTEGER].to_numpy()).all()
    assert abs(dense.train.frame["I5"].mean()) < 1e-9  # standardized on train


@needs_data
def test_avazu_folder_headerless_dev_and_time_fields() -> None:
    data = load_avazu(AVAZU)
    assert (len(data.train), len(data.val), len(data.test)) == (8087, 480, 432)
    assert data.label == "click"
    names = data.schema.names
    assert "id" not in names and "click" not in names
    assert names[:2] == ["hour", "weekday"] and len(names) == 23
    assert data.schema["hour"].vocab[2:] == ("0",)  # 14102100 -> hour 0
    assert data.schema["weekday"].vocab[2:] == ("Tue",)  # 2014-10-21 was a Tuesday
    _check_encoded(data)
    # new raw rows are encoded from the file's own format (hour split, id/click dropped)
    raw = pd.read_csv(AVAZU / "wide_resdnn_test.csv", header=None, dtype=str, nrows=5)
    raw.columns = AVAZU_COLUMNS
    pd.testing.assert_frame_equal(data.encode(raw), data.test.frame.head(5))
    # a header-less file alone loads too (80/10/10 split)
    dev = load_avazu(AVAZU / "wide_resdnn_dev.csv")
    assert len(dev.train) + len(dev.val) + len(dev.test) == 480


@needs_data
def test_frappe_folder_and_file() -> None:
    data = load_frappe(FRAPPE)
    assert len(data.test) == 28860
    assert len(data.train) + len(data.val) == 57722
    assert len(data.val) == pytest.approx(5772, abs=2)
    assert data.schema.names == list(FRAPPE_FIELDS)
    _check_encoded(data)
    # field values are offsets inside the id ranges
    item = data.schema["item"]
    lo, hi = FRAPPE_FIELDS["item"]
    assert all(0 <= int(v) <= hi - lo for v in item.vocab[2:])
    small = load_frappe(FRAPPE / "frappe.test.libfm", nrows=600)
    assert len(small.train) + len(small.val) + len(small.test) == 600
    assert small.schema["isweekend"].vocab_size <= 4


@needs_data
def test_load_dataset_specs() -> None:
    data = load_dataset(f"criteo:{CRITEO / 'deepctr_criteo_sample.csv'}", seed=0, min_count=3)
    assert data.n_fields == 39
    data = load_dataset(f"avazu:{AVAZU / 'deepctr_avazu_sample.csv'}")
    assert data.label == "click"
    data = load_dataset(f"frappe:{FRAPPE / 'frappe.test.libfm'}", nrows=300)
    assert data.n_fields == 10
    synth = load_dataset("synthetic:2000", seed=1)
    assert len(synth.train) + len(synth.val) + len(synth.test) == 2000
    assert synth.meta["planted"]
    with pytest.raises(ValueError, match="KIND:PATH"):
        load_dataset("criteo_sample")
    with pytest.raises(ValueError, match="unknown dataset kind"):
        load_dataset("parquet:x.parquet")
    with pytest.raises(ValueError, match="fixed label"):
        load_dataset(f"avazu:{AVAZU}", label="y")
    with pytest.raises(FileNotFoundError):
        load_dataset("criteo:/nonexistent/file.tsv")


# ----------------------------------------------------------------------------- generic CSV
def _write(path: Path, text: str) -> Path:
    path.write_text(text)
    return path


def _fake_csv(path: Path, n: int = 60, label: str = "clicked") -> Path:
    rng = np.random.default_rng(0)
    frame = pd.DataFrame(
        {
            label: (rng.random(n) < 0.3).astype(int),
            "site": rng.choice(["s1", "s2", "s3"], size=n),
            "price": rng.normal(size=n).round(3),
            "slot": rng.integers(0, 3, size=n),
        }
    )
    frame.loc[3, "price"] = np.nan
    frame.loc[4, "site"] = None
    frame.to_csv(path, index=False)
    return path


def test_csv_loader_kinds_and_overrides(tmp_path: Path) -> None:
    path = _fake_csv(tmp_path / "ads.csv")
    data = load_csv(path, label="clicked", min_count=1)
    kinds = {f.name: f.kind for f in data.schema}
    assert kinds == {"site": "categorical", "price": "dense", "slot": "dense"}
    _check_encoded(data)
    data = load_csv(path, label="clicked", categorical=["slot"], drop=["price"])
    assert {f.name: f.kind for f in data.schema} == {"site": "categorical", "slot": "categorical"}
    data = load_dataset(f"csv:{path}", label="clicked", seed=2)
    assert data.label == "clicked"


def test_bad_files_raise_specific_errors(tmp_path: Path) -> None:
    empty = _write(tmp_path / "empty.csv", "")
    with pytest.raises(DataFormatError, match="empty"):
        load_csv(empty, label="y")
    with pytest.raises(DataFormatError, match="empty"):
        load_criteo(_write(tmp_path / "empty.tsv", ""))
    header_only = _write(tmp_path / "h.csv", "y,a\n")
    with pytest.raises(DataFormatError, match="no data rows"):
        load_csv(header_only, label="y")
    path = _fake_csv(tmp_path / "ads.csv")
    with pytest.raises(DataFormatError, match="no label column 'label'"):
        load_csv(path)
    one_class = _write(tmp_path / "one.csv", "y,a\n" + "1,x\n" * 20)
    with pytest.raises(DataFormatError, match="all 20 labels are 1"):
        load_csv(one_class, label="y")
    non_binary = _write(tmp_path / "nb.csv", "y,a\n" + "".join(f"{i % 3},x\n" for i in range(20)))
    with pytest.raises(DataFormatError, match="binary"):
        load_csv(non_binary, label="y")
    # a Criteo TSV must have 40 columns
    short = _write(tmp_path / "short.tsv", "".join("0\t1\t2\ta\n" for _ in range(10)))
    with pytest.raises(DataFormatError, match="40"):
        load_criteo(short)
    # an Avazu file without header must have the 24 Kaggle columns
    bad_avazu = _write(tmp_path / "av.csv", "".join("1,0,14102100,x\n" for _ in range(10)))
    with pytest.raises(DataFormatError, match="24"):
        load_avazu(bad_avazu)
    # a libFM file must have 10 pairs, and ids inside Frappe's ranges
    bad_fm = _write(tmp_path / "f.libfm", "1 3:1 960:1\n-1 4:1 961:1\n")
    with pytest.raises(DataFormatError, match="10 'id:value' pairs"):
        load_frappe(bad_fm)
    line = "1 " + " ".join(f"{lo}:1" for lo, _ in FRAPPE_FIELDS.values()) + "\n"
    dup_field = line.replace("957:1", "958:1").replace("0:1", "957:1", 1)
    with pytest.raises(DataFormatError, match="one id per Frappe field"):
        negative = line.replace("1 ", "-1 ", 1)
        load_frappe(_write(tmp_path / "g.libfm", line * 5 + negative * 5 + dup_field))
    # ragged rows
    ragged = _write(tmp_path / "r.csv", "y,a\n1,x\n0,y,z,w\n")
    with pytest.raises(DataFormatError, match="malformed"):
        load_csv(ragged, label="y")

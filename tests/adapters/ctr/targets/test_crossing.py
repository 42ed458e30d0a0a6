"""Feature crossing (interactkit.adapters.ctr.targets.crossing): thresholds, unseen tuples, missing
parts, bins."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from interactkit.adapters.ctr import DataFormatError, Field, Schema
from interactkit.adapters.ctr.targets.crossing import (
    FeatureCrosser,
    augment_with_crosses,
    cross_name,
    default_min_count,
    normalize_interactions,
)
from tests.fixtures.ctr import clicks_3000

SCHEMA = Schema(
    [
        Field("a", vocab_size=4, vocab=("<missing>", "<rare>", "x", "y")),
        Field("b", vocab_size=3, vocab=("<missing>", "<rare>", "u")),
        Field("c", vocab_size=5),
        Field("d", "dense"),
    ],
    label="click",
)


def _train() -> pd.DataFrame:
    # (a, b) tuples: (2,2) x5, (3,2) x3, (2,1) x2, (0,2) x4 (missing part), (3,1) x1
    rows = [(2, 2)] * 5 + [(3, 2)] * 3 + [(2, 1)] * 2 + [(0, 2)] * 4 + [(3, 1)]
    a, b = zip(*rows, strict=True)
    n = len(rows)
    return pd.DataFrame(
        {"a": a, "b": b, "c": np.arange(n) % 5, "d": np.linspace(0.0, 1.0, n)}
    ).astype({"a": np.int64, "b": np.int64, "c": np.int64})


def test_threshold_counts_more_than_min_count() -> None:
    crosser = FeatureCrosser([("a", "b")], SCHEMA, min_count=2).fit(_train())
    spec = crosser.specs[0]
    # kept: seen > 2 times and no missing part -> (2,2) [5], (3,2) [3]; most frequent first
    assert spec.tuples.tolist() == [[2, 2], [3, 2]]
    assert spec.counts.tolist() == [5, 3]
    field = crosser.fields[0]
    assert field.name == cross_name(("a", "b")) == "a&b"
    assert field.vocab_size == 3
    assert field.vocab == ("<missing>", "a=x & b=u", "a=y & b=u")
    out = crosser.transform(_train())
    assert out.dtypes["a&b"] == np.int64
    expected = [1] * 5 + [2] * 3 + [0] * 2 + [0] * 4 + [0]
    assert out["a&b"].tolist() == expected
    looser = FeatureCrosser([("a", "b")], SCHEMA, min_count=1).fit(_train())
    assert looser.specs[0].tuples.tolist() == [[2, 2], [3, 2], [2, 1]]  # (2,1) seen twice


def test_unseen_and_missing_parts_get_id_zero() -> None:
    crosser = FeatureCrosser([("b", "a")], SCHEMA, min_count=0).fit(_train())
    assert crosser.interactions == [("a", "b")]  # normalized to schema order
    new = pd.DataFrame({"a": [2, 3, 3, 0, 2], "b": [2, 1, 0, 2, 1], "c": 0, "d": 0.0})
    ids = crosser.transform(new)["a&b"].tolist()
    vocab = crosser.fields[0].vocab
    assert vocab[ids[0]] == "a=x & b=u"
    assert vocab[ids[1]] == "a=y & b=<rare>"  # seen once, kept with min_count=0
    assert ids[2] == 0  # b missing
    assert ids[3] == 0  # a missing (never kept even though (0,2) was frequent)
    assert vocab[ids[4]] == "a=x & b=<rare>"
    unseen = pd.DataFrame({"a": [3], "b": [2], "c": [4], "d": [0.0]})
    three = FeatureCrosser([("a", "b", "c")], SCHEMA, min_count=0).fit(_train())
    assert three.transform(unseen).iloc[0, 0] == 0  # (3, 2, 4) never seen in training


def test_dense_fields_are_bucketized_on_train_quantiles() -> None:
    rng = np.random.default_rng(0)
    n = 5000
    train = pd.DataFrame({"a": rng.integers(2, 4, n), "b": 2, "c": 0, "d": rng.normal(size=n)})
    crosser = FeatureCrosser([("a", "d")], SCHEMA, min_count=5, n_bins=10).fit(train)
    spec = crosser.specs[0]
    edges = spec.edges[1]
    assert edges is not None and len(edges) == 9
    np.testing.assert_allclose(edges, np.quantile(train["d"], np.linspace(0, 1, 11)[1:-1]))
    assert spec.edges[0] is None
    assert crosser.fields[0].vocab_size == 2 * 10 + 1  # every (a, bin) cell is frequent
    # values beyond the training range fall into the outer bins
    test = pd.DataFrame({"a": [2, 2, 2], "b": 2, "c": 0, "d": [-100.0, edges[4], 100.0]})
    ids = crosser.transform(test)["a&d"].to_numpy()
    assert (ids > 0).all() and len(set(ids)) == 3
    assert "d in (-inf" in crosser.fields[0].vocab[ids[0]]
    nan_row = pd.DataFrame({"a": [2], "b": 2, "c": 0, "d": [np.nan]})
    assert crosser.transform(nan_row).iloc[0, 0] == 0  # a NaN dense part is missing


def test_transform_is_consistent_and_fit_on_train_only() -> None:
    data, planted = clicks_3000()
    augmented, crosser = augment_with_crosses(data, planted)
    n_base = len(data.schema)
    assert augmented.schema.names[:n_base] == data.schema.names
    assert augmented.schema.names[n_base:] == [cross_name(f) for f in crosser.interactions]
    assert crosser.min_count_used == default_min_count(len(data.train)) == 2
    for split, orig in ((augmented.train, data.train), (augmented.test, data.test)):
        augmented.schema.check_frame(split.frame)
        pd.testing.assert_frame_equal(split.frame.iloc[:, :n_base], orig.frame)
        assert (split.labels == orig.labels).all()
    # the same rows give the same ids, whichever frame they come in
    again = crosser.transform(data.test.frame.iloc[::-1].reset_index(drop=True))
    np.testing.assert_array_equal(
        again.to_numpy()[::-1], augmented.test.frame.iloc[:, n_base:].to_numpy()
    )
    # refitting on other data changes the vocabulary: the test split did not leak into fit
    refit = FeatureCrosser(planted, data.schema).fit(data.test.frame)
    assert [f.vocab_size for f in refit.fields] != [f.vocab_size for f in crosser.fields]
    # every kept tuple was seen more than min_count times in train
    col = augmented.train.frame[crosser.fields[0].name]
    counts = col[col > 0].value_counts()
    assert (counts > crosser.min_count_used).all()
    assert crosser.feature_specs(8)[0] == {
        "name": crosser.fields[0].name,
        "vocabulary_size": crosser.fields[0].vocab_size,
        "embedding_dim": 8,
    }


def test_default_min_count_scales_with_data() -> None:
    assert default_min_count(1_000_000) == 100
    assert default_min_count(45_000_000) == 4500
    assert default_min_count(5_000) == 2
    assert default_min_count(200_000) == 20


def test_interaction_errors() -> None:
    with pytest.raises(ValueError, match="empty"):
        normalize_interactions([()], SCHEMA)
    with pytest.raises(ValueError, match="one field"):
        normalize_interactions([("a",)], SCHEMA)
    with pytest.raises(ValueError, match="unknown field 'zz'"):
        normalize_interactions([("a", "zz")], SCHEMA)
    with pytest.raises(ValueError, match="repeats"):
        normalize_interactions([("a", "a")], SCHEMA)
    with pytest.raises(ValueError, match="twice"):
        normalize_interactions([("a", "b"), ("b", "a")], SCHEMA)
    with pytest.raises(TypeError, match="string"):
        normalize_interactions(["ab"], SCHEMA)
    assert normalize_interactions([(3, 0)], SCHEMA) == [("a", "d")]

    class Found:  # an interactkit.Interaction-like object
        names = ("c", "b")

    assert normalize_interactions([Found()], SCHEMA) == [("b", "c")]
    crosser = FeatureCrosser([("a", "b")], SCHEMA)
    with pytest.raises(RuntimeError, match="fit"):
        crosser.transform(_train())
    with pytest.raises(DataFormatError, match="lacks the crossed fields"):
        crosser.fit(_train().drop(columns="b"))
    bad = _train()
    bad["a"] = bad["a"].astype(float)
    bad.loc[0, "a"] = np.nan
    with pytest.raises(DataFormatError, match="NaN"):
        crosser.fit(bad)

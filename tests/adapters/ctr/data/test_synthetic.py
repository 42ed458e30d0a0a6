"""Synthetic ad clicks with planted interactions (interactkit.adapters.ctr.data.synthetic)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from interactkit.adapters.ctr import PLANTED, make_ad_clicks
from tests.fixtures.ctr import clicks_6000


@pytest.fixture
def ads():
    return clicks_6000()


def test_shape_schema_and_ctr(ads) -> None:
    data, planted = ads
    assert len(data.train) + len(data.val) + len(data.test) == 6000
    assert 12 <= len(data.schema.categorical) <= 16 and len(data.schema.dense) == 2
    assert data.label == "click"
    for split in (data.train, data.val, data.test):
        assert 0.10 <= split.ctr <= 0.25
        data.schema.check_frame(split.frame)
    assert planted == [tuple(p) for p in PLANTED]
    assert data.meta["planted"] == planted
    assert {len(p) for p in planted} == {2, 3}
    names = set(data.schema.names)
    assert all(set(p) <= names for p in planted)


def test_deterministic_for_a_seed() -> None:
    a, pa = make_ad_clicks(n_rows=1500, seed=7)
    b, pb = make_ad_clicks(n_rows=1500, seed=7)
    c, _ = make_ad_clicks(n_rows=1500, seed=8)
    pd.testing.assert_frame_equal(a.train.frame, b.train.frame)
    assert (a.test.labels == b.test.labels).all() and pa == pb
    assert not a.train.frame.equals(c.train.frame)


def test_frequencies_are_skewed(ads) -> None:
    data, _ = ads
    raw = data.meta["raw"]["train"]
    counts = raw["site_id"].value_counts().to_numpy()
    assert counts[0] > 10 * np.median(counts)  # a Zipf-like head
    assert raw["age_bucket"].isna().any()  # some fields have missing values
    assert (data.train.frame["age_bucket"] == 0).any()


def _pure_interaction(frame: pd.DataFrame, logit: np.ndarray, fields: tuple[str, ...]) -> float:
    """Variance of the logit explained by the cell means of ``fields`` beyond their additive
    fit (a two-way ANOVA-style residual), estimated on rows without missing parts."""
    keep = (frame[list(fields)] != 0).all(axis=1).to_numpy()
    f = frame.loc[keep, list(fields)].reset_index(drop=True)
    y = logit[keep]
    cell = pd.Series(y).groupby([f[c] for c in fields]).transform("mean").to_numpy()
    additive = np.full_like(y, y.mean())
    for name in fields:
        additive += pd.Series(y).groupby(f[name].to_numpy()).transform("mean").to_numpy() - y.mean()
    return float(np.var(cell - additive))


def test_planted_interactions_are_in_the_true_logit() -> None:
    data, planted = make_ad_clicks(n_rows=20000, seed=1)
    frame = data.train.frame
    logit = data.meta["true_logit"]["train"]
    strengths = {p: _pure_interaction(frame, logit, p) for p in planted}
    # unrelated sets carry (almost) no non-additive signal: only cell-mean noise
    control = {
        2: _pure_interaction(frame, logit, ("gender", "weekday")),
        3: _pure_interaction(frame, logit, ("gender", "connection", "weekday")),
    }
    assert all(s > 5 * control[len(p)] for p, s in strengths.items()), (strengths, control)
    flat, none = make_ad_clicks(n_rows=20000, seed=1, strength=0.0)
    assert none == []
    assert (
        _pure_interaction(
            flat.train.frame, flat.meta["true_logit"]["train"], ("device_type", "hour_bucket")
        )
        < control[2] * 3
    )


def test_bad_arguments() -> None:
    with pytest.raises(ValueError, match="at least 100"):
        make_ad_clicks(n_rows=10)
    with pytest.raises(ValueError, match="ctr"):
        make_ad_clicks(n_rows=1000, ctr=1.5)


def test_extra_fields_widen_the_rows_and_keep_the_rest() -> None:
    narrow, planted = make_ad_clicks(n_rows=1000, seed=3)
    wide, planted_wide = make_ad_clicks(n_rows=1000, seed=3, extra_fields=22)
    assert len(wide.schema) == 39 and planted_wide == planted
    extra = [n for n in wide.schema.names if n.startswith("extra_")]
    assert extra == [f"extra_{k:02d}" for k in range(1, 23)]

    def whole(d):  # the split follows the clicks, so compare all raw rows
        return pd.concat([d.meta["raw"][part] for part in ("train", "val", "test")])

    for name in narrow.schema.names:  # the 17 fields draw the same values
        counts = whole(wide)[name].value_counts().sort_index()
        assert counts.equals(whole(narrow)[name].value_counts().sort_index())
    assert wide.train.frame[extra].nunique().between(2, 20).all()
    with pytest.raises(ValueError, match="extra_fields"):
        make_ad_clicks(n_rows=1000, extra_fields=-1)

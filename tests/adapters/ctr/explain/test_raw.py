"""Models of the user's raw rows (interactkit.adapters.ctr.explain.raw): masks -> raw rows,
baselines, output kinds, errors; and the planted interactions recovered through the raw path from a
scikit-learn HistGradientBoosting pipeline and a DeepCTR-Torch model behind the test's own
encoders."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
import torch

import interactkit
from interactkit.adapters.ctr import (
    DataFormatError,
    ModelOutputError,
    RawExplainer,
    RawSpace,
    frame_data,
    ground_truth_report,
    make_ad_clicks,
)
from tests.fixtures.ctr import hgb_pipeline

REF = pd.DataFrame(
    {
        "device": pd.Series(["phone", "phone", "desktop", "tablet", "phone", "desktop"]),
        "site": pd.Series(["a", "b", "c", "a", "a", "b"], dtype="category"),
        "hour": np.array([1, 2, 3, 4, 5, 6], dtype=np.int64),
        "bid": np.array([0.5, 1.5, 1.0, 2.0, np.nan, 1.0]),
    }
)
ROW = pd.DataFrame({"device": ["tablet"], "site": ["c"], "hour": [9], "bid": [3.0]}).astype(
    {"site": REF["site"].dtype}
)


def true_logit(frame: pd.DataFrame) -> np.ndarray:
    """A logit with one interaction (device x site) and NaN-tolerant main effects."""
    device = frame["device"].astype(object).to_numpy()
    site = frame["site"].astype(object).to_numpy()
    hour = pd.to_numeric(frame["hour"]).fillna(0).to_numpy(dtype=float)
    bid = pd.to_numeric(frame["bid"]).fillna(1.0).to_numpy(dtype=float)
    return 2.0 * ((device == "tablet") & (site == "c")) + 0.1 * hour - 0.5 * bid


class Recorder:
    """A probability model on DataFrames that records the frames it is given."""

    def __init__(self) -> None:
        self.frames: list[pd.DataFrame] = []

    def __call__(self, frame: pd.DataFrame) -> np.ndarray:
        assert isinstance(frame, pd.DataFrame)
        self.frames.append(frame)
        return 1.0 / (1.0 + np.exp(-true_logit(frame)))


def test_masks_become_raw_rows_with_the_baseline_values() -> None:
    model = Recorder()
    explainer = RawExplainer(model, REF, off="mode", output="probability")
    space = explainer.space(ROW)
    assert isinstance(space, RawSpace) and space.feature_names == ["device", "site", "hour", "bid"]
    masks = torch.tensor([[1, 1, 1, 1], [0, 0, 0, 0], [1, 0, 1, 0]], dtype=torch.bool)
    rows = space.rows(masks)
    assert list(rows.columns) == list(REF.columns)
    assert rows["site"].dtype == REF["site"].dtype  # dtypes are kept (a category stays one)
    assert rows.iloc[0].tolist() == ["tablet", "c", 9, 3.0]
    # off: the mode of text, category and integer columns, the mean of float columns
    assert rows.iloc[1].tolist() == ["phone", "a", 1, pytest.approx(1.2)]
    assert rows.iloc[2].tolist() == ["tablet", "a", 9, pytest.approx(1.2)]
    model.frames.clear()
    values = space.value_fn(masks)
    assert len(model.frames) == 1  # one vectorised model call for the batch
    np.testing.assert_allclose(values.numpy(), true_logit(rows), atol=1e-9)
    assert space.values == {"device": "tablet", "site": "c", "hour": "9", "bid": "3.0"}


def test_missing_baseline_and_background_mean_in_logit_space() -> None:
    model = Recorder()
    missing = RawExplainer(model, REF, off="missing", output="probability")
    off = missing.space(ROW).rows(torch.zeros(1, 4, dtype=torch.bool))
    assert off.isna().all(axis=None)  # NaN in text, category, integer and float columns

    with pytest.warns(UserWarning, match="taken as click probabilities"):
        background = RawExplainer(model, REF, off="background", n_background=4, seed=3)
    assert background.n_baseline == 4 and background.output == "probability"
    space = background.space(ROW)
    masks = torch.tensor([[1, 0, 1, 0], [0, 1, 1, 1]], dtype=torch.bool)
    rows = space.rows(masks)
    assert len(rows) == 8  # K = 4 rows per mask, mask b owns rows 4b .. 4b + 3
    bg = background.baseline
    np.testing.assert_array_equal(rows["site"].iloc[:4].astype(str), bg["site"].astype(str))
    assert (rows["device"].iloc[:4] == "tablet").all() and (rows["hour"].iloc[4:] == 9).all()
    expected = true_logit(rows).reshape(2, 4).mean(axis=1)  # the mean of the logits
    np.testing.assert_allclose(space.value_fn(masks).numpy(), expected, atol=1e-9)


def test_batches_are_chunked_to_max_batch_size_rows() -> None:
    model = Recorder()
    explainer = RawExplainer(model, REF, n_background=3, max_batch_size=10, output="probability")
    space = explainer.space(ROW)
    assert space.max_batch_size == 3  # masks per call: 10 rows // 3 background rows
    masks = torch.rand(40, 4, generator=torch.Generator().manual_seed(0)) < 0.5
    model.frames.clear()
    values = interactkit.Querier(space, check_determinism=False)(masks)
    assert values.shape == (40,)
    assert max(len(f) for f in model.frames) <= 10


def test_output_kinds_and_the_guess_warning() -> None:
    def small_logits(frame: pd.DataFrame) -> np.ndarray:
        return 0.5 + 0.1 * np.tanh(true_logit(frame))  # logits that happen to lie in [0, 1]

    with pytest.warns(UserWarning, match="output='logit'"):
        guessed = RawExplainer(small_logits, REF)
    assert guessed.output == "probability"
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        told = RawExplainer(small_logits, REF, output="logit")
        wide = RawExplainer(lambda f: 3.0 * true_logit(f), REF)  # outside [0, 1]: no guess
    assert told.output == "logit" and wide.output == "logit"
    np.testing.assert_allclose(told.predict_logits(ROW).numpy(), small_logits(ROW))
    with pytest.raises(ModelOutputError, match="output='logit'"):
        RawExplainer(lambda f: 3.0 * true_logit(f), REF, output="probability")


def test_predict_proba_objects_need_no_guess() -> None:
    class Classifier:
        classes_ = np.array([0, 1])

        def predict_proba(self, frame: pd.DataFrame) -> np.ndarray:
            p = 1.0 / (1.0 + np.exp(-true_logit(frame)))
            return np.stack([1 - p, p], axis=1)

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        explainer = RawExplainer(Classifier(), REF, off="mode")
    assert explainer.output == "probability"
    np.testing.assert_allclose(explainer.predict_logits(ROW).numpy(), true_logit(ROW), atol=1e-9)
    with pytest.raises(ValueError, match="predict_proba"):
        RawExplainer(Classifier(), REF, output="logit")


def test_raw_model_errors() -> None:
    with pytest.raises(ModelOutputError, match=r"predict_proba\(df\)\[:, 1\]"):
        RawExplainer(lambda f: np.zeros((len(f), 2)), REF)

    def refuses_nan(frame: pd.DataFrame) -> np.ndarray:
        if frame["device"].isna().any():
            raise ValueError("unknown device")
        return true_logit(frame)

    with pytest.raises(ModelOutputError, match="another baseline"):
        RawExplainer(refuses_nan, REF, off="missing", output="logit")
    explainer = RawExplainer(refuses_nan, REF, output="logit")
    with pytest.raises(DataFormatError, match="missing \\['bid'\\]"):
        explainer.space(ROW.drop(columns="bid"))
    with pytest.raises(DataFormatError, match="label column"):
        RawExplainer(refuses_nan, REF, label="click", output="logit").spaces(ROW.assign(click=1))
    with pytest.raises(DataFormatError, match="no value for the explained fields"):
        RawExplainer(refuses_nan, REF, off={"device": "phone"}, output="logit")
    given = RawExplainer(
        refuses_nan, REF, off={"device": "phone", "site": "a", "hour": 0, "bid": 1.0}
    )
    assert given.space(ROW).rows(torch.zeros(1, 4, dtype=torch.bool)).iloc[0, 0] == "phone"
    with pytest.raises(TypeError, match="predict_proba"):
        RawExplainer(object(), REF)
    with pytest.raises(ValueError, match="off must be one of"):
        RawExplainer(refuses_nan, REF, off="zero")


def test_raw_rows_of_loaded_data_and_frame_data() -> None:
    frame = pd.concat([REF] * 20, ignore_index=True)
    frame["click"] = np.arange(len(frame)) % 3 == 0
    data = frame_data(frame, "click", seed=0)
    assert len(data.train) + len(data.val) + len(data.test) == len(frame)
    raw = data.raw_rows("val")
    assert list(raw.columns) == list(REF.columns) and len(raw) == len(data.val)
    # row i of the raw split is row i of the encoded split
    encoded = data.encode(raw)
    pd.testing.assert_frame_equal(encoded, data.val.frame, check_dtype=False)
    with pytest.raises(ValueError, match="part must be"):
        data.raw_rows("dev")


# ----------------------------------------------------------------------------- real models


@pytest.fixture(scope="module")
def clicks():
    """Synthetic ad clicks with stronger planted interactions (the fast tests' settings)."""
    return make_ad_clicks(n_rows=40_000, seed=0, strength=1.5)


def _recall(g, planted):
    return ground_truth_report([it.names for it in g.interactions], planted)


def test_hgb_pipeline_planted_sets_recovered(clicks, one_thread_everywhere) -> None:
    pytest.importorskip("sklearn")
    data, planted = clicks
    pipe = hgb_pipeline(data.raw_rows("train"), data.train.labels)
    explainer = RawExplainer(pipe, data, n_background=8)  # predict_proba: probabilities
    spaces = explainer.spaces(data.raw_rows("val").head(30))
    g = interactkit.glider(spaces, k=10, n_samples=2000, hidden=(64, 32), seed=0)
    rep = _recall(g, planted)
    assert rep.recall_contained == 1.0, rep
    assert rep.recall_exact >= 0.75, rep


class DeepFMOnRawRows:
    """The test's own DeepCTR-Torch DeepFM behind its own label encoders (a rare index for
    values seen < 10 times, index 0 for unseen and missing values): ``predict(df) -> p``."""

    def __init__(self, train: pd.DataFrame, labels: np.ndarray, epochs: int = 10) -> None:
        from deepctr_torch.inputs import DenseFeat, SparseFeat
        from deepctr_torch.models import DeepFM

        self.text = [c for c in train.columns if not pd.api.types.is_numeric_dtype(train[c])]
        self.dense = [c for c in train.columns if c not in self.text]
        self.vocab = {}
        for c in self.text:
            counts = train[c].value_counts()
            self.vocab[c] = {v: i + 2 if n >= 10 else 1 for i, (v, n) in enumerate(counts.items())}
        self.mean = {c: float(train[c].mean()) for c in self.dense}
        columns = [SparseFeat(c, len(self.vocab[c]) + 2, embedding_dim=8) for c in self.text]
        columns += [DenseFeat(c, 1) for c in self.dense]
        torch.manual_seed(0)
        self.model = DeepFM(
            columns, columns, task="binary", dnn_hidden_units=(256, 128), device="cpu", seed=0
        )
        self.model.compile(
            torch.optim.Adam(self.model.parameters(), lr=2e-3), "binary_crossentropy"
        )
        self.model.fit(self.inputs(train), labels, batch_size=512, epochs=epochs, verbose=0)
        self.order = list(self.model.feature_index)

    def inputs(self, frame: pd.DataFrame) -> dict[str, np.ndarray]:
        out = {c: frame[c].map(self.vocab[c]).fillna(0).to_numpy(np.int64) for c in self.text}
        out.update({c: frame[c].fillna(self.mean[c]).to_numpy(np.float64) for c in self.dense})
        return out

    def __call__(self, frame: pd.DataFrame) -> np.ndarray:
        d = self.inputs(frame)
        x = torch.from_numpy(np.stack([d[c].astype(np.float32) for c in self.order], axis=1))
        self.model.eval()
        with torch.no_grad():
            return self.model(x)[:, 0].numpy()


def test_deepctr_model_behind_own_encoders_planted_sets_recovered(
    clicks, one_thread_everywhere
) -> None:
    pytest.importorskip("deepctr_torch")
    data, planted = clicks
    model = DeepFMOnRawRows(data.raw_rows("train"), data.train.labels)
    explainer = RawExplainer(model, data, n_background=8, output="probability")
    spaces = explainer.spaces(data.raw_rows("val").head(30))
    g = interactkit.glider(spaces, k=10, n_samples=2000, hidden=(64, 32), seed=0)
    rep = _recall(g, planted)
    assert rep.recall_contained == 1.0, rep
    assert rep.recall_exact >= 0.75, rep


@pytest.mark.slow
def test_audit_of_a_pipeline_end_to_end_at_default_strength(one_thread_everywhere) -> None:
    """The whole audit on a user's pipeline at the synthetic data's default strength: every
    planted set selected exactly, and crossing the selected sets helps a Wide&Deep target."""
    pytest.importorskip("deepctr_torch")
    from interactkit.adapters.ctr import AuditConfig, audit

    data, _ = make_ad_clicks(n_rows=40_000, seed=0)
    pipe = hgb_pipeline(data.raw_rows("train"), data.train.labels)
    config = AuditConfig().replace(
        detector={"n_samples": 3000},
        glider={"instances": 150, "k": 20},
        targets={"models": ("wdl",), "seeds": 1, "max_epochs": 3},
    )
    result = audit(pipe, data, config)
    assert result.model.inputs == "raw"
    assert result.planted_recall == 1.0, result.ground_truth
    summary = result.crossing_summary().set_index("variant")
    assert summary.loc["glider", "auc_mean"] > summary.loc["base", "auc_mean"]
    assert summary.loc["glider", "auc_mean"] > summary.loc["random", "auc_mean"]
